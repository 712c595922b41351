// The API routes over real sockets on 127.0.0.1 against a real PostgreSQL: every route,
// every error status the API can answer and the bad-input list, paging, the rate limit under
// concurrency, code points, SSE targeting and Last-Event-ID replay.
#include "api/apicontext.h"
#include "api/apiroutes.h"
#include "feed/feedservice.h"
#include "db/connectionpool.h"
#include "feed/broadcaster.h"
#include "feed/notifylistener.h"
#include "feed/tenants.h"
#include "http/httpserver.h"
#include "pgharness.h"
#include "testapiserver.h"
#include "testhttpclient.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTcpSocket>
#include <QThread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <thread>

using namespace af;

namespace {

using Response = aftest::HttpReply;
using Client = aftest::TestHttpClient;

/// One SSE frame as parsed by the test.
struct Frame {
    QByteArray event;
    QByteArray id;
    QByteArray data;
};

QList<Frame> parseFrames(const QByteArray &stream)
{
    QList<Frame> out;
    const qsizetype start = stream.indexOf("\r\n\r\n");
    const QList<QByteArray> blocks = stream.mid(start < 0 ? 0 : start + 4).split('\n');
    Frame cur;
    for (const QByteArray &line : blocks) {
        if (line.isEmpty()) {
            if (!cur.event.isEmpty() || !cur.data.isEmpty())
                out.append(cur);
            cur = {};
        } else if (line.startsWith("event: ")) {
            cur.event = line.mid(7);
        } else if (line.startsWith("id: ")) {
            cur.id = line.mid(4);
        } else if (line.startsWith("data: ")) {
            cur.data = line.mid(6);
        }
    }
    return out;
}

class ApiHttp : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_api = std::make_unique<aftest::TestApiServer>("http", QStringList{"Acme", "Beta", "Gamma"}, 8);
        m_cs = m_api->cs;
        m_tenant = m_api->tenant;
        m_token = m_api->token;
        m_api->server->setBroadcaster(&m_broadcaster);
        m_api->server->setReplayProvider(ApiRoutes::replayProvider(*m_api->ctx));
        ASSERT_TRUE(m_api->listen());
        m_port = m_api->port();
        m_listener = std::make_unique<NotifyListener>(m_cs, m_broadcaster);
        m_listener->start();
        QElapsedTimer t;
        t.start();
        while (!m_listener->connected() && t.elapsed() < 5000)
            QThread::msleep(10); // polling interval (waits for a condition, with a deadline)
    }

    void TearDown() override
    {
        m_listener->stop();
        m_api.reset();
    }

    Response request(const QByteArray &method, const QByteArray &target, int who = 0,
                     const QByteArray &body = {}, const QByteArray &contentType = "application/json",
                     const QByteArray &extraHeaders = {})
    {
        return m_api->request(method, target, who, body, contentType, extraHeaders);
    }

    std::string exec1(const std::string &sql) { return aftest::queryValue(m_cs, sql); }
    void run(const std::string &sql) { aftest::execute(m_cs, sql); }
    QByteArray addEvent(int who)
    {
        return QByteArray::fromStdString(exec1(
            "INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon) "
            "VALUES (" + std::to_string(m_tenant[who]) + ", 'badge_earned', 'Badge earned', 'd', 'B') "
            "RETURNING id"));
    }
    /// Emits through the API and drains, so the listener broadcasts the new events.
    void emitAndDrain(int who, int n = 1)
    {
        QByteArray items = "[";
        for (int i = 0; i < n; ++i)
            items += (i ? "," : "") + QByteArray("{\"tenantId\":") + QByteArray::number(m_tenant[who])
                + ",\"eventType\":\"xp_rank_up\",\"payload\":{\"rank\":\"Adept\"}}";
        items += "]";
        ASSERT_EQ(request("POST", "/api/activity/emit", -1, items, "application/json",
                          "x-drain-secret: s3cret\r\n").status, 202);
        ASSERT_EQ(request("POST", "/api/activity/drain", -1, {}, {}, "x-drain-secret: s3cret\r\n").status, 200);
    }

    std::string m_cs;
    Broadcaster m_broadcaster; // before the server, which holds a pointer to it
    std::unique_ptr<aftest::TestApiServer> m_api;
    std::unique_ptr<NotifyListener> m_listener;
    quint16 m_port = 0;
    QList<int> m_tenant;
    QList<QByteArray> m_token;
};

