// feed query: 1 000 000 events, 3 000 000 reactions, 500 000 comments; the first page and
// a page 200 000 events deep, through FeedService (server side) and over HTTP; EXPLAIN
// (ANALYZE, BUFFERS) of both and of the kept-page check saved beside the figures. Then wrk
// on a static file, /api/me and both pages of the same server, and the pages' shares.
#include "benchdata.h"
#include "benchutil.h"
#include "sections.h"

#include "feed/feedservice.h"
#include "db/connectionpool.h"
#include "feed/tenants.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThread>

#include <pqxx/pqxx>

#include <cmath>
#include <cstdio>
#include <iterator>

namespace afbench {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Lat {
    double p50 = 0, p99 = 0;
};

template<typename F>
Lat measure(int n, F &&call)
{
    std::vector<double> v;
    v.reserve(size_t(n));
    for (int i = 0; i < n; ++i) {
        const std::int64_t a = nowNs();
        call();
        v.push_back(double(nowNs() - a) / 1e6);
    }
    Lat l;
    l.p50 = quantile(v, 0.5);
    l.p99 = quantile(v, 0.99);
    return l;
}

/// Starts `activityfeed serve` on @p port against @p cs; waits until it answers.
bool startServe(QProcess &p, const BenchEnv &env, const std::string &cs, int port, const QString &log)
{
    QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
    pe.insert(QStringLiteral("MC_API_SECRET"), QStringLiteral("bench-secret"));
    p.setProcessEnvironment(pe);
    p.setStandardOutputFile(log);
    p.setStandardErrorFile(log, QIODevice::Append);
    p.start(env.activityfeed, {QStringLiteral("serve"), QStringLiteral("--database-url"),
                               QString::fromStdString(cs), QStringLiteral("--listen"),
                               QStringLiteral("127.0.0.1:%1").arg(port)});
    if (!p.waitForStarted())
        return false;
    for (int i = 0; i < 600; ++i) {
        HttpClient c(port);
        if (c.request("GET", "/healthz").status == 200)
            return true;
        QThread::msleep(50); // polling interval while serve starts (bench, asserts nothing)
    }
    return false;
}

void stopProcess(QProcess &p)
{
    if (p.state() == QProcess::NotRunning)
        return;
    p.terminate(); // SIGTERM to this child's pid
    if (!p.waitForFinished(15000)) {
        p.kill();
        p.waitForFinished();
    }
}

/// The feed filtered by event type (`eventType=`): a type that is a sixth of the rows, and
/// two such types at the depth of the unfiltered deep page. EXPLAIN (ANALYZE, BUFFERS) of
/// both, as the prepared statement runs them, goes beside the figures; the figure "index
/// scan" is 1 when every plan reads activity_events only through the type index.
void benchFilteredFeed(BenchEnv &env, const std::string &cs, int depth, int calls, int runs,
                       QJsonObject &section)
{
    const QStringList one{QStringLiteral("streak_milestone")};
    const QStringList two{QStringLiteral("xp_rank_up"), QStringLiteral("tasks_burst")};
    std::string deepCursor;
    bool indexOnly = true;
    {
        pqxx::connection conn(cs);
        pqxx::read_transaction tx(conn);
        const auto pos = tx.exec_params1(
            "SELECT created_at::text, seq, af_cursor(created_at, seq::text) FROM activity_events "
            "WHERE event_type IN ('xp_rank_up', 'tasks_burst') "
            "ORDER BY created_at DESC, seq DESC OFFSET $1 LIMIT 1", depth / 3 - 1);
        deepCursor = pos[2].as<std::string>();
        af::FeedService::prepare(conn);
        const struct {
            QString name;
            std::string ts, seq, types;
        } plans[] = {{QStringLiteral("first"), "infinity", "0", "streak_milestone"},
                     {QStringLiteral("deep"), pos[0].as<std::string>(), pos[1].as<std::string>(),
                      "xp_rank_up,tasks_burst"}};
        for (const auto &p : plans) {
            for (int warm = 0; warm < 6; ++warm) // prepares it, and past the custom-plan phase
                tx.exec_prepared("api_feed_types", p.ts, p.seq, 20, 1, p.types);
            const auto plan = tx.exec("EXPLAIN (ANALYZE, BUFFERS) EXECUTE api_feed_types(" + tx.quote(p.ts)
                                      + ", " + p.seq + ", 20, 1, " + tx.quote(p.types) + ")");
            QByteArray text;
            for (const auto &row : plan)
                text += QByteArray(row[0].c_str()) + '\n';
            // activity_events itself is read only through the type index; a Seq Scan or the
            // unfiltered feed index would read other types' rows too.
            const bool typeIndex = text.contains("activity_events_type_feed_idx");
            const bool seqScan = text.contains("Seq Scan on activity_events")
                || text.contains("activity_events_feed_idx");
            indexOnly = indexOnly && typeIndex && !seqScan;
            std::printf("  filtered %s page plan: %s\n", qPrintable(p.name),
                        typeIndex && !seqScan ? "index scan on activity_events_type_feed_idx"
                                              : "NOT the type index (see explain-feed-filtered-*.txt)");
            QFile f(env.outDir + QStringLiteral("/explain-feed-filtered-%1.txt").arg(p.name));
            if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
                f.write(text);
        }
    }
    af::ConnectionPool pool(cs, 4);
    af::FeedService feed(pool, 0);
    af::FeedQuery first{{}, 20, std::nullopt, one};
    af::FeedQuery deep{QString::fromStdString(deepCursor), 20, std::nullopt, two};
    for (int i = 0; i < 200; ++i) {
        (void)feed.eventsPage(1, first);
        (void)feed.eventsPage(1, deep);
    }
    std::vector<double> f50, f99, d50, d99;
    for (int run = 0; run < runs; ++run) {
        const Lat f = measure(calls, [&] { (void)feed.eventsPage(1, first); });
        const Lat d = measure(calls, [&] { (void)feed.eventsPage(1, deep); });
        f50.push_back(f.p50), f99.push_back(f.p99), d50.push_back(d.p50), d99.push_back(d.p99);
    }
    env.add("feed query", "filtered (1 type) first page p50 ms", median(f50), kNaN, kNaN);
    env.add("feed query", "filtered (1 type) first page p99 ms", median(f99), kNaN, 3);
    env.add("feed query", "filtered (2 types) deep page p50 ms", median(d50), kNaN, kNaN);
    env.add("feed query", "filtered (2 types) deep page p99 ms", median(d99), kNaN, 3);
    env.add("feed query", "filtered plans use the type index (1 = yes)", indexOnly ? 1 : 0, 1, kNaN);
    section.insert("filtered", QJsonObject{{"first_p50_ms", median(f50)}, {"first_p99_ms", median(f99)},
                                           {"deep_p50_ms", median(d50)}, {"deep_p99_ms", median(d99)},
                                           {"type_index", indexOnly}});
}


/// One wrk run (`-t2 -c64`) on @p target; requests/s, and errors added to @p errors.
double wrkRun(const QString &wrk, int port, const QString &duration, const QByteArray &target,
              const QString &token, const QString &script, double &errors, QJsonArray &raw)
{
    QProcess w;
    w.setProcessChannelMode(QProcess::MergedChannels);
    QStringList args{QStringLiteral("-t2"), QStringLiteral("-c64"), QStringLiteral("-d") + duration,
                     QStringLiteral("--latency")};
    if (!token.isEmpty())
        args << QStringLiteral("-H") << QStringLiteral("Authorization: Bearer ") + token;
    if (!script.isEmpty())
        args << QStringLiteral("-s") << script;
    args << QStringLiteral("http://127.0.0.1:%1").arg(port) + QString::fromUtf8(target);
    w.start(wrk, args);
    w.waitForFinished(120000);
    const QString out = QString::fromUtf8(w.readAll());
    raw.append(QString::fromUtf8(target) + QLatin1Char('\n') + out);
    const auto m = QRegularExpression(QStringLiteral("Requests/sec:\\s+([0-9.]+)")).match(out);
    const auto non2xx = QRegularExpression(QStringLiteral("Non-2xx or 3xx responses:\\s+(\\d+)")).match(out);
    if (non2xx.hasMatch())
        errors += non2xx.captured(1).toDouble();
    const auto sock = QRegularExpression(
        QStringLiteral("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")).match(out);
    if (sock.hasMatch())
        for (int i = 1; i <= 4; ++i)
            errors += sock.captured(i).toDouble();
    return m.hasMatch() ? m.captured(1).toDouble() : 0;
}

/// A wrk script that sends @p path with each of @p tokens in turn, one per request; its
/// file, written under @p dir.
QString tokenTurnScript(const QString &dir, const QString &name, const QByteArray &path,
                        const QStringList &tokens)
{
    const QString file = dir + QLatin1Char('/') + name;
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    f.write("local tokens = {");
    for (const QString &t : tokens)
        f.write("\"" + t.toLatin1() + "\",");
    f.write("}\nlocal i = 0\nrequest = function()\n  i = i % #tokens + 1\n"
            "  return wrk.format(\"GET\", \"" + path + "\", {[\"Authorization\"] = \"Bearer \" .. tokens[i]})\nend\n");
    return file;
}

/// HTTP throughput against the same server's own limit, in one run: wrk on a static file
/// of the page (reading.js, about the size of a 20-event page), on `/api/me` and on the
/// first and a deep feed page with a token, taking turns so that each run sees the same
/// machine. The ratios to the static rate are the targets. All 64 connections present
/// one token there, whose checks share statements; so the first page is measured again
/// with each request presenting the next of @p manyTokens (one tenant's), where few
/// share, beside the same script with one token (a script costs wrk some speed).
void benchWrk(BenchEnv &env, int port, const QString &token, const QStringList &manyTokens,
              const std::string &deepCursor)
{
    const QString wrk = QStandardPaths::findExecutable(QStringLiteral("wrk"));
    if (wrk.isEmpty()) {
        std::printf("  wrk not installed (apt-get install -y wrk): HTTP throughput skipped\n");
        return;
    }
    const QByteArray first = "/api/activity/events?limit=20";
    const QString oneScript = tokenTurnScript(env.outDir, QStringLiteral("wrk-1-token.lua"), first, {token});
    const QString manyScript = tokenTurnScript(env.outDir, QStringLiteral("wrk-%1-tokens.lua").arg(manyTokens.size()),
                                               first, manyTokens);
    const QByteArray manyName = QStringLiteral("feed first page, %1 tokens (script)").arg(manyTokens.size()).toLatin1();
    const struct Target {
        const char *name;
        QByteArray path;
        bool auth;
        QString script;
    } targets[] = {{"static file", "/reading.js", false, {}},
                   {"/api/me", "/api/me", true, {}},
                   {"feed first page", first, true, {}},
                   {"feed deep page", first + "&cursor=" + QByteArray::fromStdString(deepCursor), true, {}},
                   {"feed first page, 1 token (script)", first, false, oneScript},
                   {manyName.constData(), first, false, manyScript}};
    constexpr int kTargets = int(std::size(targets));
    QJsonObject sizes;
    {
        HttpClient c(port);
        const QList<QPair<QByteArray, QByteArray>> auth{{"Authorization", "Bearer " + token.toUtf8()}};
        for (const Target &t : targets)
            sizes.insert(QString::fromLatin1(t.name),
                         c.request("GET", t.path, t.auth || !t.script.isEmpty() ? auth : decltype(auth){}).body.size());
    }
    const int wrkRuns = env.smoke ? 1 : 3;
    const QString duration = env.smoke ? QStringLiteral("3s") : QStringLiteral("15s");
    std::vector<double> rps[kTargets];
    double errors = 0;
    QJsonArray raw;
    for (int run = 0; run < wrkRuns; ++run) {
        for (int i = 0; i < kTargets; ++i) {
            rps[i].push_back(wrkRun(wrk, port, duration, targets[i].path,
                                    targets[i].auth ? token : QString(), targets[i].script, errors, raw));
            std::printf("  wrk run %d %s: %.0f requests/s\n", run + 1, targets[i].name, rps[i].back());
        }
    }
    const double limit = median(rps[0]);
    QJsonObject figures;
    for (int i = 0; i < kTargets; ++i) {
        env.add("HTTP wrk", QStringLiteral("%1 requests/s (median)").arg(QString::fromLatin1(targets[i].name)),
                median(rps[i]), kNaN, kNaN);
        figures.insert(QString::fromLatin1(targets[i].name), median(rps[i]));
    }
    const double meShare = limit > 0 ? median(rps[1]) / limit : 0;
    const double firstShare = limit > 0 ? median(rps[2]) / limit : 0;
    const double deepShare = limit > 0 ? median(rps[3]) / limit : 0;
    env.add("HTTP wrk", "/api/me ÷ static file", meShare, kNaN, kNaN);
    env.add("HTTP wrk", "feed first page ÷ static file", firstShare, 0.5, kNaN);
    env.add("HTTP wrk", "feed deep page ÷ static file", deepShare, 0.25, kNaN);
    const double oneScripted = median(rps[4]);
    const double manyShare = limit > 0 ? median(rps[5]) / limit : 0;
    const double manyToOne = oneScripted > 0 ? median(rps[5]) / oneScripted : 0;
    env.add("HTTP wrk", QStringLiteral("feed first page, %1 tokens ÷ static file").arg(manyTokens.size()),
            manyShare, kNaN, kNaN);
    env.add("HTTP wrk", QStringLiteral("%1 tokens ÷ 1 token (both scripted)").arg(manyTokens.size()),
            manyToOne, kNaN, kNaN);
    env.add("HTTP wrk", "errors (all runs)", errors, kNaN, 1);
    env.note("wrk", QJsonObject{{"rps", figures}, {"body_bytes", sizes}, {"me_share", meShare},
                                {"first_share", firstShare}, {"deep_share", deepShare},
                                {"many_tokens_share", manyShare}, {"many_to_one_token", manyToOne},
                                {"errors", errors}, {"runs", wrkRuns}, {"output", raw}});
}

} // namespace

