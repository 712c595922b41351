// The real `activityfeed` binary as an admin CLI: tenant add/list, token issue/revoke,
// emit, drain, demo-data, --help/--version, unknown commands, and the managed local
// database (initdb on first use under --data-dir, reused by the next run, stopped when
// unused, and a running cluster shared with another instance).
#include "db/managedpostgres.h"
#include "pgharness.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <chrono>
#include <cstdio>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

struct CliRun {
    int code = -1;
    bool crashed = false;
    QString out, err;
    qint64 ms = 0;
};

/// Starts the binary in @p p with no database URL in its environment (only what the
/// args say).
void startCli(QProcess &p, const QStringList &args, const QString &program = QStringLiteral(AF_BINARY_PATH))
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("ACTIVITYFEED_DATABASE_URL"));
    env.remove(QStringLiteral("DATABASE_URL"));
    p.setProcessEnvironment(env);
    p.start(program, args);
}

/// Runs the binary as startCli starts it, to the end.
CliRun cli(const QStringList &args, int timeoutMs = 120000,
           const QString &program = QStringLiteral(AF_BINARY_PATH))
{
    QProcess p;
    const auto t0 = Clock::now();
    startCli(p, args, program);
    CliRun r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        ADD_FAILURE() << "activityfeed " << args.join(' ').toStdString() << " did not finish";
        return r;
    }
    r.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.code = r.crashed ? -1 : p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

std::string show(const CliRun &r)
{
    return "exit " + std::to_string(r.code) + "\nstdout: " + r.out.toStdString() +
           "\nstderr: " + r.err.toStdString();
}

/// A failure as the contract wants it: non-zero exit, no crash, nothing on stdout, and
/// a sentence on stderr — no exception dump, no stack trace.
void expectCleanFailure(const CliRun &r, const QString &mustMention = {})
{
    EXPECT_FALSE(r.crashed) << show(r);
    EXPECT_NE(r.code, 0) << show(r);
    EXPECT_TRUE(r.out.isEmpty()) << show(r);
    EXPECT_TRUE(r.err.startsWith(QLatin1String("activityfeed: "))) << show(r);
    for (const char *bad : {"terminate called", "what()", "Aborted", "std::", "pqxx::", "Segmentation",
                            "ERROR:  ", "#0 "}) {
        EXPECT_FALSE(r.err.contains(QLatin1String(bad))) << show(r);
    }
    if (!mustMention.isEmpty()) {
        EXPECT_TRUE(r.err.contains(mustMention, Qt::CaseInsensitive)) << show(r);
    }
}

QJsonObject onlyJsonLine(const CliRun &r)
{
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    EXPECT_EQ(lines.size(), 1) << show(r);
    EXPECT_TRUE(r.out.endsWith(QLatin1Char('\n')));
    QJsonParseError e;
    const QJsonDocument d = QJsonDocument::fromJson(lines.value(0).toUtf8(), &e);
    EXPECT_EQ(e.error, QJsonParseError::NoError) << show(r);
    EXPECT_TRUE(d.isObject()) << show(r);
    return d.object();
}

class Cli : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_cs = aftest::freshDatabase("cli");
        m_url = QString::fromStdString(m_cs);
    }
    /// The command with --database-url of this test's database.
    CliRun run(QStringList args, int timeoutMs = 120000)
    {
        args << QStringLiteral("--database-url") << m_url;
        return cli(args, timeoutMs);
    }
    std::string m_cs;
    QString m_url;
};