TEST_F(ApiHttp, AuthenticationAndRevocation)
{
    EXPECT_EQ(request("GET", "/api/activity/events", -1).status, 401);
    const auto wrong = request("GET", "/api/activity/events", -1, QByteArray(), {},
                               "Authorization: Bearer aft_nope\r\n");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_TRUE(wrong.json().contains("error"));
    EXPECT_EQ(request("GET", "/api/activity/events?access_token=" + m_token[0], -1).status, 401);
    EXPECT_EQ(request("GET", "/api/activity/events?access_token=" + m_token[0], 0).status, 401);
    EXPECT_EQ(request("GET", "/api/activity/events", 0).status, 200);
    pqxx::connection c(m_cs);
    const auto tokens = Tenants::tokens(c, m_tenant[0]);
    ASSERT_FALSE(tokens.empty());
    ASSERT_TRUE(Tenants::revokeToken(c, tokens.front().id));
    EXPECT_EQ(request("GET", "/api/activity/events", 0).status, 401);
    EXPECT_EQ(request("GET", "/api/activity/stream?access_token=" + m_token[0], -1).status, 401);
}

TEST_F(ApiHttp, PagesTwoHundredFiftyEventsSharingOneTimestamp)
{
    run("INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon, "
        "created_at) SELECT " + std::to_string(m_tenant[0]) + ", 'badge_earned', 'Badge earned', "
        "'d', 'B', '2026-02-23T10:00:00Z' FROM generate_series(1, 250)");
    QSet<qint64> seen;
    QByteArray cursor;
    int pages = 0;
    for (;;) {
        const auto r = request("GET", "/api/activity/events?limit=7" + (cursor.isEmpty() ? QByteArray() : "&cursor=" + cursor.toPercentEncoding()), 1);
        ASSERT_EQ(r.status, 200) << r.body.constData();
        EXPECT_TRUE(r.headers.value("content-type").startsWith("application/json"));
        const auto page = r.json();
        const auto events = page.value("events").toArray();
        ++pages;
        for (const auto &e : events) {
            const qint64 seq = e.toObject().value("seq").toInteger();
            EXPECT_FALSE(seen.contains(seq)) << seq;
            seen.insert(seq);
        }
        if (page.value("nextCursor").isNull()) {
            EXPECT_EQ(events.size(), 250 - 7 * 35);
            break;
        }
        EXPECT_EQ(events.size(), 7);
        cursor = page.value("nextCursor").toString().toUtf8();
        ASSERT_LT(pages, 60);
    }
    EXPECT_EQ(seen.size(), 250);
    auto r = request("GET", "/api/activity/events?cursor=2026-02-23T10%3A00%3A00.000001Z&limit=999", 1);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json().value("events").toArray().size(), 50);
    r = request("GET", "/api/activity/events?cursor=2026-02-23T10%3A00%3A00Z", 1);
    EXPECT_EQ(r.json().value("events").toArray().size(), 0);
    EXPECT_TRUE(r.json().value("nextCursor").isNull());
    r = request("GET", "/api/activity/events?tenantId=" + QByteArray::number(m_tenant[1]), 1);
    EXPECT_EQ(r.json().value("events").toArray().size(), 0);
    r = request("GET", "/api/activity/events", 1);
    EXPECT_EQ(r.json().value("events").toArray().size(), 20);
}

