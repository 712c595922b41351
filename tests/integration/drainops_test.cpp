// The drain as an operator meets it: a big backlog drained through POST /api/activity/drain
// answers 200 once its last batch has committed (nothing proportional to the whole backlog
// runs after the commit, so a statement timeout sized for one batch is enough), and the
// drain_runs row of a drain whose process died is marked abandoned by the next drain,
// while the row of a drain still running is left alone.
#include "api/apicontext.h"
#include "api/apiroutes.h"
#include "feed/feedservice.h"
#include "db/connectionpool.h"
#include "feed/drainer.h"
#include "http/httpserver.h"
#include "pgharness.h"
#include "testhttpclient.h"

#include <QProcess>
#include <QProcessEnvironment>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

/// Joins its thread on every way out of the test, an early ASSERT included.
struct Joined {
    std::thread thread;
    ~Joined()
    {
        if (thread.joinable())
            thread.join();
    }
};

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// @p rows queue rows that all stay single events (every (tenant, type) row six minutes
/// after the previous one) in a fresh database of four tenants.
std::string singlesBacklog(const char *prefix, int rows)
{
    const std::string cs = aftest::freshDatabase(prefix);
    aftest::execute(cs, "INSERT INTO tenants (id, name) SELECT g, 'Tenant ' || g FROM generate_series(1, 4) g");
    aftest::execute(cs, "INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at) "
             "SELECT 1 + g % 4, (ARRAY['badge_earned','xp_rank_up','challenge_completed',"
             "                         'streak_milestone','tasks_burst','all_tasks_cleared'])[1 + (g / 4) % 6], "
             "       jsonb_build_object('badgeName', 'Badge ' || g, 'days', g % 30, 'count', 1 + g % 9), "
             "       now() - interval '6 minutes' * (g / 24) "
             "  FROM generate_series(0, " + std::to_string(rows - 1) + ") g");
    aftest::execute(cs, "VACUUM ANALYZE activity_queue");
    return cs;
}

// 300 000 such rows: the largest read-back there could be.
TEST(DrainOps, BigBacklogOverHttpAnswers200AfterItsCommit)
{
    constexpr int kRows = 300000;
    // What one batch costs on this machine now (two batches, timed): reading the whole
    // backlog back after the commit (what the drain used to do) cost 14 batches' time on
    // a quiet machine (13.9 s against about a second), so a statement timeout of five
    // batches makes that fail on a quiet and on a loaded machine alike, while each batch
    // keeps a wide margin (a fixed 6 s was too little for one batch at a load of 22).
    double batchMs = 0;
    {
        const std::string probe = singlesBacklog("bigdrainprobe", 2 * af::Drainer::kBatchSize);
        pqxx::connection conn(probe);
        const auto tp = Clock::now();
        const af::DrainResult r = af::Drainer::drainQueue(conn);
        batchMs = msSince(tp) / 2;
        ASSERT_EQ(r.processed, 2 * af::Drainer::kBatchSize);
    }
    const auto tq = Clock::now();
    const std::string cs = singlesBacklog("bigdrain", kRows);
    std::printf("[ drain    ] %d queue rows written in %.0f ms; one batch costs %.0f ms now\n", kRows,
                msSince(tq), batchMs);
    const auto timeout = std::chrono::milliseconds(std::max<long long>(6000, static_cast<long long>(5 * batchMs)));
    af::ConnectionPool pool(cs, 2, timeout);
    af::FeedService feed(pool, 10);
    af::ApiContext ctx{pool, feed, QByteArray("s3cret")};
    af::HttpServer server;
    af::registerApiRoutes(server.router(), ctx);
    ASSERT_TRUE(server.listen(QStringLiteral("127.0.0.1"), 0));

    aftest::TestHttpClient client(server.serverPort());
    ASSERT_TRUE(client.connected());
    const auto t0 = Clock::now();
    client.send("POST /api/activity/drain HTTP/1.1\r\nHost: 127.0.0.1\r\nx-drain-secret: s3cret\r\n"
                "Content-Length: 0\r\n\r\n");
    const auto reply = client.response(600000);
    const double ms = msSince(t0);
    ASSERT_TRUE(reply.has_value()) << "no answer in 10 minutes";
    std::printf("[ drain    ] POST /api/activity/drain of %d rows: %d in %.0f ms (statement timeout %lld ms)\n",
                kRows, reply->status, ms, static_cast<long long>(timeout.count()));
    ASSERT_EQ(reply->status, 200) << reply->body.toStdString();
    EXPECT_EQ(reply->json().value(QStringLiteral("processed")).toInt(), kRows);
    EXPECT_EQ(reply->json().value(QStringLiteral("inserted")).toInt(), kRows);
    EXPECT_EQ(kRows, aftest::queryNumber(cs, "SELECT count(*) FROM activity_events"));
    EXPECT_EQ(0, aftest::queryNumber(cs, "SELECT count(*) FROM activity_queue WHERE NOT processed"));
    EXPECT_EQ(1, aftest::queryNumber(cs, "SELECT count(*) FROM drain_runs WHERE finished_at IS NOT NULL AND error IS NULL "
                            "AND processed = " + std::to_string(kRows)));
    server.close();
}

