// Database faults against the real `activityfeed` binaries and a real PostgreSQL (each:
// nothing lost, nothing duplicated, service back by itself; where drains run over rows
// that join published tiles and fold published singles, the end result is what one drain
// over the same queue makes, and every SSE client ends with the feed's cards):
// F1 the drainer's connection terminated mid-batch (CLI drains three times, then a drain
//    of a running `serve` through POST /api/activity/drain);
// F2 the LISTEN connection terminated three times while drains commit: the listener
//    reconnects and delivers what was committed meanwhile, once, in order;
// F3 every connection of a running `serve` terminated three times under load;
// F4 PostgreSQL stopped (immediate) and started again under a steady emit load with SSE
//    clients connected: emits buffered and delivered, /healthz 503 during the outage and
//    200 after, SSE clients that went away replay with Last-Event-ID, same serve process.
#include "faultkit.h"
#include "queuefixture.h"

#include "feed/broadcaster.h"
#include "feed/drainer.h"
#include "feed/eventemitter.h"
#include "feed/notifylistener.h"

#include <QJsonObject>

#include <random>
#include <sys/un.h>

using namespace fk;

namespace {

// A drain batch in progress: a transaction is open and its statement touches the queue or
// the events (the listener's and the final read-back's af_event_json reads excluded).
constexpr const char *kInBatch =
    "xact_start IS NOT NULL AND state <> 'idle' AND query NOT ILIKE '%af_event_json%' "
    "AND (query ILIKE '%activity_queue%' OR query ILIKE '%activity_event%' OR query ILIKE '%pg_notify%')";

/// @p n queue rows over @p tenants tenants (created here), 7 s apart: a mix of tiles and
/// single events (each key has a row every 126 s, so windows of three). Only the rows
/// @p which selects (SQL over the row number i) are written. Returns the tenant ids.
std::vector<int> fillQueue(const std::string &cs, int n, int tenants, int offset = 0,
                           const std::string &which = "true")
{
    std::vector<int> ids;
    if (q1ll(cs, "SELECT count(*) FROM tenants") == 0) {
        for (int t = 0; t < tenants; ++t)
            ids.push_back(int(q1ll(cs, "INSERT INTO tenants (name) VALUES ('fault-" + std::to_string(t) +
                                           "') RETURNING id")));
    }
    run(cs, "INSERT INTO activity_queue (id, tenant_id, event_type, payload_json, created_at) "
            "SELECT md5('q' || i)::uuid, (SELECT min(id) FROM tenants) + i % " + std::to_string(tenants) + ", "
            "       (ARRAY['badge_earned','xp_rank_up','challenge_completed','streak_milestone',"
            "              'tasks_burst','all_tasks_cleared'])[1 + (i / 3) % 6], "
            "       jsonb_build_object('n', i), "
            "       timestamptz '2026-01-05 08:00:00+00' + i * interval '7 seconds' "
            "  FROM generate_series(" + std::to_string(offset) + ", " + std::to_string(offset + n - 1) + ") i"
            " WHERE " + which);
    return ids;
}

// The rows a feed drained as they came would have published before the rest arrived: in
// one window of five (per key), its first two rows, which one drain makes two singles.
// The third row arriving later folds them into one tile.
constexpr const char *kEarlyRows = "(i / 18) % 3 <> 2 AND (i / 54) % 5 = 0";
constexpr const char *kLateRows = "NOT ((i / 18) % 3 <> 2 AND (i / 54) % 5 = 0)";

/// Fills the queue with @p n rows of which the early ones are already drained, and people
/// reacted and commented on the events that made: the drains a test runs next join and fold.
aftest::PersonWritten fillQueueWithHistory(const std::string &cs, int n, int tenants)
{
    fillQueue(cs, n, tenants, 0, kEarlyRows);
    pqxx::connection c(cs);
    af::Drainer::drainQueue(c, {}, QStringLiteral("history"));
    const aftest::PersonWritten w = aftest::reactAndComment(cs, tenants);
    fillQueue(cs, n, tenants, 0, kLateRows);
    return w;
}

/// A feed client in this process: keeps its cards as a page does (created and updated
/// insert or replace, removed drops) and counts changes that were not in ascending order.
class CollectingClient : public af::FeedClient
{
public:
    void push(const QByteArray &frame) override
    {
        std::lock_guard<std::mutex> l(m_mutex);
        QByteArray buf = frame;
        for (const SseFrame &f : parseSseFrames(buf)) {
            if (!f.event.startsWith("activity.event."))
                continue;
            const long long seq = f.id.toLongLong();
            m_notAscending += seq <= m_last ? 1 : 0;
            m_last = std::max(m_last, seq);
            applyToView(m_view, f, seq);
            ++m_frames[f.event];
        }
    }
    std::map<std::string, long long> view() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_view;
    }
    long long last() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_last;
    }
    int notAscending() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_notAscending;
    }
    int frames(const QByteArray &name) const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_frames.count(name) ? m_frames.at(name) : 0;
    }

