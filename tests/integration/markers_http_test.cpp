// Read markers and the feed's event-type filter over real sockets, on the real backend
// (BackendRuntime, as `serve` runs it) against a real PostgreSQL: the marker only moves
// forward and never past the newest event, unread leaves out the tenant's own events and
// stops at the cap, the filtered feed pages exactly over ties, unknown types are 400, and
// the marker push reaches the tenant's own clients on every instance and nobody else.
#include "feed/markerservice.h"
#include "feed/notifylistener.h"
#include "feed/tenants.h"
#include "http/httpserver.h"
#include "pgharness.h"
#include "runtime/backendruntime.h"
#include "testhttpclient.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QThread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace af;

namespace {

using Client = aftest::TestHttpClient;
using Reply = aftest::HttpReply;

bool waitFor(const std::function<bool()> &pred, int timeoutMs = 5000)
{
    QElapsedTimer t;
    t.start();
    while (!pred()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QThread::msleep(5); // polling interval (waits for a condition, with a deadline)
    }
    return true;
}

} // namespace

class Markers : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_cs = aftest::freshDatabase("markers");
        m_rt.push_back(startRuntime());
        pqxx::connection c(m_cs);
        for (const char *name : {"Acme", "Beta", "Gamma"}) {
            const IssuedToken t = Tenants::add(c, QString::fromLatin1(name));
            m_tenant.append(t.tenantId);
            m_token.append(t.token.toUtf8());
        }
    }
    void TearDown() override
    {
        for (auto &rt : m_rt)
            rt->stop();
    }

    /// Another instance on the same database, as a second `serve` on another machine.
    std::unique_ptr<BackendRuntime> startRuntime()
    {
        BackendRuntime::Config cfg;
        cfg.databaseUrl = QString::fromStdString(m_cs);
        cfg.listenPort = 0;
        auto rt = std::make_unique<BackendRuntime>(cfg);
        rt->start();
        EXPECT_TRUE(waitFor([&] { return rt->listener().connected(); }));
        return rt;
    }
    quint16 port(int instance = 0) const { return m_rt.at(size_t(instance))->server().serverPort(); }

    Reply request(const QByteArray &method, const QByteArray &target, int who,
                  const QByteArray &body = {}, int instance = 0)
    {
        QByteArray req = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (who >= 0)
            req += "Authorization: Bearer " + m_token.value(who) + "\r\n";
        if (!body.isNull())
            req += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n";
        req += "\r\n" + body;
        Client c(port(instance));
        c.send(req);
        return c.response().value_or(Reply{});
    }
    Reply postMarker(int who, const QByteArray &body, int instance = 0)
    {
        return request("POST", "/api/activity/markers", who, body, instance);
    }
    Reply moveTo(int who, qint64 seq, int instance = 0)
    {
        return postMarker(who, "{\"lastReadSeq\":" + QByteArray::number(seq) + "}", instance);
    }

    void run(const std::string &sql) { aftest::execute(m_cs, sql); }
    qint64 scalar(const std::string &sql) { return std::stoll(aftest::queryValue(m_cs, sql)); }
    /// @p n events of tenant @p who (no NOTIFY: the stream is not what these look at);
    /// the newest seq after them.
    qint64 addEvents(int who, int n, const std::string &type = "badge_earned")
    {
        run("INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon) "
            "SELECT " + std::to_string(m_tenant[who]) + ", '" + type + "', 'x', 'd' || g, 'i' "
            "FROM generate_series(1, " + std::to_string(n) + ") g");
        return scalar("SELECT max(seq) FROM activity_events");
    }

    std::unique_ptr<Client> openStream(int who, int instance)
    {
        auto c = std::make_unique<Client>(port(instance));
        c->send("GET /api/activity/stream HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                + m_token[who] + "\r\n\r\n");
        EXPECT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("retry: 3000\n\n"); }));
        return c;
    }

    std::string m_cs;
    std::vector<std::unique_ptr<BackendRuntime>> m_rt;
    QList<int> m_tenant;
    QList<QByteArray> m_token;
};