TEST_F(ApiHttp, BadInputsAnswerFourHundredsAndWriteNothing)
{
    const QByteArray ev = addEvent(0);
    struct Case {
        QByteArray method, target, body, type;
        int status;
        const char *contains;
    };
    const QByteArray okBody = "{\"eventId\":\"" + ev + "\",\"reactionType\":\"hype\"}";
    const QList<Case> cases = {
        {"POST", "/api/activity/reactions", okBody, "text/plain", 415, "Content-Type"},
        {"POST", "/api/activity/reactions", okBody, "", 415, "Content-Type"},
        {"POST", "/api/activity/reactions", "{\"eventId\":", "application/json", 400, "JSON"},
        {"POST", "/api/activity/reactions", "{\"eventId\" \"x\"}", "application/json", 400, "JSON"},
        {"POST", "/api/activity/reactions", "", "application/json", 400, "JSON"},
        {"POST", "/api/activity/reactions", "[1,2]", "application/json", 400, "object"},
        {"POST", "/api/activity/reactions", "\"str\"", "application/json", 400, "object"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"\xff\xfe\",\"reactionType\":\"hype\"}", "application/json", 400, "UTF-8"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"\xc0\xaf\",\"reactionType\":\"hype\"}", "application/json", 400, "UTF-8"},
        {"POST", "/api/activity/reactions", "{\"eventId\":5,\"reactionType\":\"hype\"}", "application/json", 400, "eventId"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"" + ev + "\",\"reactionType\":[\"hype\"]}", "application/json", 400, "reactionType"},
        {"POST", "/api/activity/reactions", "{\"reactionType\":\"hype\"}", "application/json", 400, "eventId is required"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"" + ev + "\"}", "application/json", 400, "reactionType is required"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"not-a-uuid\",\"reactionType\":\"hype\"}", "application/json", 400, "UUID"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"" + ev + "\",\"reactionType\":\"like\"}", "application/json", 400, "reactionType must be one of hype, respect, tribute"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"'; DROP TABLE activity_events; --\",\"reactionType\":\"hype\"}", "application/json", 400, "UUID"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"" + ev + "\",\"reactionType\":\"hype' OR '1'='1\"}", "application/json", 400, "reactionType"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"" + ev + "\\u0000\",\"reactionType\":\"hype\"}", "application/json", 400, "NUL"},
        {"POST", "/api/activity/reactions", QByteArray("{\"eventId\":\"a\0b\"}", 17), "application/json", 400, ""},
        {"DELETE", "/api/activity/reactions", "{\"eventId\":1e999,\"reactionType\":\"hype\"}", "application/json", 400, ""},
        {"POST", "/api/activity/comments", "{\"eventId\":\"" + ev + "\",\"body\":\"" + QByteArray(10000, 'x') + "\"}", "application/json", 400, "500"},
        {"POST", "/api/activity/comments", "{\"eventId\":\"" + ev + "\",\"body\":\"   \"}", "application/json", 400, "empty"},
        {"POST", "/api/activity/comments", "{\"eventId\":\"" + ev + "\",\"body\":\"a\\u0000b\"}", "application/json", 400, "NUL"},
        {"POST", "/api/activity/comments", "{\"eventId\":\"" + ev + "\",\"body\":12}", "application/json", 400, "body must be a string"},
        {"POST", "/api/activity/comments", "{\"eventId\":\"" + ev + "\"}", "application/json", 400, "body is required"},
        {"POST", "/api/activity/comments", "{\"eventId\":\"" + ev + "\",\"body\":\"x\"", "application/json", 400, "JSON"},
        {"GET", "/api/activity/events?limit=-1", {}, {}, 400, "limit"},
        {"GET", "/api/activity/events?limit=0", {}, {}, 400, "limit"},
        {"GET", "/api/activity/events?limit=abc", {}, {}, 400, "limit"},
        {"GET", "/api/activity/events?limit=1.5", {}, {}, 400, "limit"},
        {"GET", "/api/activity/events?limit=", {}, {}, 400, "limit"},
        {"GET", "/api/activity/events?tenantId=-3", {}, {}, 400, "tenantId"},
        {"GET", "/api/activity/events?tenantId=99999999999999999999", {}, {}, 400, "tenantId"},
        {"GET", "/api/activity/events?cursor=%27%3B%20DROP%20TABLE%20x", {}, {}, 400, "cursor"},
        {"GET", "/api/activity/events?cursor=2026-13-45T00%3A00%3A00Z", {}, {}, 400, ""},
        {"GET", "/api/activity/comments?eventId=" + ev + "&limit=-5", {}, {}, 400, "limit"},
        {"GET", "/api/activity/comments", {}, {}, 400, "eventId"},
        {"GET", "/api/activity/comments?eventId=xyz", {}, {}, 400, "UUID"},
        {"GET", "/api/activity/comments?eventId=" + ev + "&cursor=zzz", {}, {}, 400, "cursor"},
        {"GET", "/api/activity/events/not-a-uuid/sources", {}, {}, 400, "UUID"},
        {"GET", "/api/activity/events/00000000-0000-0000-0000-000000000000/sources", {}, {}, 404, "not found"},
        {"POST", "/api/activity/reactions", "{\"eventId\":\"00000000-0000-0000-0000-000000000000\",\"reactionType\":\"hype\"}", "application/json", 404, "not found"},
        {"GET", "/api/activity/comments?eventId=00000000-0000-0000-0000-000000000000", {}, {}, 404, "not found"},
        {"GET", "/api/nope", {}, {}, 404, ""},
        {"PUT", "/api/activity/reactions", "{}", "application/json", 405, ""},
        {"PATCH", "/api/activity/events", "{}", "application/json", 405, ""},
    };
    for (const Case &c : cases) {
        const Response r = request(c.method, c.target, 1, c.body, c.type);
        EXPECT_EQ(r.status, c.status) << c.method.constData() << " " << c.target.constData() << " "
                                      << c.body.left(80).constData() << " -> " << r.body.constData();
        EXPECT_TRUE(r.json().value("error").isString()) << r.body.constData();
        EXPECT_TRUE(r.json().value("error").toString().contains(QString::fromUtf8(c.contains)))
            << c.contains << " not in " << r.body.constData();
        if (c.status == 405) {
            EXPECT_FALSE(r.headers.value("allow").isEmpty());
        }
    }
    // Own event: 403 for POST and DELETE.
    EXPECT_EQ(request("POST", "/api/activity/reactions", 0, okBody).status, 403);
    EXPECT_EQ(request("DELETE", "/api/activity/reactions", 0, okBody).status, 403);
    // Emit's own bad inputs.
    const QByteArray secret = "x-drain-secret: s3cret\r\n";
    const QByteArray t = QByteArray::number(m_tenant[0]);
    const QList<QPair<QByteArray, const char *>> emits = {
        {"{\"tenantId\":" + t + ",\"eventType\":\"nope\",\"payload\":{}}", "eventType"},
        {"{\"tenantId\":999999,\"eventType\":\"badge_earned\",\"payload\":{}}", "tenant"},
        {"{\"tenantId\":1e400,\"eventType\":\"badge_earned\",\"payload\":{}}", ""},
        {"{\"tenantId\":1.5,\"eventType\":\"badge_earned\",\"payload\":{}}", "tenantId"},
        {"{\"tenantId\":\"1\",\"eventType\":\"badge_earned\",\"payload\":{}}", "tenantId"},
        {"{\"eventType\":\"badge_earned\",\"payload\":{}}", "tenantId is required"},
        {"{\"tenantId\":" + t + ",\"eventType\":\"badge_earned\",\"payload\":[1]}", "payload"},
        {"{\"tenantId\":" + t + ",\"eventType\":\"badge_earned\",\"payload\":\"x\"}", "payload"},
        {"{\"tenantId\":" + t + ",\"eventType\":\"badge_earned\",\"payload\":{\"a\":\"" + QByteArray(17000, 'y') + "\"}}", "16 KiB"},
        {"{\"tenantId\":" + t + ",\"eventType\":\"badge_earned\",\"payload\":{\"a\":\"\\u0000\"}}", "NUL"},
        {"[{\"tenantId\":" + t + ",\"eventType\":\"badge_earned\"},{\"tenantId\":999999,\"eventType\":\"badge_earned\"}]", "999999"},
        {"[{\"tenantId\":" + t + ",\"eventType\":\"badge_earned\"},7]", "events[1]"},
        {"[]", "1 to 1000"},
        {"[" + QByteArray("{},").repeated(1000) + "{}]", "1 to 1000"},
        {"42", "object"},
    };
    for (const auto &e : emits) {
        const Response r = request("POST", "/api/activity/emit", -1, e.first, "application/json", secret);
        EXPECT_EQ(r.status, 400) << e.first.left(80).constData() << " -> " << r.body.constData();
        EXPECT_TRUE(r.json().value("error").toString().contains(QString::fromUtf8(e.second)))
            << e.second << " not in " << r.body.constData();
    }
    EXPECT_EQ(request("POST", "/api/activity/drain?tenantId=abc", -1, {}, {}, secret).status, 400);
    EXPECT_EQ(request("POST", "/api/activity/drain?tenantId=424242", -1, {}, {}, secret).status, 404);
    // Nothing was written, and the server is still healthy.
    const auto health = request("GET", "/healthz", -1);
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.json(), QJsonObject({{"ok", true}, {"db", "up"}}));
    EXPECT_EQ(exec1("SELECT (SELECT count(*) FROM activity_reactions) + (SELECT count(*) FROM "
                    "activity_comments) + (SELECT count(*) FROM activity_queue) + (SELECT count(*) "
                    "FROM reaction_attempts) + (SELECT count(*) FROM drain_runs WHERE processed > 0)"),
              "0");
    EXPECT_EQ(exec1("SELECT count(*) FROM activity_events"), "1");
}

