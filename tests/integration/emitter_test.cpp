// EventEmitter against a real PostgreSQL that is stopped and started under it:
// emitEvent never blocks (every call timed), everything emitted during an outage
// arrives exactly once after the restart, the buffer bound drops and counts the excess,
// a row the database refuses is dropped and counted without losing its batch, an
// unknown type is dropped and counted at once, and every transient error class (read-only
// database, disk full, deadlock, lock timeout, serialisation failure, shutdown, statement
// timeout) is retried with backoff and loses nothing.
//
// Every test here stops the one PostgreSQL cluster of this test process: they all live
// in this binary, and each TearDown starts the server again.
#include "feed/eventemitter.h"
#include "core/catalogue.h"
#include "pgharness.h"

#include <QJsonObject>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <sys/resource.h>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

/// Involuntary context switches of the calling thread so far: a call during which the
/// kernel preempted its thread measures the scheduler of a loaded machine, not emitEvent.
struct Switches {
    long voluntary = 0, involuntary = 0;
};
Switches switches()
{
    rusage u{};
    ::getrusage(RUSAGE_THREAD, &u);
    return {u.ru_nvcsw, u.ru_nivcsw};
}

struct Sample {
    double us;
    bool preempted; ///< the kernel preempted the calling thread during the call
    bool waited;    ///< the calling thread slept (on the emitter's mutex) during the call
    int thread, index;
};

struct LatencyReport {
    double p50 = 0, p99 = 0, max = 0;
    double maxOwn = 0;        ///< slowest call whose thread neither slept nor was preempted
    size_t ownOver1ms = 0;    ///< such calls over 1 ms
    size_t calls = 0, preempted = 0, slept = 0;
};

LatencyReport report(const std::vector<std::vector<Sample>> &perThread, const char *what)
{
    LatencyReport r;
    std::vector<double> all;
    for (const auto &d : perThread) {
        for (const Sample &x : d) {
            all.push_back(x.us);
            r.preempted += x.preempted;
            r.slept += x.waited && !x.preempted;
            if (!x.preempted && !x.waited) {
                r.maxOwn = std::max(r.maxOwn, x.us);
                r.ownOver1ms += x.us >= 1000.0;
            }
            if (x.us >= 1000.0)
                std::printf("[ emit     ] call over 1 ms: thread %d, #%d: %.1f us%s%s\n", x.thread, x.index,
                            x.us, x.preempted ? ", its thread was preempted" : "",
                            x.waited ? ", its thread slept" : "");
        }
    }
    std::sort(all.begin(), all.end());
    r.calls = all.size();
    r.p50 = all[all.size() / 2];
    r.p99 = all[all.size() * 99 / 100];
    r.max = all.back();
    std::printf("[ emit     ] %zu emitEvent calls, %s: p50 %.2f us, p99 %.2f us, max %.1f us "
                "(max %.1f us over the calls whose thread neither slept nor was preempted; "
                "%zu preempted, %zu slept)\n",
                r.calls, what, r.p50, r.p99, r.max, r.maxOwn, r.preempted, r.slept);
    return r;
}

/// emitEvent's contract: it returns at once. On this 2-core machine shared with parallel
/// builds the kernel preempts threads mid-call, which no code can prevent: such calls are
/// reported but judged apart. What must hold: the call's own path almost never exceeds
/// 1 ms, 99 % of all calls stay far below it, and a call seldom has to sleep (on the
/// buffer's mutex) — were the writer holding that mutex across database work, every
/// call made meanwhile would sleep.
void expectNonBlocking(const LatencyReport &r)
{
    // A virtual machine's vCPU can be descheduled by its host, which the thread's own
    // context-switch counts do not show: a rare call over 1 ms is allowed (one in 2 000),
    // a call path that blocks would put far more than that over it.
    EXPECT_LE(r.ownOver1ms, std::max<size_t>(2, r.calls / 2000))
        << r.ownOver1ms << " emitEvent calls took over 1 ms without being preempted (slowest "
        << r.maxOwn << " us)";
    EXPECT_LT(r.p99, 1000.0);
    // The writer takes the lock briefly to copy a batch (often, while it retries through an
    // outage), so a few calls meet it; one that held it across database work would make
    // nearly every call sleep. 5 %: measured 0.3–1.6 % on a quiet 2-core VM.
    EXPECT_LT(r.slept, r.calls / 20) << "emitEvent calls had to wait for the lock too often";
    EXPECT_GT(r.calls - r.preempted, r.calls / 2) << "too few calls ran undisturbed to judge";
}

