// The HTTP transport over real sockets on 127.0.0.1 with test handlers (no database).
#include "feed/broadcaster.h"
#include "http/httpserver.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QThread>
#include "testhttpclient.h"
#include "testprocess.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

using namespace af;

namespace {

using Response = aftest::HttpReply;
using Client = aftest::TestHttpClient;

QJsonObject jsonOf(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

using aftest::waitFor;

/// Blocks the replay provider until the test opens it.
class Gate
{
public:
    void open()
    {
        std::lock_guard<std::mutex> l(m_mutex);
        m_open = true;
        m_cv.notify_all();
    }
    void wait()
    {
        std::unique_lock<std::mutex> l(m_mutex);
        m_cv.wait_for(l, std::chrono::seconds(5), [this] { return m_open; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_open = false;
};

} // namespace

class HttpServerTest : public ::testing::Test
{
protected:
    void start(HttpServerConfig cfg = {})
    {
        m_server = std::make_unique<HttpServer>(cfg);
        Router &r = m_server->router();
        r.get(QStringLiteral("/hello"), [](const HttpRequest &, const RouteParams &) {
            return HttpResponse(200, "hello", "text/plain");
        });
        r.get(QStringLiteral("/echo/:id"), [](const HttpRequest &req, const RouteParams &p) {
            const QJsonObject o{{QStringLiteral("id"), p.value(QStringLiteral("id"))},
                                {QStringLiteral("peer"), req.peerAddress()},
                                {QStringLiteral("thread"), QThread::currentThread()->objectName()}};
            return HttpResponse::json(200, QJsonDocument(o).toJson(QJsonDocument::Compact));
        });
        r.post(QStringLiteral("/echo"), [](const HttpRequest &req, const RouteParams &) {
            return HttpResponse(200, req.body(), "application/octet-stream");
        });
        r.get(QStringLiteral("/slow"), [](const HttpRequest &req, const RouteParams &) {
            QThread::msleep(req.queryValue(QStringLiteral("ms")).toULong()); // the slow handler under test
            return HttpResponse(200, "slow:" + req.queryValue(QStringLiteral("ms")).toUtf8());
        });
        r.get(QStringLiteral("/throw"), [](const HttpRequest &, const RouteParams &) -> HttpResponse {
            throw std::runtime_error("kaboom internals");
        });
        r.addStream(QStringLiteral("/stream"), [](const HttpRequest &req, const RouteParams &) {
            if (req.queryValue(QStringLiteral("deny")) == QLatin1String("1"))
                return StreamResult::reject(HttpResponse::error(401, QStringLiteral("bad token")));
            return StreamResult::accept(req.queryValue(QStringLiteral("tenant")).toInt(),
                                        lastEventIdOf(req));
        });
        m_server->setBroadcaster(&m_broadcaster);
        m_server->setReplayProvider([this](qint64 last) {
            ++m_replayCalls;
            m_gate.wait();
            Replay replay;
            if (last < 3) {
                replay.resync = true;
                return replay;
            }
            for (qint64 seq = last + 1; seq <= 8; ++seq)
                replay.frames.append({seq, Broadcaster::frame(QStringLiteral("activity.event.created"),
                                                              "{\"seq\":" + QByteArray::number(seq) + "}", seq)});
            return replay;
        });
        ASSERT_TRUE(m_server->listen(QStringLiteral("127.0.0.1"), 0)) << m_server->errorString().toStdString();
        m_port = m_server->serverPort();
        ASSERT_GT(m_port, 0);
    }
    void TearDown() override
    {
        m_gate.open();
        m_server.reset();
    }
    /// Opens a stream and reads through `retry:`.
    std::unique_ptr<Client> openStream(const QByteArray &query, const QByteArray &extraHeaders = {})
    {
        auto c = std::make_unique<Client>(m_port);
        c->send("GET /stream?" + query + " HTTP/1.1\r\nHost: t\r\n" + extraHeaders + "\r\n");
        EXPECT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("retry: 3000\n\n"); }));
        return c;
    }
    static QList<QByteArray> frames(Client &c)
    {
        QByteArray body = c.buffer().mid(c.buffer().indexOf("retry: 3000\n\n") + 13);
        QList<QByteArray> out = body.split('\n');
        out.removeIf([](const QByteArray &l) { return !l.startsWith("id: ") && !l.startsWith("event: "); });
        return out;
    }

    Broadcaster m_broadcaster;
    std::unique_ptr<HttpServer> m_server;
    quint16 m_port = 0;
    Gate m_gate;
    std::atomic<int> m_replayCalls{0};
};

TEST_F(HttpServerTest, RoutingNotFoundAndMethodNotAllowed)
{
    start();
    Client c(m_port);
    ASSERT_TRUE(c.connected());
    c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    auto r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");

    c.send("GET /echo/a%20b HTTP/1.1\r\nHost: t\r\n\r\n");
    r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(jsonOf(r->body).value(QStringLiteral("id")).toString(), QStringLiteral("a b"));
    EXPECT_EQ(jsonOf(r->body).value(QStringLiteral("peer")).toString(), QStringLiteral("127.0.0.1"));
    // Handlers run on the worker pool, never on a network thread.
    EXPECT_EQ(jsonOf(r->body).value(QStringLiteral("thread")).toString(), QStringLiteral("af-http-workers"));

    c.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");
    r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(r->headers.value("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(jsonOf(r->body).value(QStringLiteral("error")).toString(), QStringLiteral("no such route"));

    c.send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->headers.value("allow"), "GET, HEAD");

    c.send("GET /throw HTTP/1.1\r\nHost: t\r\n\r\n");
    r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(jsonOf(r->body).value(QStringLiteral("error")).toString(), QStringLiteral("internal error"));
    EXPECT_FALSE(r->body.contains("kaboom"));

    c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    r = c.response(3000, true);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->headers.value("content-length"), "5");
    EXPECT_TRUE(r->body.isEmpty());
    // The HEAD answer had no body, so the next bytes are the GET's answer.
    r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "hello");
}