private:
    mutable std::mutex m_mutex;
    std::map<std::string, long long> m_view;
    std::map<QByteArray, int> m_frames;
    long long m_last = 0;
    int m_notAscending = 0;
};

/// A PostgreSQL wire-protocol proxy on a Unix socket that can cut the link right after it
/// has passed a COMMIT to the server and before the answer comes back: the client cannot
/// know whether its transaction committed ("in doubt"), which is what a crash, a failover
/// or a network cut at the wrong moment does.
class CommitCutProxy
{
public:
    explicit CommitCutProxy(QString upstreamSocket) : m_upstream(std::move(upstreamSocket))
    {
        m_dir.setAutoRemove(true);
        const QByteArray path = (m_dir.path() + QStringLiteral("/.s.PGSQL.5432")).toLocal8Bit();
        m_listen = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, path.constData(), sizeof a.sun_path - 1);
        ::bind(m_listen, reinterpret_cast<sockaddr *>(&a), sizeof a);
        ::listen(m_listen, 64);
        m_thread = std::thread([this] { loop(); });
    }
    ~CommitCutProxy()
    {
        m_stop = true;
        m_thread.join();
        ::close(m_listen);
        for (auto &l : m_links) {
            ::close(l.client);
            ::close(l.server);
        }
    }
    /// The connection string @p cs pointed at this proxy.
    std::string route(const std::string &cs) const { return cs + " host=" + m_dir.path().toStdString(); }
    /// Cut the link after each of the next @p n COMMITs.
    void armCommitCuts(int n) { m_cuts = n; }
    [[nodiscard]] int cutsDone() const { return m_done; }

private:
    struct Link {
        int client, server;
        QByteArray fromClient; ///< unparsed client bytes
        bool started = false;  ///< startup packet seen
        qint64 cutAtMs = -1;   ///< close both ends at this time
    };
    void loop()
    {
        const auto t0 = Clock::now();
        while (!m_stop) {
            std::vector<pollfd> fds{{m_listen, POLLIN, 0}};
            for (auto &l : m_links) {
                fds.push_back({l.client, short(l.cutAtMs < 0 ? POLLIN : 0), 0});
                fds.push_back({l.server, short(l.cutAtMs < 0 ? POLLIN : 0), 0});
            }
            ::poll(fds.data(), fds.size(), 20);
            if (fds[0].revents & POLLIN) {
                const int c = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
                const int sfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                sockaddr_un a{};
                a.sun_family = AF_UNIX;
                std::strncpy(a.sun_path, m_upstream.toLocal8Bit().constData(), sizeof a.sun_path - 1);
                if (c >= 0 && ::connect(sfd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) {
                    m_links.push_back({c, sfd, {}, false, -1});
                } else {
                    ::close(c);
                    ::close(sfd);
                }
            }
            std::vector<size_t> dead;
            // Only the links that were in this poll have revents: one accepted just now
            // has none yet (reading past the end of fds here once gave it garbage flags,
            // and a blocking read on a silent socket stalled every link: the F8 timeout).
            const size_t polled = (fds.size() - 1) / 2;
            for (size_t i = 0; i < polled; ++i) {
                Link &l = m_links[i];
                if (l.cutAtMs >= 0) {
                    if (msSince(t0) >= l.cutAtMs)
                        dead.push_back(i);
                    continue;
                }
                const short rc = fds[1 + 2 * i].revents, rs = fds[2 + 2 * i].revents;
                char buf[65536];
                if (rs & (POLLIN | POLLHUP | POLLERR)) {
                    const ssize_t n = ::read(l.server, buf, sizeof buf);
                    if (n <= 0 || ::write(l.client, buf, size_t(n)) != n) {
                        dead.push_back(i);
                        continue;
                    }
                }
                if (rc & (POLLIN | POLLHUP | POLLERR)) {
                    const ssize_t n = ::read(l.client, buf, sizeof buf);
                    if (n <= 0) {
                        dead.push_back(i);
                        continue;
                    }
                    l.fromClient.append(buf, n);
                    // Forward whole messages; a COMMIT may arm the cut.
                    for (;;) {
                        const int header = l.started ? 5 : 4;
                        if (l.fromClient.size() < header)
                            break;
                        const uchar *p = reinterpret_cast<const uchar *>(l.fromClient.constData()) + (header - 4);
                        const qsizetype len = (qsizetype(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
                        const qsizetype total = len + (header - 4);
                        if (l.fromClient.size() < total)
                            break;
                        const QByteArray msg = l.fromClient.left(total);
                        l.fromClient.remove(0, total);
                        l.started = true;
                        (void)!::write(l.server, msg.constData(), size_t(msg.size()));
                        if (msg.startsWith('Q') && msg.mid(5).trimmed().toUpper().startsWith("COMMIT") && m_cuts > 0) {
                            --m_cuts;
                            ++m_done;
                            l.cutAtMs = msSince(t0) + 300; // the server commits; the answer never arrives
                            break;
                        }
                    }
                }
            }
            for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
                ::close(m_links[*it].client);
                ::close(m_links[*it].server);
                m_links.erase(m_links.begin() + long(*it));
            }
        }
    }

    QString m_upstream;
    QTemporaryDir m_dir{QStringLiteral("/tmp/afproxy-XXXXXX")};
    int m_listen = -1;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_cuts{0}, m_done{0};
    std::vector<Link> m_links;
};

QString joinStatuses(const std::map<int, int> &m)
{
    QStringList parts;
    for (const auto &[status, n] : m)
        parts << QStringLiteral("%1×%2").arg(n).arg(status == 0 ? QStringLiteral("no answer") : QString::number(status));
    return parts.join(QStringLiteral(", "));
}

} // namespace