class Emitter : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_cs = aftest::freshDatabase("emit");
        pqxx::connection c(m_cs);
        pqxx::work tx(c);
        tx.exec0("INSERT INTO tenants (id, name) SELECT g, 'Tenant ' || g FROM generate_series(1, 4) g");
        tx.commit();
    }
    void TearDown() override { aftest::PgCluster::instance().startServer(); }

    static void stopServer() { aftest::PgCluster::instance().stopServer(); }
    static double startServer()
    {
        const auto t0 = Clock::now();
        aftest::PgCluster::instance().startServer();
        return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }

    std::string m_cs;
};

TEST_F(Emitter, OutageThenRestartEveryEventArrivesOnceAndNoCallBlocks)
{
    constexpr int kThreads = 4;
    constexpr int kPerThread = 5000;
    stopServer();
    af::EventEmitter emitter(m_cs); // default options: capacity 100 000

    const QStringList &types = af::Catalogue::eventTypeNames();
    std::vector<std::vector<Sample>> durations(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            // Payloads are built before timing: only the emitEvent call is measured.
            std::vector<QJsonObject> payloads;
            payloads.reserve(kPerThread);
            for (int i = 0; i < kPerThread; ++i)
                payloads.push_back(QJsonObject{{QStringLiteral("t"), t}, {QStringLiteral("i"), i}});
            std::vector<Sample> &d = durations[size_t(t)];
            d.reserve(kPerThread);
            for (int i = 0; i < kPerThread; ++i) {
                const QString &type = types.at((t + i) % types.size());
                const Switches sw0 = switches();
                const auto t0 = Clock::now();
                emitter.emitEvent(t + 1, type, payloads[size_t(i)]);
                const auto t1 = Clock::now();
                const Switches sw1 = switches();
                d.push_back({std::chrono::duration<double, std::micro>(t1 - t0).count(),
                             sw1.involuntary != sw0.involuntary, sw1.voluntary != sw0.voluntary, t, i});
            }
        });
    }
    for (auto &th : threads)
        th.join();

    const LatencyReport lat = report(durations, "PostgreSQL stopped");
    expectNonBlocking(lat);

    // Nothing could be written; nothing was dropped.
    EXPECT_EQ(emitter.dropped(), 0u);
    EXPECT_EQ(emitter.written(), 0u);
    EXPECT_EQ(emitter.pending(), size_t(kThreads * kPerThread));

    const double startMs = startServer();
    const auto t0 = Clock::now();
    ASSERT_TRUE(emitter.flush(std::chrono::seconds(30))) << emitter.lastError().toStdString();
    const double flushMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::printf("[ emit     ] server start %.0f ms, then flush of %d buffered events %.0f ms\n", startMs,
                kThreads * kPerThread, flushMs);
    EXPECT_EQ(emitter.written(), quint64(kThreads * kPerThread));
    EXPECT_EQ(emitter.pending(), 0u);
    EXPECT_EQ(emitter.dropped(), 0u);

    // Every (thread, i) exactly once, with its tenant and type.
    pqxx::connection c(m_cs);
    pqxx::read_transaction tx(c);
    const auto r = tx.exec("SELECT (payload_json->>'t')::int, (payload_json->>'i')::int, tenant_id, "
                           "event_type, processed FROM activity_queue");
    ASSERT_EQ(r.size(), size_t(kThreads * kPerThread));
    std::vector<int> seen(size_t(kThreads * kPerThread), 0);
    for (const auto &row : r) {
        const int t = row[0].as<int>(), i = row[1].as<int>();
        ASSERT_TRUE(t >= 0 && t < kThreads && i >= 0 && i < kPerThread);
        ++seen[size_t(t * kPerThread + i)];
        EXPECT_EQ(row[2].as<int>(), t + 1);
        EXPECT_EQ(QString::fromStdString(row[3].as<std::string>()), types.at((t + i) % types.size()));
        EXPECT_FALSE(row[4].as<bool>());
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), kThreads * kPerThread)
        << "some event is missing or duplicated";
}

