// The task, challenge, profile and arena routes over real sockets against a real PostgreSQL: answers, tenant isolation,
// bad input, and the hooks reaching the feed through the emitter and a drain.
#include "api/apicontext.h"
#include "core/catalogue.h"
#include "api/apiroutes.h"
#include "feed/feedservice.h"
#include "api/gamificationroutes.h"
#include "db/connectionpool.h"
#include "feed/eventemitter.h"
#include "feed/tenants.h"
#include "hooks/gamification.h"
#include "http/httpserver.h"
#include "pgharness.h"
#include "testapiserver.h"
#include "testhttpclient.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

using namespace af;

namespace
{

using Response = aftest::HttpReply;

using aftest::roundTrip;

class HooksHttpTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_api = std::make_unique<aftest::TestApiServer>("hookshttp", QStringList{"Acme", "Beta"}, 6);
        m_cs = m_api->cs;
        m_pool = m_api->pool.get();
        m_token = m_api->token;
        m_tenant = m_api->tenant;
        m_emitter = std::make_unique<EventEmitter>(m_cs);
        m_g = std::make_unique<Gamification>(*m_pool, m_emitter.get());
        registerGamificationRoutes(m_api->server->router(), *m_api->ctx, *m_g);
        ASSERT_TRUE(m_api->listen());
    }

    // Closed before the services its routes use are gone.
    void TearDown() override { m_api->server->close(); }

    Response call(const QByteArray &method, const QByteArray &target, int who = 0,
                  const QByteArray &body = QByteArray(),
                  const QByteArray &contentType = "application/json")
    {
        return m_api->request(method, target, who, body, contentType);
    }

    static QByteArray json(const QJsonObject &o)
    {
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }

    qint64 createTask(int who, const QString &title)
    {
        const Response r = call("POST", "/api/tasks", who, json({{"title", title}}));
        EXPECT_EQ(r.status, 201) << r.body.constData();
        return r.json().value("task").toObject().value("id").toInteger();
    }

    qint64 scalar(const std::string &sql)
    {
        pqxx::connection c(m_cs);
        pqxx::read_transaction tx(c);
        return tx.exec1(sql)[0].as<qint64>();
    }

    std::string m_cs;
    std::unique_ptr<aftest::TestApiServer> m_api;
    ConnectionPool *m_pool = nullptr;
    std::unique_ptr<EventEmitter> m_emitter;
    std::unique_ptr<Gamification> m_g;
    QList<int> m_tenant;
    QList<QByteArray> m_token;
};

TEST_F(HooksHttpTest, EveryRouteNeedsAToken)
{
    const QList<QPair<QByteArray, QByteArray>> routes = {
        {"GET", "/api/tasks"},
        {"POST", "/api/tasks"},
        {"PATCH", "/api/tasks/1"},
        {"GET", "/api/gamification/challenges"},
        {"POST", "/api/gamification/challenges"},
        {"POST", "/api/gamification/challenges/1/complete"},
        {"GET", "/api/gamification/profile"},
        {"GET", "/api/arena/challenges"},
        {"POST", "/api/arena/claim"}};
    for (const auto &[method, path] : routes) {
        const QByteArray body = method == "GET" ? QByteArray() : QByteArray("{}");
        EXPECT_EQ(call(method, path, -1, body).status, 401)
            << method.constData() << ' ' << path.constData();
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM tasks"), 0);
}

TEST_F(HooksHttpTest, TasksCreateListPatch)
{
    Response r = call("POST", "/api/tasks", 0, json({{"title", "Write the report"}}));
    ASSERT_EQ(r.status, 201) << r.body.constData();
    const QJsonObject task = r.json().value("task").toObject();
    EXPECT_TRUE(r.json().value("ok").toBool());
    EXPECT_EQ(task.value("title").toString(), QStringLiteral("Write the report"));
    EXPECT_EQ(task.value("status").toString(), QStringLiteral("todo"));
    EXPECT_TRUE(task.value("done_at").isNull());
    EXPECT_TRUE(task.value("created_at").toString().endsWith(QLatin1Char('Z')));
    const qint64 first = task.value("id").toInteger();
    const qint64 second = createTask(0, QStringLiteral("Second"));
    createTask(1, QStringLiteral("Beta's own"));

    r = call("GET", "/api/tasks", 0);
    ASSERT_EQ(r.status, 200);
    const QJsonArray tasks = r.json().value("tasks").toArray();
    ASSERT_EQ(tasks.size(), 2);
    EXPECT_EQ(tasks[0].toObject().value("id").toInteger(), second);
    EXPECT_EQ(tasks[1].toObject().value("id").toInteger(), first);

    r = call("PATCH", "/api/tasks/" + QByteArray::number(first), 0, json({{"status", "doing"}}));
    ASSERT_EQ(r.status, 200) << r.body.constData();
    EXPECT_EQ(r.json().value("task").toObject().value("status").toString(),
              QStringLiteral("doing"));
    r = call("PATCH", "/api/tasks/" + QByteArray::number(first), 0, json({{"status", "done"}}));
    ASSERT_EQ(r.status, 200);
    const QJsonObject done = r.json().value("task").toObject();
    EXPECT_FALSE(done.value("done_at").isNull());
    // Done again: same answer, nothing changed.
    r = call("PATCH", "/api/tasks/" + QByteArray::number(first), 0, json({{"status", "done"}}));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json().value("task").toObject(), done);

    r = call("GET", "/api/gamification/profile", 0);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), (QJsonObject{{"totalXp", 10}, {"rank", "Rookie"}, {"streakDays", 1}}));
    EXPECT_EQ(call("GET", "/api/gamification/profile", 1).json().value("totalXp").toInt(), 0);
}

