// drainQueue against a real PostgreSQL and the real `activityfeed drain` process:
// (a) SIGKILL in the middle of a drain (after its inserts, halfway through a fold, before
//     commit), three times, over rows that join published tiles and fold published
//     singles, loses and duplicates nothing (nor any reaction or comment), and the end
//     result equals one clean drain;
// (b) four drain processes at once, folding too, give the same events as one drain;
// (c) batching never splits a tile that one unbatched grouping would make;
// (d) previewDrain writes nothing and predicts the tiles drainQueue makes;
// (e) the NOTIFY of a drain reaches a listener only after the commit;
// (f) rows a batch read ahead that another drain took are read again;
// (g) text COPY reads as separators or escapes, and text beyond ASCII, reach the events
//     as they were queued;
// (h) a drain that cannot open its second connection reads ahead itself, to the same end;
// (i) a drain given its server's pool reads ahead on an idle pooled connection, gives it
//     back, and with none idle opens its own, to the same end.
#include "feed/drainer.h"
#include "db/connectionpool.h"
#include "core/metrics.h"
#include "core/catalogue.h"
#include "feed/grouping.h"
#include "pgharness.h"
#include "qtwarnings.h"
#include "queuefixture.h"
#include "testprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <utility>
#include <random>
#include <set>
#include <thread>

#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

qint64 msSince(Clock::time_point t0)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

using Row = aftest::QueueFixtureRow;
using aftest::asQueueRows;
using aftest::eventSnapshot;
using aftest::expectConsistent;
using aftest::groupingSnapshot;
using aftest::makeQueue;
using aftest::payloadFor;
using aftest::sameEvents;
using aftest::seedTenants;
using aftest::uuidFrom;
using aftest::writeQueue;
constexpr af::Micros kT0 = aftest::kQueueT0;

long long scalar(pqxx::connection &c, const std::string &sql)
{
    pqxx::nontransaction tx(c);
    const auto r = tx.exec1(sql);
    return r[0].is_null() ? 0 : r[0].as<long long>();
}

QProcessEnvironment childEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("ACTIVITYFEED_DATABASE_URL"));
    env.remove(QStringLiteral("DATABASE_URL"));
    return env;
}

std::unique_ptr<QProcess> startDrain(const std::string &cs, bool json = false)
{
    auto p = std::make_unique<QProcess>();
    p->setProcessEnvironment(childEnvironment());
    QStringList args{QStringLiteral("drain"), QStringLiteral("--database-url"),
                     QString::fromStdString(cs)};
    if (json)
        args << QStringLiteral("--json");
    p->start(QStringLiteral(AF_BINARY_PATH), args);
    EXPECT_TRUE(p->waitForStarted(10000)) << p->errorString().toStdString();
    return p;
}

struct Blocked {
    int pid = 0;
    std::string query;
};

/// Polls until a backend is waiting for a lock held by @p lockerPid; fails if @p child
/// (when given) exits first or nothing blocks within 60 s.
Blocked waitBlockedBy(pqxx::connection &monitor, int lockerPid, QProcess *child)
{
    const auto t0 = Clock::now();
    while (msSince(t0) < 60000) {
        {
            pqxx::nontransaction tx(monitor);
            const auto r = tx.exec_params(
                "SELECT pid, query FROM pg_stat_activity "
                " WHERE $1 = ANY(pg_blocking_pids(pid)) AND wait_event_type = 'Lock'",
                lockerPid);
            if (!r.empty())
                return {r[0][0].as<int>(), r[0][1].as<std::string>()};
        }
        if (child && child->state() == QProcess::NotRunning) {
            ADD_FAILURE() << "the drain process ended before blocking: "
                          << child->readAllStandardOutput().toStdString()
                          << child->readAllStandardError().toStdString();
            return {};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5)); // polling interval
    }
    ADD_FAILURE() << "no backend blocked on the test's lock within 60 s";
    return {};
}

void waitBackendGone(pqxx::connection &monitor, int pid)
{
    const auto t0 = Clock::now();
    while (msSince(t0) < 60000) {
        pqxx::nontransaction tx(monitor);
        if (tx.exec_params("SELECT 1 FROM pg_stat_activity WHERE pid = $1", pid).empty())
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(5)); // polling interval
    }
    ADD_FAILURE() << "backend " << pid << " still there 60 s after its client was killed";
}

/// The id of the @p offset-th oldest unprocessed queue row, in the drain's order.
std::string nthUnprocessed(pqxx::connection &c, int offset)
{
    pqxx::nontransaction tx(c);
    return tx.exec_params1("SELECT id::text FROM activity_queue WHERE NOT processed "
                           "ORDER BY created_at, id OFFSET $1 LIMIT 1",
                           offset)[0]
        .as<std::string>();
}

// ---------------------------------------------------------------------------------------