TEST_F(ApiHttp, FiftyConcurrentReactionsGiveExactlyTenAccepted)
{
    QList<QByteArray> events;
    for (int i = 0; i < 50; ++i)
        events.append(addEvent(0));
    std::atomic<int> ok{0}, limited{0}, other{0}, retryHeaders{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i)
        threads.emplace_back([&, i] {
            const Response r = request("POST", "/api/activity/reactions", 1,
                                       "{\"eventId\":\"" + events[i] + "\",\"reactionType\":\"respect\"}");
            if (r.status == 200) {
                ++ok;
            } else if (r.status == 429) {
                ++limited;
                const int retry = r.headers.value("retry-after").toInt();
                if (retry > 3500 && retry <= 3600)
                    ++retryHeaders;
            } else {
                ++other;
            }
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 10);
    EXPECT_EQ(limited.load(), 40);
    EXPECT_EQ(retryHeaders.load(), 40);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(exec1("SELECT count(*) FROM activity_reactions"), "10");
    // A duplicate counts as an attempt and changes nothing; DELETE is not limited.
    const QByteArray body = "{\"eventId\":\"" + events[0] + "\",\"reactionType\":\"respect\"}";
    EXPECT_EQ(request("DELETE", "/api/activity/reactions", 1, body).status, 200);
    const auto r = request("POST", "/api/activity/reactions", 2, body);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json().value("counts").toObject(), QJsonObject({{"hype", 0}, {"respect", 1}, {"tribute", 0}}));
    EXPECT_TRUE(r.json().value("ok").toBool());
}