TEST_F(HttpServerTest, KeepAliveRules)
{
    start();
    {
        Client c(m_port);
        for (int i = 0; i < 5; ++i) {
            c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
            auto r = c.response();
            ASSERT_TRUE(r);
            EXPECT_EQ(r->headers.value("connection"), "keep-alive");
        }
        EXPECT_FALSE(c.closedByPeer(100));
        c.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        auto r = c.response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->headers.value("connection"), "close");
        EXPECT_TRUE(c.closedByPeer());
    }
    {
        Client c(m_port);
        c.send("GET /hello HTTP/1.0\r\n\r\n");
        ASSERT_TRUE(c.response());
        EXPECT_TRUE(c.closedByPeer());
    }
    {
        Client c(m_port);
        c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        auto r = c.response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->headers.value("connection"), "keep-alive");
        c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        EXPECT_TRUE(c.response());
    }
}

TEST_F(HttpServerTest, ExpectContinue)
{
    start();
    Client c(m_port);
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    ASSERT_TRUE(c.readUntil([](const QByteArray &b) { return b == "HTTP/1.1 100 Continue\r\n\r\n"; }));
    c.buffer().clear();
    c.send("xyz");
    auto r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "xyz");
}

TEST_F(HttpServerTest, IdleKeepAliveIsClosed)
{
    HttpServerConfig cfg;
    cfg.idleTimeoutMs = 300;
    start(cfg);
    Client c(m_port);
    c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(c.response());
    QElapsedTimer t;
    t.start();
    EXPECT_TRUE(c.closedByPeer(3000));
    EXPECT_GE(t.elapsed(), 200);
}

TEST_F(HttpServerTest, PipelinedAnswersKeepRequestOrder)
{
    start();
    Client c(m_port);
    c.send("GET /slow?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n"
           "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
           "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nabcd"
           "GET /slow?ms=50 HTTP/1.1\r\nHost: t\r\n\r\n"
           "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n");
    const QByteArray expected[] = {"slow:300", "hello", "abcd", "slow:50"};
    for (const QByteArray &body : expected) {
        auto r = c.response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->body, body);
    }
    auto r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
}

TEST_F(HttpServerTest, ThousandsOfPipelinedRequestsInOneWrite)
{
    start();
    Client c(m_port);
    const int n = 5000;
    QByteArray burst;
    for (int i = 0; i < n; ++i)
        burst += (i % 2 ? "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n" : "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    c.send(burst);
    for (int i = 0; i < n; ++i) {
        auto r = c.response(5000);
        ASSERT_TRUE(r) << "answer " << i;
        ASSERT_EQ(r->status, i % 2 ? 404 : 200) << "answer " << i;
    }
}

TEST_F(HttpServerTest, RequestSplitAtEveryOffset)
{
    start();
    const QByteArray req = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789";
    for (qsizetype split = 1; split < req.size(); ++split) {
        Client c(m_port);
        c.socket().setSocketOption(QAbstractSocket::LowDelayOption, 1);
        c.send(req.left(split));
        QThread::msleep(2); // so the two halves arrive as two reads; asserts nothing
        c.send(req.mid(split));
        auto r = c.response();
        ASSERT_TRUE(r) << "split " << split;
        EXPECT_EQ(r->body, "0123456789") << "split " << split;
    }
    // And one byte per write on a single connection.
    Client c(m_port);
    c.socket().setSocketOption(QAbstractSocket::LowDelayOption, 1);
    for (char ch : req)
        c.send(QByteArray(1, ch));
    auto r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "0123456789");
}