// (a) A drain process is SIGKILLed while its batch transaction has written events and
// source rows but not committed — blocked on a row lock the test holds — three times,
// at two different statements and in the first and a later batch. A normal drain then
// finishes; the result equals one clean drain of an identical copy of the queue.
TEST(Drain, SigkillMidDrainLosesAndDuplicatesNothing)
{
    constexpr int kRows = 12000;
    const std::vector<Row> rows = makeQueue(kRows, 5, 24LL * 3600 * 1000000, 1);
    // A third of the rows were drained as they came and people reacted and commented on
    // what that made: the killed drains join rows into those tiles and fold those singles.
    const aftest::HalfPublished db = aftest::halfPublished("crash", rows, 5, 11);
    const std::string &cs = db.cs, &refCs = db.refCs;
    const aftest::PersonWritten &written = db.written;

    pqxx::connection monitor(cs);
    struct Kill {
        const char *lock;       // the row lock the test holds ($1: a queue row's id)
        int offset;             // which unprocessed row (0 = oldest)
        const char *statement;  // where the drainer must then be blocked
    };
    // FOR UPDATE on the tenant of the oldest row blocks the foreign-key check (KEY SHARE)
    // of the first batch's COPY of new events; a lock on the comments blocks a fold
    // halfway, after tiles were rewritten and reactions copied, as it moves the comments;
    // FOR NO KEY UPDATE lets the inserts through and blocks the UPDATE that marks the rows
    // processed — the last statement before the NOTIFY and COMMIT — in the second batch.
    const Kill kills[] = {
        {"SELECT id FROM tenants WHERE id = (SELECT tenant_id FROM activity_queue WHERE id = $1::uuid) "
         "FOR UPDATE", 0, "COPY"},
        {"SELECT count(*) FROM (SELECT id FROM activity_comments WHERE $1::uuid IS NOT NULL FOR UPDATE) c", 0,
         "UPDATE activity_comments"},
        {"SELECT id FROM activity_queue WHERE id = $1::uuid FOR NO KEY UPDATE", 6500, "UPDATE"}};
    int round = 0;
    for (const Kill &k : kills) {
        ++round;
        SCOPED_TRACE("kill round " + std::to_string(round));
        pqxx::connection locker(cs);
        pqxx::work lockTx(locker);
        const std::string victim = nthUnprocessed(monitor, k.offset);
        lockTx.exec_params1(k.lock, victim);

        auto child = startDrain(cs);
        const Blocked b = waitBlockedBy(monitor, locker.backendpid(), child.get());
        ASSERT_NE(b.pid, 0);
        EXPECT_EQ(b.query.rfind(k.statement, 0), 0u) << "blocked in: " << b.query;
        // What is committed at this moment (earlier batches of this run, if any).
        const long long processedBefore = scalar(monitor, "SELECT count(*) FROM activity_queue WHERE processed");
        const long long eventsBefore = scalar(monitor, "SELECT count(*) FROM activity_events");

        child->kill(); // SIGKILL
        ASSERT_TRUE(child->waitForFinished(10000));
        EXPECT_EQ(child->exitStatus(), QProcess::CrashExit);
        lockTx.abort();
        // The orphaned backend now finishes its statement, finds its client gone and
        // rolls back; wait until it has, so nothing of it can still commit.
        waitBackendGone(monitor, b.pid);

        EXPECT_EQ(processedBefore, scalar(monitor, "SELECT count(*) FROM activity_queue WHERE processed"));
        EXPECT_EQ(eventsBefore, scalar(monitor, "SELECT count(*) FROM activity_events"));
        if (k.offset > af::Drainer::kBatchSize) {
            EXPECT_GT(processedBefore, 0) << "the earlier batch of this run should have committed";
        }
        EXPECT_EQ(written.comments.size(), size_t(scalar(monitor, "SELECT count(*) FROM activity_comments")));
        expectConsistent(cs, "after a kill");
    }
    EXPECT_GT(scalar(monitor, "SELECT count(*) FROM activity_queue WHERE NOT processed"), 0);

    // A normal drain finishes the work.
    auto finisher = startDrain(cs);
    ASSERT_TRUE(finisher->waitForFinished(120000));
    EXPECT_EQ(finisher->exitCode(), 0) << finisher->readAllStandardError().toStdString();

    EXPECT_EQ(0, scalar(monitor, "SELECT count(*) FROM activity_queue WHERE NOT processed"));
    EXPECT_EQ(kRows, scalar(monitor, "SELECT count(*) FROM activity_event_sources"));
    EXPECT_EQ(kRows, scalar(monitor, "SELECT count(DISTINCT queue_id) FROM activity_event_sources"));
    expectConsistent(cs, "after the final drain");

    // One clean drain of the same queue.
    {
        pqxx::connection ref(refCs);
        const af::DrainResult r = af::Drainer::drainQueue(ref, {}, QStringLiteral("reference"));
        EXPECT_EQ(r.processed, kRows);
    }
    const auto got = eventSnapshot(cs);
    const auto want = eventSnapshot(refCs);
    EXPECT_TRUE(sameEvents(got, want)) << "the events after three killed drains differ from one clean drain";
    // The queue really groups: tiles exist, and the drains folded published singles.
    EXPECT_GT(scalar(monitor, "SELECT count(*) FROM activity_events WHERE payload_json ? 'count'"), 50);
    const long long folded = scalar(monitor, "SELECT count(*) FROM activity_event_tombstones");
    EXPECT_GT(folded, 20);
    aftest::expectNothingLost(cs, written);
    std::printf("[ drain    ] 3 kills, then one drain: %lld singles folded, %zu events as one drain makes\n",
                folded, got.size());
}