TEST_F(HooksHttpTest, AnotherTenantsIdsAre404AndChangeNothing)
{
    const qint64 theirTask = createTask(1, QStringLiteral("theirs"));
    const Response c = call("POST", "/api/gamification/challenges", 1, json({{"title", "theirs"}}));
    const qint64 theirChallenge = c.json().value("challenge").toObject().value("id").toInteger();
    Response r =
        call("PATCH", "/api/tasks/" + QByteArray::number(theirTask), 0, json({{"status", "done"}}));
    EXPECT_EQ(r.status, 404);
    EXPECT_FALSE(r.error().isEmpty());
    r = call("POST",
             "/api/gamification/challenges/" + QByteArray::number(theirChallenge) + "/complete", 0);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(call("PATCH", "/api/tasks/424242", 0, json({{"status", "done"}})).status, 404);
    EXPECT_EQ(call("POST", "/api/gamification/challenges/424242/complete", 0).status, 404);
    EXPECT_EQ(scalar("SELECT count(*) FROM tasks WHERE status = 'done'"), 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM challenges WHERE status = 'completed'"), 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM xp_ledger"), 0);
    EXPECT_EQ(call("GET", "/api/tasks", 0).json().value("tasks").toArray().size(), 0);
    EXPECT_EQ(
        call("GET", "/api/gamification/challenges", 0).json().value("challenges").toArray().size(),
        0);
}

struct BadCase {
    const char *name;
    QByteArray method;
    QByteArray path; ///< "{task}" / "{challenge}" replaced by a real id of the caller
    QByteArray body;
    int status;
    const char *errorContains;
};

class HooksHttpBadInput : public HooksHttpTest, public ::testing::WithParamInterface<BadCase>
{
};