// ---------------------------------------------------------------------------------------
TEST(DbFaults, F1_DrainerConnectionTerminatedMidBatch)
{
    const std::string db = freshDb("f1");
    const std::string me = withAppName(db, "af_test");
    constexpr int kRows = 20000;
    const aftest::PersonWritten written = fillQueueWithHistory(me, kRows, 3);
    const long long published = q1ll(me, "SELECT count(*) FROM activity_events");

    // Three CLI drains, each with its backend terminated inside a batch transaction.
    const std::string drainCs = withAppName(db, "af_fault_drain");
    int landed = 0;
    QStringList exits;
    for (int round = 0; round < 3; ++round) {
        QProcess p;
        p.start(QStringLiteral(AF_BINARY_PATH),
                {QStringLiteral("drain"), QStringLiteral("--database-url"), QString::fromStdString(drainCs)});
        ASSERT_TRUE(p.waitForStarted(10000));
        int killed = 0;
        pqxx::connection killer(me);
        // Inside a batch: a transaction is open and its last statement was one of the batch's.
        waitFor([&] {
            killed = terminate(killer, "application_name = 'af_fault_drain' AND " + std::string(kInBatch));
            return killed > 0 || p.state() != QProcess::Running;
        }, 30000, 2);
        ASSERT_TRUE(p.waitForFinished(30000));
        landed += killed > 0 ? 1 : 0;
        const QByteArray err = p.readAllStandardError();
        exits << QStringLiteral("rc %1").arg(p.exitCode());
        if (killed > 0) {
            // A sentence on stderr and a non-zero exit, not a crash.
            EXPECT_EQ(p.exitStatus(), QProcess::NormalExit);
            EXPECT_NE(p.exitCode(), 0);
            EXPECT_TRUE(err.startsWith("activityfeed: ")) << err.constData();
        }
        const ChainCheck k = checkChain(me);
        EXPECT_EQ(k.sources, k.distinctSources) << k.describe();
        EXPECT_EQ(k.orphanEvents, 0) << k.describe();
        EXPECT_EQ(k.processedWithoutSource + k.sourceOfUnprocessed, 0) << k.describe();
    }
    EXPECT_GE(landed, 2) << "the terminations should land inside a batch";
    // Each killed drain wrote why it failed to its own run row (on a new link), so none of
    // them was left for the next drain to mark abandoned.
    EXPECT_EQ(q1ll(me, "SELECT count(*) FROM drain_runs WHERE trigger = 'cli' AND error IS NOT NULL "
                       "   AND error NOT LIKE 'abandoned%'"), landed);
    EXPECT_EQ(q1ll(me, "SELECT count(*) FROM drain_runs WHERE trigger = 'cli' AND finished_at IS NULL"), 0);
    const long long processedByCli = q1ll(me, "SELECT count(*) FROM activity_queue WHERE processed");

    // A running serve: its pool connection is terminated in the middle of POST /drain.
    Serve serve(db);
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    const Tenant t = addTenant(db, QStringLiteral("f1-watcher"));
    SseReader sse(serve.port(), t.token);
    sse.start();
    ASSERT_TRUE(waitFor([&] { return sse.connected(); }, 10000));
    const long long seqBefore = q1ll(me, "SELECT coalesce(max(seq), 0) FROM activity_events");
    std::atomic<int> firstStatus{-1};
    std::thread drainer([&] {
        firstStatus = http(serve.port(), "POST", "/api/activity/drain", kSecretHeader, {}, 60000).status;
    });
    int killedServe = 0;
    pqxx::connection killer(me);
    waitFor([&] {
        killedServe = terminate(killer, "application_name = 'activityfeed' AND " + std::string(kInBatch));
        return killedServe > 0 || firstStatus.load() >= 0;
    }, 30000, 2);
    drainer.join();
    if (killedServe > 0) {
        EXPECT_EQ(firstStatus.load(), 503) << "a drain whose connection died answers 503";
    }
    // Back by itself: the next drains finish the queue.
    int drains = 0;
    for (; drains < 20; ++drains) {
        const HttpResult r = http(serve.port(), "POST", "/api/activity/drain", kSecretHeader, {}, 60000);
        ASSERT_TRUE(r.status == 200 || r.status == 503) << r.status << r.body.constData();
        if (r.status == 200 && r.json().value(QStringLiteral("processed")).toInt() == 0)
            break;
    }
    const ChainCheck k = checkChain(me);
    EXPECT_TRUE(k.ok()) << k.describe();
    EXPECT_EQ(k.queued, kRows);
    // What one drain over the whole queue makes, though drains were killed while they
    // folded published singles; and nothing anyone wrote on those singles is lost.
    EXPECT_TRUE(aftest::sameEvents(aftest::eventSnapshot(me), aftest::oneDrainSnapshot(me)));
    const long long folded = q1ll(me, "SELECT count(*) FROM activity_event_tombstones");
    EXPECT_GT(folded, 100) << "the drains fold published singles";
    aftest::expectNothingLost(me, written);
    aftest::expectConsistent(me, "after the killed drains");
    // Every change serve's drains made reached its SSE client once, in order, or was
    // covered by a resync (a batch of more than 1 000 changes), after which it reloads:
    // the client's cards are the feed's.
    EXPECT_TRUE(sse.waitForSeq(k.maxSeq, 30000));
    sse.stop();
    const ViewCheck d = checkView(sse, me, seqBefore);
    EXPECT_TRUE(d.ok()) << d.text();
    EXPECT_EQ(http(serve.port(), "GET", "/healthz").status, 200);
    EXPECT_TRUE(serve.running());

    record({QStringLiteral("F1"), QStringLiteral("Fault"),
            QStringLiteral("Drainer's connection terminated mid-batch (pg_terminate_backend)"),
            QStringLiteral("%1 queue rows; 3 CLI drains killed inside a batch (%2 landed), then POST /drain of a "
                           "running serve killed (%3)")
                .arg(kRows).arg(landed).arg(killedServe > 0 ? QStringLiteral("landed, answered %1").arg(firstStatus.load())
                                                              : QStringLiteral("missed")),
            QStringLiteral("%1 rows processed before serve's drain; %2 events as one drain makes them (%3 "
                           "published before, %4 singles folded, their reactions and comments kept); %5 more "
                           "drains to finish; SSE client's cards = the feed's %6 changed events (%7 resyncs)")
                .arg(processedByCli).arg(k.events).arg(published).arg(folded).arg(drains + 1)
                .arg(d.events).arg(sse.resyncs()),
            k.lost() + d.lost(), k.duplicated() + d.notAscending},
           k.queued);
}

