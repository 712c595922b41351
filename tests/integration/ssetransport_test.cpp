// The transport's bounds over real sockets with test handlers (no database): a stream
// hand-off stuck behind answers the client never reads gives its slot back, a stream whose
// first write fails is not listed, HTTP/1.1 without Host is refused, a saturated worker
// queue answers 503 with Retry-After, and one caller that floods holds at most half the
// workers and, past its queue's bound, is parked instead of answered; while another caller
// has work it gets one worker, paced by the time its jobs take.
#include "feed/broadcaster.h"
#include "http/httpserver.h"
#include "http/servercontext.h"
#include "http/sseconnection.h"
#include "testhttpclient.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

using namespace af;

namespace {

using Client = aftest::TestHttpClient;

class SseTransport : public ::testing::Test
{
protected:
    void start(HttpServerConfig cfg)
    {
        m_server = std::make_unique<HttpServer>(cfg);
        m_server->router().get(QStringLiteral("/big"), [](const HttpRequest &, const RouteParams &) {
            return HttpResponse(200, QByteArray(32 << 20, 'x'), "application/octet-stream");
        });
        m_server->router().get(QStringLiteral("/hello"), [](const HttpRequest &, const RouteParams &) {
            return HttpResponse(200, "hello", "text/plain");
        });
        m_server->router().get(QStringLiteral("/slow"), [](const HttpRequest &, const RouteParams &) {
            QThread::msleep(400); // the slow handler the queue tests need; asserts nothing
            return HttpResponse(200, "slow", "text/plain");
        });
        m_server->router().addStream(QStringLiteral("/stream"), [](const HttpRequest &, const RouteParams &) {
            return StreamResult::accept(7);
        });
        m_server->setBroadcaster(&m_broadcaster);
        ASSERT_TRUE(m_server->listen(QStringLiteral("127.0.0.1"), 0));
        m_port = m_server->serverPort();
    }
    /// The status a new stream request gets.
    int streamStatus()
    {
        Client c(m_port);
        c.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
        return c.response(3000, true).value_or(aftest::HttpReply{}).status;
    }

    Broadcaster m_broadcaster;
    std::unique_ptr<HttpServer> m_server;
    quint16 m_port = 0;
};

} // namespace

TEST_F(SseTransport, AHandOffBehindUnreadAnswersGivesItsSlotBack)
{
    HttpServerConfig cfg;
    cfg.maxSseClients = 1;
    cfg.requestTimeoutMs = 600;
    start(cfg);
    // 32 MiB ahead of the stream request, never read: more than loopback buffers hold,
    // so the hand-off waits behind it with the only slot reserved.
    Client stuck(m_port);
    stuck.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\nGET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    QElapsedTimer t;
    t.start();
    int status = 0;
    while (t.elapsed() < 3000 && (status = streamStatus()) != 503)
        QThread::msleep(20); // polling interval, with the deadline above
    ASSERT_EQ(status, 503) << "the stuck hand-off never held the slot";
    while (t.elapsed() < 5000 && (status = streamStatus()) != 200)
        QThread::msleep(50); // polling interval, with the deadline above
    EXPECT_EQ(status, 200) << "the slot is still held after " << t.elapsed() << " ms";
    EXPECT_TRUE(stuck.closedByPeer(3000));
}

TEST_F(SseTransport, AStreamWhoseFirstWriteFailsIsNotListed)
{
    HttpServerConfig cfg;
    ServerContext context(cfg);
    Broadcaster broadcaster;
    context.setBroadcaster(&broadcaster);
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ::close(fds[1]); // the client is gone before the headers are written
    ASSERT_EQ(context.tryReserveSseSlot(7), ServerContext::SlotAnswer::Reserved);
    QObject home;
    SseHub *hub = SseHub::of(&home, &context);
    hub->adopt(fds[0], StreamResult::accept(7), QStringLiteral("test"));
    EXPECT_EQ(hub->streamCount(), 0);
    EXPECT_EQ(context.sseClientCount(), 0);
    EXPECT_EQ(context.tenantStreams(7), 0);
    EXPECT_EQ(broadcaster.clientCount(), 0);
}