// The database is up but hangs: the writer's COPY waits on a table lock the test holds
// for the whole emission. Calls keep returning at once, and everything arrives after.
TEST_F(Emitter, HangingDatabaseDoesNotBlockEmit)
{
    af::EventEmitter emitter(m_cs);
    pqxx::connection locker(m_cs);
    pqxx::work lock(locker);
    lock.exec0("LOCK TABLE activity_queue IN ACCESS EXCLUSIVE MODE");
    emitter.emitEvent(1, QStringLiteral("badge_earned"), {{QStringLiteral("i"), -1}});
    {
        // Wait (poll) until the writer is stuck behind the lock.
        pqxx::connection monitor(m_cs);
        const auto t0 = Clock::now();
        bool blocked = false;
        while (!blocked && Clock::now() - t0 < std::chrono::seconds(30)) {
            pqxx::nontransaction tx(monitor);
            blocked = !tx.exec_params("SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                                      locker.backendpid())
                           .empty();
            if (!blocked)
                std::this_thread::sleep_for(std::chrono::milliseconds(5)); // polling interval
        }
        ASSERT_TRUE(blocked) << "the writer never reached the database";
    }
    constexpr int kThreads = 2, kPerThread = 5000;
    std::vector<std::vector<Sample>> durations(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::vector<QJsonObject> payloads;
            for (int i = 0; i < kPerThread; ++i)
                payloads.push_back(QJsonObject{{QStringLiteral("t"), t}, {QStringLiteral("i"), i}});
            for (int i = 0; i < kPerThread; ++i) {
                const Switches sw0 = switches();
                const auto t0 = Clock::now();
                emitter.emitEvent(t + 1, QStringLiteral("tasks_burst"), payloads[size_t(i)]);
                const auto t1 = Clock::now();
                const Switches sw1 = switches();
                durations[size_t(t)].push_back({std::chrono::duration<double, std::micro>(t1 - t0).count(),
                                                sw1.involuntary != sw0.involuntary,
                                                sw1.voluntary != sw0.voluntary, t, i});
            }
        });
    }
    for (auto &th : threads)
        th.join();
    expectNonBlocking(report(durations, "database hanging on a lock"));
    EXPECT_EQ(emitter.written(), 0u);
    lock.abort();
    ASSERT_TRUE(emitter.flush(std::chrono::seconds(30)));
    EXPECT_EQ(1 + kThreads * kPerThread, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));
    EXPECT_EQ(emitter.dropped(), 0u);
}

TEST_F(Emitter, BufferBoundDropsAndCountsTheExcess)
{
    stopServer();
    af::EventEmitter::Options o;
    o.capacity = 1000;
    o.maxBackoff = std::chrono::milliseconds(200);
    af::EventEmitter emitter(m_cs, o);
    for (int i = 0; i < 1500; ++i)
        emitter.emitEvent(1, QStringLiteral("badge_earned"), {{QStringLiteral("i"), i}});
    EXPECT_EQ(emitter.dropped(), 500u);
    EXPECT_EQ(emitter.pending(), 1000u);

    startServer();
    ASSERT_TRUE(emitter.flush(std::chrono::seconds(30))) << emitter.lastError().toStdString();
    EXPECT_EQ(emitter.written(), 1000u);
    EXPECT_EQ(emitter.dropped(), 500u);
    EXPECT_EQ(1000, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));
    // The first 1 000 were kept, the later ones dropped.
    EXPECT_EQ(1000, aftest::queryNumber(m_cs, "SELECT count(DISTINCT payload_json->>'i') FROM activity_queue "
                                 "WHERE (payload_json->>'i')::int < 1000"));
}

TEST_F(Emitter, UnknownTenantIsDroppedAndCountedTheRestOfItsBatchArrives)
{
    stopServer();
    af::EventEmitter::Options o;
    o.maxBackoff = std::chrono::milliseconds(200);
    af::EventEmitter emitter(m_cs, o);
    // Emitted during the outage, so the writer sends them as one batch after the restart.
    for (int i = 0; i < 10; ++i)
        emitter.emitEvent(1, QStringLiteral("tasks_burst"), {{QStringLiteral("i"), i}});
    emitter.emitEvent(9999, QStringLiteral("tasks_burst"), {{QStringLiteral("i"), 10}});
    for (int i = 11; i < 21; ++i)
        emitter.emitEvent(2, QStringLiteral("tasks_burst"), {{QStringLiteral("i"), i}});
    EXPECT_EQ(emitter.dropped(), 0u);
    EXPECT_EQ(emitter.pending(), 21u);

    startServer();
    ASSERT_TRUE(emitter.flush(std::chrono::seconds(30))) << emitter.lastError().toStdString();
    EXPECT_EQ(emitter.dropped(), 1u);
    EXPECT_EQ(emitter.written(), 20u);
    EXPECT_EQ(20, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));
    EXPECT_EQ(0, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue WHERE payload_json->>'i' = '10'"));
    EXPECT_EQ(20, aftest::queryNumber(m_cs, "SELECT count(DISTINCT payload_json->>'i') FROM activity_queue"));
}