TEST_F(Cli, TenantAddJsonPrintsOneLineAndADuplicateFailsCleanly)
{
    const CliRun r = run({QStringLiteral("tenant"), QStringLiteral("add"), QStringLiteral("Acme"),
                       QStringLiteral("--json")});
    ASSERT_EQ(r.code, 0) << show(r);
    const QJsonObject o = onlyJsonLine(r);
    EXPECT_EQ(o.keys(), (QStringList{QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("token")}));
    EXPECT_TRUE(o.value(QStringLiteral("id")).isDouble());
    const int id = o.value(QStringLiteral("id")).toInt();
    EXPECT_GT(id, 0);
    EXPECT_EQ(o.value(QStringLiteral("name")).toString(), QStringLiteral("Acme"));
    const QString token = o.value(QStringLiteral("token")).toString();
    EXPECT_TRUE(QRegularExpression(QStringLiteral("^aft_[A-Za-z0-9_-]{43}$")).match(token).hasMatch())
        << token.toStdString();
    EXPECT_EQ(r.out, QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) + '\n');
    // Stored: the tenant and only the SHA-256 of its token.
    EXPECT_EQ(1, aftest::queryNumber(m_cs, "SELECT count(*) FROM tenants WHERE id = " + std::to_string(id) +
                                  " AND name = 'Acme'"));
    EXPECT_EQ(1, aftest::queryNumber(m_cs, "SELECT count(*) FROM api_tokens WHERE tenant_id = " + std::to_string(id) +
                                  " AND token_sha256 = sha256(convert_to('" + token.toStdString() +
                                  "', 'UTF8')) AND revoked_at IS NULL"));

    const CliRun dup = run({QStringLiteral("tenant"), QStringLiteral("add"), QStringLiteral("Acme"),
                         QStringLiteral("--json")});
    expectCleanFailure(dup, QStringLiteral("already exists"));
    EXPECT_EQ(dup.err.count(QLatin1Char('\n')), 1) << show(dup);
    EXPECT_EQ(1, aftest::queryNumber(m_cs, "SELECT count(*) FROM tenants"));
    EXPECT_EQ(1, aftest::queryNumber(m_cs, "SELECT count(*) FROM api_tokens"));

    // Plain output names the tenant and its token.
    const CliRun plain = run({QStringLiteral("tenant"), QStringLiteral("add"), QStringLiteral("Beta")});
    ASSERT_EQ(plain.code, 0) << show(plain);
    EXPECT_TRUE(plain.out.contains(QLatin1String("Beta")) && plain.out.contains(QLatin1String("aft_")))
        << show(plain);
}

TEST_F(Cli, EmitQueuesAValidEventAndRefusesBadOnesWritingNothing)
{
    ASSERT_EQ(run({QStringLiteral("tenant"), QStringLiteral("add"), QStringLiteral("Acme")}).code, 0);
    const CliRun ok = run({QStringLiteral("emit"), QStringLiteral("Acme"), QStringLiteral("badge_earned"),
                        QStringLiteral(R"({"badgeName":"Bug Hunter","xpAwarded":25})")});
    ASSERT_EQ(ok.code, 0) << show(ok);
    EXPECT_EQ(1, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue WHERE event_type = 'badge_earned' "
                              "AND payload_json = '{\"badgeName\":\"Bug Hunter\",\"xpAwarded\":25}' "
                              "AND tenant_id = (SELECT id FROM tenants WHERE name = 'Acme') "
                              "AND NOT processed"));
    // By tenant id, without a payload.
    const std::string id = std::to_string(aftest::queryNumber(m_cs, "SELECT id FROM tenants WHERE name = 'Acme'"));
    const CliRun byId = run({QStringLiteral("emit"), QString::fromStdString(id), QStringLiteral("all_tasks_cleared")});
    ASSERT_EQ(byId.code, 0) << show(byId);
    EXPECT_EQ(2, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));

    struct Bad {
        QStringList args;
        QString mention;
    };
    const Bad bad[] = {
        {{QStringLiteral("emit"), QStringLiteral("Acme"), QStringLiteral("badge_erned"), QStringLiteral("{}")},
         QStringLiteral("eventType 'badge_erned' is not known")},
        {{QStringLiteral("emit"), QStringLiteral("Acme"), QStringLiteral("badge_earned"), QStringLiteral("{\"a\":")},
         QStringLiteral("JSON")},
        {{QStringLiteral("emit"), QStringLiteral("Acme"), QStringLiteral("badge_earned"), QStringLiteral("[1,2]")},
         QStringLiteral("JSON object")},
        {{QStringLiteral("emit"), QStringLiteral("Nobody"), QStringLiteral("badge_earned"), QStringLiteral("{}")},
         QStringLiteral("Nobody")},
        {{QStringLiteral("emit"), QStringLiteral("424242"), QStringLiteral("badge_earned"), QStringLiteral("{}")},
         QStringLiteral("424242")},
        {{QStringLiteral("emit"), QStringLiteral("Acme")}, QStringLiteral("usage")},
    };
    for (const Bad &b : bad) {
        SCOPED_TRACE(b.args.join(' ').toStdString());
        expectCleanFailure(run(b.args), b.mention);
    }
    EXPECT_EQ(2, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));
}