/// The pid of a backend that waits on a lock held by @p lockerPid (other than @p except),
/// polled with a deadline; 0 if none comes.
int waitForBlockedBackend(const std::string &cs, int lockerPid, int except = 0)
{
    pqxx::connection monitor(cs);
    const auto t0 = Clock::now();
    while (msSince(t0) < 60000) {
        pqxx::nontransaction tx(monitor);
        const auto r = tx.exec_params("SELECT pid FROM pg_stat_activity "
                                      "WHERE $1 = ANY(pg_blocking_pids(pid)) AND pid <> $2",
                                      lockerPid, except);
        if (!r.empty())
            return r[0][0].as<int>();
        std::this_thread::sleep_for(std::chrono::milliseconds(5)); // polling interval
    }
    return 0;
}

// The drain whose process dies is the real `activityfeed drain`, killed with SIGKILL while
// its first batch waits on a lock: its drain_runs row is committed and never finished.
TEST(DrainOps, RunOfAKilledDrainIsMarkedAbandonedARunningOneIsNot)
{
    const std::string cs = aftest::freshDatabase("abandon");
    aftest::execute(cs, "INSERT INTO tenants (id, name) VALUES (1, 'Acme')");
    aftest::execute(cs, "INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at) "
             "SELECT 1, 'badge_earned', jsonb_build_object('badgeName', 'B' || g), "
             "       now() - interval '10 minutes' * g FROM generate_series(1, 20) g");

    // The queue table locked by the test: the CLI drain stops inside its first batch
    // (holding the drain lock), the in-process one behind it.
    pqxx::connection locker(cs);
    pqxx::work lock(locker);
    lock.exec0("LOCK TABLE activity_queue IN ACCESS EXCLUSIVE MODE");

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("ACTIVITYFEED_DATABASE_URL"));
    env.remove(QStringLiteral("DATABASE_URL"));
    QProcess cli;
    cli.setProcessEnvironment(env);
    cli.start(QStringLiteral(AF_BINARY_PATH), {QStringLiteral("drain"), QStringLiteral("--database-url"),
                                              QString::fromStdString(cs)});
    ASSERT_TRUE(cli.waitForStarted(10000));
    const int cliBackend = waitForBlockedBackend(cs, locker.backendpid());
    ASSERT_NE(cliBackend, 0) << "the CLI drain never reached the queue";

    pqxx::connection running(cs);
    af::DrainResult runningResult;
    std::string runningError;
    Joined b{std::thread([&] {
        try {
            runningResult = af::Drainer::drainQueue(running, {}, QStringLiteral("running"));
        } catch (const std::exception &e) {
            runningError = e.what();
        }
    })};
    ASSERT_NE(waitForBlockedBackend(cs, cliBackend), 0) << "the second drain never queued behind the first";
    // The second drain's sweep has run (its own row is committed): the CLI drain, still
    // alive, was left alone.
    EXPECT_EQ(1, aftest::queryNumber(cs, "SELECT count(*) FROM drain_runs WHERE trigger = 'running'"));
    EXPECT_EQ(1, aftest::queryNumber(cs, "SELECT count(*) FROM drain_runs WHERE trigger = 'cli' AND finished_at IS NULL"));

    // SIGKILL: no handler, no last word. Its backend notices on its next write, once the
    // lock is gone, and rolls the batch back; the drain behind it then does the work.
    cli.kill();
    ASSERT_TRUE(cli.waitForFinished(10000));
    lock.abort();
    b.thread.join();
    ASSERT_TRUE(runningError.empty()) << runningError;
    EXPECT_EQ(runningResult.processed, 20);
    EXPECT_EQ(1, aftest::queryNumber(cs, "SELECT count(*) FROM drain_runs WHERE trigger = 'cli' AND finished_at IS NULL"));
    {
        const auto t0 = Clock::now();
        while (aftest::queryNumber(cs, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(cliBackend)) > 0 &&
               msSince(t0) < 30000)
            std::this_thread::sleep_for(std::chrono::milliseconds(5)); // polling interval
        ASSERT_EQ(0, aftest::queryNumber(cs, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(cliBackend)))
            << "the killed drain's backend is still there";
    }

    // The next drain marks it; the finished ones keep their own outcome.
    pqxx::connection next(cs);
    af::Drainer::drainQueue(next, {}, QStringLiteral("next"));
    EXPECT_EQ(1, aftest::queryNumber(cs, "SELECT count(*) FROM drain_runs WHERE trigger = 'cli' AND finished_at IS NOT NULL "
                            "AND error LIKE 'abandoned:%'"));
    EXPECT_EQ(1, aftest::queryNumber(cs, "SELECT count(*) FROM drain_runs WHERE trigger = 'running' AND error IS NULL "
                            "AND processed = 20"));
    EXPECT_EQ(0, aftest::queryNumber(cs, "SELECT count(*) FROM drain_runs WHERE finished_at IS NULL"));
}

} // namespace