TEST_F(SseTransport, Http11WithoutHostIsRefused)
{
    start({});
    Client noHost(m_port);
    noHost.send("GET /stream HTTP/1.1\r\n\r\n");
    const auto r = noHost.response().value_or(aftest::HttpReply{});
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.error().contains("Host")) << r.error().toStdString();
    EXPECT_TRUE(noHost.closedByPeer());
    Client old(m_port); // HTTP/1.0 has no Host rule
    old.send("GET /hello HTTP/1.0\r\n\r\n");
    EXPECT_EQ(old.response().value_or(aftest::HttpReply{}).status, 200);
    EXPECT_EQ(m_server->sseClientCount(), 0);
}

TEST_F(SseTransport, AFullWorkerQueueAnswers503WithRetryAfter)
{
    HttpServerConfig cfg;
    cfg.workerThreads = 1;
    cfg.maxQueuedRequests = 2;
    start(cfg);
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 6; ++i) {
        clients.push_back(std::make_unique<Client>(m_port));
        clients.back()->send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    }
    int ok = 0;
    int busy = 0;
    for (auto &c : clients) {
        const auto r = c->response(5000).value_or(aftest::HttpReply{});
        if (r.status == 200)
            ++ok;
        if (r.status == 503) {
            ++busy;
            EXPECT_EQ(r.headers.value("retry-after"), "1");
            EXPECT_FALSE(r.error().isEmpty());
        }
    }
    EXPECT_EQ(ok + busy, 6);
    EXPECT_GE(ok, 2);
    EXPECT_GE(busy, 1);
    // Once the queue has drained, the server answers again.
    Client later(m_port);
    later.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(later.response().value_or(aftest::HttpReply{}).status, 200);
}

TEST(WorkerQueue, AFloodingCallerHoldsHalfTheWorkersAndIsParkedPastItsBound)
{
    HttpServerConfig cfg;
    cfg.workerThreads = 4;
    cfg.maxQueuedPerCaller = 3;
    ServerContext context(cfg);
    std::mutex m;
    std::condition_variable cv;
    bool release = false;
    int running = 0, maxRunning = 0, ran = 0;
    bool otherRan = false;
    std::vector<int> resumed; // which parked jobs were told they have a place, in order
    const auto blocking = [&] {
        std::unique_lock<std::mutex> l(m);
        maxRunning = std::max(maxRunning, ++running);
        cv.notify_all();
        cv.wait(l, [&] { return release; });
        --running;
        ++ran;
        cv.notify_all();
    };
    using A = ServerContext::Admission;
    std::vector<A> answers;
    for (int i = 0; i < 10; ++i)
        answers.push_back(context.tryStartRequest("flooder", blocking, [&, i] {
            std::lock_guard<std::mutex> l(m);
            resumed.push_back(i);
            return i != 9; // the last one's connection has gone: its job must not run
        }));
    EXPECT_EQ(std::count(answers.begin(), answers.end(), A::Queued), 5); // 2 running + 3 waiting
    EXPECT_EQ(std::count(answers.begin(), answers.end(), A::Parked), 5);
    // Another caller gets a worker at once although the flooder's jobs never finish.
    EXPECT_EQ(context.tryStartRequest(
                  "other",
                  [&] {
                      std::lock_guard<std::mutex> l(m);
                      otherRan = true;
                      cv.notify_all();
                  },
                  [] { return true; }),
              A::Queued);
    {
        std::unique_lock<std::mutex> l(m);
        EXPECT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] { return otherRan && running == 2; }));
        EXPECT_EQ(maxRunning, 2);
        EXPECT_TRUE(resumed.empty()) << "no place freed yet";
        release = true;
        cv.notify_all();
        EXPECT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] { return ran == 9; })) << ran;
    }
    context.pool()->waitForDone();
    EXPECT_EQ(ran, 9);
    EXPECT_EQ(maxRunning, 2);
    EXPECT_EQ(resumed, (std::vector<int>{5, 6, 7, 8, 9}));
}