void benchFeed(BenchEnv &env)
{
    const int events = env.smoke ? 20'000 : 1'000'000;
    const int depth = env.smoke ? 5'000 : 200'000;
    const int calls = env.smoke ? 200 : 2000;
    const int runs = env.smoke ? 1 : 3;
    std::printf("feed query: %d events, %d reactions, %d comments; pages at 0 and %d\n", events,
                3 * events, events / 2, depth);
    const std::string cs = databaseWithTenants("feed");
    std::int64_t t0 = nowNs();
    {
        pqxx::connection conn(cs);
        {
            pqxx::work tx(conn);
            for (const std::string &sql : feedDataSql(events))
                tx.exec(sql);
            tx.commit();
        }
        pqxx::nontransaction nt(conn);
        nt.exec("VACUUM ANALYZE activity_events");
        nt.exec("VACUUM ANALYZE activity_reactions");
        nt.exec("VACUUM ANALYZE activity_comments");
    }
    const double genSecs = double(nowNs() - t0) / 1e9;
    std::printf("  data generated in %.1f s\n", genSecs);

    QString token;
    QStringList manyTokens;
    std::string deepCursor;
    {
        pqxx::connection conn(cs);
        token = af::Tenants::issueToken(conn, 1, QStringLiteral("bench")).token;
        for (int i = 0; i < 64; ++i)
            manyTokens << af::Tenants::issueToken(conn, 1, QStringLiteral("bench-%1").arg(i)).token;
        pqxx::read_transaction tx(conn);
        deepCursor = tx.exec_params1("SELECT af_cursor(created_at, seq::text) FROM activity_events "
                                     "ORDER BY created_at DESC, seq DESC OFFSET $1 LIMIT 1",
                                     depth - 1)[0]
                         .as<std::string>();
        // The plans, as the prepared statements run them (generic or custom, whichever
        // PostgreSQL picks), saved beside the figures.
        af::FeedService::prepare(conn);
        for (const auto &[name, cur] : {std::pair<QString, std::string>{QStringLiteral("first"), "'infinity', 0"},
                                        std::pair<QString, std::string>{QStringLiteral("deep"), ""}}) {
            std::string args = cur;
            std::string ts = "infinity", seq = "0";
            if (args.empty()) {
                const auto pos = tx.exec_params1("SELECT created_at::text, seq FROM activity_events "
                                                 "ORDER BY created_at DESC, seq DESC OFFSET $1 LIMIT 1",
                                                 depth - 1);
                ts = pos[0].as<std::string>();
                seq = pos[1].as<std::string>();
                args = tx.quote(ts) + ", " + seq;
            }
            for (int warm = 0; warm < 6; ++warm) // prepares it, and past the custom-plan phase
                tx.exec_prepared("api_feed", ts, seq, 20, 1);
            const auto plan = tx.exec("EXPLAIN (ANALYZE, BUFFERS) EXECUTE api_feed(" + args + ", 20, 1)");
            QFile f(env.outDir + QStringLiteral("/explain-feed-%1.txt").arg(name));
            if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
                f.write("-- The page statement: before kept pages every feed request ran it; now a\n"
                        "-- request runs it only when no page is kept at the current feed version.\n");
                for (const auto &row : plan)
                    f.write(QByteArray(row[0].c_str()) + '\n');
            }
        }
        // What a request whose page is kept runs instead: the token and the feed version.
        const std::string sha = "\\x" + af::Tenants::sha256(token).toHex().toStdString();
        for (int warm = 0; warm < 6; ++warm)
            tx.exec_prepared("api_feed_version", sha);
        const auto plan = tx.exec("EXPLAIN (ANALYZE, BUFFERS) EXECUTE api_feed_version(" + tx.quote(sha) + ")");
        QFile f(env.outDir + QStringLiteral("/explain-feed-version.txt"));
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            f.write("-- After kept pages: the one statement of a feed request whose page is kept.\n");
            for (const auto &row : plan)
                f.write(QByteArray(row[0].c_str()) + '\n');
        }
    }

    // Server side: FeedService on a pool, as the route handlers call it.
    QJsonObject section{{"events", events}, {"depth", depth}, {"generate_s", genSecs}};
    {
        af::ConnectionPool pool(cs, 4);
        af::FeedService feed(pool, 0);
        const QString deep = QString::fromStdString(deepCursor);
        for (int i = 0; i < 200; ++i) {
            (void)feed.eventsPage(1, af::FeedQuery{{}, 20, std::nullopt});
            (void)feed.eventsPage(1, af::FeedQuery{deep, 20, std::nullopt});
        }
        std::vector<double> f50, f99, d50, d99;
        for (int run = 0; run < runs; ++run) {
            const Lat f = measure(calls, [&] { (void)feed.eventsPage(1, af::FeedQuery{{}, 20, std::nullopt}); });
            const Lat d = measure(calls, [&] { (void)feed.eventsPage(1, af::FeedQuery{deep, 20, std::nullopt}); });
            f50.push_back(f.p50), f99.push_back(f.p99), d50.push_back(d.p50), d99.push_back(d.p99);
        }
        env.add("feed query", "FeedService first page p50 ms", median(f50), kNaN, kNaN);
        env.add("feed query", "FeedService first page p99 ms", median(f99), kNaN, 3);
        env.add("feed query", QStringLiteral("FeedService %1 deep p50 ms").arg(depth), median(d50), kNaN, kNaN);
        env.add("feed query", QStringLiteral("FeedService %1 deep p99 ms").arg(depth), median(d99), kNaN, 3);
        env.add("feed query", "deep/first (p50)", median(d50) / median(f50), kNaN, 1.5);
        section.insert("service", QJsonObject{{"first_p50_ms", median(f50)}, {"first_p99_ms", median(f99)},
                                              {"deep_p50_ms", median(d50)}, {"deep_p99_ms", median(d99)}});
    }

    benchFilteredFeed(env, cs, depth, calls, runs, section);

    // Over HTTP: `activityfeed serve` on this database, one keep-alive client.
    const int port = freePort();
    QProcess serve;
    if (!startServe(serve, env, cs, port, env.outDir + QStringLiteral("/serve-feed.log"))) {
        std::printf("  activityfeed serve did not start (see serve-feed.log)\n");
        env.note("feed", section);
        return;
    }
    {
        HttpClient c(port);
        const QList<QPair<QByteArray, QByteArray>> auth{{"Authorization", "Bearer " + token.toUtf8()}};
        const QByteArray first = "/api/activity/events?limit=20";
        const QByteArray deep = first + "&cursor=" + QByteArray::fromStdString(deepCursor);
        int bad = 0;
        for (int i = 0; i < 200; ++i) {
            bad += c.request("GET", first, auth).status != 200;
            bad += c.request("GET", deep, auth).status != 200;
        }
        std::vector<double> f50, f99, d50, d99;
        for (int run = 0; run < runs; ++run) {
            const Lat f = measure(calls, [&] { bad += c.request("GET", first, auth).status != 200; });
            const Lat d = measure(calls, [&] { bad += c.request("GET", deep, auth).status != 200; });
            f50.push_back(f.p50), f99.push_back(f.p99), d50.push_back(d.p50), d99.push_back(d.p99);
        }
        env.add("feed query", "HTTP first page p50 ms", median(f50), kNaN, kNaN);
        env.add("feed query", "HTTP first page p99 ms", median(f99), kNaN, 3);
        env.add("feed query", "HTTP deep page p50 ms", median(d50), kNaN, kNaN);
        env.add("feed query", "HTTP deep page p99 ms", median(d99), kNaN, 3);
        section.insert("http", QJsonObject{{"first_p50_ms", median(f50)}, {"first_p99_ms", median(f99)},
                                           {"deep_p50_ms", median(d50)}, {"deep_p99_ms", median(d99)},
                                           {"non_200", bad}});
    }
    env.note("feed", section);

    benchWrk(env, port, token, manyTokens, deepCursor);
    env.json.insert("serve_feed_rss_kib", double(rssKiB(serve.processId())));
    stopProcess(serve);
}

} // namespace afbench