TEST_F(Emitter, UnknownTypeIsDroppedAtOnce)
{
    stopServer();
    af::EventEmitter::Options o;
    o.maxBackoff = std::chrono::milliseconds(200);
    af::EventEmitter emitter(m_cs, o);
    emitter.emitEvent(1, QStringLiteral("no_such_type"), {{QStringLiteral("i"), 0}});
    EXPECT_EQ(emitter.dropped(), 1u) << "counted at the call, with the server down";
    EXPECT_EQ(emitter.pending(), 0u);
    emitter.emitEvent(1, QStringLiteral("streak_milestone"), {{QStringLiteral("days"), 7}});
    EXPECT_EQ(emitter.pending(), 1u);

    startServer();
    ASSERT_TRUE(emitter.flush(std::chrono::seconds(30)));
    EXPECT_EQ(emitter.dropped(), 1u);
    EXPECT_EQ(emitter.written(), 1u);
    EXPECT_EQ(1, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));
    EXPECT_EQ(0, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue WHERE event_type = 'no_such_type'"));
}

/// Waits (polling, with a deadline) until @p cond holds.
template<typename Cond>
bool waitUntil(Cond cond, std::chrono::seconds deadline = std::chrono::seconds(30))
{
    const auto end = Clock::now() + deadline;
    while (!cond()) {
        if (Clock::now() > end)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10)); // polling interval
    }
    return true;
}

/// A real trigger on activity_queue that fails every insert with the SQLSTATE held in
/// test_fault while that table has a row: the database's own error path, on demand.
void installFaultTrigger(const std::string &cs)
{
    aftest::execute(cs, R"SQL(
CREATE TABLE test_fault (sqlstate text NOT NULL);
CREATE FUNCTION test_fault_fire() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
  SELECT sqlstate INTO s FROM test_fault LIMIT 1;
  IF s IS NOT NULL THEN
    RAISE EXCEPTION 'injected fault %', s USING ERRCODE = s;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER test_fault BEFORE INSERT ON activity_queue
  FOR EACH ROW EXECUTE FUNCTION test_fault_fire();
)SQL");
}

void setFault(const std::string &cs, const std::string &sqlstate)
{
    aftest::execute(cs, "DELETE FROM test_fault");
    if (!sqlstate.empty())
        aftest::execute(cs, "INSERT INTO test_fault VALUES ('" + sqlstate + "')");
}

std::string databaseName(const std::string &cs)
{
    pqxx::connection c(cs);
    return c.dbname();
}

// After a failover the database is read-only (25006) for a while: the writer keeps the
// events and retries until it can write, then delivers each exactly once.
TEST_F(Emitter, ReadOnlyDatabaseIsRetriedThenEveryEventArrivesOnce)
{
    const std::string db = databaseName(m_cs);
    // On the admin connection: the database itself refuses ALTER DATABASE once read-only.
    const std::string admin = aftest::PgCluster::instance().adminConnectionString();
    aftest::execute(admin, "ALTER DATABASE \"" + db + "\" SET default_transaction_read_only = on");
    af::EventEmitter::Options o;
    o.maxBackoff = std::chrono::milliseconds(100);
    af::EventEmitter emitter(m_cs, o);
    for (int i = 0; i < 300; ++i)
        emitter.emitEvent(1 + i % 4, QStringLiteral("badge_earned"), {{QStringLiteral("i"), i}});
    // Positive marker: the writer has met the read-only database several times.
    ASSERT_TRUE(waitUntil([&] { return emitter.retries() >= 3; })) << emitter.lastError().toStdString();
    EXPECT_TRUE(emitter.lastError().contains(QLatin1String("25006"))) << emitter.lastError().toStdString();
    EXPECT_EQ(emitter.dropped(), 0u);
    EXPECT_EQ(emitter.pending(), 300u);
    EXPECT_EQ(0, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));

    aftest::execute(admin, "ALTER DATABASE \"" + db + "\" RESET default_transaction_read_only");
    ASSERT_TRUE(emitter.flush(std::chrono::seconds(30))) << emitter.lastError().toStdString();
    EXPECT_EQ(emitter.dropped(), 0u);
    EXPECT_EQ(emitter.written(), 300u);
    EXPECT_EQ(300, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));
    EXPECT_EQ(300, aftest::queryNumber(m_cs, "SELECT count(DISTINCT payload_json->>'i') FROM activity_queue"));
}