// (b) Four `activityfeed drain` processes started at once on 20 000 queued rows.
TEST(Drain, FourConcurrentProcessesEqualOneDrain)
{
    constexpr int kRows = 20000;
    const std::vector<Row> rows = makeQueue(kRows, 7, 3LL * 24 * 3600 * 1000000, 2);
    // Part of the feed is already published, with reactions and comments: the concurrent
    // drains grow its tiles and fold its singles.
    const aftest::HalfPublished db = aftest::halfPublished("conc", rows, 7, 12);
    const std::string &cs = db.cs, &refCs = db.refCs;
    const aftest::PersonWritten &written = db.written;
    pqxx::connection c(cs);
    const long long published = scalar(c, "SELECT count(*) FROM activity_events");
    const long long runsBefore = scalar(c, "SELECT count(*) FROM drain_runs");
    const long long tombstonesBefore = scalar(c, "SELECT count(*) FROM activity_event_tombstones");

    const auto t0 = Clock::now();
    std::vector<std::unique_ptr<QProcess>> procs;
    for (int i = 0; i < 4; ++i)
        procs.push_back(startDrain(cs, true));
    long long processed = 0, inserted = 0, removed = 0;
    for (auto &p : procs) {
        ASSERT_TRUE(p->waitForFinished(120000));
        ASSERT_EQ(p->exitStatus(), QProcess::NormalExit);
        EXPECT_EQ(p->exitCode(), 0) << p->readAllStandardError().toStdString();
        const QList<QByteArray> lines = p->readAllStandardOutput().trimmed().split('\n');
        ASSERT_EQ(lines.size(), 1);
        const QJsonObject o = QJsonDocument::fromJson(lines.first()).object();
        EXPECT_TRUE(o.value(QStringLiteral("ok")).toBool()) << lines.first().constData();
        processed += o.value(QStringLiteral("processed")).toInt();
        inserted += o.value(QStringLiteral("inserted")).toInt();
        removed += o.value(QStringLiteral("removed")).toInt();
    }
    const qint64 concurrentMs = msSince(t0);

    const auto t1 = Clock::now();
    {
        pqxx::connection ref(refCs);
        const af::DrainResult r = af::Drainer::drainQueue(ref, {}, QStringLiteral("reference"));
        EXPECT_EQ(r.processed, kRows);
    }
    const qint64 singleMs = msSince(t1);
    std::printf("[ drain    ] %zu rows over %lld published events: 4 concurrent processes %lld ms "
                "(%lld singles folded), one in-process drain of all %d rows %lld ms\n",
                db.queued, published, static_cast<long long>(concurrentMs), removed, kRows,
                static_cast<long long>(singleMs));

    EXPECT_EQ(processed, long(db.queued)) << "the processes' reports must add up to the queue";
    EXPECT_EQ(published + inserted - removed, scalar(c, "SELECT count(*) FROM activity_events"));
    EXPECT_EQ(tombstonesBefore + removed, scalar(c, "SELECT count(*) FROM activity_event_tombstones"));
    EXPECT_GT(removed, 20) << "the drains fold published singles";
    EXPECT_EQ(0, scalar(c, "SELECT count(*) FROM activity_queue WHERE NOT processed"));
    EXPECT_EQ(kRows, scalar(c, "SELECT count(*) FROM activity_event_sources"));
    expectConsistent(cs, "after four concurrent drains");
    aftest::expectNothingLost(cs, written);
    EXPECT_EQ(4, scalar(c, "SELECT count(*) FROM drain_runs WHERE trigger = 'cli' AND finished_at IS NOT NULL "
                           "AND error IS NULL"));
    EXPECT_EQ(kRows, scalar(c, "SELECT sum(processed) FROM drain_runs"));
    EXPECT_EQ(removed, scalar(c, "SELECT sum(removed) FROM drain_runs WHERE trigger = 'cli'"))
        << "the drain log counts the folds";
    EXPECT_GT(scalar(c, "SELECT count(*) FROM drain_runs"), runsBefore);

    const auto got = eventSnapshot(cs);
    const auto want = eventSnapshot(refCs);
    EXPECT_TRUE(sameEvents(got, want)) << "four concurrent drains made other events than one drain";
    // All six types and every tenant are in play, and bursts grouped.
    EXPECT_EQ(6, scalar(c, "SELECT count(DISTINCT event_type) FROM activity_events"));
    EXPECT_EQ(7, scalar(c, "SELECT count(DISTINCT tenant_id) FROM activity_events"));
    EXPECT_GT(scalar(c, "SELECT count(*) FROM activity_events WHERE payload_json ? 'count'"), 100);
}