TEST_F(Markers, OnlyMovesForwardAndNeverPastTheNewestEvent)
{
    const Reply fresh = request("GET", "/api/activity/markers", 0);
    ASSERT_EQ(fresh.status, 200) << fresh.body.toStdString();
    EXPECT_EQ(fresh.json().value("lastReadSeq").toInteger(), 0);
    EXPECT_EQ(fresh.json().value("unreadCount").toInt(), 0);
    EXPECT_TRUE(fresh.json().value("updatedAt").isNull());

    const qint64 newest = addEvents(1, 10);
    const qint64 middle = newest - 4;
    const Reply moved = moveTo(0, middle);
    ASSERT_EQ(moved.status, 200) << moved.body.toStdString();
    EXPECT_EQ(moved.json().value("lastReadSeq").toInteger(), middle);
    EXPECT_EQ(moved.json().value("unreadCount").toInt(), 4);
    const QString at = moved.json().value("updatedAt").toString();
    EXPECT_FALSE(at.isEmpty());

    // Lower and equal: 200 with the current marker, nothing changed (not even the time).
    for (const qint64 back : {middle - 3, middle, qint64(0)}) {
        const Reply r = moveTo(0, back);
        ASSERT_EQ(r.status, 200) << r.body.toStdString();
        EXPECT_EQ(r.json().value("lastReadSeq").toInteger(), middle) << back;
        EXPECT_EQ(r.json().value("updatedAt").toString(), at) << back;
    }

    // Above the newest event: 400 naming the field, and the marker stays.
    const Reply above = moveTo(0, newest + 1);
    EXPECT_EQ(above.status, 400);
    EXPECT_NE(above.error().indexOf("lastReadSeq"), -1) << above.error().toStdString();
    for (const QByteArray &bad : {QByteArray("{\"lastReadSeq\":-1}"), QByteArray("{\"lastReadSeq\":1.5}"),
                                  QByteArray("{\"lastReadSeq\":\"7\"}"), QByteArray("{\"lastReadSeq\":1e300}"),
                                  QByteArray("{}"), QByteArray("[1]"), QByteArray("{\"lastReadSeq\":")}) {
        const Reply r = postMarker(0, bad);
        EXPECT_EQ(r.status, 400) << bad.toStdString();
        EXPECT_FALSE(r.error().isEmpty()) << bad.toStdString();
    }
    EXPECT_EQ(scalar("SELECT last_read_seq FROM activity_markers WHERE tenant_id = "
                     + std::to_string(m_tenant[0])), middle);

    // No token, or a wrong one: 401, and no other tenant's marker exists or moved.
    EXPECT_EQ(request("GET", "/api/activity/markers", -1).status, 401);
    EXPECT_EQ(moveTo(-1, newest).status, 401);
    EXPECT_EQ(scalar("SELECT count(*) FROM activity_markers"), 1);

    const Reply end = moveTo(0, newest);
    EXPECT_EQ(end.json().value("lastReadSeq").toInteger(), newest);
    EXPECT_EQ(end.json().value("unreadCount").toInt(), 0);
    EXPECT_EQ(request("GET", "/api/activity/markers", 0).json(), end.json());
}

TEST_F(Markers, ConcurrentMovesKeepTheHighest)
{
    const qint64 newest = addEvents(1, 40);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            for (int k = 0; k < 5; ++k)
                EXPECT_EQ(moveTo(0, newest - 39 + i * 5 + k).status, 200);
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(request("GET", "/api/activity/markers", 0).json().value("lastReadSeq").toInteger(),
              newest);
}

TEST_F(Markers, UnreadLeavesOutOwnEventsAndStopsAtTheCap)
{
    addEvents(0, 5);
    addEvents(1, 3);
    addEvents(2, 2);
    addEvents(0, 4);
    EXPECT_EQ(request("GET", "/api/activity/markers", 0).json().value("unreadCount").toInt(), 5);
    EXPECT_EQ(request("GET", "/api/activity/markers", 1).json().value("unreadCount").toInt(), 11);

    const qint64 newest = addEvents(1, Marker::kUnreadCap + 200);
    EXPECT_EQ(request("GET", "/api/activity/markers", 0).json().value("unreadCount").toInt(),
              Marker::kUnreadCap);
    // Just below the cap it counts exactly.
    const Reply near = moveTo(0, newest - (Marker::kUnreadCap - 1));
    EXPECT_EQ(near.json().value("unreadCount").toInt(), Marker::kUnreadCap - 1);
    EXPECT_EQ(moveTo(0, newest).json().value("unreadCount").toInt(), 0);
    // Its own new events are nothing new to it.
    addEvents(0, 3);
    EXPECT_EQ(request("GET", "/api/activity/markers", 0).json().value("unreadCount").toInt(), 0);
}