TEST_F(ApiHttp, CommentsCountCodePoints)
{
    const QByteArray ev = addEvent(0);
    const QByteArray emoji = QByteArray("\xF0\x9F\x98\x80").repeated(500);
    auto r = request("POST", "/api/activity/comments", 1, "{\"eventId\":\"" + ev + "\",\"body\":\"" + emoji + "\"}");
    EXPECT_EQ(r.status, 201) << r.body.constData();
    EXPECT_TRUE(r.json().value("ok").toBool());
    r = request("POST", "/api/activity/comments", 1, "{\"eventId\":\"" + ev + "\",\"body\":\"" + emoji + "\xF0\x9F\x98\x80\"}");
    EXPECT_EQ(r.status, 400);
    r = request("POST", "/api/activity/comments", 2, "{\"eventId\":\"" + ev + "\",\"body\":\" e\xCC\x81 \"}");
    ASSERT_EQ(r.status, 201);
    const auto comment = r.json().value("comment").toObject();
    EXPECT_EQ(comment.value("body").toString(), QString::fromUtf8("e\xCC\x81"));
    EXPECT_EQ(comment.value("tenantName").toString(), "Gamma");
    EXPECT_EQ(exec1("SELECT char_length(body) FROM activity_comments WHERE body <> '" + std::string(emoji.constData()) + "'"), "2");
    const QByteArray sqlish = "Robert'); DROP TABLE activity_comments;--";
    EXPECT_EQ(request("POST", "/api/activity/comments", 1, "{\"eventId\":\"" + ev + "\",\"body\":\"" + sqlish + "\"}").status, 201);
    r = request("GET", "/api/activity/comments?eventId=" + ev + "&limit=2", 1);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json().value("comments").toArray().size(), 2);
    const QByteArray next = r.json().value("nextCursor").toString().toUtf8();
    ASSERT_FALSE(next.isEmpty());
    r = request("GET", "/api/activity/comments?eventId=" + ev + "&limit=2&cursor=" + next, 1);
    EXPECT_EQ(r.json().value("comments").toArray().size(), 1);
    EXPECT_EQ(r.json().value("comments").toArray().first().toObject().value("body").toString(), QString::fromUtf8(sqlish));
    EXPECT_TRUE(r.json().value("nextCursor").isNull());
    r = request("GET", "/api/activity/events", 1);
    EXPECT_EQ(r.json().value("events").toArray().first().toObject().value("commentCount").toInt(), 3);
}