// (c) More than one batch, with windows of every key open across the last row of each (the
// first batch's 1 000th, the next one's): the drain must make exactly the tiles one
// grouping of all rows makes.
TEST(Drain, BatchesNeverSplitATile)
{
    // 7 000 rows one second apart, cycling over 4 tenants × 6 types: each key has a row
    // every 24 s, so every key has a window open at each batch boundary. Plus a burst of
    // six rows straddling the first batch's last row, of a key that is otherwise quiet.
    constexpr int kFirst = af::Drainer::kFirstBatchSize;
    std::mt19937_64 rng(3);
    std::vector<Row> rows;
    const QStringList &types = af::Catalogue::eventTypeNames();
    for (int i = 0; i < 7000; ++i) {
        Row r;
        r.id = uuidFrom(rng);
        r.tenant = 1 + i % 4;
        r.type = types.at((i / 4) % 6).toStdString();
        r.payload = payloadFor(r.type, i);
        r.at = kT0 + af::Micros(i) * 1000000;
        rows.push_back(r);
    }
    for (int i = 0; i < 6; ++i) {
        Row r;
        r.id = uuidFrom(rng);
        r.tenant = 5;
        r.type = "badge_earned";
        r.payload = payloadFor(r.type, 100000 + i);
        r.at = kT0 + af::Micros(kFirst - 3 + i) * 1000000 + 500000; // between rows 997…1002
        rows.push_back(r);
    }
    const std::string cs = aftest::freshDatabase("batch");
    seedTenants(cs, 5);
    writeQueue(cs, rows);

    const std::vector<af::GroupedEvent> all = af::Grouping::group(asQueueRows(rows));
    // The test bites: a naive first batch of 1 000 rows would make other events.
    {
        std::vector<Row> sorted = rows;
        std::sort(sorted.begin(), sorted.end(), [](const Row &a, const Row &b) {
            return std::tie(a.at, a.id) < std::tie(b.at, b.id);
        });
        std::vector<Row> first(sorted.begin(), sorted.begin() + kFirst);
        std::vector<Row> rest(sorted.begin() + kFirst, sorted.end());
        auto naive = af::Grouping::group(asQueueRows(first));
        for (auto &e : af::Grouping::group(asQueueRows(rest)))
            naive.push_back(e);
        ASSERT_FALSE(sameEvents(groupingSnapshot(naive), groupingSnapshot(all)));
    }

    pqxx::connection c(cs);
    const af::DrainResult r = af::Drainer::drainQueue(c, {}, QStringLiteral("test"));
    EXPECT_EQ(r.processed, int(rows.size()));
    EXPECT_EQ(r.inserted, int(all.size()));
    EXPECT_EQ(0, scalar(c, "SELECT count(*) FROM activity_queue WHERE NOT processed"));
    EXPECT_TRUE(sameEvents(eventSnapshot(cs), groupingSnapshot(all)));
    // The burst is one tile of six.
    EXPECT_EQ(1, scalar(c, "SELECT count(*) FROM activity_events WHERE tenant_id = 5"));
    EXPECT_EQ(6, scalar(c, "SELECT (payload_json->>'count')::int FROM activity_events WHERE tenant_id = 5"));
    // New ids are time-ordered (UUIDv7), ascending in the order the drain wrote them, over
    // both batches: they append to the indexes they go into.
    EXPECT_EQ(0, scalar(c, "SELECT count(*) FROM activity_events WHERE substr(id::text, 15, 1) <> '7' "
                           "   OR substr(id::text, 20, 1) NOT IN ('8', '9', 'a', 'b')"));
    EXPECT_EQ(0, scalar(c, "SELECT count(*) FROM (SELECT id < lag(id) OVER (ORDER BY coalesce(created_seq, seq)) "
                           "AS back FROM activity_events) s WHERE back"));
    expectConsistent(cs, "after a batched drain");
}

// (c') A drain's first batch is small (Drainer::kFirstBatchSize). When all of its rows are
// one window still open at its end, the drain reads the batch again at full size instead
// of publishing part of the window and growing it in the next batch: one tile, inserted once.
TEST(Drain, AFirstBatchThatIsOneOpenWindowIsReadWhole)
{
    constexpr int kRows = af::Drainer::kFirstBatchSize + 500;
    std::mt19937_64 rng(5);
    std::vector<Row> rows;
    for (int i = 0; i < kRows; ++i) {
        Row r;
        r.id = uuidFrom(rng);
        r.tenant = 2;
        r.type = "tasks_burst";
        r.payload = payloadFor(r.type, i);
        r.at = kT0 + af::Micros(i) * 100000; // 150 s in all: one window
        rows.push_back(r);
    }
    const std::string cs = aftest::freshDatabase("firstwhole");
    seedTenants(cs, 2);
    writeQueue(cs, rows);
    pqxx::connection c(cs);
    const af::DrainResult r = af::Drainer::drainQueue(c, {}, QStringLiteral("test"));
    EXPECT_EQ(r.processed, kRows);
    EXPECT_EQ(r.inserted, 1);
    EXPECT_EQ(r.updated, 0) << "the window was published in parts";
    EXPECT_EQ(1, scalar(c, "SELECT count(*) FROM activity_events"));
    EXPECT_EQ(kRows, scalar(c, "SELECT (payload_json->>'count')::int FROM activity_events"));
    EXPECT_EQ(kRows, scalar(c, "SELECT count(*) FROM activity_event_sources"));
    expectConsistent(cs, "after a first batch read whole");
}