// ---------------------------------------------------------------------------------------
TEST(DbFaults, F2_ListenConnectionTerminatedDeliversWhatWasCommittedMeanwhile)
{
    const std::string db = freshDb("f2");
    const std::string me = withAppName(db, "af_test");
    fillQueue(me, 1, 2);
    af::Broadcaster broadcaster;
    auto client = std::make_shared<CollectingClient>();
    broadcaster.registerFeedClient(1, client);
    af::NotifyListener listener(withAppName(db, "af_fault_listen"), broadcaster);
    listener.start();
    ASSERT_TRUE(waitFor([&] { return listener.connected(); }, 10000));
    pqxx::connection drainConn(me);
    af::Drainer::drainQueue(drainConn); // one event before the faults
    ASSERT_TRUE(waitFor([&] { return client->view().size() == 1; }, 10000));

    int offset = 1, outages = 0, drainsDuringOutage = 0;
    std::vector<qint64> reconnectMs;
    for (int round = 0; round < 3; ++round) {
        // Keep the listener down for ~1 s (terminate every reconnect) while drains commit.
        const auto t0 = Clock::now();
        int kills = 0;
        while (msSince(t0) < 1000) {
            kills += terminate(me, "application_name = 'af_fault_listen'");
            if (msSince(t0) > 200 && msSince(t0) < 800) {
                fillQueue(me, 40, 2, offset);
                offset += 40;
                af::Drainer::drainQueue(drainConn);
                ++drainsDuringOutage;
            }
            sleepMs(15); // load pacing
        }
        outages += kills > 0 ? 1 : 0;
        const auto tUp = Clock::now();
        const long long maxSeq = checkChain(me).maxSeq;
        EXPECT_TRUE(waitFor([&] { return listener.connected() && listener.lastSeq() >= maxSeq; }, 15000));
        reconnectMs.push_back(msSince(tUp));
        // And live delivery works again after the reconnect.
        fillQueue(me, 5, 2, offset);
        offset += 5;
        af::Drainer::drainQueue(drainConn);
    }
    const long long maxSeq = checkChain(me).maxSeq;
    EXPECT_TRUE(waitFor([&] { return client->last() >= maxSeq; }, 15000));
    listener.stop();
    // Rows 126 s apart per key arrive 40 at a time: drains grow tiles and fold singles
    // while the listener is down, and the client still ends with the feed's cards.
    const std::map<std::string, long long> expected = feedSeqs(me);
    const std::map<std::string, long long> got = client->view();
    long long missing = 0, stale = 0, extra = 0;
    for (const auto &[id, seq] : expected) {
        const auto it = got.find(id);
        missing += it == got.end() ? 1 : 0;
        stale += it != got.end() && it->second != seq ? 1 : 0;
    }
    for (const auto &[id, seq] : got)
        extra += expected.count(id) ? 0 : 1;
    EXPECT_EQ(missing + stale + extra, 0) << "missing " << missing << ", stale " << stale << ", still shown " << extra;
    EXPECT_EQ(client->notAscending(), 0);
    EXPECT_GT(client->frames("activity.event.updated"), 0);
    EXPECT_GT(client->frames("activity.event.removed"), 0);
    EXPECT_EQ(outages, 3);
    const ChainCheck k = checkChain(me);
    EXPECT_TRUE(k.ok()) << k.describe();
    EXPECT_TRUE(aftest::sameEvents(aftest::eventSnapshot(me), aftest::oneDrainSnapshot(me)));

    record({QStringLiteral("F2"), QStringLiteral("Fault"),
            QStringLiteral("LISTEN connection terminated; drains commit while it is down"),
            QStringLiteral("3 outages of ~1 s (every reconnect terminated), %1 drains committed during them, %2 events")
                .arg(drainsDuringOutage).arg(expected.size()),
            QStringLiteral("caught up after %1 ms (max of 3); %2 created, %3 updated, %4 removed, each once in "
                           "seq order; the client's cards are the feed's")
                .arg(*std::max_element(reconnectMs.begin(), reconnectMs.end()))
                .arg(client->frames("activity.event.created")).arg(client->frames("activity.event.updated"))
                .arg(client->frames("activity.event.removed")),
            missing + stale + k.lost(), client->notAscending() + k.duplicated()},
           qint64(expected.size()));
}