TEST_F(Cli, DrainPrintsRowsAndEventsPlainAndJson)
{
    ASSERT_EQ(run({QStringLiteral("tenant"), QStringLiteral("add"), QStringLiteral("Acme")}).code, 0);
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(run({QStringLiteral("emit"), QStringLiteral("Acme"), QStringLiteral("tasks_burst"),
                       QStringLiteral("{\"count\":%1}").arg(10 + i)})
                      .code,
                  0);
    ASSERT_EQ(run({QStringLiteral("emit"), QStringLiteral("Acme"), QStringLiteral("streak_milestone"),
                   QStringLiteral("{\"days\":7}")})
                  .code,
              0);
    const CliRun d = run({QStringLiteral("drain")});
    ASSERT_EQ(d.code, 0) << show(d);
    // Three bursts within seconds make one tile; the milestone its own event.
    EXPECT_EQ(d.out, QStringLiteral("4 queue rows → 2 events\n")) << show(d);
    EXPECT_EQ(2, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_events"));
    EXPECT_EQ(1, aftest::queryNumber(m_cs, "SELECT count(*) FROM drain_runs WHERE trigger = 'cli' AND processed = 4 "
                              "AND inserted = 2 AND finished_at IS NOT NULL"));

    ASSERT_EQ(run({QStringLiteral("emit"), QStringLiteral("Acme"), QStringLiteral("xp_rank_up"),
                   QStringLiteral(R"({"rank":"Adept","previousRank":"Apprentice","totalXp":510})")})
                  .code,
              0);
    const CliRun j = run({QStringLiteral("drain"), QStringLiteral("--json")});
    ASSERT_EQ(j.code, 0) << show(j);
    const QJsonObject o = onlyJsonLine(j);
    EXPECT_EQ(o, (QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("processed"), 1},
                              {QStringLiteral("inserted"), 1}, {QStringLiteral("updated"), 0},
                              {QStringLiteral("removed"), 0}}));
    const CliRun empty = run({QStringLiteral("drain")});
    EXPECT_EQ(empty.out, QStringLiteral("0 queue rows → 0 events\n")) << show(empty);
}

TEST_F(Cli, TenantListAndTokenIssueRevoke)
{
    for (const char *name : {"Acme", "Beta"})
        ASSERT_EQ(run({QStringLiteral("tenant"), QStringLiteral("add"), QString::fromUtf8(name)}).code, 0);
    const CliRun issue = run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("Beta"),
                           QStringLiteral("--json")});
    ASSERT_EQ(issue.code, 0) << show(issue);
    const QJsonObject tok = onlyJsonLine(issue);
    const int tokenId = tok.value(QStringLiteral("id")).toInt();
    const int betaId = int(aftest::queryNumber(m_cs, "SELECT id FROM tenants WHERE name = 'Beta'"));
    EXPECT_EQ(tok.value(QStringLiteral("tenantId")).toInt(), betaId);
    EXPECT_TRUE(tok.value(QStringLiteral("token")).toString().startsWith(QLatin1String("aft_")));

    const CliRun list = run({QStringLiteral("tenant"), QStringLiteral("list"), QStringLiteral("--json")});
    ASSERT_EQ(list.code, 0) << show(list);
    const QJsonArray arr = QJsonDocument::fromJson(list.out.toUtf8()).array();
    ASSERT_EQ(arr.size(), 2) << show(list);
    QMap<QString, int> active;
    for (const QJsonValue &v : arr) {
        const QJsonObject t = v.toObject();
        EXPECT_GT(t.value(QStringLiteral("id")).toInt(), 0);
        EXPECT_FALSE(t.value(QStringLiteral("created_at")).toString().isEmpty());
        active[t.value(QStringLiteral("name")).toString()] = t.value(QStringLiteral("activeTokens")).toInt(-1);
    }
    EXPECT_EQ(active.value(QStringLiteral("Acme")), 1);
    EXPECT_EQ(active.value(QStringLiteral("Beta")), 2);

    const CliRun revoke = run({QStringLiteral("token"), QStringLiteral("revoke"), QString::number(tokenId)});
    ASSERT_EQ(revoke.code, 0) << show(revoke);
    EXPECT_EQ(1, aftest::queryNumber(m_cs, "SELECT count(*) FROM api_tokens WHERE id = " + std::to_string(tokenId) +
                                  " AND revoked_at IS NOT NULL"));
    expectCleanFailure(run({QStringLiteral("token"), QStringLiteral("revoke"), QString::number(tokenId)}),
                       QString::number(tokenId));
    expectCleanFailure(run({QStringLiteral("token"), QStringLiteral("revoke"), QStringLiteral("abc")}));
    expectCleanFailure(run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("Nobody")}),
                       QStringLiteral("Nobody"));
    const CliRun plainList = run({QStringLiteral("tenant"), QStringLiteral("list")});
    EXPECT_EQ(plainList.code, 0);
    EXPECT_EQ(plainList.out.count(QLatin1Char('\n')), 2) << show(plainList);
}