TEST_F(Markers, FilteredFeedPagesExactlyOverTies)
{
    // 180 events at one and the same instant, three types, two tenants.
    run("INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon, created_at) "
        "SELECT CASE WHEN g % 2 = 0 THEN " + std::to_string(m_tenant[0]) + " ELSE "
        + std::to_string(m_tenant[1]) + " END, "
        "(ARRAY['badge_earned','xp_rank_up','streak_milestone'])[1 + g % 3], 'x', 'd', 'i', "
        "'2026-03-01 12:00:00+00' FROM generate_series(1, 180) g");
    struct Case {
        QByteArray query;
        std::string where;
    };
    const std::string acme = std::to_string(m_tenant[0]);
    const Case cases[] = {
        {"eventType=badge_earned,streak_milestone", "event_type IN ('badge_earned','streak_milestone')"},
        {"eventType=xp_rank_up", "event_type = 'xp_rank_up'"},
        {"eventType=xp_rank_up,xp_rank_up,badge_earned&tenantId=" + QByteArray::fromStdString(acme),
         "event_type IN ('xp_rank_up','badge_earned') AND tenant_id = " + acme},
    };
    for (const Case &c : cases) {
        QList<qint64> seqs;
        QByteArray cursor;
        int pages = 0;
        do {
            const Reply r = request("GET", "/api/activity/events?limit=7&" + c.query
                                        + (cursor.isEmpty() ? "" : "&cursor=" + cursor), 2);
            ASSERT_EQ(r.status, 200) << r.body.toStdString();
            for (const QJsonValue &v : r.json().value("events").toArray()) {
                const QJsonObject e = v.toObject();
                seqs.append(e.value("seq").toInteger());
                EXPECT_NE(QString::fromStdString(c.where).indexOf(e.value("event_type").toString()), -1);
            }
            const QJsonValue next = r.json().value("nextCursor");
            cursor = next.isNull() ? QByteArray() : next.toString().toUtf8().toPercentEncoding();
            ASSERT_LT(++pages, 100);
        } while (!cursor.isEmpty());
        // Every matching event once, newest first (equal times: by seq, descending).
        const qint64 expected = scalar("SELECT count(*) FROM activity_events WHERE " + c.where);
        EXPECT_EQ(seqs.size(), expected) << c.query.toStdString();
        EXPECT_EQ(QSet<qint64>(seqs.begin(), seqs.end()).size(), seqs.size()) << c.query.toStdString();
        EXPECT_TRUE(std::is_sorted(seqs.rbegin(), seqs.rend())) << c.query.toStdString();
        EXPECT_EQ(seqs.value(0), scalar("SELECT max(seq) FROM activity_events WHERE " + c.where));
    }
}

TEST_F(Markers, UnknownEventTypesAre400)
{
    addEvents(1, 3);
    for (const QByteArray &q : {QByteArray("eventType=nope"), QByteArray("eventType="),
                                QByteArray("eventType=badge_earned,nope"),
                                QByteArray("eventType=badge_earned,"),
                                QByteArray("eventType=badge_earned%27%20OR%201%3D1--"),
                                QByteArray("eventType=Badge_Earned")}) {
        const Reply r = request("GET", "/api/activity/events?" + q, 0);
        EXPECT_EQ(r.status, 400) << q.toStdString();
        EXPECT_NE(r.error().indexOf("eventType must be one or more of badge_earned"), -1)
            << r.error().toStdString();
    }
    // As for every parameter, a bad token is 401 before a bad type is 400.
    EXPECT_EQ(request("GET", "/api/activity/events?eventType=nope", -1).status, 401);
    EXPECT_EQ(request("GET", "/api/activity/events?eventType=badge_earned", 0).json()
                  .value("events").toArray().size(), 3);
}