// ---------------------------------------------------------------------------------------
TEST(DbFaults, F3_EveryConnectionOfServeTerminatedUnderLoad)
{
    const std::string db = freshDb("f3");
    const std::string me = withAppName(db, "af_test");
    fillQueue(me, 30, 3);
    Serve serve(db);
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    const Tenant t = addTenant(db, QStringLiteral("f3-watcher"));
    std::vector<std::unique_ptr<SseReader>> clients;
    for (int i = 0; i < 4; ++i) {
        clients.push_back(std::make_unique<SseReader>(serve.port(), t.token,
                                                      i % 2 ? SseReader::Auth::Query : SseReader::Auth::Header));
        clients.back()->start();
    }
    for (auto &c : clients)
        ASSERT_TRUE(waitFor([&] { return c->connected(); }, 10000));

    // Load: the test queues rows on its own connection, serve drains them (POST /drain).
    std::atomic<bool> stop{false};
    std::atomic<int> offset{30};
    std::mutex sm;
    std::map<int, int> drainStatuses;
    std::thread load([&] {
        pqxx::connection c(me);
        while (!stop) {
            pqxx::work tx(c);
            const int o = offset.fetch_add(10);
            tx.exec("INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at) "
                    "SELECT (SELECT min(id) FROM tenants) + i % 3, 'badge_earned', jsonb_build_object('n', i), "
                    "clock_timestamp() FROM generate_series(" + std::to_string(o) + ", " + std::to_string(o + 9) + ") i");
            tx.commit();
            const HttpResult r = http(serve.port(), "POST", "/api/activity/drain", kSecretHeader, {}, 30000);
            {
                std::lock_guard<std::mutex> l(sm);
                ++drainStatuses[r.status];
            }
            sleepMs(30); // load pacing
        }
    });
    sleepMs(800); // fault schedule: load runs before the first kill
    int killed = 0;
    for (int round = 0; round < 3; ++round) {
        killed += terminate(me, "application_name = 'activityfeed'");
        sleepMs(700); // fault schedule: between kills
    }
    sleepMs(800); // fault schedule: load after the last kill
    stop = true;
    load.join();
    // Back by itself: drains succeed again, /healthz is 200, the queue empties.
    int drains = 0;
    for (; drains < 20; ++drains) {
        const HttpResult r = http(serve.port(), "POST", "/api/activity/drain", kSecretHeader, {}, 30000);
        if (r.status == 200 && r.json().value(QStringLiteral("processed")).toInt() == 0)
            break;
        sleepMs(100); // polling interval
    }
    EXPECT_EQ(http(serve.port(), "GET", "/healthz").status, 200);
    const ChainCheck k = checkChain(me);
    EXPECT_TRUE(k.ok()) << k.describe();
    // Rows of one type queued in real time: every drain grows the tiles of the current
    // window, and each client's cards end as the feed's.
    const std::map<std::string, long long> expected = feedSeqs(me);
    long long missing = 0, dup = 0, updates = 0;
    for (auto &c : clients) {
        EXPECT_TRUE(c->waitForSeq(k.maxSeq, 30000));
        c->stop();
        const ViewCheck d = checkView(*c, me);
        EXPECT_TRUE(d.ok()) << d.text();
        missing += d.lost() + d.extra;
        dup += d.notAscending;
        updates += c->feedFrameCounts()["activity.event.updated"];
    }
    EXPECT_GT(updates, 0) << "tiles grew while the connections were cut";
    EXPECT_TRUE(serve.running());
    std::map<int, int> statuses;
    {
        std::lock_guard<std::mutex> l(sm);
        statuses = drainStatuses;
    }
    for (const auto &[status, n] : statuses)
        EXPECT_TRUE(status == 200 || status == 503) << n << " drains answered " << status;

    record({QStringLiteral("F3"), QStringLiteral("Fault"),
            QStringLiteral("Every connection of a running serve terminated (pool, LISTEN, emitter)"),
            QStringLiteral("3 rounds (%1 backends terminated) while rows are queued and drained through serve; 4 SSE clients")
                .arg(killed),
            QStringLiteral("drains during the faults: %1; %2 events (%3 tile updates seen), each client's cards "
                           "= the feed's, every change once")
                .arg(joinStatuses(statuses)).arg(expected.size()).arg(updates),
            k.lost() + missing, k.duplicated() + dup},
           k.queued);
}