TEST_F(ApiHttp, DrainAndEmitNeedTheSecret)
{
    const QByteArray one = "{\"tenantId\":" + QByteArray::number(m_tenant[0]) + ",\"eventType\":\"badge_earned\",\"payload\":{\"badgeName\":\"X\",\"xpAwarded\":5}}";
    m_api->ctx->drainSecret.clear();
    auto r = request("POST", "/api/activity/drain", -1, {}, {}, "x-drain-secret: s3cret\r\n");
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.json().value("error").toString(), "drain secret not configured");
    EXPECT_EQ(request("POST", "/api/activity/emit", -1, one, "application/json", "x-drain-secret: \r\n").status, 403);
    m_api->ctx->drainSecret = "s3cret";
    EXPECT_EQ(request("POST", "/api/activity/drain", -1).status, 401);
    EXPECT_EQ(request("POST", "/api/activity/drain", -1, {}, {}, "x-drain-secret: s3cre\r\n").status, 401);
    EXPECT_EQ(request("POST", "/api/activity/emit", -1, one, "application/json", "x-drain-secret: S3CRET\r\n").status, 401);
    EXPECT_EQ(request("POST", "/api/activity/emit", 0, one).status, 401); // a tenant token is not the secret
    const QByteArray secret = "x-drain-secret: s3cret\r\n";
    r = request("POST", "/api/activity/emit", -1, one, "application/json", secret);
    EXPECT_EQ(r.status, 202);
    EXPECT_EQ(r.json(), QJsonObject({{"ok", true}, {"queued", 1}}));
    QByteArray many = "[";
    for (int i = 0; i < 1000; ++i)
        many += (i ? "," : "") + QByteArray("{\"tenantId\":") + QByteArray::number(m_tenant[1]) + ",\"eventType\":\"tasks_burst\",\"payload\":{\"count\":" + QByteArray::number(i) + "}}";
    many += "]";
    r = request("POST", "/api/activity/emit", -1, many, "application/json", secret);
    EXPECT_EQ(r.status, 202) << r.body.constData();
    EXPECT_EQ(r.json().value("queued").toInt(), 1000);
    EXPECT_EQ(request("POST", "/api/activity/emit", -1, one, "text/plain", secret).status, 415);
    r = request("POST", "/api/activity/drain?tenantId=" + QByteArray::number(m_tenant[0]), -1, {}, {}, secret);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json(), QJsonObject({{"ok", true}, {"processed", 1}, {"inserted", 1}, {"updated", 0}, {"removed", 0}}));
    r = request("POST", "/api/activity/drain", -1, {}, {}, secret);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json().value("processed").toInt(), 1000);
    EXPECT_GE(r.json().value("inserted").toInt(), 1);
    // Sources of a grouped tile, oldest first.
    r = request("GET", "/api/activity/events?tenantId=" + QByteArray::number(m_tenant[1]) + "&limit=1", 0);
    const auto tile = r.json().value("events").toArray().first().toObject();
    const int count = tile.value("payload_json").toObject().value("count").toInt();
    r = request("GET", "/api/activity/events/" + tile.value("id").toString().toUtf8() + "/sources", 0);
    ASSERT_EQ(r.status, 200);
    const auto sources = r.json().value("sources").toArray();
    EXPECT_EQ(sources.size(), count);
    for (int i = 1; i < sources.size(); ++i)
        EXPECT_LE(sources[i - 1].toObject().value("created_at").toString(), sources[i].toObject().value("created_at").toString());
}

