// The SSE stream of the real backend (BackendRuntime, as `serve` runs it) against a real
// PostgreSQL: revocation ends open streams, forged pushes are dropped, replay and live
// delivery resync past their bounds, per-tenant stream caps, and a replay larger than the
// backlog limit reaches a reader that keeps reading.
#include "feed/notifylistener.h"
#include "feed/tenants.h"
#include "http/httpserver.h"
#include "pgharness.h"
#include "runtime/backendruntime.h"
#include "testhttpclient.h"
#include "testprocess.h"
#include "testruntime.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <functional>
#include <string>
#include <vector>

using namespace af;

namespace {

using Client = aftest::TestHttpClient;

using aftest::waitFor;

/// The `event:` names of the frames after the stream's `retry:` line, in order.
std::vector<std::string> eventNames(const QByteArray &stream)
{
    std::vector<std::string> out;
    const qsizetype start = stream.indexOf("retry: ");
    for (const QByteArray &line : stream.mid(start < 0 ? 0 : start).split('\n')) {
        if (line.startsWith("event: "))
            out.push_back(line.mid(7).toStdString());
    }
    return out;
}

} // namespace

class Streams : public ::testing::Test
{
protected:
    void start(int streamLimitPerTenant = 50)
    {
        m_b = std::make_unique<aftest::TestRuntime>(
            "streams", QStringList{"Acme", "Beta"},
            [streamLimitPerTenant](BackendRuntime::Config &cfg) { cfg.streamLimitPerTenant = streamLimitPerTenant; });
        ASSERT_TRUE(m_b->ready());
    }

    /// Opens a stream with @p token (header, or `?access_token=` with @p inQuery) and reads
    /// through `retry:`.
    std::unique_ptr<Client> openStream(const QByteArray &token, const QByteArray &extra = {},
                                       bool inQuery = false)
    {
        auto c = std::make_unique<Client>(m_b->port);
        const QByteArray target = inQuery ? "/api/activity/stream?access_token=" + token
                                          : QByteArray("/api/activity/stream");
        c->send("GET " + target + " HTTP/1.1\r\nHost: t\r\n"
                + (inQuery ? QByteArray() : "Authorization: Bearer " + token + "\r\n") + extra
                + "\r\n");
        EXPECT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("retry: 3000\n\n"); }))
            << c->buffer().left(300).toStdString();
        return c;
    }
    void waitForClients(int n)
    {
        ASSERT_TRUE(waitFor([&] { return m_b->runtime->server().sseClientCount() == n; }))
            << m_b->runtime->server().sseClientCount();
    }
    void run(const std::string &sql)
    {
        pqxx::connection c(m_b->cs);
        pqxx::work tx(c);
        tx.exec(sql);
        tx.commit();
    }
    qint64 scalar(const std::string &sql)
    {
        pqxx::connection c(m_b->cs);
        pqxx::read_transaction tx(c);
        return tx.exec1(sql)[0].as<qint64>();
    }
    /// Inserts @p n events of tenant 0 (with @p payloadBytes of text in the payload) and
    /// tells the listeners, as a drain does.
    void addEvents(int n, int payloadBytes = 0)
    {
        run("INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon, "
            "payload_json) SELECT " + std::to_string(m_b->tenants.ids[0]) + ", 'badge_earned', 'Badge earned', "
            "'d' || g, 'B', jsonb_build_object('badge', repeat('x', " + std::to_string(payloadBytes) + ")) "
            "FROM generate_series(1, " + std::to_string(n) + ") g; "
            "SELECT pg_notify('activity_feed', '{\"k\":\"events\"}')");
    }
    void notify(const std::string &payload)
    {
        pqxx::connection c(m_b->cs);
        pqxx::work tx(c);
        tx.exec_params("SELECT pg_notify('activity_feed', $1)", payload);
        tx.commit();
    }
    aftest::HttpReply plain(const QByteArray &request, bool head = false)
    {
        Client c(m_b->port);
        c.send(request);
        return c.response(3000, head).value_or(aftest::HttpReply{});
    }

    std::unique_ptr<aftest::TestRuntime> m_b;
};

