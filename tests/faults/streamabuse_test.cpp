// Streams and bounded work against a real `activityfeed serve` (rows of the Reliability
// table):
// A10 one tenant holds streams up to its cap and floods with 1 000 pipelining
//     connections; another tenant's latency is measured against its quiet latency in the
//     same run (the ratio is the number that matters on a shared machine);
// A13 1 000 connections from one address, each with its own made-up token, are one
//     caller (its address) until a token verifies; the same bound holds;
// A11 revoking a token (from the CLI, another process) ends its open streams within 1 s,
//     and forged LISTEN pushes are dropped while a real one is delivered;
// A12 writes (comments, reactions, emits) flood while the database takes none: every one
//     is answered, refusals carry Retry-After, nothing is half written, and another
//     tenant's reads still find a worker.
#include "faultkit.h"

#include "core/catalogue.h"

#include <QUuid>

#include <map>
#include <mutex>
#include <poll.h>

using namespace fk;

namespace {

/// 1 000 connections, each keeping 32 pipelined feed requests in flight until stopped;
/// counts the answers. Connection i sends the token tokenOf(i): one tenant's token on all
/// of them, or a different made-up one on each.
class PipelineFlood
{
public:
    PipelineFlood(quint16 port, const std::function<QByteArray(int)> &tokenOf, int connections)
        : m_port(port), m_connections(connections)
    {
        for (int i = 0; i < connections; ++i)
            m_bursts.push_back(buildRequest("GET", "/api/activity/events?limit=5", bearer(tokenOf(i))).repeated(32));
        m_thread = std::thread([this] { run(); });
    }
    ~PipelineFlood() { stop(); }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    [[nodiscard]] long long answers() const { return m_answers; }
    [[nodiscard]] long long busy() const { return m_busy; }
    [[nodiscard]] long long unauthorized() const { return m_unauthorized; }
    [[nodiscard]] int open() const { return m_open; }

private:
    struct Sock {
        int fd = -1;
        int outstanding = 0;
        qsizetype sent = 0;
        QByteArray in;
    };
    void run()
    {
        std::vector<Sock> socks;
        for (int i = 0; i < m_connections && !m_stop; ++i) {
            Conn c(m_port, 5000);
            if (!c.isOpen())
                continue;
            Sock s;
            s.fd = ::dup(c.fd());
            ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) | O_NONBLOCK);
            socks.push_back(s);
        }
        m_open = int(socks.size());
        std::vector<pollfd> pfds(socks.size());
        char buf[65536];
        while (!m_stop) {
            for (size_t i = 0; i < socks.size(); ++i) {
                // Writable is asked for only while a burst has bytes left to send: asking
                // while it waits for answers made poll() return at once, and the flood
                // spun a core of its own, which the server's machine shares.
                const bool wantOut = socks[i].sent < m_bursts[i].size();
                pfds[i] = {socks[i].fd, short(POLLIN | (wantOut ? POLLOUT : 0)), 0};
            }
            ::poll(pfds.data(), pfds.size(), 50);
            for (size_t i = 0; i < socks.size(); ++i) {
                Sock &s = socks[i];
                const QByteArray &burst = m_bursts[i];
                if (pfds[i].revents & POLLOUT) {
                    if (s.outstanding == 0 && s.sent == 0)
                        s.outstanding = 32;
                    if (s.outstanding > 0 && s.sent < burst.size()) {
                        const ssize_t n = ::send(s.fd, burst.constData() + s.sent, size_t(burst.size() - s.sent),
                                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                        if (n > 0)
                            s.sent += n;
                    }
                }
                if (pfds[i].revents & POLLIN) {
                    ssize_t n;
                    while ((n = ::recv(s.fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
                        s.in.append(buf, n);
                    qsizetype at;
                    while ((at = s.in.indexOf("HTTP/1.1 ")) >= 0 && s.in.size() >= at + 12) {
                        ++m_answers;
                        m_busy += s.in.mid(at + 9, 3) == "503" ? 1 : 0;
                        m_unauthorized += s.in.mid(at + 9, 3) == "401" ? 1 : 0;
                        s.in.remove(0, at + 12);
                        if (--s.outstanding <= 0 && s.sent >= burst.size()) {
                            s.outstanding = 0;
                            s.sent = 0;
                        }
                    }
                    if (s.in.size() > (1 << 20))
                        s.in.clear();
                }
            }
        }
        for (Sock &s : socks)
            ::close(s.fd);
    }

    quint16 m_port;
    std::vector<QByteArray> m_bursts;
    int m_connections;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<long long> m_answers{0}, m_busy{0}, m_unauthorized{0};
    std::atomic<int> m_open{0};
};

/// What another tenant's p99 may reach while one tenant floods (the issue's bound).
constexpr double kFairnessBoundMs = 50.0;

/// What another tenant's p99 may reach under a flood: 50 ms, or ten times its quiet p99
/// of the same run when the machine is so busy (other builds, other tests) that the
/// quiet p99 alone passes 5 ms.
double fairnessBoundMs(const Latency &quiet)
{
    return 10.0 * std::max(5.0, percentile(quiet.ms, 99));
}

/// The status of a stream request (the head only), or 0.
int streamStatus(quint16 port, const QByteArray &token, std::unique_ptr<Conn> *keep = nullptr)
{
    auto c = std::make_unique<Conn>(port);
    c->send(buildRequest("GET", "/api/activity/stream", bearer(token)));
    const auto t0 = Clock::now();
    while (c->buffer().indexOf("\r\n\r\n") < 0 && msSince(t0) < 10000) {
        if (!c->readSome(100))
            break;
    }
    const int status = c->buffer().startsWith("HTTP/1.1 ") ? c->buffer().mid(9, 3).toInt() : 0;
    if (keep)
        *keep = std::move(c);
    return status;
}

/// What a pipelined flood of writes got back, by kind of request.
struct FloodAnswers {
    std::map<int, int> statuses;
    QHash<QByteArray, int> ok; ///< 2xx answers per kind
    int refusedWithoutRetryAfter = 0, refusedWithoutError = 0, unanswered = 0;
    double maxMs = 0;
    [[nodiscard]] QString text() const
    {
        QStringList parts;
        for (const auto &[status, n] : statuses)
            parts << QStringLiteral("%1×%2").arg(n).arg(status);
        return parts.join(QLatin1Char(' '));
    }
};

/// Sends @p requests (kind, bytes) spread over @p connections, all pipelined at once, and
/// reads every answer; @p meanwhile runs on the calling thread while they are in flight.
FloodAnswers writeFlood(quint16 port, const std::vector<std::pair<QByteArray, QByteArray>> &requests,
                        int connections, const std::function<void()> &meanwhile)
{
    FloodAnswers out;
    std::mutex m;
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c) {
        threads.emplace_back([&, c] {
            std::vector<QByteArray> kinds;
            QByteArray burst;
            for (size_t i = size_t(c); i < requests.size(); i += size_t(connections)) {
                kinds.push_back(requests[i].first);
                burst += requests[i].second;
            }
            Conn conn(port);
            const auto t0 = Clock::now();
            conn.send(burst, 10000);
            for (const QByteArray &kind : kinds) {
                const HttpResult r = conn.response(90000);
                const double ms = double(msSince(t0));
                std::lock_guard<std::mutex> l(m);
                ++out.statuses[r.status];
                out.maxMs = std::max(out.maxMs, ms);
                if (r.status == 0)
                    ++out.unanswered;
                else if (r.status < 300)
                    ++out.ok[kind];
                else {
                    out.refusedWithoutRetryAfter += r.headers.value("retry-after").toInt() >= 1 ? 0 : 1;
                    out.refusedWithoutError += r.error().isEmpty() ? 1 : 0;
                }
            }
        });
    }
    meanwhile();
    for (auto &t : threads)
        t.join();
    return out;
}

/// Holds EXCLUSIVE locks on @p tables (reads go on, writes wait) until commit().
struct WriteStop {
    WriteStop(const std::string &cs, const std::string &tables) : conn(cs), tx(conn)
    {
        tx.exec0("LOCK TABLE " + tables + " IN EXCLUSIVE MODE");
    }
    void release() { tx.commit(); }
    pqxx::connection conn;
    pqxx::work tx;
};

/// serve's backends waiting on a lock right now.
long long waitingOnLocks(const std::string &cs)
{
    return q1ll(cs, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database() AND application_name NOT LIKE 'af_test%'");
}

/// @p n published events of tenant @p tenantId, written straight into the feed: the
/// page the quiet tenant reads while another floods.
void seedFeed(const std::string &db, int tenantId, int n)
{
    (void)q1(withAppName(db, "af_test"),
             "WITH ins AS (INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon) "
             "SELECT " + std::to_string(tenantId) + ", 'badge_earned', 'Badge earned', 'd' || g, 'B' "
             "FROM generate_series(1, " + std::to_string(n) + ") g RETURNING 1) SELECT count(*) FROM ins");
}

} // namespace

TEST(StreamAbuse, A10_OneTenantAtItsStreamCapFloodingDoesNotStarveAnother)
{
    raiseFdLimit();
    const std::string db = freshDb("streamabuse");
    Serve serve(db);
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    const Tenant flooder = addTenant(db, QStringLiteral("flooder"));
    const Tenant quiet = addTenant(db, QStringLiteral("quiet"));
    seedFeed(db, quiet.id, 50);
    const Latency before = probe(serve.port(), 200, quiet.token);

    std::vector<std::unique_ptr<Conn>> streams(50);
    int accepted = 0;
    for (auto &s : streams)
        accepted += streamStatus(serve.port(), flooder.token, &s) == 200 ? 1 : 0;
    const int over = streamStatus(serve.port(), flooder.token);
    PipelineFlood flood(serve.port(), [&](int) { return flooder.token; }, 1000);
    ASSERT_TRUE(waitFor([&] { return flood.answers() > 2000; }, 60000)) << flood.answers();
    const Latency loaded = probe(serve.port(), 200, quiet.token);
    std::unique_ptr<Conn> quietStream;
    const int quietStreamStatus = streamStatus(serve.port(), quiet.token, &quietStream);
    const long long answers = flood.answers();
    flood.stop();

    EXPECT_EQ(accepted, 50);
    EXPECT_EQ(over, 429);
    EXPECT_EQ(quietStreamStatus, 200) << "the other tenant can still open a stream";
    EXPECT_EQ(loaded.ok, loaded.n) << loaded.text().toStdString();
    // The flooder waits behind its own queue (its connections are parked, not answered),
    // so nothing it sends is turned into a 503 at the rate it sends. The other tenant's
    // p99 is reported as a ratio to its quiet p99 of this run, and held to the issue's
    // 50 ms: while B has work, A gets one worker (not half the pool), paced to a tenth of
    // that worker's time, so B's requests find the two cores nearly free of A's
    // statements, handlers and answers. Half the pool for A: 90-430 ms; one worker,
    // unpaced: 25-68 ms beside other work; paced: 3-32 ms, beside a build too. The
    // ratio is not asserted: the quiet p99 of 200 requests on a shared machine ranges
    // from 0.4 to 38 ms, so a bound on it would be looser or flakier than 50 ms.
    EXPECT_EQ(flood.busy(), 0) << answers << " answers";
    EXPECT_LE(percentile(loaded.ms, 99), kFairnessBoundMs)
        << "loaded: " << loaded.text().toStdString() << "; quiet: " << before.text().toStdString();
    EXPECT_TRUE(serve.running());
    const double ratio = percentile(loaded.ms, 99) / std::max(0.1, percentile(before.ms, 99));
    record({QStringLiteral("A10"), QStringLiteral("Abuse"),
            QStringLiteral("One tenant at its stream cap floods with 1 000 pipelining connections"),
            QStringLiteral("tenant A: 50 streams (51st: %1), %2 connections × 32 pipelined feed requests (%3 answers, "
                           "%4 × 503 busy); tenant B sends 200 requests meanwhile")
                .arg(over).arg(flood.open()).arg(answers).arg(flood.busy()),
            QStringLiteral("B loaded: %1; B quiet (same run): %2; p99 ratio %3×; B's stream %4; the 50 ms "
                           "bound %5")
                .arg(loaded.text(), before.text()).arg(ratio, 0, 'f', 1).arg(quietStreamStatus)
                .arg(percentile(loaded.ms, 99) <= kFairnessBoundMs ? QStringLiteral("held")
                                                                   : QStringLiteral("missed")),
            -1, -1, answers});
}

TEST(StreamAbuse, A13_AThousandMadeUpTokensFromOneAddressAreOneCaller)
{
    raiseFdLimit();
    const std::string db = freshDb("randomtokens");
    Serve serve(db);
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    const Tenant quiet = addTenant(db, QStringLiteral("quiet"));
    seedFeed(db, quiet.id, 50);
    const Latency before = probe(serve.port(), 200, quiet.token);

    // Each connection its own token of the right shape that no tenant holds. They come
    // from 127.0.0.1, as the quiet tenant does: only its verified token sets it apart.
    PipelineFlood flood(serve.port(), [](int i) {
        return QByteArray::number(i) + "-" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces)
               + QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
    }, 1000);
    ASSERT_TRUE(waitFor([&] { return flood.answers() > 2000; }, 60000)) << flood.answers();
    const Latency loaded = probe(serve.port(), 200, quiet.token);
    const long long answers = flood.answers();
    const long long unauthorized = flood.unauthorized();
    const long long busy = flood.busy();
    flood.stop();

    EXPECT_EQ(loaded.ok, loaded.n) << loaded.text().toStdString();
    // Before the fix every made-up token was a caller of its own: 1 000 queues of 32
    // filled the server's 4 096 places, and everyone, the quiet tenant too, got 503.
    EXPECT_EQ(busy, 0) << answers << " answers";
    EXPECT_EQ(unauthorized, answers) << "every made-up token gets 401";
    EXPECT_LE(percentile(loaded.ms, 99), fairnessBoundMs(before))
        << "loaded: " << loaded.text().toStdString() << "; quiet: " << before.text().toStdString();
    EXPECT_TRUE(serve.running());
    const double ratio = percentile(loaded.ms, 99) / std::max(0.1, percentile(before.ms, 99));
    record({QStringLiteral("A13"), QStringLiteral("Abuse"),
            QStringLiteral("1 000 connections from one address, each with a different made-up token"),
            QStringLiteral("%1 connections from 127.0.0.1 × 32 pipelined feed requests, a random token each "
                           "(%2 answers: %3 × 401, %4 × 503 busy); tenant B, verified, from the same address "
                           "sends 200 requests meanwhile")
                .arg(flood.open()).arg(answers).arg(unauthorized).arg(busy),
            QStringLiteral("B loaded: %1; B quiet (same run): %2; p99 ratio %3×")
                .arg(loaded.text(), before.text()).arg(ratio, 0, 'f', 1),
            -1, -1, answers});
}

TEST(StreamAbuse, A11_RevocationEndsStreamsAndForgedPushesAreDropped)
{
    const std::string db = freshDb("streamrevoke");
    Serve serve(db);
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    const Tenant t = addTenant(db, QStringLiteral("revoked"));
    const Tenant other = addTenant(db, QStringLiteral("watcher"));
    std::vector<std::unique_ptr<Conn>> streams(3);
    for (auto &s : streams)
        ASSERT_EQ(streamStatus(serve.port(), t.token, &s), 200);
    SseReader watcher(serve.port(), other.token);
    watcher.start();
    ASSERT_TRUE(waitFor([&] { return watcher.connected(); }, 10000));

    // Forged pushes straight into the channel, then a real one as the marker.
    const std::string me = withAppName(db, "af_test");
    const std::string who = std::to_string(other.id);
    for (const std::string &payload :
         {R"({"k":"push","event":"activity.comment.created\nid: 999999","tenants":[)" + who + R"(],"data":{}})",
          R"({"k":"push","event":"activity.reaction.updated","tenants":[)" + who + R"(],"data":"x\ndata: y"})",
          R"({"k":"push","event":"activity.evil","tenants":[)" + who + R"(],"data":{}})",
          R"({"k":"push","event":"activity.reaction.updated","tenants":[)" + who + R"(],"data":{"eventId":"00000000-0000-4000-8000-0000000000aa","counts":{"hype":1,"respect":0,"tribute":0}}})"}) {
        pqxx::connection c(me);
        pqxx::work tx(c);
        tx.exec_params("SELECT pg_notify('activity_feed', $1)", payload);
        tx.commit();
    }
    ASSERT_TRUE(watcher.waitForFrame([](const SseFrame &f) { return f.data.contains("0000000000aa"); }, 10000));
    int forged = 0;
    for (const SseFrame &f : watcher.frames())
        forged += (f.event != "activity.reaction.updated" || f.id == "999999" || f.data.contains("data: y")) ? 1 : 0;

    // Revoked by the CLI, a process of its own, as an admin on another machine would.
    const std::string tokenId = q1(me, "SELECT id FROM api_tokens WHERE tenant_id = " + std::to_string(t.id));
    const CliResult list = cli({QStringLiteral("token"), QStringLiteral("revoke"), QString::fromStdString(tokenId),
                                QStringLiteral("--database-url"), QString::fromStdString(db)});
    const auto t0 = Clock::now();
    int ended = 0;
    for (auto &s : streams)
        ended += s->waitClosed(5000) ? 1 : 0;
    const qint64 endedMs = msSince(t0);
    watcher.stop();
    EXPECT_EQ(list.rc, 0);
    EXPECT_EQ(ended, 3);
    EXPECT_LT(endedMs, 1500) << "measured from the CLI's exit";
    EXPECT_EQ(forged, 0);
    EXPECT_TRUE(watcher.connected() || watcher.connects() >= 1);
    record({QStringLiteral("A11"), QStringLiteral("Abuse"),
            QStringLiteral("Revoked token's streams; forged LISTEN pushes"),
            QStringLiteral("3 streams of one token, `activityfeed token revoke` from another process; 3 forged "
                           "NOTIFY payloads (newline in the event name, a string as data, an unknown event) and "
                           "one real push"),
            QStringLiteral("%1 of 3 streams ended %2 ms after the CLI exited; forged frames framed: %3; the "
                           "real push delivered")
                .arg(ended).arg(endedMs).arg(forged),
            -1, -1, 3});
}

TEST(StreamAbuse, A12_WriteFloodWhileTheDatabaseTakesNoneIsBoundedAndAnswered)
{
    const std::string db = freshDb("writeflood");
    Serve serve(db);
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    const Tenant writer = addTenant(db, QStringLiteral("writer"));
    const Tenant reader = addTenant(db, QStringLiteral("reader"));
    const std::string me = withAppName(db, "af_test");
    const QByteArray eventId = QByteArray::fromStdString(q1(
        me, "INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon) VALUES ("
                + std::to_string(reader.id) + ", 'badge_earned', 'Badge earned', 'd', 'B') RETURNING id"));
    const int holdMs = 12000; // past the worker queue's 10 s wait, so some requests are shed

    // (1) One tenant's comments and reactions (add and remove) while their tables take no
    // write: 20 connections × 16 pipelined.
    std::vector<std::pair<QByteArray, QByteArray>> writes;
    for (int i = 0; i < 320; ++i) {
        const QByteArray reaction = R"({"eventId":")" + eventId + R"(","reactionType":"hype"})";
        switch (i % 3) {
        case 0:
            writes.push_back({"comment", buildRequest("POST", "/api/activity/comments", bearer(writer.token),
                                                       R"({"eventId":")" + eventId + R"(","body":"c)"
                                                           + QByteArray::number(i) + R"("})")});
            break;
        case 1:
            writes.push_back({"react", buildRequest("POST", "/api/activity/reactions", bearer(writer.token), reaction)});
            break;
        default:
            writes.push_back({"unreact", buildRequest("DELETE", "/api/activity/reactions", bearer(writer.token), reaction)});
        }
    }
    Latency during;
    long long blocked = 0;
    FloodAnswers a;
    {
        WriteStop stop(me, "activity_comments, activity_reactions, reaction_attempts");
        const auto t0 = Clock::now();
        a = writeFlood(serve.port(), writes, 20, [&] {
            // The marker that the flood has reached the database: its statements wait.
            EXPECT_TRUE(waitFor([&] { return (blocked = waitingOnLocks(me)) >= 1; }, 10000));
            during = probe(serve.port(), 20, reader.token);
            sleepMs(int(std::max<qint64>(0, holdMs - msSince(t0)))); // fault schedule: how long writes stop
            stop.release();
        });
    }
    const long long comments = q1ll(me, "SELECT count(*) FROM activity_comments");
    const long long attempts = q1ll(me, "SELECT count(*) FROM reaction_attempts");
    EXPECT_EQ(a.unanswered, 0) << a.text().toStdString();
    EXPECT_EQ(a.refusedWithoutRetryAfter, 0) << a.text().toStdString();
    EXPECT_EQ(a.refusedWithoutError, 0);
    EXPECT_GT(a.statuses[503], 0) << "requests that waited past the queue's deadline are shed: " << a.text().toStdString();
    for (const auto &[status, n] : a.statuses)
        EXPECT_TRUE(status == 200 || status == 201 || status == 429 || status == 503) << n << "×" << status;
    EXPECT_EQ(comments, a.ok.value("comment")) << "a comment row for each 201, no other";
    EXPECT_EQ(attempts, a.ok.value("react")) << "a counted reaction for each 200, no other";
    EXPECT_LE(comments, af::Catalogue::limits().commentsPerMinute);
    EXPECT_EQ(during.ok, during.n) << during.text().toStdString();
    EXPECT_LT(percentile(during.ms, 99), holdMs / 4.0) << "the other tenant found a free worker: " << during.text().toStdString();

    // (2) Emits (another caller: the drain secret) while the queue table takes no write.
    std::vector<std::pair<QByteArray, QByteArray>> emits;
    for (int i = 0; i < 200; ++i)
        emits.push_back({"emit", buildRequest("POST", "/api/activity/emit", kSecretHeader,
                                              R"({"tenantId":)" + QByteArray::number(writer.id)
                                                  + R"(,"eventType":"badge_earned","payload":{"badgeName":"b)"
                                                  + QByteArray::number(i) + R"(","xpAwarded":1}})")});
    FloodAnswers e;
    {
        WriteStop stop(me, "activity_queue");
        const auto t0 = Clock::now();
        e = writeFlood(serve.port(), emits, 10, [&] {
            EXPECT_TRUE(waitFor([&] { return waitingOnLocks(me) >= 1; }, 10000));
            sleepMs(int(std::max<qint64>(0, holdMs - msSince(t0)))); // fault schedule, as above
            stop.release();
        });
    }
    const long long queued = q1ll(me, "SELECT count(*) FROM activity_queue");
    EXPECT_EQ(e.unanswered, 0) << e.text().toStdString();
    EXPECT_EQ(e.refusedWithoutRetryAfter, 0) << e.text().toStdString();
    EXPECT_GT(e.statuses[503], 0) << e.text().toStdString();
    EXPECT_EQ(queued, e.ok.value("emit")) << "a queue row for each 202, no other";
    EXPECT_EQ(http(serve.port(), "GET", "/api/activity/events?limit=5", bearer(reader.token)).status, 200);
    EXPECT_TRUE(serve.running());
    record({QStringLiteral("A12"), QStringLiteral("Abuse"),
            QStringLiteral("Writes flood while the database takes none"),
            QStringLiteral("one tenant: 320 comments/reactions/unreactions pipelined over 20 connections, then 200 "
                           "emits over 10, each while their tables are write-locked for %1 s; another tenant "
                           "reads meanwhile")
                .arg(holdMs / 1000),
            QStringLiteral("writes: %1 (slowest answer %2 ms); emits: %3 (slowest %4 ms); every 429/503 with "
                           "Retry-After; rows written = answers 2xx (comments %5, reactions %6, queue %7); the other "
                           "tenant's reads while writes waited: %8")
                .arg(a.text()).arg(a.maxMs, 0, 'f', 0).arg(e.text()).arg(e.maxMs, 0, 'f', 0)
                .arg(comments).arg(attempts).arg(queued).arg(during.text()),
            -1, -1, qint64(writes.size() + emits.size())});
}