TEST_F(Markers, PushReachesOnlyTheTenantsOwnClientsOnEveryInstance)
{
    m_rt.push_back(startRuntime());
    const qint64 newest = addEvents(2, 5);
    auto acmeHere = openStream(0, 0);
    auto acmeThere = openStream(0, 1);
    auto betaHere = openStream(1, 0);
    auto betaThere = openStream(1, 1);
    ASSERT_TRUE(waitFor([&] {
        return m_rt[0]->server().sseClientCount() == 2 && m_rt[1]->server().sseClientCount() == 2;
    }));

    ASSERT_EQ(moveTo(0, newest - 2, 0).status, 200);
    const QByteArray frame = "event: activity.marker.updated\ndata: {\"lastReadSeq\":"
        + QByteArray::number(newest - 2) + ",\"unreadCount\":2,";
    for (Client *c : {acmeHere.get(), acmeThere.get()})
        EXPECT_TRUE(c->readUntil([&](const QByteArray &b) { return b.contains(frame); }))
            << c->buffer().toStdString();
    // A move that changes nothing pushes nothing: Beta's own move, committed after it, is
    // the positive marker on Beta's streams and the next marker frame on Acme's.
    ASSERT_EQ(moveTo(0, newest - 3, 1).status, 200);
    ASSERT_EQ(moveTo(1, newest, 1).status, 200);
    const QByteArray betaFrame = "event: activity.marker.updated\ndata: {\"lastReadSeq\":"
        + QByteArray::number(newest) + ",\"unreadCount\":0,";
    for (Client *c : {betaHere.get(), betaThere.get()}) {
        ASSERT_TRUE(c->readUntil([&](const QByteArray &b) { return b.contains(betaFrame); }))
            << c->buffer().toStdString();
        EXPECT_EQ(c->buffer().count("activity.marker.updated"), 1) << c->buffer().toStdString();
    }
    // Acme moves once more; by then Beta's move has long been delivered everywhere.
    ASSERT_EQ(moveTo(0, newest - 1, 1).status, 200);
    const QByteArray last = "event: activity.marker.updated\ndata: {\"lastReadSeq\":"
        + QByteArray::number(newest - 1) + ",\"unreadCount\":1,";
    for (Client *c : {acmeHere.get(), acmeThere.get()}) {
        ASSERT_TRUE(c->readUntil([&](const QByteArray &b) { return b.contains(last); }))
            << c->buffer().toStdString();
        EXPECT_EQ(c->buffer().count("activity.marker.updated"), 2) << c->buffer().toStdString();
        EXPECT_FALSE(c->buffer().contains(betaFrame)) << c->buffer().toStdString();
    }
}

TEST_F(Markers, ForgedMarkerPushesAreDropped)
{
    auto acme = openStream(0, 0);
    ASSERT_TRUE(waitFor([&] { return m_rt[0]->server().sseClientCount() == 1; }));
    const std::string tenant = std::to_string(m_tenant[0]);
    for (const std::string &data : {std::string(R"({"lastReadSeq":-4,"unreadCount":1})"),
                                    std::string(R"({"lastReadSeq":4,"unreadCount":5000})"),
                                    std::string(R"({"lastReadSeq":"4","unreadCount":1})"),
                                    std::string(R"({"lastReadSeq":4})")}) {
        pqxx::connection c(m_cs);
        pqxx::work tx(c);
        tx.exec_params("SELECT pg_notify('activity_feed', $1)",
                       R"({"k":"push","event":"activity.marker.updated","tenants":[)" + tenant
                           + R"(],"data":)" + data + "}");
        tx.commit();
    }
    const qint64 newest = addEvents(1, 1);
    ASSERT_EQ(moveTo(0, newest).status, 200);
    ASSERT_TRUE(acme->readUntil([&](const QByteArray &b) { return b.contains("activity.marker.updated"); }));
    EXPECT_EQ(acme->buffer().count("activity.marker.updated"), 1) << acme->buffer().toStdString();
    EXPECT_TRUE(acme->buffer().contains("{\"lastReadSeq\":" + QByteArray::number(newest)));
}