TEST_F(Cli, TokenListShowsEveryTokenOfEveryTenantButNeverTheTokenOrItsHash)
{
    // Two tenants, three tokens, one of them revoked.
    QStringList secrets;
    QMap<QString, int> tenantIds;
    for (const char *name : {"Acme", "Beta"}) {
        const CliRun add = run({QStringLiteral("tenant"), QStringLiteral("add"), QString::fromUtf8(name),
                                QStringLiteral("--json")});
        ASSERT_EQ(add.code, 0) << show(add);
        const QJsonObject o = onlyJsonLine(add);
        secrets << o.value(QStringLiteral("token")).toString();
        tenantIds[QString::fromUtf8(name)] = o.value(QStringLiteral("id")).toInt();
    }
    const CliRun issue = run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("Beta"),
                              QStringLiteral("--json")});
    ASSERT_EQ(issue.code, 0) << show(issue);
    const QJsonObject issued = onlyJsonLine(issue);
    secrets << issued.value(QStringLiteral("token")).toString();
    const int revokedId = issued.value(QStringLiteral("id")).toInt();
    ASSERT_EQ(run({QStringLiteral("token"), QStringLiteral("revoke"), QString::number(revokedId)}).code, 0);

    // What must never appear: the tokens, and their SHA-256 as hex or base64.
    QStringList forbidden{QStringLiteral("aft_")};
    for (const QString &t : std::as_const(secrets)) {
        ASSERT_TRUE(t.startsWith(QLatin1String("aft_")));
        const QByteArray hash = QCryptographicHash::hash(t.toUtf8(), QCryptographicHash::Sha256);
        forbidden << t.mid(4, 12) << QString::fromLatin1(hash.toHex()).left(16)
                  << QString::fromLatin1(hash.toBase64()).left(16);
    }
    const auto expectNoTokenMaterial = [&forbidden](const CliRun &r) {
        for (const QString &f : std::as_const(forbidden))
            EXPECT_FALSE(r.out.contains(f, Qt::CaseInsensitive)) << f.toStdString() << "\n" << show(r);
    };

    const CliRun json = run({QStringLiteral("token"), QStringLiteral("list"), QStringLiteral("--json")});
    ASSERT_EQ(json.code, 0) << show(json);
    expectNoTokenMaterial(json);
    EXPECT_EQ(json.out.count(QLatin1Char('\n')), 1) << show(json);
    const QJsonArray all = QJsonDocument::fromJson(json.out.toUtf8()).array();
    ASSERT_EQ(all.size(), 3) << show(json);
    const QStringList keys{QStringLiteral("created_at"), QStringLiteral("id"), QStringLiteral("label"),
                           QStringLiteral("revoked_at"), QStringLiteral("tenantId"), QStringLiteral("tenantName")};
    int previousId = 0;
    for (const QJsonValue &v : all) {
        const QJsonObject t = v.toObject();
        EXPECT_EQ(t.keys(), keys);
        const int id = t.value(QStringLiteral("id")).toInt();
        EXPECT_GT(id, previousId) << "ordered by id";
        previousId = id;
        const QString tenant = t.value(QStringLiteral("tenantName")).toString();
        EXPECT_EQ(t.value(QStringLiteral("tenantId")).toInt(), tenantIds.value(tenant, -1)) << show(json);
        EXPECT_TRUE(t.value(QStringLiteral("created_at")).toString().endsWith(QLatin1Char('Z')));
        if (id == revokedId) {
            EXPECT_EQ(tenant, QStringLiteral("Beta"));
            EXPECT_EQ(t.value(QStringLiteral("label")).toString(), QStringLiteral("cli"));
            EXPECT_TRUE(t.value(QStringLiteral("revoked_at")).isString()) << show(json);
        } else {
            EXPECT_TRUE(t.value(QStringLiteral("revoked_at")).isNull()) << show(json);
        }
    }
    EXPECT_EQ(aftest::queryNumber(m_cs, "SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL"), 1);

    // One tenant, by name or by id.
    for (const QString &beta : {QStringLiteral("Beta"), QString::number(tenantIds.value(QStringLiteral("Beta")))}) {
        const CliRun one = run({QStringLiteral("token"), QStringLiteral("list"), beta, QStringLiteral("--json")});
        ASSERT_EQ(one.code, 0) << show(one);
        const QJsonArray betas = QJsonDocument::fromJson(one.out.toUtf8()).array();
        ASSERT_EQ(betas.size(), 2) << show(one);
        for (const QJsonValue &v : betas)
            EXPECT_EQ(v.toObject().value(QStringLiteral("tenantName")).toString(), QStringLiteral("Beta"));
    }

    // The plain table: a header and one line per token, the revoked one with its date.
    const CliRun plain = run({QStringLiteral("token"), QStringLiteral("list")});
    ASSERT_EQ(plain.code, 0) << show(plain);
    expectNoTokenMaterial(plain);
    const QStringList lines = plain.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 4) << show(plain);
    EXPECT_TRUE(QRegularExpression(QStringLiteral("^ID +TENANT +LABEL +CREATED +REVOKED$")).match(lines[0]).hasMatch())
        << show(plain);
    int revokedLines = 0;
    for (const QString &line : lines.mid(1)) {
        const QRegularExpressionMatch m =
            QRegularExpression(QStringLiteral("^(\\d+) +(\\d+) (Acme|Beta) +(\\S+) +(\\S+Z) +(-|\\S+Z)$")).match(line);
        ASSERT_TRUE(m.hasMatch()) << line.toStdString();
        if (m.captured(1).toInt() == revokedId) {
            ++revokedLines;
            EXPECT_NE(m.captured(6), QStringLiteral("-"));
        } else {
            EXPECT_EQ(m.captured(6), QStringLiteral("-"));
        }
    }
    EXPECT_EQ(revokedLines, 1);

    expectCleanFailure(run({QStringLiteral("token"), QStringLiteral("list"), QStringLiteral("Nobody")}),
                       QStringLiteral("Nobody"));
}