// (d) previewDrain writes nothing and predicts the tiles: within one batch, and for a
// full first batch whose last windows are still open.
TEST(Drain, PreviewWritesNothingAndPredictsTheDrain)
{
    struct Case {
        const char *name;
        int rows;
    };
    for (const Case &k : {Case{"one batch", 3000}, Case{"full first batch", 6000}}) {
        SCOPED_TRACE(k.name);
        const std::vector<Row> rows = makeQueue(k.rows, 4, 6LL * 3600 * 1000000, 4);
        const std::string cs = aftest::freshDatabase("preview");
        seedTenants(cs, 4);
        writeQueue(cs, rows);
        pqxx::connection c(cs);
        const std::string state =
            "SELECT (SELECT count(*) FROM activity_events) * 1000000000 + "
            "       (SELECT count(*) FROM activity_event_sources) * 1000000 + "
            "       (SELECT count(*) FROM drain_runs) * 1000 + "
            "       (SELECT count(*) FROM activity_queue WHERE processed)";
        const auto tiles = af::Drainer::previewDrain(c);
        ASSERT_FALSE(tiles.empty());
        EXPECT_EQ(0, scalar(c, state)) << "previewDrain wrote something";
        int previewRows = 0;
        std::multiset<std::string> predicted;
        for (const af::PreviewTile &t : tiles) {
            previewRows += t.rows;
            predicted.insert(std::to_string(t.tenantId) + '|' + t.eventType.toStdString() + '|' +
                             t.description.toStdString() + '|' + std::to_string(t.rows) + '|' +
                             t.firstAt.toStdString() + '|' + t.lastAt.toStdString());
        }
        EXPECT_LE(previewRows, af::Drainer::kBatchSize);

        af::Drainer::drainQueue(c, {}, QStringLiteral("test"));
        pqxx::nontransaction tx(c);
        tx.exec0("SET TIME ZONE 'UTC'");
        const auto r = tx.exec(
            "SELECT e.tenant_id || '|' || e.event_type || '|' || e.description || '|' || count(*) || '|' || "
            "       to_char(min(q.created_at), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || '|' || "
            "       to_char(e.created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
            "  FROM activity_events e JOIN activity_event_sources s ON s.event_id = e.id "
            "  JOIN activity_queue q ON q.id = s.queue_id GROUP BY e.id");
        std::multiset<std::string> made;
        for (const auto &row : r)
            made.insert(row[0].as<std::string>());
        if (k.rows <= af::Drainer::kBatchSize) {
            EXPECT_EQ(predicted, made);
        } else {
            // Only the first batch is previewed: every predicted tile is made.
            std::vector<std::string> missing;
            std::set_difference(predicted.begin(), predicted.end(), made.begin(), made.end(),
                                std::back_inserter(missing));
            EXPECT_TRUE(missing.empty()) << missing.size() << " previewed tiles the drain did not make, e.g. "
                                         << (missing.empty() ? "" : missing.front());
        }
    }
}