// ---------------------------------------------------------------------------------------
TEST(DbFaults, F4_PostgresRestartedUnderSteadyLoadWithSseClients)
{
    const std::string db = freshDb("f4");
    const std::string me = withAppName(db, "af_test");
    Serve serve(db);
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    const qint64 servePid = serve.pid();
    const Tenant t = addTenant(db, QStringLiteral("f4-tenant"));

    // Six SSE clients; #0 and #1 go away at the outage and come back during / after it.
    std::vector<std::unique_ptr<SseReader>> clients;
    for (int i = 0; i < 6; ++i) {
        clients.push_back(std::make_unique<SseReader>(serve.port(), t.token,
                                                      i % 2 ? SseReader::Auth::Query : SseReader::Auth::Header));
        clients.back()->start();
    }
    for (auto &c : clients)
        ASSERT_TRUE(waitFor([&] { return c->connected(); }, 10000));

    // Steady load: the event library (in this process) emits ~200 events/s throughout.
    af::EventEmitter emitter(withAppName(db, "af_test_emitter"));
    std::atomic<bool> stopEmit{false}, stopDrain{false}, stopHealth{false};
    std::atomic<int> emitted{0};
    std::atomic<qint64> maxEmitCallUs{0};
    std::thread emitLoop([&] {
        const QStringList types{QStringLiteral("badge_earned"), QStringLiteral("xp_rank_up"),
                                QStringLiteral("streak_milestone")};
        while (!stopEmit) {
            const int n = emitted.load();
            const auto t0 = Clock::now();
            emitter.emitEvent(t.id, types.at(n % 3), QJsonObject{{QStringLiteral("n"), n}});
            const qint64 us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
            if (us > maxEmitCallUs)
                maxEmitCallUs = us;
            ++emitted;
            sleepMs(5); // load pacing: ~200 emits/s
        }
    });
    // serve drains every 200 ms (POST /drain); 503 while the database is away.
    std::mutex m;
    std::map<int, int> drainStatuses;
    qint64 maxDrainMs = 0;
    std::thread drainLoop([&] {
        while (!stopDrain) {
            const HttpResult r = http(serve.port(), "POST", "/api/activity/drain", kSecretHeader, {}, 60000);
            {
                std::lock_guard<std::mutex> l(m);
                ++drainStatuses[r.status];
                maxDrainMs = std::max(maxDrainMs, r.ms);
            }
            sleepMs(200); // load pacing: a drain every 200 ms
        }
    });
    struct Probe {
        qint64 at;
        int status;
        qint64 ms;
    };
    std::vector<Probe> health;
    const auto tStart = Clock::now();
    std::thread healthLoop([&] {
        while (!stopHealth) {
            const qint64 at = msSince(tStart);
            const HttpResult r = http(serve.port(), "GET", "/healthz", {}, {}, 20000);
            {
                std::lock_guard<std::mutex> l(m);
                health.push_back({at, r.status, r.ms});
            }
            sleepMs(100); // probe pacing
        }
    });

    sleepMs(2500); // fault schedule: traffic before the outage
    clients[0]->goAway();
    clients[1]->goAway();
    const qint64 tDown = msSince(tStart);
    aftest::PgCluster::instance().stopServer();
    sleepMs(1000); // fault schedule: outage, part 1
    clients[0]->resume(); // reconnects during the outage: refused until the database is back
    sleepMs(2000); // fault schedule: outage, part 2 (a client reconnects meanwhile)
    const qint64 tStartPg = msSince(tStart);
    aftest::PgCluster::instance().startServer();
    const qint64 tUp = msSince(tStart);
    bool healthyAgain = waitFor([&] {
        std::lock_guard<std::mutex> l(m);
        return !health.empty() && health.back().at > tUp && health.back().status == 200;
    }, 30000);
    const qint64 tHealthy = msSince(tStart);
    EXPECT_TRUE(healthyAgain);
    sleepMs(1000); // fault schedule: traffic after recovery
    clients[1]->resume();
    sleepMs(1500); // fault schedule: traffic after the second client returns
    stopEmit = true;
    emitLoop.join();
    const auto tFlush = Clock::now();
    EXPECT_TRUE(emitter.flush(std::chrono::seconds(30)));
    const qint64 flushMs = msSince(tFlush);
    stopDrain = true;
    drainLoop.join();
    int finalDrains = 0;
    for (; finalDrains < 30; ++finalDrains) {
        const HttpResult r = http(serve.port(), "POST", "/api/activity/drain", kSecretHeader, {}, 60000);
        if (r.status == 200 && r.json().value(QStringLiteral("processed")).toInt() == 0)
            break;
        sleepMs(200); // polling interval
    }
    stopHealth = true;
    healthLoop.join();

    // Emitted → queue: every event exactly once.
    const int n = emitted.load();
    EXPECT_EQ(emitter.dropped(), 0u);
    EXPECT_EQ(q1ll(me, "SELECT count(*) FROM activity_queue"), n);
    EXPECT_EQ(q1ll(me, "SELECT count(DISTINCT payload_json->>'n') FROM activity_queue"), n);
    // Queue → events.
    const ChainCheck k = checkChain(me);
    EXPECT_TRUE(k.ok()) << k.describe();
    // Events → every SSE client, once, in order.
    const std::map<std::string, long long> expected = feedSeqs(me);
    long long missing = 0, dup = 0;
    for (size_t i = 0; i < clients.size(); ++i) {
        EXPECT_TRUE(clients[i]->waitForSeq(k.maxSeq, 30000)) << "client " << i;
        clients[i]->stop();
        const ViewCheck d = checkView(*clients[i], me);
        EXPECT_TRUE(d.ok()) << "client " << i << " " << d.text();
        EXPECT_EQ(clients[i]->resyncs(), 0);
        missing += d.lost() + d.extra;
        dup += d.notAscending;
    }
    EXPECT_GE(clients[0]->connects(), 2);
    EXPECT_GE(clients[1]->connects(), 2);
    EXPECT_GT(clients[0]->rejected(), 0) << "a reconnect during the outage is refused (503)";
    // /healthz: 200 before, 503 during (never a hang), 200 after; same serve process.
    int before200 = 0, during503 = 0, duringOther = 0, after503 = 0, hangs = 0;
    qint64 maxHealthMs = 0;
    for (const Probe &p : health) {
        maxHealthMs = std::max(maxHealthMs, p.ms);
        hangs += p.status == 0 ? 1 : 0;
        if (p.at + p.ms < tDown)
            before200 += p.status == 200 ? 1 : 0;
        else if (p.at > tDown + 300 && p.at + p.ms < tStartPg)
            (p.status == 503 ? during503 : duringOther) += 1;
        else if (p.at > tHealthy)
            after503 += p.status == 503 ? 1 : 0;
    }
    EXPECT_GT(before200, 0);
    EXPECT_GT(during503, 5);
    EXPECT_EQ(duringOther, 0);
    EXPECT_EQ(after503, 0);
    EXPECT_EQ(hangs, 0);
    EXPECT_EQ(serve.pid(), servePid);
    EXPECT_TRUE(serve.running());
    std::map<int, int> statuses;
    {
        std::lock_guard<std::mutex> l(m);
        statuses = drainStatuses;
    }
    for (const auto &[status, cnt] : statuses)
        EXPECT_TRUE(status == 200 || status == 503) << cnt << " drains answered " << status
                                                    << "; the server's log ends:\n"
                                                    << serve.output().right(3000).constData();

    record({QStringLiteral("F4"), QStringLiteral("Fault"),
            QStringLiteral("PostgreSQL stopped (immediate) and restarted; serve not restarted"),
            QStringLiteral("%1 events emitted at ~200/s through the event library, 3 s outage, drains every 200 ms "
                           "through serve, 6 SSE clients (2 drop and reconnect with Last-Event-ID)")
                .arg(n),
            QStringLiteral("/healthz 503 ×%1 during the outage, 200 again %2 ms after PostgreSQL was up (%3 ms "
                           "pg start); emit call ≤ %4 µs; flush %5 ms; drains %6; %7 events, every client's "
                           "cards = the feed's, every change once")
                .arg(during503).arg(tHealthy - tUp).arg(tUp - tStartPg).arg(maxEmitCallUs.load()).arg(flushMs)
                .arg(joinStatuses(statuses)).arg(expected.size()),
            (n - k.distinctSources) + missing, k.duplicated() + dup +
                (q1ll(me, "SELECT count(*) - count(DISTINCT payload_json->>'n') FROM activity_queue"))},
           n);
}