TEST_F(ApiHttp, StaticPageAndHealth)
{
    auto r = request("GET", "/", -1);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.headers.value("content-type").startsWith("text/html"));
    EXPECT_EQ(r.headers.value("content-security-policy"),
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    EXPECT_FALSE(r.body.isEmpty());
    if (QFile::exists(":/web/app.js")) {
        r = request("GET", "/app.js", -1);
        EXPECT_EQ(r.status, 200);
        EXPECT_TRUE(r.headers.value("content-type").startsWith("text/javascript"));
        EXPECT_FALSE(r.headers.value("content-security-policy").isEmpty());
    }
    if (QFile::exists(":/web/style.css")) {
        EXPECT_TRUE(request("GET", "/style.css", -1).headers.value("content-type").startsWith("text/css"));
    }
    EXPECT_EQ(request("GET", "/nope.js", -1).status, 404);
    EXPECT_EQ(request("GET", "/healthz", -1).json(), QJsonObject({{"ok", true}, {"db", "up"}}));
}

TEST_F(ApiHttp, HealthzSaysDownWithoutDatabase)
{
    ConnectionPool deadPool("host=127.0.0.1 port=1 dbname=x connect_timeout=1", 1);
    FeedService deadFeed(deadPool);
    ApiContext deadCtx{deadPool, deadFeed, QByteArray("s3cret")};
    HttpServer server;
    registerApiRoutes(server.router(), deadCtx);
    ASSERT_TRUE(server.listen(QStringLiteral("127.0.0.1"), 0));
    Client c(server.serverPort());
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.response().value_or(Response{});
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.json(), QJsonObject({{"ok", false}, {"db", "down"}}));
    c.send("GET /api/activity/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer aft_x\r\n\r\n");
    r = c.response().value_or(Response{});
    EXPECT_EQ(r.status, 503);
    EXPECT_TRUE(r.json().contains("error"));
    server.close();
}