/// Queues the one job of caller "other", which holds its worker until @p release is set
/// (under @p m, with @p cv notified); true once it runs. @p running says whether it does.
::testing::AssertionResult startOther(ServerContext &context, std::mutex &m, std::condition_variable &cv,
                                      bool &running, const bool &release)
{
    const auto admission = context.tryStartRequest(
        "other",
        [&] {
            std::unique_lock<std::mutex> l(m);
            running = true;
            cv.notify_all();
            cv.wait(l, [&] { return release; });
            running = false;
            cv.notify_all();
        },
        [] { return true; });
    if (admission != ServerContext::Admission::Queued)
        return ::testing::AssertionFailure() << "the other caller's job was not queued";
    std::unique_lock<std::mutex> l(m);
    if (!cv.wait_for(l, std::chrono::seconds(10), [&] { return running; }))
        return ::testing::AssertionFailure() << "the other caller's job did not start within 10 s";
    return ::testing::AssertionSuccess();
}

TEST(WorkerQueue, WhileAnotherCallerHasWorkAFlooderStartsNoSecondWorker)
{
    HttpServerConfig cfg;
    cfg.workerThreads = 4;
    ServerContext context(cfg);
    std::mutex m;
    std::condition_variable cv;
    bool releaseOther = false, releaseAll = false;
    int flooderRunning = 0, flooderMaxWhileOther = 0, ran = 0, started = 0;
    bool otherRunning = false;
    const auto flooderJob = [&] {
        std::unique_lock<std::mutex> l(m);
        ++flooderRunning;
        // The first two start as they come, before the flooder has a backlog (a client
        // with a short queue keeps half the pool); from then on its queue is a flood's.
        if (otherRunning && ++started > 2)
            flooderMaxWhileOther = std::max(flooderMaxWhileOther, flooderRunning);
        cv.notify_all();
        // Each flooder job ends at once while the other caller runs (as PostgreSQL answers
        // a cheap statement), so the queue is asked again and again for the next one.
        cv.wait_for(l, std::chrono::milliseconds(otherRunning ? 1 : 10000), [&] { return releaseAll; });
        --flooderRunning;
        ++ran;
        cv.notify_all();
    };
    // The other caller first, so that the flooder meets it from its first job on.
    ASSERT_TRUE(startOther(context, m, cv, otherRunning, releaseOther));
    for (int i = 0; i < 40; ++i)
        (void)context.tryStartRequest("flooder", flooderJob, [] { return true; });
    {
        std::unique_lock<std::mutex> l(m);
        // The positive marker: the flooder has been served while the other caller ran.
        ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] { return ran >= 20; })) << ran;
        EXPECT_EQ(flooderMaxWhileOther, 1) << "one worker for the flooder while another caller has work";
        releaseOther = true;
        cv.notify_all();
        ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] { return !otherRunning; }));
        releaseAll = true;
        cv.notify_all();
        // The rest may still be paced for a while (the other caller counts as active for
        // a moment after its job), so they are waited for, not only the pool.
        EXPECT_TRUE(cv.wait_for(l, std::chrono::seconds(20), [&] { return ran == 40; })) << ran;
    }
    context.pool()->waitForDone();
    EXPECT_EQ(ran, 40);
}