// ---------------------------------------------------------------------------------------
TEST(DbFaults, F8_CommitInDoubtDuplicatesNothing)
{
    const std::string db = freshDb("f8");
    const std::string me = withAppName(db, "af_test");
    fillQueue(me, 1, 2);
    CommitCutProxy proxy(aftest::PgCluster::instance().dataDir() + QStringLiteral("/run/.s.PGSQL.5432"));
    const std::string viaProxy = proxy.route(withAppName(db, "af_fault_indoubt"));

    // (a) The event library: the link dies after its COMMIT reached the server.
    int emitted = 0;
    {
        af::EventEmitter emitter(viaProxy);
        emitter.emitEvent(1, QStringLiteral("badge_earned"), QJsonObject{{QStringLiteral("e"), -1}});
        ASSERT_TRUE(emitter.flush(std::chrono::seconds(10))); // connected, one batch written
        ++emitted;
        proxy.armCommitCuts(3);
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 50; ++i, ++emitted)
                emitter.emitEvent(1, QStringLiteral("xp_rank_up"), QJsonObject{{QStringLiteral("e"), emitted}});
            EXPECT_TRUE(emitter.flush(std::chrono::seconds(20)));
        }
        EXPECT_EQ(emitter.dropped(), 0u);
    }
    const int emitterCuts = proxy.cutsDone();
    const long long rows = q1ll(me, "SELECT count(*) FROM activity_queue WHERE payload_json ? 'e'");
    const long long distinct = q1ll(me, "SELECT count(DISTINCT payload_json->>'e') FROM activity_queue WHERE payload_json ? 'e'");
    EXPECT_EQ(emitterCuts, 3);
    EXPECT_EQ(distinct, emitted) << "lost";
    EXPECT_EQ(rows, distinct) << "an emit batch whose COMMIT was in doubt was written twice";

    // (b) The drainer: a drain whose COMMIT is in doubt while it folds published singles,
    // then drains again. Rows from 1000 on; their early ones are published first.
    fillQueue(me, 540, 2, 1000, "(i / 18) % 3 <> 2");
    {
        pqxx::connection c(me);
        af::Drainer::drainQueue(c, {}, QStringLiteral("history"));
    }
    const aftest::PersonWritten written = aftest::reactAndComment(me, 2);
    fillQueue(me, 540, 2, 1000, "(i / 18) % 3 = 2");
    proxy.armCommitCuts(1);
    bool threw = false;
    {
        pqxx::connection c(viaProxy);
        try {
            af::Drainer::drainQueue(c, {}, QStringLiteral("indoubt"));
        } catch (const std::exception &) {
            threw = true;
        }
    }
    pqxx::connection c(viaProxy);
    af::Drainer::drainQueue(c, {}, QStringLiteral("after"));
    EXPECT_TRUE(threw);
    const ChainCheck k = checkChain(me);
    EXPECT_TRUE(k.ok()) << k.describe();
    EXPECT_TRUE(aftest::sameEvents(aftest::eventSnapshot(me), aftest::oneDrainSnapshot(me)));
    const long long folded = q1ll(me, "SELECT count(*) FROM activity_event_tombstones");
    EXPECT_GT(folded, 10) << "the drain in doubt folds singles";
    aftest::expectNothingLost(me, written);
    aftest::expectConsistent(me, "after a drain in doubt");

    record({QStringLiteral("F8"), QStringLiteral("Fault"),
            QStringLiteral("COMMIT in doubt: the link dies after COMMIT reached the server, before its answer"),
            QStringLiteral("wire proxy cuts 3 emitter commits (%1 events) and 1 drain commit (540 rows, a third "
                           "arriving into windows of published singles)").arg(emitted),
            QStringLiteral("emitter: %1 rows for %2 events; drain: %3; %4 singles folded, as one drain makes it, "
                           "reactions and comments kept").arg(rows).arg(distinct)
                .arg(QString::fromStdString(k.describe())).arg(folded),
            (emitted - distinct) + k.lost(), (rows - distinct) + k.duplicated()},
           emitted + k.queued);
}