TEST_F(Streams, RevokingATokenEndsItsStreamsWithinOneSecond)
{
    start();
    IssuedToken second;
    {
        pqxx::connection c(m_b->cs);
        second = Tenants::issueToken(c, m_b->tenants.ids[0], QStringLiteral("second"));
    }
    auto byHeader = openStream(m_b->tenants.tokens[0]);
    auto byQuery = openStream(m_b->tenants.tokens[0], {}, true);
    auto sameTenantOtherToken = openStream(second.token.toUtf8());
    auto otherTenant = openStream(m_b->tenants.tokens[1]);
    waitForClients(4);

    // Revoked from another connection, as `activityfeed token revoke` on another machine.
    {
        pqxx::connection c(m_b->cs);
        ASSERT_TRUE(Tenants::revokeToken(c, m_b->tenants.tokenIds[0]));
    }
    QElapsedTimer t;
    t.start();
    ASSERT_TRUE(byHeader->closedByPeer(3000));
    ASSERT_TRUE(byQuery->closedByPeer(3000));
    const qint64 ms = t.elapsed();
    EXPECT_LT(ms, 1000) << "streams of a revoked token ended after " << ms << " ms";
    std::fprintf(stderr, "[streams] revoked token's 2 streams ended after %lld ms\n",
                 static_cast<long long>(ms));

    addEvents(1);
    for (Client *c : {sameTenantOtherToken.get(), otherTenant.get()}) {
        EXPECT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("activity.event.created"); }));
        EXPECT_EQ(c->socket().state(), QAbstractSocket::ConnectedState);
    }
    EXPECT_FALSE(byHeader->buffer().contains("activity.event.created"));
    waitForClients(2);
    // A new stream with the revoked token is refused as any request is.
    Client again(m_b->port);
    again.send("GET /api/activity/stream HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + m_b->tenants.tokens[0]
               + "\r\n\r\n");
    EXPECT_EQ(again.response().value_or(aftest::HttpReply{}).status, 401);
}

TEST_F(Streams, ForgedPushNotificationsAreDroppedNotFramed)
{
    start();
    auto c = openStream(m_b->tenants.tokens[0]);
    waitForClients(1);
    const std::string tenant = std::to_string(m_b->tenants.ids[0]);
    // What any role that can connect to the database could send on the channel.
    notify(R"({"k":"push","event":"activity.comment.created\nid: 999999","tenants":[)" + tenant
           + R"(],"data":{}})");
    notify(R"({"k":"push","event":"activity.reaction.updated","tenants":[)" + tenant
           + R"(],"data":"x\ndata: y"})");
    notify(R"({"k":"push","event":"activity.evil","tenants":[)" + tenant + R"(],"data":{}})");
    notify(R"({"k":"push","event":"activity.reaction.updated","tenants":")" + tenant
           + R"(","data":{}})");
    notify(R"({"k":"push","event":"activity.reaction.updated","tenants":[)" + tenant
           + R"(],"data":{"eventId":"00000000-0000-4000-8000-0000000000aa","counts":{"hype":1,"respect":0,"tribute":0}}})");
    ASSERT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("0000000000aa"); }));
    EXPECT_EQ(eventNames(c->buffer()), std::vector<std::string>{"activity.reaction.updated"})
        << c->buffer().toStdString();
    EXPECT_FALSE(c->buffer().contains("999999"));
    EXPECT_FALSE(c->buffer().contains("data: y"));
}

TEST_F(Streams, LastEventIdAboveTheNewestSeqGetsResync)
{
    start();
    addEvents(3);
    const qint64 newest = scalar("SELECT max(seq) FROM activity_events");
    auto ahead = openStream(m_b->tenants.tokens[1], "Last-Event-ID: " + QByteArray::number(newest + 500) + "\r\n");
    auto current = openStream(m_b->tenants.tokens[1], "Last-Event-ID: " + QByteArray::number(newest) + "\r\n");
    ASSERT_TRUE(ahead->readUntil([](const QByteArray &b) { return b.contains("event: "); }));
    EXPECT_EQ(eventNames(ahead->buffer()).at(0), "activity.resync");
    waitForClients(2);
    addEvents(1); // the marker: the up-to-date client gets it and no resync before it
    ASSERT_TRUE(current->readUntil([](const QByteArray &b) { return b.contains("activity.event.created"); }));
    EXPECT_EQ(eventNames(current->buffer()), std::vector<std::string>{"activity.event.created"});
}