TEST_F(ApiHttp, SseTargetsEveryClientOrOwnerAndActor)
{
    QList<std::shared_ptr<Client>> streams;
    for (int who = 0; who < 3; ++who) {
        auto c = std::make_shared<Client>(m_port);
        const QByteArray auth = who == 2 ? QByteArray() : "Authorization: Bearer " + m_token[who] + "\r\n";
        const QByteArray target = who == 2 ? "/api/activity/stream?access_token=" + m_token[who] : "/api/activity/stream";
        c->send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n");
        ASSERT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("retry: 3000"); }));
        EXPECT_TRUE(c->buffer().contains("text/event-stream"));
        streams.append(c);
    }
    QElapsedTimer t;
    t.start();
    while (m_broadcaster.clientCount() < 3 && t.elapsed() < 3000)
        QThread::msleep(10); // polling interval (waits for a condition, with a deadline)
    emitAndDrain(0);
    for (auto &c : streams)
        ASSERT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("activity.event.created"); }));
    const auto created = parseFrames(streams[0]->buffer());
    ASSERT_FALSE(created.isEmpty());
    const QJsonObject event = QJsonDocument::fromJson(created.last().data).object();
    const QByteArray ev = event.value("id").toString().toUtf8();
    EXPECT_EQ(created.last().id, QByteArray::number(event.value("seq").toInteger()));
    EXPECT_EQ(event.value("tenantName").toString(), "Acme");

    ASSERT_EQ(request("POST", "/api/activity/reactions", 1, "{\"eventId\":\"" + ev + "\",\"reactionType\":\"hype\"}").status, 200);
    ASSERT_EQ(request("POST", "/api/activity/comments", 2, "{\"eventId\":\"" + ev + "\",\"body\":\"nice\\n\\ndata: x\"}").status, 201);
    emitAndDrain(1); // a fence every client receives after the two pushes
    for (auto &c : streams)
        ASSERT_TRUE(c->readUntil([](const QByteArray &b) { return b.count("activity.event.created") >= 2; }));
    auto names = [](const QList<Frame> &frames) {
        QList<QByteArray> out;
        for (const Frame &f : frames)
            out.append(f.event);
        return out;
    };
    const auto a = names(parseFrames(streams[0]->buffer()));
    const auto b = names(parseFrames(streams[1]->buffer()));
    const auto c = names(parseFrames(streams[2]->buffer()));
    EXPECT_TRUE(a.contains("activity.reaction.updated"));
    EXPECT_TRUE(a.contains("activity.comment.created"));
    EXPECT_TRUE(b.contains("activity.reaction.updated"));
    EXPECT_FALSE(b.contains("activity.comment.created"));
    EXPECT_FALSE(c.contains("activity.reaction.updated"));
    EXPECT_TRUE(c.contains("activity.comment.created"));
    for (const Frame &f : parseFrames(streams[0]->buffer())) {
        const QJsonObject data = QJsonDocument::fromJson(f.data).object();
        if (f.event == "activity.reaction.updated") {
            EXPECT_EQ(data.value("eventId").toString().toUtf8(), ev);
            EXPECT_EQ(data.value("counts").toObject().value("hype").toInt(), 1);
        } else if (f.event == "activity.comment.created") {
            EXPECT_EQ(data.value("eventId").toString().toUtf8(), ev);
            EXPECT_EQ(data.value("commentCount").toInt(), 1);
            EXPECT_EQ(data.value("body").toString(), "nice\n\ndata: x");
        }
    }
}

TEST_F(ApiHttp, LastEventIdReplaysInOrderOrResyncs)
{
    run("INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon) "
        "SELECT " + std::to_string(m_tenant[0]) + ", 'badge_earned', 'Badge earned', 'd' || g, 'B' "
        "FROM generate_series(1, 10) g");
    const qint64 first = std::stoll(exec1("SELECT min(seq) FROM activity_events"));
    auto replay = [&](const QByteArray &how, int expectFrames) {
        Client c(m_port);
        c.send("GET /api/activity/stream" + how + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_token[1] + "\r\n"
               + (how.isEmpty() ? "Last-Event-ID: " + QByteArray::number(first + 2) + "\r\n" : QByteArray()) + "\r\n");
        c.readUntil([&](const QByteArray &b) { return b.count("\nevent: ") >= expectFrames; }, 5000);
        return parseFrames(c.buffer());
    };
    auto frames = replay({}, 7);
    ASSERT_EQ(frames.size(), 7);
    for (int i = 0; i < 7; ++i) {
        EXPECT_EQ(frames[i].event, "activity.event.created");
        EXPECT_EQ(frames[i].id, QByteArray::number(first + 3 + i));
    }
    frames = replay("?lastEventId=" + QByteArray::number(first + 7), 2);
    ASSERT_EQ(frames.size(), 2);
    EXPECT_EQ(frames[0].id, QByteArray::number(first + 8));
    run("INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon) "
        "SELECT " + std::to_string(m_tenant[0]) + ", 'badge_earned', 'Badge earned', 'd', 'B' "
        "FROM generate_series(1, 1000)");
    frames = replay("?lastEventId=" + QByteArray::number(first + 9), 1000);
    EXPECT_EQ(frames.size(), 1000);
    EXPECT_EQ(frames.last().id, QByteArray::number(first + 1009));
    frames = replay("?lastEventId=" + QByteArray::number(first + 8), 1);
    ASSERT_EQ(frames.size(), 1);
    EXPECT_EQ(frames[0].event, "activity.resync");
}

} // namespace