TEST(WorkerQueue, AFlooderIsPacedByItsWorkerTimeWhileAnotherCallerHasWork)
{
    HttpServerConfig cfg;
    cfg.workerThreads = 4;
    cfg.backlogWorkerPercent = 10;
    ServerContext context(cfg);
    using Clock = std::chrono::steady_clock;
    std::mutex m;
    std::condition_variable cv;
    bool releaseOther = false, otherRunning = false;
    std::vector<Clock::time_point> starts;
    const auto flooderJob = [&] {
        {
            std::lock_guard<std::mutex> l(m);
            starts.push_back(Clock::now());
            cv.notify_all();
        }
        // A job's time on a worker (as a cheap statement takes): what pacing charges.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    };
    ASSERT_TRUE(startOther(context, m, cv, otherRunning, releaseOther));
    for (int i = 0; i < 30; ++i)
        (void)context.tryStartRequest("flooder", flooderJob, [] { return true; });
    {
        std::unique_lock<std::mutex> l(m);
        // The positive marker: the flooder moves on while the other caller runs.
        ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(20), [&] { return starts.size() >= 10; }));
        // Jobs 4 to 10 start once the flooder has a backlog: each 5 ms job is followed by
        // a 45 ms pause, so 6 gaps take 300 ms (unpaced, about 30 ms).
        const double ms = std::chrono::duration<double, std::milli>(starts[9] - starts[3]).count();
        EXPECT_GE(ms, 250.0) << "10 % of one worker for a flooder while another caller has work";
        EXPECT_LE(ms, 5000.0) << "paced, not stopped";
        releaseOther = true;
        cv.notify_all();
        ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(20), [&] { return starts.size() == 30; }));
    }
    context.pool()->waitForDone();
}

TEST(WorkerQueue, AVerifiedCredentialsWaitingJobsLeaveItsAddresssQueue)
{
    HttpServerConfig cfg;
    cfg.workerThreads = 2; // one for the address, at half the pool: its queue waits
    cfg.maxQueuedPerCaller = 4;
    ServerContext context(cfg);
    std::mutex m;
    std::condition_variable cv;
    bool release = false;
    std::vector<QByteArray> order;
    const auto job = [&](const QByteArray &name) {
        return [&, name] {
            std::unique_lock<std::mutex> l(m);
            order.push_back(name);
            cv.notify_all();
            if (name == "blocker")
                cv.wait(l, [&] { return release; });
        };
    };
    const QByteArray address = "ip4:192.0.2.7", token = "digest-of-a-real-token";
    // A tenant's first burst, read before any of it is verified: its address's queue,
    // and parked past its bound; its first job holds the worker (a write waiting on a
    // lock). Then a neighbour behind the same address.
    ASSERT_EQ(context.tryStartRequest(address, job("blocker"), [] { return true; }, token),
              ServerContext::Admission::Queued);
    {
        std::unique_lock<std::mutex> l(m);
        ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] { return !order.empty(); }));
    }
    for (int i = 0; i < 6; ++i)
        (void)context.tryStartRequest(address, job("tenant"), [] { return true; }, token);
    EXPECT_EQ(context.tryStartRequest(address, job("neighbour"), [] { return true; }, "neighbour-digest"),
              ServerContext::Admission::Parked);

    // The first handler proves the token: the tenant's jobs, the running one too, count
    // as the tenant's; the address is free for the neighbour at once, although the
    // tenant's first job still holds its worker.
    context.verified(token, "tenant:7");
    EXPECT_EQ(context.callerKeys().keyFor(token, QStringLiteral("192.0.2.7")), "tenant:7");
    {
        std::unique_lock<std::mutex> l(m);
        EXPECT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] {
            return std::count(order.begin(), order.end(), QByteArray("neighbour")) == 1;
        })) << order.size();
        EXPECT_EQ(std::count(order.begin(), order.end(), QByteArray("tenant")), 0)
            << "the tenant's own jobs wait behind its first, not the neighbour's";
        release = true;
        cv.notify_all();
        EXPECT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] {
            return std::count(order.begin(), order.end(), QByteArray("tenant")) == 6;
        }));
    }
    context.pool()->waitForDone();
}