TEST_F(Streams, MoreThanAThousandNewEventsAtOnceGiveOneResync)
{
    start();
    auto c = openStream(m_b->tenants.tokens[1]);
    waitForClients(1);
    addEvents(1500);
    const qint64 newest = scalar("SELECT max(seq) FROM activity_events");
    ASSERT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("activity.resync"); }, 10000))
        << eventNames(c->buffer()).size() << " frames, no resync";
    addEvents(1); // after the resync, live delivery goes on from the newest seq
    ASSERT_TRUE(c->readUntil([&](const QByteArray &b) {
        return b.contains("id: " + QByteArray::number(newest + 1) + "\n");
    }));
    EXPECT_EQ(eventNames(c->buffer()),
              (std::vector<std::string>{"activity.resync", "activity.event.created"}));
    // The resync carries the newest seq, so a reconnect does not replay the flood.
    EXPECT_TRUE(c->buffer().contains("event: activity.resync\nid: " + QByteArray::number(newest) + "\n"));
}

TEST_F(Streams, ATenantAtItsStreamCapGets429WithRetryAfter)
{
    start(3);
    std::vector<std::unique_ptr<Client>> mine;
    for (int i = 0; i < 3; ++i)
        mine.push_back(openStream(m_b->tenants.tokens[0]));
    waitForClients(3);
    Client fourth(m_b->port);
    fourth.send("GET /api/activity/stream HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + m_b->tenants.tokens[0]
                + "\r\n\r\n");
    const auto refused = fourth.response().value_or(aftest::HttpReply{});
    EXPECT_EQ(refused.status, 429);
    EXPECT_FALSE(refused.headers.value("retry-after").isEmpty());
    EXPECT_FALSE(refused.error().isEmpty());
    auto other = openStream(m_b->tenants.tokens[1]); // another tenant is not affected
    EXPECT_TRUE(other->buffer().startsWith("HTTP/1.1 200"));
    mine.pop_back(); // a place comes free once a stream ends
    waitForClients(3);
    auto again = openStream(m_b->tenants.tokens[0]);
    EXPECT_TRUE(again->buffer().startsWith("HTTP/1.1 200"));
}

TEST_F(Streams, AReplayLargerThanTheBacklogLimitReachesAReaderThatKeepsReading)
{
    start();
    const qint64 before = scalar("SELECT coalesce(max(seq), 0) FROM activity_events");
    // 1 000 events of about 12 KiB: a replay of ~12 MiB, twelve times the 1 MiB rule.
    addEvents(1000, 12000);
    const qint64 last = scalar("SELECT max(seq) FROM activity_events");
    // Live delivery of those (to nobody) is over before the stream opens: only the
    // replay can bring them.
    ASSERT_TRUE(waitFor([&] { return m_b->runtime->listener().lastSeq() == last; }));
    auto c = openStream(m_b->tenants.tokens[1], "Last-Event-ID: " + QByteArray::number(before) + "\r\n");
    const QByteArray lastId = "id: " + QByteArray::number(last) + "\n";
    ASSERT_TRUE(c->readUntil([&](const QByteArray &b) { return b.contains(lastId); }, 20000))
        << "got " << c->buffer().size() << " bytes, connected: "
        << (c->socket().state() == QAbstractSocket::ConnectedState);
    EXPECT_EQ(eventNames(c->buffer()).size(), 1000);
    EXPECT_EQ(c->socket().state(), QAbstractSocket::ConnectedState);
}

TEST_F(Streams, HeadOnTheStreamAndQueryTokensOnDrainAndEmitAreRefused)
{
    start();
    const auto head = plain("HEAD /api/activity/stream HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                            + m_b->tenants.tokens[0] + "\r\n\r\n", true);
    EXPECT_EQ(head.status, 405);
    EXPECT_EQ(head.headers.value("allow"), "GET");
    EXPECT_EQ(m_b->runtime->server().sseClientCount(), 0);
    for (const QByteArray route : {"/api/activity/drain", "/api/activity/emit"}) {
        const auto r = plain("POST " + route + "?access_token=" + m_b->tenants.tokens[0]
                             + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                               "Content-Length: 2\r\n\r\n{}");
        EXPECT_EQ(r.status, 401) << route.constData();
        EXPECT_TRUE(r.error().contains("access_token")) << r.error().toStdString();
    }
}