TEST_P(HooksHttpBadInput, IsRefusedWithoutEffect)
{
    const BadCase &c = GetParam();
    const qint64 task = createTask(0, QStringLiteral("mine"));
    const Response ch = call("POST", "/api/gamification/challenges", 0, json({{"title", "mine"}}));
    const QByteArray challenge =
        QByteArray::number(ch.json().value("challenge").toObject().value("id").toInteger());
    QByteArray path = c.path;
    path.replace("{task}", QByteArray::number(task)).replace("{challenge}", challenge);
    const qint64 tasksBefore = scalar("SELECT count(*) FROM tasks");
    const qint64 challengesBefore = scalar("SELECT count(*) FROM challenges");
    const Response r = call(c.method, path, 0, c.body);
    EXPECT_EQ(r.status, c.status) << r.body.constData();
    EXPECT_TRUE(r.error().contains(QString::fromUtf8(c.errorContains))) << r.body.constData();
    EXPECT_EQ(scalar("SELECT count(*) FROM tasks"), tasksBefore);
    EXPECT_EQ(scalar("SELECT count(*) FROM tasks WHERE status <> 'todo'"), 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM challenges"), challengesBefore);
    EXPECT_EQ(scalar("SELECT count(*) FROM xp_ledger"), 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM arena_claims"), 0);
}

const QByteArray kLong = "{\"title\":\"" + QByteArray(201, 'x') + "\"}";
const QByteArray kLongEmoji = "{\"title\":\"" + QString(201, QChar(0x2603)).toUtf8() + "\"}";

/// A challenge whose xpReward is the JSON text @p xp: not a whole number from 1 to
/// 100 000, so a 400 that names xpReward.
BadCase badXp(const char *name, const char *xp)
{
    return BadCase{name, "POST", "/api/gamification/challenges",
                   "{\"title\":\"c\",\"xpReward\":" + QByteArray(xp) + "}", 400, "xpReward"};
}

INSTANTIATE_TEST_SUITE_P(
    Routes, HooksHttpBadInput,
    ::testing::Values(
        BadCase{"TitleMissing", "POST", "/api/tasks", "{}", 400, "title"},
        BadCase{"TitleEmpty", "POST", "/api/tasks", "{\"title\":\"\"}", 400, "title"},
        BadCase{"TitleBlank", "POST", "/api/tasks", "{\"title\":\"   \"}", 400, "title"},
        BadCase{"TitleNotString", "POST", "/api/tasks", "{\"title\":5}", 400, "title"},
        BadCase{"TitleTooLong", "POST", "/api/tasks", kLong, 400, "200"},
        BadCase{"TitleTooManyCodePoints", "POST", "/api/tasks", kLongEmoji, 400, "200"},
        BadCase{"TitleNul", "POST", "/api/tasks", "{\"title\":\"a\\u0000b\"}", 400, "title"},
        BadCase{"MalformedJson", "POST", "/api/tasks", "{\"title\":", 400, ""},
        BadCase{"NotAnObject", "POST", "/api/tasks", "[\"title\"]", 400, ""},
        BadCase{"IdNotInteger", "PATCH", "/api/tasks/abc", "{\"status\":\"done\"}", 400, "task id"},
        BadCase{"IdZero", "PATCH", "/api/tasks/0", "{\"status\":\"done\"}", 400, "task id"},
        BadCase{"IdNegative", "PATCH", "/api/tasks/-1", "{\"status\":\"done\"}", 400, "task id"},
        BadCase{"IdFraction", "PATCH", "/api/tasks/1.5", "{\"status\":\"done\"}", 400, "task id"},
        BadCase{"IdHuge", "PATCH", "/api/tasks/99999999999999999999999", "{\"status\":\"done\"}",
                400, "task id"},
        BadCase{"IdSql", "PATCH", "/api/tasks/1%20OR%201=1", "{\"status\":\"done\"}", 400,
                "task id"},
        BadCase{"StatusUnknown", "PATCH", "/api/tasks/{task}", "{\"status\":\"finished\"}", 400,
                "status"},
        BadCase{"StatusUpperCase", "PATCH", "/api/tasks/{task}", "{\"status\":\"DONE\"}", 400,
                "status"},
        BadCase{"StatusMissing", "PATCH", "/api/tasks/{task}", "{}", 400, "status"},
        BadCase{"StatusNotString", "PATCH", "/api/tasks/{task}", "{\"status\":true}", 400,
                "status"},
        BadCase{"ChallengeTitleMissing", "POST", "/api/gamification/challenges", "{\"xpReward\":5}",
                400, "title"},
        badXp("XpZero", "0"),
        badXp("XpNegative", "-3"),
        badXp("XpFraction", "1.5"),
        badXp("XpString", "\"50\""),
        badXp("XpTooBig", "100001"),
        badXp("XpHuge", "1e300"),
        BadCase{"ChallengeIdNotInteger", "POST", "/api/gamification/challenges/x/complete", "", 400,
                "challenge id"},
        BadCase{"ArenaIdMissing", "POST", "/api/arena/claim", "{}", 400, "challengeId"},
        BadCase{"ArenaIdString", "POST", "/api/arena/claim", "{\"challengeId\":\"1\"}", 400,
                "challengeId"},
        BadCase{"ArenaIdFraction", "POST", "/api/arena/claim", "{\"challengeId\":1.25}", 400,
                "challengeId"},
        BadCase{"ArenaIdUnknown", "POST", "/api/arena/claim", "{\"challengeId\":9999}", 404,
                "not found"}),
    [](const ::testing::TestParamInfo<BadCase> &info) { return info.param.name; });

TEST_F(HooksHttpTest, WrongContentTypeIs415)
{
    EXPECT_EQ(call("POST", "/api/tasks", 0, "title=x", "application/x-www-form-urlencoded").status,
              415);
    EXPECT_EQ(scalar("SELECT count(*) FROM tasks"), 0);
}

TEST_F(HooksHttpTest, TitleOf200CodePointsIsAccepted)
{
    const QString title(200, QChar(0x2603));
    const Response r = call("POST", "/api/tasks", 0, json({{"title", title}}));
    ASSERT_EQ(r.status, 201) << r.body.constData();
    EXPECT_EQ(r.json().value("task").toObject().value("title").toString(), title);
}

TEST_F(HooksHttpTest, ChallengesCreateCompleteTwice)
{
    Response r =
        call("POST", "/api/gamification/challenges", 0, json({{"title", "Default reward"}}));
    ASSERT_EQ(r.status, 201) << r.body.constData();
    QJsonObject c = r.json().value("challenge").toObject();
    EXPECT_EQ(c.value("xp_reward").toInt(), 50);
    EXPECT_EQ(c.value("status").toString(), QStringLiteral("active"));
    EXPECT_TRUE(c.value("completed_at").isNull());
    r = call("POST", "/api/gamification/challenges", 0,
             json({{"title", "Big"}, {"xpReward", 100000}}));
    ASSERT_EQ(r.status, 201);
    EXPECT_EQ(r.json().value("challenge").toObject().value("xp_reward").toInt(), 100000);
    r = call("POST", "/api/gamification/challenges", 0,
             "{\"title\":\"Null reward\",\"xpReward\":null}");
    EXPECT_EQ(r.json().value("challenge").toObject().value("xp_reward").toInt(), 50);

    const QByteArray path = "/api/gamification/challenges/" +
                            QByteArray::number(c.value("id").toInteger()) + "/complete";
    const Response first = call("POST", path, 0);
    ASSERT_EQ(first.status, 200) << first.body.constData();
    EXPECT_EQ(first.json().value("challenge").toObject().value("status").toString(),
              QStringLiteral("completed"));
    const Response second = call("POST", path, 0);
    ASSERT_EQ(second.status, 200);
    EXPECT_EQ(second.json(), first.json());
    EXPECT_EQ(call("GET", "/api/gamification/profile", 0).json().value("totalXp").toInt(), 50);
    EXPECT_EQ(
        call("GET", "/api/gamification/challenges", 0).json().value("challenges").toArray().size(),
        3);
    EXPECT_EQ(
        call("GET", "/api/gamification/challenges", 1).json().value("challenges").toArray().size(),
        0);
    ASSERT_TRUE(m_emitter->flush(std::chrono::seconds(10)));
    EXPECT_EQ(
        scalar("SELECT count(*) FROM activity_queue WHERE event_type = 'challenge_completed'"), 1);
}

TEST_F(HooksHttpTest, ArenaClaimTwiceIs409)
{
    Response r = call("GET", "/api/arena/challenges", 0);
    ASSERT_EQ(r.status, 200);
    const QJsonArray arena = r.json().value("challenges").toArray();
    ASSERT_GE(arena.size(), 3);
    const QJsonObject a = arena[0].toObject();
    EXPECT_FALSE(a.value("claimed").toBool());
    EXPECT_FALSE(a.value("badge_name").toString().isEmpty());
    const QByteArray body = json({{"challengeId", a.value("id")}});
    r = call("POST", "/api/arena/claim", 0, body);
    ASSERT_EQ(r.status, 200) << r.body.constData();
    EXPECT_EQ(r.json(), (QJsonObject{{"ok", true},
                                     {"badgeName", a.value("badge_name")},
                                     {"xpAwarded", a.value("xp_reward")}}));
    r = call("POST", "/api/arena/claim", 0, body);
    EXPECT_EQ(r.status, 409);
    EXPECT_FALSE(r.error().isEmpty());
    // Claimed is per tenant: the claim of one leaves the challenge open for the other.
    const auto claimedBy = [&](int tenant) {
        const QJsonArray list =
            call("GET", "/api/arena/challenges", tenant).json().value("challenges").toArray();
        return list[0].toObject().value("claimed").toBool();
    };
    EXPECT_TRUE(claimedBy(0));
    EXPECT_FALSE(claimedBy(1));
    EXPECT_EQ(call("POST", "/api/arena/claim", 1, body).status, 200);
    EXPECT_EQ(call("GET", "/api/gamification/profile", 0).json().value("totalXp").toInt(),
              a.value("xp_reward").toInt());
    ASSERT_TRUE(m_emitter->flush(std::chrono::seconds(10)));
    EXPECT_EQ(scalar("SELECT count(*) FROM activity_queue WHERE event_type = 'badge_earned'"), 2);
}

// A tenant finishes 12 tasks within a minute; after a drain the shared feed shows one
// grouped tasks_burst tile (the 10th, 11th and 12th task), one rank up to Apprentice and
// one all_tasks_cleared, and nothing for the other tenant.
TEST_F(HooksHttpTest, TwelveTasksInAMinuteGiveOneBurstTileInTheFeed)
{
    QList<qint64> ids;
    for (int i = 0; i < 12; ++i)
        ids << createTask(0, QStringLiteral("Task %1").arg(i + 1));
    createTask(1, QStringLiteral("Beta keeps one open"));
    QElapsedTimer t;
    t.start();
    for (qint64 id : ids) {
        const Response r =
            call("PATCH", "/api/tasks/" + QByteArray::number(id), 0, json({{"status", "done"}}));
        ASSERT_EQ(r.status, 200) << r.body.constData();
    }
    ASSERT_LT(t.elapsed(), 60000);
    ASSERT_TRUE(m_emitter->flush(std::chrono::seconds(10)));
    EXPECT_EQ(scalar("SELECT count(*) FROM activity_queue WHERE event_type = 'tasks_burst'"), 3);

    Response r = roundTrip(m_api->port(),
                           "POST /api/activity/drain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           "x-drain-secret: s3cret\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(r.status, 200) << r.body.constData();
    EXPECT_EQ(r.json().value("processed").toInt(), 5);
    EXPECT_EQ(r.json().value("inserted").toInt(), 3);

    r = call("GET", "/api/activity/events?limit=50", 1);
    ASSERT_EQ(r.status, 200) << r.body.constData();
    QMap<QString, QList<QJsonObject>> byType;
    for (const QJsonValue &v : r.json().value("events").toArray()) {
        const QJsonObject e = v.toObject();
        EXPECT_EQ(e.value("tenant_id").toInt(), m_tenant[0]);
        byType[e.value("event_type").toString()] << e;
    }
    EXPECT_EQ(byType.keys(), (QStringList{"all_tasks_cleared", "tasks_burst", "xp_rank_up"}));
    ASSERT_EQ(byType.value("tasks_burst").size(), 1);
    const QJsonObject burst = byType.value("tasks_burst")[0].value("payload_json").toObject();
    EXPECT_EQ(burst.value("count").toInt(), 3);
    const QJsonArray samples = burst.value("samples").toArray();
    ASSERT_EQ(samples.size(), 3);
    EXPECT_EQ(samples[0].toObject().value("count").toInt(), 12); // newest first
    EXPECT_EQ(samples[2].toObject().value("count").toInt(), 10);
    ASSERT_EQ(byType.value("xp_rank_up").size(), 1);
    EXPECT_EQ(byType.value("xp_rank_up")[0].value("payload_json").toObject(),
              (QJsonObject{{"rank", "Apprentice"}, {"previousRank", "Rookie"}, {"totalXp", 100}}));
    ASSERT_EQ(byType.value("all_tasks_cleared").size(), 1);
    EXPECT_EQ(byType.value("all_tasks_cleared")[0].value("payload_json").toObject(),
              (QJsonObject{{"tasksDone", 12}}));
    EXPECT_EQ(call("GET", "/api/gamification/profile", 0).json(),
              (QJsonObject{{"totalXp", 120}, {"rank", "Apprentice"}, {"streakDays", 1}}));
}

// Lists of one's own tasks and challenges are pages: keyset on (created_at, id), newest
// first, with many rows sharing one timestamp; limit and cursor as the feed takes them.
TEST_F(HooksHttpTest, TasksAndChallengesComeInExactPages)
{
    // 230 tasks over three timestamps (so most page edges fall inside one microsecond),
    // and another tenant's rows that must never show.
    const std::string me = std::to_string(m_tenant[0]);
    const std::string other = std::to_string(m_tenant[1]);
    {
        pqxx::connection c(m_cs);
        pqxx::work tx(c);
        tx.exec0("INSERT INTO tasks (tenant_id, title, created_at) SELECT " + me +
                 ", 't' || g, now() - interval '1 day' - (g % 3) * interval '1 hour' "
                 "FROM generate_series(1, 230) g");
        tx.exec0("INSERT INTO tasks (tenant_id, title, created_at) SELECT " + other +
                 ", 'x', now() - interval '1 day' FROM generate_series(1, 5)");
        tx.exec0("INSERT INTO challenges (tenant_id, title, created_at) SELECT " + me +
                 ", 'c' || g, now() - interval '1 day' FROM generate_series(1, 7) g");
        tx.commit();
    }
    const auto walk = [&](const QByteArray &route, const char *field, int limit, int *pages) {
        QList<qint64> ids;
        QByteArray target = route + "?limit=" + QByteArray::number(limit);
        for (*pages = 0; *pages < 100; ++*pages) {
            const Response r = call("GET", target, 0);
            EXPECT_EQ(r.status, 200) << r.body.constData();
            const QJsonArray items = r.json().value(field).toArray();
            EXPECT_LE(items.size(), limit);
            for (const QJsonValue &v : items)
                ids << v.toObject().value("id").toInteger();
            const QJsonValue next = r.json().value("nextCursor");
            if (next.isNull())
                return ids;
            EXPECT_EQ(items.size(), limit) << "a page before the last is full";
            target = route + "?limit=" + QByteArray::number(limit) + "&cursor=" + next.toString().toUtf8();
        }
        ADD_FAILURE() << "no last page";
        return ids;
    };
    const QList<qint64> expected = [&] {
        pqxx::connection c(m_cs);
        pqxx::read_transaction tx(c);
        QList<qint64> out;
        for (const auto &row : tx.exec("SELECT id FROM tasks WHERE tenant_id = " + me +
                                       " ORDER BY created_at DESC, id DESC"))
            out << row[0].as<qint64>();
        return out;
    }();
    int pages = 0;
    EXPECT_EQ(walk("/api/tasks", "tasks", 50, &pages), expected);
    EXPECT_EQ(pages, 4); // 50 + 50 + 50 + 50 + 30: the fifth answer has no cursor
    EXPECT_EQ(walk("/api/tasks", "tasks", 7, &pages), expected);
    EXPECT_EQ(walk("/api/gamification/challenges", "challenges", 3, &pages).size(), 7);
    EXPECT_EQ(pages, 2);

    // The default page and the cap come from the catalogue.
    EXPECT_EQ(call("GET", "/api/tasks", 0).json().value("tasks").toArray().size(), 50);
    const Response capped = call("GET", "/api/tasks?limit=100000", 0);
    EXPECT_EQ(capped.json().value("tasks").toArray().size(), 200);
    EXPECT_TRUE(capped.json().value("nextCursor").isString());
    EXPECT_EQ(call("GET", "/api/tasks", 1).json().value("tasks").toArray().size(), 5);

    for (const QByteArray &bad : {QByteArray("limit=0"), QByteArray("limit=-3"), QByteArray("limit=abc"),
                                  QByteArray("limit="), QByteArray("cursor=bm90LWEtY3Vyc29y"),
                                  QByteArray("cursor=%27%3B%20DROP%20TABLE%20tasks")}) {
        for (const QByteArray &route : {QByteArray("/api/tasks"), QByteArray("/api/gamification/challenges")}) {
            const Response r = call("GET", route + '?' + bad, 0);
            EXPECT_EQ(r.status, 400) << route.constData() << '?' << bad.constData();
            EXPECT_FALSE(r.error().isEmpty()) << bad.constData();
        }
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM tasks"), 235);
}

// Quotas: a tenant cannot pile up open tasks or active challenges without end (409, the
// way to free one named), nor create them faster than the catalogue's rate (429 with
// Retry-After); a refused request writes nothing, and another tenant is not affected.
TEST_F(HooksHttpTest, CreatingPastTheQuotasIsRefusedClearly)
{
    const Limits &l = Catalogue::limits();
    const std::string me = std::to_string(m_tenant[0]);
    {
        pqxx::connection c(m_cs);
        pqxx::work tx(c);
        tx.exec0("INSERT INTO tasks (tenant_id, title, created_at) SELECT " + me +
                 ", 'old', now() - interval '1 day' FROM generate_series(1, " +
                 std::to_string(l.openTasksMax - 1) + ")");
        tx.exec0("INSERT INTO challenges (tenant_id, title, created_at) SELECT " + me +
                 ", 'old', now() - interval '1 day' FROM generate_series(1, " +
                 std::to_string(l.activeChallengesMax) + ")");
        tx.commit();
    }
    const qint64 last = createTask(0, QStringLiteral("the last one that fits"));
    Response r = call("POST", "/api/tasks", 0, json({{"title", "one too many"}}));
    EXPECT_EQ(r.status, 409) << r.body.constData();
    EXPECT_TRUE(r.error().contains("open tasks") && r.error().contains("mark some done")) << r.error().toStdString();
    EXPECT_EQ(scalar("SELECT count(*) FROM tasks WHERE tenant_id = " + me), l.openTasksMax);
    EXPECT_EQ(createTask(1, QStringLiteral("another tenant has room")) > 0, true);
    ASSERT_EQ(call("PATCH", "/api/tasks/" + QByteArray::number(last), 0, json({{"status", "done"}})).status, 200);
    const qint64 fits = createTask(0, QStringLiteral("done frees a place"));
    EXPECT_GT(fits, 0);
    // Reopening a done task counts too.
    r = call("PATCH", "/api/tasks/" + QByteArray::number(last), 0, json({{"status", "todo"}}));
    EXPECT_EQ(r.status, 409) << r.body.constData();
    EXPECT_EQ(scalar("SELECT count(*) FROM tasks WHERE id = " + std::to_string(last) + " AND status = 'done'"), 1);

    r = call("POST", "/api/gamification/challenges", 0, json({{"title", "one too many"}}));
    EXPECT_EQ(r.status, 409) << r.body.constData();
    EXPECT_TRUE(r.error().contains("open challenges") && r.error().contains("complete some"))
        << r.error().toStdString();
    EXPECT_EQ(scalar("SELECT count(*) FROM challenges"), l.activeChallengesMax);

    // The creation rate, for the other tenant: its quota has room, its minute does not.
    {
        pqxx::connection c(m_cs);
        pqxx::work tx(c);
        tx.exec0("INSERT INTO tasks (tenant_id, title, created_at) SELECT " + std::to_string(m_tenant[1]) +
                 ", 'recent', now() - interval '20 seconds' FROM generate_series(1, " +
                 std::to_string(l.createsPerMinute - 2) + ")");
        tx.commit();
    }
    EXPECT_GT(createTask(1, QStringLiteral("the last of this minute")), 0);
    const qint64 before = scalar("SELECT count(*) FROM tasks WHERE tenant_id = " + std::to_string(m_tenant[1]));
    r = call("POST", "/api/tasks", 1, json({{"title", "too fast"}}));
    EXPECT_EQ(r.status, 429) << r.body.constData();
    const int retry = r.headers.value("retry-after").toInt();
    EXPECT_GE(retry, 1);
    EXPECT_LE(retry, 60);
    EXPECT_TRUE(r.error().contains("per minute")) << r.error().toStdString();
    EXPECT_EQ(scalar("SELECT count(*) FROM tasks WHERE tenant_id = " + std::to_string(m_tenant[1])), before);
}

} // namespace