// A full disk (53100) for a while: nothing is dropped, everything arrives once after.
TEST_F(Emitter, DiskFullIsRetriedThenEveryEventArrivesOnce)
{
    installFaultTrigger(m_cs);
    setFault(m_cs, "53100");
    af::EventEmitter::Options o;
    o.maxBackoff = std::chrono::milliseconds(100);
    af::EventEmitter emitter(m_cs, o);
    for (int i = 0; i < 300; ++i)
        emitter.emitEvent(1 + i % 4, QStringLiteral("tasks_burst"), {{QStringLiteral("i"), i}});
    ASSERT_TRUE(waitUntil([&] { return emitter.retries() >= 3; })) << emitter.lastError().toStdString();
    EXPECT_TRUE(emitter.lastError().contains(QLatin1String("53100"))) << emitter.lastError().toStdString();
    EXPECT_EQ(emitter.dropped(), 0u);
    EXPECT_EQ(emitter.pending(), 300u);
    EXPECT_EQ(0, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));

    setFault(m_cs, "");
    ASSERT_TRUE(emitter.flush(std::chrono::seconds(30))) << emitter.lastError().toStdString();
    EXPECT_EQ(emitter.dropped(), 0u);
    EXPECT_EQ(emitter.written(), 300u);
    EXPECT_EQ(300, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));
    EXPECT_EQ(300, aftest::queryNumber(m_cs, "SELECT count(DISTINCT payload_json->>'i') FROM activity_queue"));
}

// One writer step at a time, no thread: each transient class leaves the batch buffered
// (the step fails, nothing is dropped); the next step after the fault clears writes it.
TEST_F(Emitter, EveryTransientErrorClassKeepsTheBatchForTheNextStep)
{
    installFaultTrigger(m_cs);
    af::EventEmitter::Options o;
    o.startWriter = false;
    af::EventEmitter emitter(m_cs, o);
    EXPECT_EQ(emitter.runOnce(), af::EventEmitter::Step::Idle);
    int emitted = 0;
    for (const char *state : {"25006", "53100", "53200", "40P01", "40001", "55P03", "57P01", "57014", "58030",
                              "42P01"}) {
        SCOPED_TRACE(state);
        setFault(m_cs, state);
        for (int i = 0; i < 3; ++i)
            emitter.emitEvent(1, QStringLiteral("streak_milestone"), {{QStringLiteral("i"), emitted++}});
        EXPECT_EQ(emitter.runOnce(), af::EventEmitter::Step::Failed);
        EXPECT_TRUE(emitter.lastError().contains(QLatin1String(state))) << emitter.lastError().toStdString();
        EXPECT_EQ(emitter.dropped(), 0u);
        EXPECT_EQ(emitter.pending(), 3u);
        setFault(m_cs, "");
        EXPECT_EQ(emitter.runOnce(), af::EventEmitter::Step::Written);
        EXPECT_EQ(emitter.pending(), 0u);
        EXPECT_EQ(emitted, aftest::queryNumber(m_cs, "SELECT count(*) FROM activity_queue"));
    }
    EXPECT_EQ(emitter.dropped(), 0u);
    EXPECT_EQ(emitted, aftest::queryNumber(m_cs, "SELECT count(DISTINCT payload_json->>'i') FROM activity_queue"));

    // A permanent error of one row (a value the table's CHECK refuses) drops that row only.
    setFault(m_cs, "23514");
    emitter.emitEvent(1, QStringLiteral("badge_earned"), {{QStringLiteral("i"), emitted}});
    EXPECT_EQ(emitter.runOnce(), af::EventEmitter::Step::Written);
    EXPECT_EQ(emitter.dropped(), 1u);
    EXPECT_EQ(emitter.pending(), 0u);
}

} // namespace