// (e) The NOTIFY of a drain is delivered only when its transaction commits. A deferred
// constraint trigger (added to this test database only) makes the drain's COMMIT wait
// for a row lock the test holds: at that moment pg_notify has run, the commit has not.
TEST(Drain, NotifyArrivesOnlyAfterCommit)
{
    const std::string cs = aftest::freshDatabase("notify");
    seedTenants(cs, 2);
    writeQueue(cs, makeQueue(300, 2, 3600LL * 1000000, 5));
    aftest::execute(cs, R"(
        CREATE TABLE commit_gate (id int PRIMARY KEY);
        INSERT INTO commit_gate VALUES (1);
        CREATE FUNCTION commit_gate_wait() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN PERFORM 1 FROM commit_gate WHERE id = 1 FOR UPDATE; RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER commit_gate AFTER INSERT ON activity_events
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_gate_wait();
    )");

    class Receiver : public pqxx::notification_receiver
    {
    public:
        Receiver(pqxx::connection_base &c) : pqxx::notification_receiver(c, "activity_feed") {}
        void operator()(const std::string &payload, int) override { payloads.push_back(payload); }
        std::vector<std::string> payloads;
    };
    pqxx::connection listenConn(cs);
    Receiver receiver(listenConn);
    pqxx::connection monitor(cs);

    pqxx::connection locker(cs);
    pqxx::work gate(locker);
    gate.exec1("SELECT 1 FROM commit_gate WHERE id = 1 FOR UPDATE");

    af::DrainResult result;
    std::string drainError;
    std::thread drainer([&] {
        try {
            pqxx::connection c(cs);
            result = af::Drainer::drainQueue(c, {}, QStringLiteral("test"));
        } catch (const std::exception &e) {
            drainError = e.what();
        }
    });
    const Blocked b = waitBlockedBy(monitor, locker.backendpid(), nullptr);
    EXPECT_EQ(b.query, "COMMIT") << "the gate should hold the drain in its COMMIT";
    // pg_notify has run; the transaction is committing but not committed. Absence
    // cannot be polled for: give a wrongly early notification 300 ms to show up.
    listenConn.await_notification(0, 300000);
    EXPECT_TRUE(receiver.payloads.empty()) << "a NOTIFY arrived before the commit";
    EXPECT_EQ(0, scalar(listenConn, "SELECT count(*) FROM activity_events"));

    gate.abort();
    const auto t0 = Clock::now();
    while (receiver.payloads.empty() && msSince(t0) < 30000)
        listenConn.await_notification(1, 0);
    drainer.join();
    ASSERT_TRUE(drainError.empty()) << drainError;
    ASSERT_EQ(receiver.payloads.size(), 1u);
    EXPECT_EQ(receiver.payloads.front(), R"({"k":"events"})");
    // On receipt, the listener's own connection already sees every event of the drain.
    EXPECT_EQ(result.inserted, scalar(listenConn, "SELECT count(*) FROM activity_events"));
    EXPECT_EQ(300, result.processed);
}

/// Rows of three batches for the drains that read ahead.
constexpr int kRows = 3 * af::Drainer::kBatchSize - 1000;

/// Two databases with 4 tenants and the same kRows queued rows (of @p seed): one to drain
/// as the test does, one for a plain drain to compare with.
std::pair<std::string, std::string> twoQueues(const std::string &prefix, unsigned seed)
{
    const std::vector<Row> rows = makeQueue(kRows, 4, 8LL * 3600 * 1000000, seed);
    const std::string cs = aftest::freshDatabase(prefix);
    const std::string refCs = aftest::freshDatabase(prefix + "ref");
    for (const std::string &db : {cs, refCs}) {
        seedTenants(db, 4);
        writeQueue(db, rows);
    }
    return {cs, refCs};
}