TEST_F(Cli, DemoData100000)
{
    const CliRun r = run({QStringLiteral("demo-data"), QStringLiteral("--events"), QStringLiteral("100000")}, 170000);
    ASSERT_EQ(r.code, 0) << show(r);
    std::printf("[ demo     ] demo-data --events 100000: %lld ms — %s", static_cast<long long>(r.ms),
                r.out.toUtf8().constData());
    RecordProperty("demo_data_ms", std::to_string(r.ms));
    EXPECT_TRUE(QRegularExpression(QStringLiteral("\\d+ queue rows → \\d+ events.*\\d+ reactions, \\d+ comments"))
                    .match(r.out)
                    .hasMatch())
        << show(r);
    // 100 000 generated rows, plus the few the real hooks of the demo activity emit.
    const long long queued = aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue");
    EXPECT_GE(queued, 100000);
    EXPECT_LE(queued, 101000);
    EXPECT_EQ(0, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue WHERE NOT processed"));
    EXPECT_EQ(queued, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_event_sources"));
    const long long events = aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_events");
    EXPECT_GT(events, 50000);
    EXPECT_LT(events, 100000) << "bursts should group into tiles";
    EXPECT_GT(aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_events WHERE payload_json ? 'count'"), 1000);
    EXPECT_EQ(6, aftest::queryNumber(m_cs, "SELECT count(DISTINCT event_type) FROM activity_events"));
    EXPECT_GE(aftest::queryNumber(m_cs, "SELECT count(*) FROM tenants"), 3);
    EXPECT_GT(aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_reactions"), 1000);
    EXPECT_GT(aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_comments"), 100);
    EXPECT_EQ(0, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_reactions r JOIN activity_events e "
                              "ON e.id = r.event_id WHERE r.from_tenant_id = e.tenant_id"))
        << "nobody reacts to their own events";
}

TEST(CliNoDatabase, HelpVersionAndUnknownCommandTouchNoDatabase)
{
    // A fresh, unmigrated database and an empty data directory: neither may be touched.
    const std::string cs = aftest::PgCluster::instance().createDatabase("untouched");
    QTemporaryDir dir(QStringLiteral("/tmp/afcli-XXXXXX"));
    ASSERT_TRUE(dir.isValid());
    for (const QStringList &args : {QStringList{QStringLiteral("--help")}, QStringList{QStringLiteral("--version")},
                                    QStringList{QStringLiteral("drain"), QStringLiteral("--help")}}) {
        const CliRun r = cli(args + QStringList{QStringLiteral("--data-dir"), dir.path()});
        EXPECT_EQ(r.code, 0) << show(r);
        EXPECT_FALSE(r.out.isEmpty());
    }
    EXPECT_TRUE(cli({QStringLiteral("--help")}).out.contains(QLatin1String("demo-data")));
    EXPECT_TRUE(QRegularExpression(QStringLiteral("^activityfeed \\d+\\.\\d+"))
                    .match(cli({QStringLiteral("--version")}).out)
                    .hasMatch());

    const CliRun withUrl = cli({QStringLiteral("frobnicate"), QStringLiteral("--database-url"),
                             QString::fromStdString(cs)});
    expectCleanFailure(withUrl, QStringLiteral("unknown command"));
    EXPECT_EQ(0, aftest::queryNumber(cs, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
        << "an unknown command migrated the database";
    const CliRun managed = cli({QStringLiteral("frobnicate"), QStringLiteral("--data-dir"), dir.path()});
    expectCleanFailure(managed, QStringLiteral("unknown command"));
    EXPECT_TRUE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty())
        << "an unknown command created a local cluster";
    const CliRun badOption = cli({QStringLiteral("drain"), QStringLiteral("--no-such-option"),
                               QStringLiteral("--data-dir"), dir.path()});
    EXPECT_NE(badOption.code, 0);
    EXPECT_FALSE(badOption.crashed);
    EXPECT_TRUE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
}

/// A fresh directory under /tmp (@p prefix, @p mode; dir is empty if none could be
/// made); at the end it stops a managed cluster left running there by a failed test,
/// then removes the directory.
struct ManagedDirGuard {
    QString dir;
    explicit ManagedDirGuard(mode_t mode, const char *prefix = "afcli")
    {
        QByteArray tmpl = QByteArray("/tmp/") + prefix + "-XXXXXX";
        if (!::mkdtemp(tmpl.data()))
            return;
        if (::chmod(tmpl.constData(), mode) == 0)
            dir = QString::fromLocal8Bit(tmpl);
        else
            ::rmdir(tmpl.constData());
    }
    ManagedDirGuard(const ManagedDirGuard &) = delete;
    ManagedDirGuard &operator=(const ManagedDirGuard &) = delete;
    ~ManagedDirGuard()
    {
        if (dir.isEmpty())
            return;
        if (QFileInfo::exists(dir + QStringLiteral("/pgdata/postmaster.pid"))) {
            af::ManagedPostgres::Options o;
            o.dataDir = dir;
            try {
                af::ManagedPostgres(o).stop(true);
            } catch (...) {
            }
        }
        QDir(dir).removeRecursively();
    }
};

TEST(CliManaged, NoUrlCreatesTheLocalClusterOnceAndReusesIt)
{
    const ManagedDirGuard guard(0755);
    ASSERT_FALSE(guard.dir.isEmpty());
    const QString &dir = guard.dir;
    const QString pgdata = dir + QStringLiteral("/pgdata");
    const QString pid = pgdata + QStringLiteral("/postmaster.pid");
    const QRegularExpression versionLine(
        QStringLiteral("^database is at schema version (\\d+) \\(local database in %1\\)\n$")
            .arg(QRegularExpression::escape(pgdata)));

    const CliRun first = cli({QStringLiteral("migrate"), QStringLiteral("--data-dir"), dir});
    ASSERT_EQ(first.code, 0) << show(first);
    const auto m1 = versionLine.match(first.out);
    EXPECT_TRUE(m1.hasMatch()) << show(first);
    EXPECT_GE(m1.captured(1).toInt(), 4);
    EXPECT_TRUE(first.err.contains(QLatin1String("creating the local database cluster"))) << show(first);
    ASSERT_TRUE(QFileInfo::exists(pgdata + QStringLiteral("/PG_VERSION")));
    EXPECT_FALSE(QFileInfo::exists(pid)) << "the managed server should stop when the command ends";
    struct stat st1 {};
    ASSERT_EQ(::stat((pgdata + QStringLiteral("/PG_VERSION")).toLocal8Bit().constData(), &st1), 0);

    const CliRun second = cli({QStringLiteral("migrate"), QStringLiteral("--data-dir"), dir});
    ASSERT_EQ(second.code, 0) << show(second);
    EXPECT_EQ(versionLine.match(second.out).captured(1), m1.captured(1)) << show(second);
    EXPECT_FALSE(second.err.contains(QLatin1String("creating"))) << show(second);
    struct stat st2 {};
    ASSERT_EQ(::stat((pgdata + QStringLiteral("/PG_VERSION")).toLocal8Bit().constData(), &st2), 0);
    EXPECT_EQ(st1.st_ino, st2.st_ino) << "the cluster was created again";
    EXPECT_EQ(st1.st_mtim.tv_sec, st2.st_mtim.tv_sec);
    EXPECT_EQ(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
    EXPECT_LT(second.ms, first.ms) << "reusing the cluster should be faster than creating it";
    EXPECT_FALSE(QFileInfo::exists(pid));
    std::printf("[ managed  ] first migrate (initdb) %lld ms, second (reuse) %lld ms\n",
                static_cast<long long>(first.ms), static_cast<long long>(second.ms));

    // A second instance reuses a running cluster, and leaves it running while another
    // activityfeed connection uses it.
    af::ManagedPostgres::Options o;
    o.dataDir = dir;
    o.quiet = true;
    af::ManagedPostgres pg(o);
    pg.ensureRunning();
    ASSERT_TRUE(QFileInfo::exists(pid));
    {
        pqxx::connection mine(pg.connectionString()); // application_name=activityfeed
        const CliRun add = cli({QStringLiteral("tenant"), QStringLiteral("add"), QStringLiteral("Shared"),
                             QStringLiteral("--data-dir"), dir});
        ASSERT_EQ(add.code, 0) << show(add);
        EXPECT_FALSE(add.err.contains(QLatin1String("creating"))) << show(add);
        pqxx::nontransaction tx(mine);
        EXPECT_EQ(1, tx.exec1("SELECT count(*) FROM tenants WHERE name = 'Shared'")[0].as<int>());
        EXPECT_TRUE(QFileInfo::exists(pid)) << "the CLI stopped a server another instance uses";
    }
    pg.stop();
    EXPECT_FALSE(QFileInfo::exists(pid));
}

TEST(CliManaged, ALastingConnectionKeepsTheServerUpAndOneClosingAsTheCommandEndsDoesNot)
{
    // An instance of an older version holds no file lock: only its connections
    // (application_name=activityfeed) say it uses the server. One that stays keeps the
    // server running; one that goes while the command is ending (as the command's own
    // closed connections do, still listed until their backends exit) does not.
    const ManagedDirGuard guard(0755);
    ASSERT_FALSE(guard.dir.isEmpty());
    const QString &dir = guard.dir;
    const QString pid = dir + QStringLiteral("/pgdata/postmaster.pid");
    std::string cs;
    {
        af::ManagedPostgres::Options o;
        o.dataDir = dir;
        o.quiet = true;
        af::ManagedPostgres pg(o);
        pg.ensureRunning();
        cs = pg.connectionString(); // it goes without stopping the server, and its lock with it
    }
    ASSERT_TRUE(QFileInfo::exists(pid));
    const char *checkQuery = "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                             "AND query LIKE 'SELECT count(*) FROM pg_stat_activity%'";
    {
        pqxx::connection older(cs);
        const CliRun list = cli({QStringLiteral("tenant"), QStringLiteral("list"), QStringLiteral("--data-dir"), dir});
        ASSERT_EQ(list.code, 0) << show(list);
        EXPECT_TRUE(QFileInfo::exists(pid)) << "the command stopped a server an older instance uses";
        EXPECT_GE(list.ms, std::chrono::milliseconds(af::ManagedPostgres::kInUseSettle).count())
            << "the command took a lasting connection as in use before it had lasted";
    }

    auto older = std::make_unique<pqxx::connection>(cs);
    QProcess p;
    startCli(p, {QStringLiteral("tenant"), QStringLiteral("list"), QStringLiteral("--data-dir"), dir});
    ASSERT_TRUE(p.waitForStarted(10000));
    // Closed once the command is looking at who else is connected.
    bool looking = false;
    for (const auto deadline = Clock::now() + std::chrono::seconds(60); !looking && Clock::now() < deadline;) {
        pqxx::nontransaction tx(*older);
        looking = tx.exec1(checkQuery)[0].as<int>() > 0;
        tx.commit();
        if (!looking && p.waitForFinished(5))
            break;
    }
    ASSERT_TRUE(looking) << "the command ended without waiting for a connection listed as it ended to go: "
                         << p.readAllStandardError().toStdString();
    older.reset();
    ASSERT_TRUE(p.waitForFinished(60000));
    EXPECT_EQ(p.exitCode(), 0) << p.readAllStandardError().toStdString();
    EXPECT_FALSE(QFileInfo::exists(pid)) << "a connection that closed as the command ended kept the server running";
}

TEST(CliManaged, RootKeepsAClusterWithTheUserThatOwnsIt)
{
    // The service's cluster belongs to its own user; an admin who runs a command on the
    // same data dir as root must leave it so (handing it to 'postgres' would lock the
    // service out of its data).
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root";
    const passwd *nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    const ManagedDirGuard guard(0750);
    ASSERT_FALSE(guard.dir.isEmpty());
    const QString &dir = guard.dir;
    ASSERT_EQ(::chown(dir.toLocal8Bit().constData(), nobody->pw_uid, nobody->pw_gid), 0);
    // The build tree may sit below a directory 'nobody' cannot enter (a clone in a private
    // temporary directory): it runs a copy of the binary from a directory it can reach.
    const ManagedDirGuard binGuard(0755, "afclibin");
    ASSERT_FALSE(binGuard.dir.isEmpty());
    const QString &binDir = binGuard.dir;
    const QString bin = binDir + QStringLiteral("/activityfeed");
    ASSERT_TRUE(QFile::copy(QStringLiteral(AF_BINARY_PATH), bin));
    ::chmod(bin.toLocal8Bit().constData(), 0755);
    const auto asNobody = [&dir, &bin](QStringList args) {
        return cli(QStringList{QStringLiteral("-u"), QStringLiteral("nobody"), QStringLiteral("--"), bin}
                       + args + QStringList{QStringLiteral("--data-dir"), dir},
                   120000, QStringLiteral("runuser"));
    };
    const CliRun made = asNobody({QStringLiteral("tenant"), QStringLiteral("add"), QStringLiteral("Svc")});
    ASSERT_EQ(made.code, 0) << show(made);

    const CliRun asRoot = cli({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("Svc"),
                               QStringLiteral("--data-dir"), dir});
    ASSERT_EQ(asRoot.code, 0) << show(asRoot);
    for (const QString &path : {dir, dir + QStringLiteral("/run"), dir + QStringLiteral("/pgdata")}) {
        struct stat st {};
        ASSERT_EQ(::stat(path.toLocal8Bit().constData(), &st), 0) << path.toStdString();
        EXPECT_EQ(st.st_uid, nobody->pw_uid) << path.toStdString() << " changed hands";
    }
    // The owner still runs its cluster and sees what root did.
    const CliRun list = asNobody({QStringLiteral("token"), QStringLiteral("list"), QStringLiteral("--json")});
    ASSERT_EQ(list.code, 0) << show(list);
    EXPECT_EQ(QJsonDocument::fromJson(list.out.toUtf8()).array().size(), 2) << show(list);
}

} // namespace