TEST_F(HttpServerTest, TricklingClientGets408WhileOthersAreServed)
{
    HttpServerConfig cfg;
    cfg.requestTimeoutMs = 1000;
    start(cfg);
    Client slow(m_port);
    Client fast(m_port);
    const QByteArray partial = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Trickle: ";
    slow.send(partial);
    QElapsedTimer total;
    total.start();
    qint64 worst = 0;
    int answered = 0;
    while (total.elapsed() < 1500) {
        slow.send("a"); // one byte at a time, never finishing the headers
        QElapsedTimer t;
        t.start();
        fast.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
        auto r = fast.response();
        ASSERT_TRUE(r);
        worst = std::max(worst, t.elapsed());
        ++answered;
        QThread::msleep(100); // pacing: one probe per 100 ms while the slow client trickles
    }
    EXPECT_GE(answered, 10);
    EXPECT_LT(worst, 50) << "a trickling client delayed another";
    auto r = slow.response(1000);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 408);
    EXPECT_TRUE(slow.closedByPeer());
}

TEST_F(HttpServerTest, LimitsAndSmugglingShapesCloseTheConnection)
{
    start();
    struct Shape
    {
        const char *name;
        QByteArray bytes;
        int status;
    };
    const Shape shapes[] = {
        {"body too large", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 70000\r\n\r\n" + QByteArray(70000, 'x'), 413},
        {"head too large", "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + QByteArray(17000, 'x') + "\r\n\r\n", 431},
        {"chunked", "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n", 411},
        {"CL and TE", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n", 400},
        {"repeated CL", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", 400},
        {"non-numeric CL", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4x\r\n\r\nabcd", 400},
        {"TE on 1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"bare LF", "GET /hello HTTP/1.1\nHost: t\n\n", 400},
        {"obs-fold", "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: a\r\n b\r\n\r\n", 400},
        {"NUL", QByteArray("GET /hello HTTP/1.1\r\nX-A: \0\r\n\r\n", 30), 400},
    };
    for (const Shape &s : shapes) {
        SCOPED_TRACE(s.name);
        Client c(m_port);
        c.send(s.bytes);
        auto r = c.response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, s.status);
        EXPECT_EQ(r->headers.value("connection"), "close");
        EXPECT_FALSE(jsonOf(r->body).value(QStringLiteral("error")).toString().isEmpty());
        EXPECT_TRUE(c.closedByPeer());
        // Nothing smuggled behind the bad request was answered.
        EXPECT_FALSE(c.buffer().contains("HTTP/1.1"));
    }
}

TEST_F(HttpServerTest, ListenCloseListenAgain)
{
    start();
    const quint16 first = m_port;
    m_server->close();
    EXPECT_FALSE(m_server->isListening());
    Client refused(first);
    EXPECT_FALSE(refused.connected());
    ASSERT_TRUE(m_server->listen(QStringLiteral("localhost"), 0));
    Client c(m_server->serverPort());
    c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    auto r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, SseHeadersBroadcastAndTargetedDelivery)
{
    start();
    auto t1 = openStream("tenant=1");
    auto t2 = openStream("tenant=2");
    const QByteArray head = t1->buffer().left(t1->buffer().indexOf("\r\n\r\n")).toLower();
    EXPECT_TRUE(head.startsWith("http/1.1 200 ok\r\n"));
    EXPECT_TRUE(head.contains("\r\ncontent-type: text/event-stream\r\n"));
    EXPECT_TRUE(head.contains("\r\ncache-control: no-cache\r\n"));
    EXPECT_TRUE(head.contains("\r\nconnection: keep-alive\r\n"));
    EXPECT_TRUE(head.contains("\r\nx-accel-buffering: no"));
    EXPECT_FALSE(head.contains("content-length"));
    EXPECT_TRUE(t1->buffer().endsWith("\r\n\r\nretry: 3000\n\n"));
    ASSERT_TRUE(waitFor([&] { return m_broadcaster.clientCount() == 2; }));
    EXPECT_EQ(m_replayCalls, 0); // no Last-Event-ID, no replay

    EXPECT_EQ(m_broadcaster.broadcastAll(QStringLiteral("activity.event.created"), "{\"a\":1}", 11), 2);
    EXPECT_EQ(m_broadcaster.broadcastFeedUpdate(1, QStringLiteral("activity.reaction.updated"), "{\"r\":1}"), 1);
    EXPECT_EQ(m_broadcaster.broadcastAll(QStringLiteral("activity.event.created"), "{\"a\":2}", 12), 2);
    const QByteArray last = "id: 12\ndata: {\"a\":2}\n\n";
    ASSERT_TRUE(t1->readUntil([&](const QByteArray &b) { return b.endsWith(last); }));
    ASSERT_TRUE(t2->readUntil([&](const QByteArray &b) { return b.endsWith(last); }));
    EXPECT_TRUE(t1->buffer().contains("retry: 3000\n\nevent: activity.event.created\nid: 11\ndata: {\"a\":1}\n\n"
                                      "event: activity.reaction.updated\ndata: {\"r\":1}\n\n"
                                      "event: activity.event.created\nid: 12\n"));
    EXPECT_FALSE(t2->buffer().contains("reaction"));

    // The admin view sees both, with the last id each was sent.
    const QList<SseClientInfo> infos = m_server->sseClients();
    ASSERT_EQ(infos.size(), 2);
    EXPECT_EQ(infos[0].tenantId, 1);
    EXPECT_EQ(infos[1].tenantId, 2);
    EXPECT_EQ(infos[0].peerAddress, QStringLiteral("127.0.0.1"));
    EXPECT_EQ(infos[0].lastEventId, 12);
    EXPECT_TRUE(infos[0].connectedSince.isValid());
}

TEST_F(HttpServerTest, SseReplayComesFirstWithoutDuplicates)
{
    start();
    auto c = openStream("tenant=4", "Last-Event-ID: 5\r\n");
    // Registered before the replay is asked for: frames pushed now are held back.
    ASSERT_TRUE(waitFor([&] { return m_broadcaster.clientCount() == 1 && m_replayCalls == 1; }));
    m_broadcaster.broadcastAll(QStringLiteral("activity.event.created"), "{\"seq\":7}", 7);
    m_broadcaster.broadcastAll(QStringLiteral("activity.event.created"), "{\"seq\":8}", 8);
    m_broadcaster.broadcastFeedUpdate(4, QStringLiteral("activity.comment.created"), "{\"c\":1}");
    m_broadcaster.broadcastAll(QStringLiteral("activity.event.created"), "{\"seq\":9}", 9);
    // While the gate holds the replay there is no later marker to wait for: the absence is
    // read off the socket for 100 ms (reading, not sleeping, so a frame would be seen).
    c->readUntil([](const QByteArray &b) { return b.contains("event:"); }, 100);
    EXPECT_FALSE(c->buffer().contains("event:")) << "live frames went out before the replay";
    m_gate.open();
    ASSERT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("id: 9\n"); }));
    // id 9 is the last frame sent (positive marker); read on briefly for any stray copy.
    c->readUntil([](const QByteArray &) { return false; }, 50);
    const QList<QByteArray> expected = {
        "event: activity.event.created", "id: 6", "event: activity.event.created", "id: 7",
        "event: activity.event.created", "id: 8", "event: activity.comment.created",
        "event: activity.event.created", "id: 9"};
    EXPECT_EQ(frames(*c), expected);
    ASSERT_TRUE(waitFor([&] { return m_server->sseClients().value(0).lastEventId == 9; }));
}

TEST_F(HttpServerTest, SseReplayFromQueryAndResync)
{
    start();
    m_gate.open();
    auto c = openStream("tenant=1&lastEventId=7");
    ASSERT_TRUE(c->readUntil([](const QByteArray &b) { return b.contains("id: 8\n"); }));
    EXPECT_EQ(frames(*c), (QList<QByteArray>{"event: activity.event.created", "id: 8"}));

    auto r = openStream("tenant=1", "Last-Event-ID: 1\r\n");
    ASSERT_TRUE(r->readUntil([](const QByteArray &b) { return b.contains("event: activity.resync\n"); }));
    EXPECT_FALSE(r->buffer().contains("activity.event.created"));
}

TEST_F(HttpServerTest, SseRejectionIsAPlainAnswer)
{
    start();
    Client c(m_port);
    c.send("GET /stream?deny=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    auto r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    // The connection stays a normal keep-alive one.
    c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "hello");
    EXPECT_EQ(m_server->sseClientCount(), 0);
}

TEST_F(HttpServerTest, SseKeepalive)
{
    HttpServerConfig cfg;
    cfg.sseKeepaliveMs = 100;
    start(cfg);
    auto c = openStream("tenant=1");
    EXPECT_TRUE(c->readUntil([](const QByteArray &b) { return b.count(": keepalive\n\n") >= 2; }, 2000));
}

TEST_F(HttpServerTest, SseClientCapAnswers503)
{
    HttpServerConfig cfg;
    cfg.maxSseClients = 2;
    start(cfg);
    auto a = openStream("tenant=1");
    auto b = openStream("tenant=1");
    Client c(m_port);
    c.send("GET /stream?tenant=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    auto r = c.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    a.reset(); // one leaves: there is room again
    ASSERT_TRUE(waitFor([&] { return m_server->sseClientCount() == 1; }));
    auto d = openStream("tenant=1");
    EXPECT_TRUE(waitFor([&] { return m_server->sseClientCount() == 2; }));
}

TEST_F(HttpServerTest, SseUnregisteredOnDisconnectAndByAdmin)
{
    start();
    auto a = openStream("tenant=1");
    auto b = openStream("tenant=2");
    ASSERT_TRUE(waitFor([&] { return m_broadcaster.clientCount() == 2; }));
    a->socket().abort();
    EXPECT_TRUE(waitFor([&] { return m_broadcaster.clientCount() == 1; }, 1000));
    EXPECT_EQ(m_server->sseClientCount(), 1);

    const quint64 id = m_server->sseClients().value(0).id;
    EXPECT_TRUE(m_server->disconnectSseClient(id));
    EXPECT_TRUE(b->closedByPeer());
    EXPECT_TRUE(waitFor([&] { return m_broadcaster.clientCount() == 0 && m_server->sseClientCount() == 0; }));
    EXPECT_FALSE(m_server->disconnectSseClient(id));
}

TEST_F(HttpServerTest, SlowSseReaderIsCutWhileOthersKeepReceiving)
{
    start();
    // The stalled client: a tiny receive buffer, and it never reads.
    const int stalled = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(stalled, 0);
    int small = 4096;
    ::setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(m_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(stalled, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    const QByteArray req = "GET /stream?tenant=1 HTTP/1.1\r\nHost: t\r\n\r\n";
    ASSERT_EQ(::send(stalled, req.constData(), size_t(req.size()), 0), req.size());

    auto reader = openStream("tenant=2");
    ASSERT_TRUE(waitFor([&] { return m_broadcaster.clientCount() == 2; }));

    const QByteArray payload = "{\"pad\":\"" + QByteArray(32 * 1024, 'x') + "\"}";
    qint64 sent = 0;
    int frameCount = 0;
    while (m_broadcaster.clientCount() == 2 && sent < 64ll * 1024 * 1024) {
        m_broadcaster.broadcastAll(QStringLiteral("activity.event.created"), payload, ++frameCount);
        sent += payload.size();
        const QByteArray idLine = "id: " + QByteArray::number(frameCount) + "\n";
        ASSERT_TRUE(reader->readUntil([&](const QByteArray &b) { return b.contains(idLine); }));
        reader->buffer() = reader->buffer().right(64); // the reader keeps up; drop what it read
    }
    EXPECT_EQ(m_broadcaster.clientCount(), 1) << "the stalled client was never cut";
    // The admin registry follows the broadcaster a moment later (same clean-up, same thread).
    ASSERT_TRUE(waitFor([&] { return m_server->sseClientCount() == 1; }));
    EXPECT_EQ(m_server->sseClients().value(0).tenantId, 2);
    EXPECT_LT(sent, 32ll * 1024 * 1024);
    // The reader still gets what comes next.
    m_broadcaster.broadcastAll(QStringLiteral("activity.event.created"), "{}", 999999);
    EXPECT_TRUE(reader->readUntil([](const QByteArray &b) { return b.contains("id: 999999\n"); }));
    ::close(stalled);
}

TEST_F(HttpServerTest, CloseDropsStreamsAndUnregisters)
{
    start();
    auto a = openStream("tenant=1");
    ASSERT_TRUE(waitFor([&] { return m_broadcaster.clientCount() == 1; }));
    m_server->close();
    EXPECT_EQ(m_broadcaster.clientCount(), 0);
    EXPECT_EQ(m_server->sseClientCount(), 0);
    EXPECT_TRUE(a->closedByPeer());
}