// (f) A full batch reads the next batch's rows ahead, in its own transaction, and parses
// them while PostgreSQL writes its events; another process's drain can take those rows
// before the next batch gets the lock. That batch then reads again. Here two drains take
// turns batch by batch (the lock held first, both queued behind it, each commit hands it to
// the other), so each finds rows it read ahead taken: together they make the events one
// drain makes.
TEST(Drain, RowsReadAheadThatAnotherDrainTookAreReadAgain)
{
    const std::pair<std::string, std::string> dbs = twoQueues("ahead", 11);
    const std::string &cs = dbs.first, &refCs = dbs.second;
    {
        pqxx::connection ref(refCs);
        ASSERT_EQ(af::Drainer::drainQueue(ref, {}, QStringLiteral("reference")).processed, kRows);
    }
    pqxx::connection holder(cs);
    const std::string key = std::to_string(af::Drainer::kLockKey);
    pqxx::nontransaction(holder).exec("SELECT pg_advisory_lock(" + key + ")");
    const auto waiting = [&holder] {
        return scalar(holder, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                              "   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    };
    const quint64 readAgainBefore = af::Metrics::instance().drainReadsAgain();
    af::DrainResult a, b;
    std::string errorA, errorB;
    const auto drain = [&cs](af::DrainResult *out, std::string *error, const char *name) {
        try {
            pqxx::connection c(cs);
            *out = af::Drainer::drainQueue(c, {}, QString::fromLatin1(name));
        } catch (const std::exception &e) {
            *error = e.what();
        }
    };
    std::thread first(drain, &a, &errorA, "first");
    ASSERT_TRUE(aftest::waitFor([&] { return waiting() == 1; }, 30000)) << "the first drain waits for the lock";
    std::thread second(drain, &b, &errorB, "second");
    const bool bothWait = aftest::waitFor([&] { return waiting() == 2; }, 30000);
    pqxx::nontransaction(holder).exec("SELECT pg_advisory_unlock(" + key + ")");
    first.join();
    second.join();
    ASSERT_TRUE(bothWait) << "the second drain waits for the lock";
    ASSERT_TRUE(errorA.empty()) << errorA;
    ASSERT_TRUE(errorB.empty()) << errorB;

    EXPECT_GT(a.processed, 0);
    EXPECT_GT(b.processed, 0);
    EXPECT_EQ(a.processed + b.processed, kRows);
    EXPECT_GE(af::Metrics::instance().drainReadsAgain() - readAgainBefore, 1u)
        << "a batch found the rows it read ahead taken and read again";
    EXPECT_EQ(0, scalar(holder, "SELECT count(*) FROM activity_queue WHERE NOT processed"));
    EXPECT_TRUE(sameEvents(eventSnapshot(cs), eventSnapshot(refCs)))
        << "two drains taking turns made other events than one drain";
    expectConsistent(cs, "after two drains that took each other's rows read ahead");
}

// (g) The drain writes its events as COPY text it escapes itself. Text with everything
// COPY's text format reads as a separator or an escape (tab, newline, carriage return,
// backslash, "\N", the other control characters it escapes), quotes, a dollar-quote tag
// and text beyond ASCII reaches the events exactly as it was queued: a single's payload,
// name and description, and a tile's samples.
TEST(Drain, TextOfEveryKindReachesTheEventsAsQueued)
{
    const std::string cs = aftest::freshDatabase("copytext");
    seedTenants(cs, 2);
    const QString awkward = QString::fromUtf8("tab\there\nline\rcr\\back\\\\slash \\N \b\f\v "
                                              "\"q\" 'a' $q$ \U0001F680 \u00DCn\u00EFc\u00F6d\u00E9 \u4E2D\u6587");
    const auto payload = [&awkward](int n) {
        return QJsonObject{{QStringLiteral("badgeName"), awkward + QString::number(n)},
                           {QStringLiteral("xpAwarded"), 50}};
    };
    const auto text = [](const QJsonObject &o) {
        return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
    };
    std::mt19937_64 rng(7);
    std::vector<Row> rows;
    rows.push_back({uuidFrom(rng), 1, "badge_earned", text(payload(0)), kT0});
    for (int i = 1; i <= 3; ++i) // a tile of three, seconds apart
        rows.push_back({uuidFrom(rng), 2, "badge_earned", text(payload(i)), kT0 + i * 1000000});
    writeQueue(cs, rows);
    pqxx::connection c(cs);
    const af::DrainResult r = af::Drainer::drainQueue(c, {}, QStringLiteral("test"));
    ASSERT_EQ(r.processed, 4);
    ASSERT_EQ(r.inserted, 2);

    pqxx::nontransaction tx(c);
    const pqxx::result events = tx.exec("SELECT tenant_id, payload_json::text, description, display_name, icon "
                                        "  FROM activity_events ORDER BY tenant_id");
    ASSERT_EQ(events.size(), 2u);
    const QJsonObject single = QJsonDocument::fromJson(QByteArray::fromStdString(events[0][1].as<std::string>())).object();
    EXPECT_EQ(single, payload(0));
    EXPECT_EQ(QString::fromStdString(events[0][2].as<std::string>()),
              af::Catalogue::describe(QStringLiteral("badge_earned"), payload(0)));
    EXPECT_TRUE(QString::fromStdString(events[0][2].as<std::string>()).contains(awkward))
        << "the single's description names the badge: " << events[0][2].as<std::string>();
    const QJsonObject tile = QJsonDocument::fromJson(QByteArray::fromStdString(events[1][1].as<std::string>())).object();
    EXPECT_EQ(tile.value(QStringLiteral("count")).toInt(), 3);
    std::set<QString> samples;
    for (const QJsonValue &v : tile.value(QStringLiteral("samples")).toArray())
        samples.insert(v.toObject().value(QStringLiteral("badgeName")).toString());
    EXPECT_EQ(samples, (std::set<QString>{awkward + QStringLiteral("1"), awkward + QStringLiteral("2"),
                                          awkward + QStringLiteral("3")}));
    for (int i = 0; i < 2; ++i) {
        const af::EventTypeInfo *type = af::Catalogue::type(QStringLiteral("badge_earned"));
        ASSERT_NE(type, nullptr);
        EXPECT_EQ(QString::fromStdString(events[i][3].as<std::string>()), type->displayName);
        EXPECT_EQ(QString::fromStdString(events[i][4].as<std::string>()), type->icon);
    }
    expectConsistent(cs, "after draining awkward text");
}

// (h) A drain reads each next batch on a second connection. When that cannot be opened
// (the drain's role may hold one connection only), the drain says so and reads ahead in
// its own transaction instead: every row is drained, into the events one drain with a
// second connection makes.
TEST(Drain, WithoutASecondConnectionTheDrainReadsAheadItself)
{
    const std::pair<std::string, std::string> dbs = twoQueues("oneconn", 13);
    const std::string &cs = dbs.first, &refCs = dbs.second;
    {
        const aftest::QtWarnings warnings;
        pqxx::connection ref(refCs);
        ASSERT_EQ(af::Drainer::drainQueue(ref, {}, QStringLiteral("reference")).processed, kRows);
        EXPECT_TRUE(warnings.messages().filter(QStringLiteral("second connection")).isEmpty())
            << "the reference drain read ahead on its second connection";
    }
    const std::string role = "af_one_connection_" + std::to_string(::getpid());
    {
        pqxx::connection admin(cs);
        pqxx::nontransaction tx(admin);
        tx.exec0("CREATE ROLE " + role + " LOGIN CONNECTION LIMIT 1 PASSWORD 'one-connection'");
        tx.exec0("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + role);
        tx.exec0("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + role);
    }
    const aftest::QtWarnings warnings;
    af::DrainResult r;
    {
        // A later keyword wins in a libpq string.
        pqxx::connection c(cs + " user=" + role + " password=one-connection");
        ASSERT_EQ(scalar(c, "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user"), 1);
        r = af::Drainer::drainQueue(c, {}, QStringLiteral("one connection"));
    }
    EXPECT_EQ(r.processed, kRows);
    const QStringList said = warnings.messages().filter(QStringLiteral("second connection"));
    ASSERT_EQ(said.size(), 1) << "the drain says once that it reads ahead itself";
    EXPECT_TRUE(said.front().contains(QStringLiteral("cannot open it"))) << said.front().toStdString();
    pqxx::connection check(cs);
    EXPECT_EQ(0, scalar(check, "SELECT count(*) FROM activity_queue WHERE NOT processed"));
    EXPECT_TRUE(sameEvents(eventSnapshot(cs), eventSnapshot(refCs)))
        << "reading ahead in its own transaction made other events than with a second connection";
    expectConsistent(cs, "after a drain without its second connection");
}

// (i) A server's drain reads ahead on an idle connection of the server's pool, for one read
// at a time. Here the role may hold two connections, both the pool's: the drain's lease and
// the idle one. Opening a third would fail and the drain would say so (h); it says nothing,
// so every read went to the pooled connection, and the lease is back once the drain ends.
// With the pool's every connection leased, the drain opens its own: the same events again.
TEST(Drain, AServersDrainReadsAheadOnAnIdlePooledConnection)
{
    for (const bool poolBusy : {false, true}) {
        SCOPED_TRACE(poolBusy ? "every pooled connection leased" : "one pooled connection idle");
        const std::pair<std::string, std::string> dbs = twoQueues(poolBusy ? "poolbusy" : "poolidle", 17);
        const std::string &cs = dbs.first, &refCs = dbs.second;
        {
            pqxx::connection ref(refCs);
            ASSERT_EQ(af::Drainer::drainQueue(ref, {}, QStringLiteral("reference")).processed, kRows);
        }
        const std::string role = std::string(poolBusy ? "af_busy_pool_" : "af_two_connections_") +
                                 std::to_string(::getpid());
        {
            pqxx::connection admin(cs);
            pqxx::nontransaction tx(admin);
            tx.exec0("CREATE ROLE " + role + (poolBusy ? " LOGIN" : " LOGIN CONNECTION LIMIT 2") +
                     " PASSWORD 'pooled'");
            tx.exec0("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + role);
            tx.exec0("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + role);
        }
        af::ConnectionPool pool(cs + " user=" + role + " password=pooled", 2);
        std::optional<af::ConnectionPool::Lease> held;
        {
            auto a = pool.acquire();
            auto b = pool.acquire();
            ASSERT_EQ(scalar(*a, "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user"), 2);
        }
        if (poolBusy)
            held.emplace(pool.acquire());
        pqxx::connection check(cs);
        const std::string began = pqxx::nontransaction(check).exec1("SELECT clock_timestamp()::text")[0].as<std::string>();
        const aftest::QtWarnings warnings;
        af::DrainResult r;
        {
            auto lease = pool.acquire();
            r = af::Drainer::drainQueue(*lease, {}, QStringLiteral("server"), &pool);
            EXPECT_EQ(pool.inUse(), poolBusy ? 2 : 1) << "the reads ahead gave their lease back";
        }
        EXPECT_EQ(r.processed, kRows);
        EXPECT_TRUE(warnings.messages().filter(QStringLiteral("second connection")).isEmpty())
            << warnings.messages().join(QLatin1Char('\n')).toStdString();
        // The pool's backends that ran nothing since the drain began: none when the idle one
        // read ahead, the held one when every connection was leased.
        EXPECT_EQ(scalar(check, "SELECT count(*) FROM pg_stat_activity WHERE usename = '" + role +
                                    "' AND state_change < '" + began + "'::timestamptz"),
                  poolBusy ? 1 : 0);
        // (A connection the drain opened itself ends as the drain returns; its backend
        // leaves pg_stat_activity a moment later.)
        EXPECT_TRUE(aftest::waitFor([&] {
            return scalar(check, "SELECT count(*) FROM pg_stat_activity WHERE usename = '" + role + "'") == 2;
        }, 30000)) << "the pool's two connections, and no other left open";
        EXPECT_EQ(0, scalar(check, "SELECT count(*) FROM activity_queue WHERE NOT processed"));
        EXPECT_TRUE(sameEvents(eventSnapshot(cs), eventSnapshot(refCs)))
            << "reading ahead on a pooled connection made other events than one drain";
        expectConsistent(cs, "after a drain that read ahead on a pooled connection");
    }
}

} // namespace
