#pragma once
// Shared kit of the fault and abuse suite (tests/faults): the real `activityfeed serve`
// as a child process, a raw-socket HTTP client and SSE reader usable from any thread,
// database helpers and the Reliability report the suite writes to the build directory.
// Header-only because every tests/<dir>/<name>_test.cpp is compiled on its own.
#include "pgharness.h"

#include <QByteArray>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSet>
#include <QRegularExpression>
#include <QStringList>
#include <QTemporaryDir>
#include <QThread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <set>
#include <signal.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace fk {

using Clock = std::chrono::steady_clock;

inline qint64 msSince(Clock::time_point t0)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

/// For load pacing and fault schedules only; waiting for a condition is waitFor().
inline void sleepMs(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

/// Waits (bounded) until @p pred holds; returns whether it did.
inline bool waitFor(const std::function<bool()> &pred, int timeoutMs, int stepMs = 20)
{
    const auto t0 = Clock::now();
    while (!pred()) {
        if (msSince(t0) > timeoutMs)
            return pred();
        sleepMs(stepMs); // polling interval
    }
    return true;
}

/// Raises this process's open-file soft limit to its hard limit; returns the new limit.
inline rlim_t raiseFdLimit()
{
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur;
}

inline double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size() - 1) + 0.5));
    return v[i];
}

// ---------------------------------------------------------------------------------------
// Database

/// The harness's connection string with synchronous commits: the throwaway cluster runs
/// with synchronous_commit=off, which lets an immediate stop forget commits the client was
/// told about. The product's guarantees assume PostgreSQL's default, so every connection
/// of the suite (and of the `serve` it starts) asks for it.
inline std::string durable(const std::string &cs)
{
    return cs + " options='-c synchronous_commit=on'";
}

inline std::string freshDb(const std::string &prefix)
{
    return durable(aftest::PgCluster::instance().createMigratedDatabase(prefix));
}

inline std::string withAppName(const std::string &cs, const std::string &name)
{
    return cs + " application_name=" + name;
}

inline std::string q1(const std::string &cs, const std::string &sql)
{
    pqxx::connection c(cs);
    pqxx::work tx(c);
    const auto r = tx.exec1(sql);
    tx.commit();
    return r[0].is_null() ? std::string() : r[0].c_str();
}

inline long long q1ll(const std::string &cs, const std::string &sql)
{
    const std::string s = q1(cs, sql);
    return s.empty() ? 0 : std::stoll(s);
}

inline void run(const std::string &cs, const std::string &sql)
{
    pqxx::connection c(cs);
    pqxx::work tx(c);
    tx.exec(sql);
    tx.commit();
}

/// Terminates the backends of database @p cs whose row in pg_stat_activity matches
/// @p where (SQL, may use pid/query/state/application_name); returns how many.
inline int terminate(pqxx::connection &c, const std::string &where)
{
    pqxx::nontransaction tx(c);
    const auto r = tx.exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid() AND (" +
                           where + ")");
    return r[0][0].as<int>();
}

inline int terminate(const std::string &cs, const std::string &where)
{
    pqxx::connection c(cs);
    return terminate(c, where);
}

/// The whole-chain invariant of the queue and the drain on one database: every queue row processed,
/// each one source of exactly one event, no event without a source. Returns a list of
/// violations (empty = nothing lost, nothing duplicated).
struct ChainCheck {
    long long queued = 0, processed = 0, sources = 0, distinctSources = 0, events = 0;
    long long orphanEvents = 0, processedWithoutSource = 0, sourceOfUnprocessed = 0;
    long long maxSeq = 0; ///< the newest seq of an event or a tombstone
    [[nodiscard]] long long lost() const { return queued - distinctSources; }
    [[nodiscard]] long long duplicated() const { return sources - distinctSources; }
    [[nodiscard]] bool ok() const
    {
        return queued == processed && queued == sources && sources == distinctSources &&
               orphanEvents == 0 && processedWithoutSource == 0 && sourceOfUnprocessed == 0;
    }
    [[nodiscard]] std::string describe() const
    {
        return "queued " + std::to_string(queued) + ", processed " + std::to_string(processed) +
               ", source rows " + std::to_string(sources) + " (distinct " +
               std::to_string(distinctSources) + "), events " + std::to_string(events) +
               ", events without source " + std::to_string(orphanEvents) +
               ", processed without source " + std::to_string(processedWithoutSource) +
               ", source of unprocessed " + std::to_string(sourceOfUnprocessed);
    }
};

inline ChainCheck checkChain(const std::string &cs)
{
    pqxx::connection c(cs);
    pqxx::read_transaction tx(c);
    const auto r = tx.exec1(
        "SELECT (SELECT count(*) FROM activity_queue),"
        "       (SELECT count(*) FROM activity_queue WHERE processed),"
        "       (SELECT count(*) FROM activity_event_sources),"
        "       (SELECT count(DISTINCT queue_id) FROM activity_event_sources),"
        "       (SELECT count(*) FROM activity_events),"
        "       (SELECT count(*) FROM activity_events e WHERE NOT EXISTS "
        "          (SELECT 1 FROM activity_event_sources s WHERE s.event_id = e.id)),"
        "       (SELECT count(*) FROM activity_queue q WHERE q.processed AND NOT EXISTS "
        "          (SELECT 1 FROM activity_event_sources s WHERE s.queue_id = q.id)),"
        "       (SELECT count(*) FROM activity_queue q WHERE NOT q.processed AND EXISTS "
        "          (SELECT 1 FROM activity_event_sources s WHERE s.queue_id = q.id)),"
        "       greatest((SELECT coalesce(max(seq), 0) FROM activity_events),"
        "                (SELECT coalesce(max(seq), 0) FROM activity_event_tombstones))");
    ChainCheck k;
    k.queued = r[0].as<long long>();
    k.processed = r[1].as<long long>();
    k.sources = r[2].as<long long>();
    k.distinctSources = r[3].as<long long>();
    k.events = r[4].as<long long>();
    k.orphanEvents = r[5].as<long long>();
    k.processedWithoutSource = r[6].as<long long>();
    k.sourceOfUnprocessed = r[7].as<long long>();
    k.maxSeq = r[8].as<long long>();
    return k;
}

/// Each row's id (column 0, text) and seq (column 1) of @p sql.
inline std::map<std::string, long long> seqsById(const std::string &cs, const char *sql)
{
    pqxx::connection c(cs);
    pqxx::read_transaction tx(c);
    std::map<std::string, long long> out;
    for (const auto &row : tx.exec(sql))
        out[row[0].c_str()] = row[1].as<long long>();
    return out;
}

/// The feed a client should end up with: every event id and its current seq.
inline std::map<std::string, long long> feedSeqs(const std::string &cs)
{
    return seqsById(cs, "SELECT id::text, seq FROM activity_events");
}

/// Each removed event's tombstone seq.
inline std::map<std::string, long long> tombstoneSeqs(const std::string &cs)
{
    return seqsById(cs, "SELECT event_id::text, seq FROM activity_event_tombstones");
}

inline std::vector<long long> allSeqs(const std::string &cs)
{
    pqxx::connection c(cs);
    pqxx::read_transaction tx(c);
    std::vector<long long> out;
    for (const auto &row : tx.exec("SELECT seq FROM activity_events ORDER BY seq"))
        out.push_back(row[0].as<long long>());
    return out;
}

// ---------------------------------------------------------------------------------------
// Raw HTTP over POSIX sockets (thread-safe, no event loop needed)

struct HttpResult {
    int status = 0;     ///< 0: no (complete) answer
    QByteArray head;    ///< status line and headers
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; ///< lower-case names
    qint64 ms = 0;      ///< from send to complete answer
    [[nodiscard]] QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    [[nodiscard]] QString error() const { return json().value(QStringLiteral("error")).toString(); }
};

class Conn
{
public:
    Conn() = default;
    explicit Conn(quint16 port, int timeoutMs = 5000) { open(port, timeoutMs); }
    ~Conn() { close(); }
    Conn(const Conn &) = delete;
    Conn &operator=(const Conn &) = delete;
    Conn(Conn &&o) noexcept : m_fd(std::exchange(o.m_fd, -1)), m_buf(std::move(o.m_buf)) {}

    bool open(quint16 port, int timeoutMs = 5000)
    {
        close();
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (m_fd < 0)
            return false;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
            close();
            return false;
        }
        pollfd p{m_fd, POLLOUT, 0};
        if (::poll(&p, 1, timeoutMs) != 1) {
            close();
            return false;
        }
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            close();
            return false;
        }
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return true;
    }
    [[nodiscard]] bool isOpen() const { return m_fd >= 0; }
    [[nodiscard]] int fd() const { return m_fd; }
    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
    /// Abortive close (RST), as a client that vanishes.
    void reset()
    {
        if (m_fd >= 0) {
            linger l{1, 0};
            ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
        close();
    }
    /// Sends all of @p bytes (bounded by @p timeoutMs); false when the peer is gone.
    bool send(QByteArrayView bytes, int timeoutMs = 5000)
    {
        const auto t0 = Clock::now();
        qsizetype off = 0;
        while (off < bytes.size() && m_fd >= 0) {
            const ssize_t n = ::send(m_fd, bytes.data() + off, size_t(bytes.size() - off), MSG_NOSIGNAL);
            if (n > 0) {
                off += n;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                const int left = timeoutMs - int(msSince(t0));
                if (left <= 0)
                    return false;
                pollfd p{m_fd, POLLOUT, 0};
                ::poll(&p, 1, std::min(left, 100));
                continue;
            }
            return false;
        }
        return off == bytes.size();
    }
    /// Reads what arrives within @p timeoutMs; returns false on EOF/error (peer closed).
    bool readSome(int timeoutMs)
    {
        if (m_fd < 0)
            return false;
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) <= 0)
            return true;
        char chunk[65536];
        const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            m_buf.append(chunk, n);
            return true;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return true;
        return false;
    }
    /// Waits for one complete answer (Content-Length framed).
    HttpResult response(int timeoutMs = 15000)
    {
        const auto t0 = Clock::now();
        HttpResult r;
        const auto complete = [&] {
            const qsizetype headEnd = m_buf.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return false;
            const QByteArray head = m_buf.left(headEnd);
            const QList<QByteArray> lines = head.split('\n');
            QHash<QByteArray, QByteArray> headers;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                if (colon > 0)
                    headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
            }
            const qsizetype length = headers.value("content-length").toLongLong();
            if (m_buf.size() < headEnd + 4 + length)
                return false;
            r.head = head;
            r.headers = headers;
            r.status = lines[0].split(' ').value(1).toInt();
            r.body = m_buf.mid(headEnd + 4, length);
            m_buf.remove(0, headEnd + 4 + length);
            return true;
        };
        for (;;) {
            if (complete())
                break;
            const int left = timeoutMs - int(msSince(t0));
            if (left <= 0)
                break;
            if (!readSome(std::min(left, 100))) {
                complete();
                break;
            }
        }
        r.ms = msSince(t0);
        return r;
    }
    /// True once the peer closed (EOF or reset) within @p timeoutMs; keeps what it read.
    bool waitClosed(int timeoutMs)
    {
        const auto t0 = Clock::now();
        while (msSince(t0) < timeoutMs) {
            if (!readSome(100))
                return true;
        }
        return false;
    }
    QByteArray &buffer() { return m_buf; }

private:
    int m_fd = -1;
    QByteArray m_buf;
};

inline QByteArray buildRequest(const QByteArray &method, const QByteArray &target,
                               const QByteArray &headers = {}, const QByteArray &body = {},
                               bool json = true)
{
    QByteArray req = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
    if (!body.isNull()) {
        if (json)
            req += "Content-Type: application/json\r\n";
        req += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    return req + "\r\n" + body;
}

/// One request on a fresh connection; status 0 when no answer came within @p timeoutMs.
inline HttpResult http(quint16 port, const QByteArray &method, const QByteArray &target,
                       const QByteArray &headers = {}, const QByteArray &body = {},
                       int timeoutMs = 15000)
{
    const auto t0 = Clock::now();
    Conn c(port, std::min(timeoutMs, 5000));
    if (!c.isOpen())
        return {};
    c.send(buildRequest(method, target, headers, body), timeoutMs);
    HttpResult r = c.response(timeoutMs);
    r.ms = msSince(t0);
    return r;
}

inline QByteArray bearer(const QByteArray &token)
{
    return "Authorization: Bearer " + token + "\r\n";
}

// ---------------------------------------------------------------------------------------
// SSE reader on its own thread; reconnects with Last-Event-ID like a browser's EventSource

struct SseFrame {
    QByteArray event, id, data, comment;
};

inline std::vector<SseFrame> parseSseFrames(QByteArray &buf)
{
    std::vector<SseFrame> out;
    for (;;) {
        const qsizetype end = buf.indexOf("\n\n");
        if (end < 0)
            return out;
        const QByteArray block = buf.left(end);
        buf.remove(0, end + 2);
        SseFrame f;
        for (const QByteArray &line : block.split('\n')) {
            if (line.startsWith(':'))
                f.comment = line.mid(1).trimmed();
            else if (line.startsWith("event: "))
                f.event = line.mid(7);
            else if (line.startsWith("id: "))
                f.id = line.mid(4);
            else if (line.startsWith("data: "))
                f.data += line.mid(6);
        }
        out.push_back(f);
    }
}

/// @brief Event frame @p f, of seq @p seq, on a page's cards @p view (event id → seq):
/// created and updated insert or replace, removed drops.
inline void applyToView(std::map<std::string, long long> &view, const SseFrame &f, long long seq)
{
    const std::string id =
        QJsonDocument::fromJson(f.data).object().value(QStringLiteral("id")).toString().toStdString();
    if (f.event == "activity.event.removed")
        view.erase(id);
    else
        view[id] = seq;
}

class SseReader
{
public:
    enum class Auth { Header, Query };
    SseReader(quint16 port, QByteArray token, Auth auth = Auth::Header)
        : m_port(port), m_token(std::move(token)), m_auth(auth)
    {
    }
    ~SseReader() { stop(); }
    SseReader(const SseReader &) = delete;
    SseReader &operator=(const SseReader &) = delete;

    void start()
    {
        m_stop = false;
        m_thread = std::thread([this] { loop(); });
    }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    /// Drops the connection now and stays away until resume() (a client that went away).
    void goAway() { m_away = true; }
    void resume() { m_away = false; }
    void setPort(quint16 port) { m_port = port; }

    [[nodiscard]] bool connected() const { return m_connected; }
    [[nodiscard]] int connects() const { return m_connects; }
    [[nodiscard]] int rejected() const { return m_rejected; }
    [[nodiscard]] long long lastId() const { return m_lastId; }
    std::vector<long long> eventSeqs() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_seqs;
    }
    std::vector<SseFrame> frames() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_frames;
    }
    int resyncs() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_resyncs;
    }
    /// The highest seq a resync covered (the client reloaded up to it); -1 without one.
    long long resyncedTo() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_resyncedTo;
    }
    bool waitForSeq(long long seq, int timeoutMs) const
    {
        return waitFor([&] { return m_lastId >= seq; }, timeoutMs);
    }
    /// The cards this client shows, as a browser's page keeps them: event id → the seq of
    /// the state it last received (created and updated insert or replace, removed drops).
    std::map<std::string, long long> view() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_view;
    }
    /// Feed frames (created, updated, removed) whose id was not above every id before it:
    /// a change delivered twice or out of order.
    int notAscending() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_notAscending;
    }
    /// How many feed frames of each name arrived.
    std::map<QByteArray, int> feedFrameCounts() const
    {
        std::lock_guard<std::mutex> l(m_mutex);
        return m_feedFrames;
    }
    bool waitForFrame(const std::function<bool(const SseFrame &)> &pred, int timeoutMs) const
    {
        return waitFor([&] {
            std::lock_guard<std::mutex> l(m_mutex);
            return std::any_of(m_frames.begin(), m_frames.end(), pred);
        }, timeoutMs);
    }

private:
    void loop()
    {
        while (!m_stop) {
            if (m_away) {
                sleepMs(20); // polling interval while told to stay away
                continue;
            }
            Conn c(m_port, 2000);
            if (!c.isOpen()) {
                sleepMs(200); // reconnect back-off, as a browser's
                continue;
            }
            QByteArray target = "/api/activity/stream";
            QByteArray headers;
            if (m_auth == Auth::Query)
                target += "?access_token=" + m_token;
            else
                headers += bearer(m_token);
            if (m_lastId >= 0)
                headers += "Last-Event-ID: " + QByteArray::number(m_lastId.load()) + "\r\n";
            headers += "Accept: text/event-stream\r\n";
            c.send(buildRequest("GET", target, headers));
            // Head first.
            const auto t0 = Clock::now();
            while (c.buffer().indexOf("\r\n\r\n") < 0 && msSince(t0) < 10000 && !m_stop) {
                if (!c.readSome(100))
                    break;
            }
            const qsizetype headEnd = c.buffer().indexOf("\r\n\r\n");
            if (headEnd < 0 || !c.buffer().startsWith("HTTP/1.1 200")) {
                ++m_rejected;
                sleepMs(300); // reconnect back-off after a refusal
                continue;
            }
            QByteArray buf = c.buffer().mid(headEnd + 4);
            c.buffer().clear();
            ++m_connects;
            m_connected = true;
            bool open = true;
            while (open && !m_stop && !m_away) {
                for (SseFrame &f : parseSseFrames(buf))
                    take(std::move(f));
                open = c.readSome(50);
                buf += c.buffer();
                c.buffer().clear();
            }
            for (SseFrame &f : parseSseFrames(buf))
                take(std::move(f));
            m_connected = false;
            c.reset();
            if (!m_stop && !m_away)
                sleepMs(100); // a browser waits `retry:`; we are impatient
        }
    }
    void take(SseFrame &&f)
    {
        if (f.event.isEmpty() && f.data.isEmpty())
            return; // retry: / comments
        std::lock_guard<std::mutex> l(m_mutex);
        if (f.event == "activity.event.created" || f.event == "activity.event.updated"
            || f.event == "activity.event.removed") {
            const long long id = f.id.toLongLong();
            if (f.event == "activity.event.created")
                m_seqs.push_back(id);
            ++m_feedFrames[f.event];
            if (id <= m_lastId)
                ++m_notAscending;
            if (id > m_lastId)
                m_lastId = id;
            applyToView(m_view, f, id);
        } else if (f.event == "activity.resync") {
            // The client reloads its feed: it then has every event up to the resync's id.
            ++m_resyncs;
            bool ok = false;
            const long long id = f.id.toLongLong(&ok);
            if (ok && id > m_resyncedTo)
                m_resyncedTo = id;
            if (ok && id > m_lastId)
                m_lastId = id;
        }
        if (m_frames.size() < 20000)
            m_frames.push_back(std::move(f));
    }

    std::atomic<quint16> m_port;
    QByteArray m_token;
    Auth m_auth;
    std::thread m_thread;
    std::atomic<bool> m_stop{false}, m_away{false}, m_connected{false};
    std::atomic<int> m_connects{0}, m_rejected{0};
    std::atomic<long long> m_lastId{-1};
    mutable std::mutex m_mutex;
    std::vector<long long> m_seqs;
    std::map<std::string, long long> m_view;
    std::map<QByteArray, int> m_feedFrames;
    int m_notAscending = 0;
    std::vector<SseFrame> m_frames;
    int m_resyncs = 0;
    long long m_resyncedTo = -1;
};

/// Exactly-once check of one SSE client against the database's seqs after @p from.
struct DeliveryCheck {
    long long missing = 0, duplicated = 0, outOfOrder = 0;
    std::string got; ///< the received seqs, for the failure message
    [[nodiscard]] std::string text() const
    {
        return "missing " + std::to_string(missing) + ", duplicated " + std::to_string(duplicated) +
               ", out of order " + std::to_string(outOfOrder) + "; received: " + got;
    }
    [[nodiscard]] bool ok() const { return missing == 0 && duplicated == 0 && outOfOrder == 0; }
};

inline DeliveryCheck checkDelivery(const std::vector<long long> &got, const std::vector<long long> &expected)
{
    DeliveryCheck d;
    for (size_t i = 0; i < got.size() && i < 400; ++i)
        d.got += std::to_string(got[i]) + " ";
    std::map<long long, int> n;
    for (size_t i = 0; i < got.size(); ++i) {
        ++n[got[i]];
        if (i > 0 && got[i] <= got[i - 1])
            ++d.outOfOrder;
    }
    for (long long s : expected) {
        const int k = n.count(s) ? n[s] : 0;
        if (k == 0)
            ++d.missing;
        else if (k > 1)
            d.duplicated += k - 1;
    }
    return d;
}

/// A client's final cards against the database: every event with its current state
/// (its latest seq), no card the feed no longer has (a removal missed), every change once
/// and in order. Events up to a resync's id count as reloaded, and so do removals: a card
/// the client had before a resync whose removal the resync covers is gone after the reload
/// (this reader keeps its cards; a client drops them and loads the feed again).
struct ViewCheck {
    long long missing = 0, stale = 0, extra = 0, notAscending = 0, events = 0;
    std::string sample; ///< a few differences, for the failure message
    [[nodiscard]] bool ok() const { return missing == 0 && stale == 0 && extra == 0 && notAscending == 0; }
    [[nodiscard]] long long lost() const { return missing + stale; }
    [[nodiscard]] std::string text() const
    {
        return "of " + std::to_string(events) + " events: missing " + std::to_string(missing) + ", stale " +
               std::to_string(stale) + ", cards no longer in the feed " + std::to_string(extra) +
               ", changes not in ascending order " + std::to_string(notAscending) + sample;
    }
};

inline ViewCheck checkView(const SseReader &client, const std::string &cs, long long fromSeq = 0)
{
    ViewCheck v;
    const std::map<std::string, long long> db = feedSeqs(cs);
    const std::map<std::string, long long> removed = tombstoneSeqs(cs);
    const std::map<std::string, long long> got = client.view();
    const long long reloaded = std::max(fromSeq, client.resyncedTo());
    v.notAscending = client.notAscending();
    for (const auto &[id, seq] : db) {
        if (seq <= reloaded)
            continue;
        ++v.events;
        const auto it = got.find(id);
        if (it == got.end()) {
            ++v.missing;
            if (v.sample.size() < 300)
                v.sample += "; missing " + id + " seq " + std::to_string(seq);
        } else if (it->second != seq) {
            ++v.stale;
            if (v.sample.size() < 300)
                v.sample += "; stale " + id + " seq " + std::to_string(it->second) + " not " + std::to_string(seq);
        }
    }
    for (const auto &[id, seq] : got) {
        const auto gone = removed.find(id);
        if (gone != removed.end() && gone->second <= reloaded)
            continue;
        if (!db.count(id)) {
            ++v.extra;
            if (v.sample.size() < 300)
                v.sample += "; still shows " + id + " seq " + std::to_string(seq);
        }
    }
    return v;
}

// ---------------------------------------------------------------------------------------
// The real binary

struct CliResult {
    int rc = -1;
    QByteArray out, err;
};

inline CliResult cli(const QStringList &args, int timeoutMs = 60000,
                     const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(AF_BINARY_PATH), args);
    CliResult r;
    if (!p.waitForStarted(10000))
        return r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        return r;
    }
    r.rc = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

struct Tenant {
    int id = 0;
    QByteArray token;
};

/// `activityfeed tenant add NAME --json` against @p db.
inline Tenant addTenant(const std::string &db, const QString &name)
{
    const CliResult r = cli({QStringLiteral("tenant"), QStringLiteral("add"), name, QStringLiteral("--json"),
                             QStringLiteral("--database-url"), QString::fromStdString(db)});
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    Tenant t;
    t.id = o.value(QStringLiteral("id")).toInt();
    t.token = o.value(QStringLiteral("token")).toString().toUtf8();
    EXPECT_EQ(r.rc, 0) << r.err.constData();
    EXPECT_GT(t.id, 0) << r.out.constData();
    return t;
}

/// `activityfeed serve --listen 127.0.0.1:0` with its output captured to files.
class Serve
{
public:
    explicit Serve(std::string db, QHash<QString, QString> env = {{QStringLiteral("MC_API_SECRET"), QStringLiteral("fault-secret")}},
                   bool debugLogs = false)
        : m_db(std::move(db)), m_env(std::move(env)), m_debug(debugLogs)
    {
        m_dir.setAutoRemove(true);
    }
    ~Serve() { stop(); }

    bool start(int timeoutMs = 30000)
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.remove(QStringLiteral("MC_API_SECRET"));
        e.remove(QStringLiteral("DEPLOY_WEBHOOK_SECRET"));
        e.remove(QStringLiteral("ACTIVITYFEED_DATABASE_URL"));
        e.remove(QStringLiteral("DATABASE_URL"));
        for (auto it = m_env.begin(); it != m_env.end(); ++it)
            e.insert(it.key(), it.value());
        if (m_debug)
            e.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("activityfeed.*.debug=true"));
        m_proc.setProcessEnvironment(e);
        m_proc.setStandardOutputFile(outPath());
        m_proc.setStandardErrorFile(errPath());
        m_proc.start(QStringLiteral(AF_BINARY_PATH),
                     {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                      QStringLiteral("--database-url"), QString::fromStdString(m_db),
                      QStringLiteral("--data-dir"), m_dir.path()});
        if (!m_proc.waitForStarted(10000))
            return false;
        static const QRegularExpression re(QStringLiteral("listening on http://127\\.0\\.0\\.1:(\\d+)/"));
        const bool ok = waitFor([&] {
            if (m_proc.state() != QProcess::Running)
                return true;
            const auto m = re.match(QString::fromUtf8(readFile(outPath())));
            if (m.hasMatch())
                m_port = quint16(m.captured(1).toUInt());
            return m_port != 0;
        }, timeoutMs, 50);
        return ok && m_port != 0;
    }
    /// SIGTERM (graceful), then SIGKILL after 15 s; returns the exit code (-1 if killed).
    int stop()
    {
        if (m_proc.state() == QProcess::NotRunning)
            return m_proc.exitCode();
        ::kill(pid_t(m_proc.processId()), SIGTERM);
        if (!m_proc.waitForFinished(15000)) {
            m_proc.kill();
            m_proc.waitForFinished(5000);
            return -1;
        }
        return m_proc.exitStatus() == QProcess::NormalExit ? m_proc.exitCode() : -1;
    }
    [[nodiscard]] bool running() const { return m_proc.state() == QProcess::Running; }
    [[nodiscard]] qint64 pid() const { return m_proc.processId(); }
    [[nodiscard]] quint16 port() const { return m_port; }
    [[nodiscard]] QString outPath() const { return m_dir.path() + QStringLiteral("/stdout.log"); }
    [[nodiscard]] QString errPath() const { return m_dir.path() + QStringLiteral("/stderr.log"); }
    [[nodiscard]] QByteArray output() const { return readFile(outPath()) + readFile(errPath()); }
    static QByteArray readFile(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private:
    std::string m_db;
    QHash<QString, QString> m_env;
    bool m_debug;
    QTemporaryDir m_dir{QDir::tempPath() + QStringLiteral("/affault-XXXXXX")};
    QProcess m_proc;
    quint16 m_port = 0;
};

/// Latency of @p n requests from a well-behaved client (alternating a fresh connection
/// and keep-alive; /healthz and an authenticated feed page).
struct Latency {
    std::vector<double> ms;
    int ok = 0, n = 0;
    [[nodiscard]] QString text() const
    {
        return QStringLiteral("%1/%2 ok, p50 %3 ms, p99 %4 ms, max %5 ms")
            .arg(ok).arg(n).arg(percentile(ms, 50), 0, 'f', 1).arg(percentile(ms, 99), 0, 'f', 1)
            .arg(percentile(ms, 100), 0, 'f', 1);
    }
};

inline Latency probe(quint16 port, int n, const QByteArray &token)
{
    Latency l;
    Conn keep(port);
    for (int i = 0; i < n; ++i) {
        const QByteArray target = i % 2 ? "/api/activity/events?limit=5" : "/healthz";
        const auto t0 = Clock::now();
        HttpResult r;
        if (i % 4 < 2) {
            r = http(port, "GET", target, bearer(token), {}, 10000);
        } else {
            if (!keep.isOpen())
                keep.open(port);
            keep.send(buildRequest("GET", target, bearer(token)));
            r = keep.response(10000);
        }
        l.ms.push_back(double(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()) / 1000.0);
        ++l.n;
        l.ok += r.status == 200 ? 1 : 0;
    }
    return l;
}

inline const QByteArray kSecretHeader = "x-drain-secret: fault-secret\r\n";

// ---------------------------------------------------------------------------------------
// The Reliability table: every test records one row; every binary rewrites the whole
// Markdown file from all rows recorded so far (build/reliability.md).

inline QString reportDir()
{
    const QByteArray env = qgetenv("AF_RELIABILITY_DIR");
    if (!env.isEmpty())
        return QString::fromLocal8Bit(env);
    // AF_BINARY_PATH is <build>/app/activityfeed.
    QDir d = QFileInfo(QStringLiteral(AF_BINARY_PATH)).absoluteDir();
    d.cdUp();
    return d.absolutePath();
}

struct Row {
    QString key;      ///< sort key, e.g. "F3"
    QString area;     ///< Fault or Abuse
    QString scenario;
    QString load;     ///< what was provoked, how much
    QString measured; ///< the numbers
    long long lost = -1, duplicated = -1; ///< -1: not applicable
    long long badInputs = 0;              ///< bad inputs tried (abuse rows)
};

inline void writeMarkdown()
{
    const QString dir = reportDir() + QStringLiteral("/reliability.d");
    QList<QJsonObject> rows;
    for (const QFileInfo &fi : QDir(dir).entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
    {
        const QJsonObject o = QJsonDocument::fromJson(Serve::readFile(fi.absoluteFilePath())).object();
        if (!o.isEmpty())
            rows.append(o);
    }
    // Faults first, then abuse; by key within each.
    const auto order = [](const QJsonObject &o) {
        return std::make_pair(o.value(QStringLiteral("area")).toString() != QLatin1String("Fault"),
                              o.value(QStringLiteral("key")).toString());
    };
    std::sort(rows.begin(), rows.end(), [&](const QJsonObject &a, const QJsonObject &b) { return order(a) < order(b); });
    long long lost = 0, dup = 0, bad = 0, checked = 0;
    int passed = 0;
    QString md = QStringLiteral(
        "## Reliability\n\n"
        "Measured by the fault and abuse suite (`ctest -L faults`, tests/faults) against the real "
        "`activityfeed` binary and a real PostgreSQL 15 on a %1-core machine; regenerated on every "
        "run (last: %2). Lost and duplicated count events end to end (emitted → queue → events "
        "→ every SSE client).\n\n"
        "| # | Area | Scenario | Load / provocation | Measured | Lost | Dup. | Result |\n"
        "|---|---|---|---|---|---|---|---|\n")
                     .arg(QThread::idealThreadCount())
                     .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")));
    const auto cell = [](const QString &s) { return QString(s).replace(QLatin1Char('|'), QStringLiteral("\\|")); };
    for (const QJsonObject &o : rows) {
        const qint64 l = o.value(QStringLiteral("lost")).toInteger(-1);
        const qint64 d = o.value(QStringLiteral("duplicated")).toInteger(-1);
        const bool ok = o.value(QStringLiteral("passed")).toBool();
        passed += ok ? 1 : 0;
        lost += std::max<qint64>(0, l);
        dup += std::max<qint64>(0, d);
        bad += o.value(QStringLiteral("badInputs")).toInteger(0);
        checked += o.value(QStringLiteral("eventsChecked")).toInteger(0);
        md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 |\n")
                  .arg(o.value(QStringLiteral("key")).toString(), o.value(QStringLiteral("area")).toString(),
                       cell(o.value(QStringLiteral("scenario")).toString()),
                       cell(o.value(QStringLiteral("load")).toString()),
                       cell(o.value(QStringLiteral("measured")).toString()),
                       l < 0 ? QStringLiteral("—") : QString::number(l),
                       d < 0 ? QStringLiteral("—") : QString::number(d),
                       ok ? QStringLiteral("pass") : QStringLiteral("**FAIL**"));
    }
    md += QStringLiteral("\n**%1 of %2 scenarios passed; events checked end to end: %3; lost: %4; "
                         "duplicated: %5; bad inputs and hostile requests tried: %6.**\n")
              .arg(passed).arg(rows.size()).arg(checked).arg(lost).arg(dup).arg(bad);
    QFile f(reportDir() + QStringLiteral("/reliability.md"));
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(md.toUtf8());
}

/// Records the row of the running test (pass = no failure so far) and rewrites the table.
inline void record(const Row &r, long long eventsChecked = 0)
{
    const QString dir = reportDir() + QStringLiteral("/reliability.d");
    QDir().mkpath(dir);
    QJsonObject o{{QStringLiteral("key"), r.key},
                  {QStringLiteral("area"), r.area},
                  {QStringLiteral("scenario"), r.scenario},
                  {QStringLiteral("load"), r.load},
                  {QStringLiteral("measured"), r.measured},
                  {QStringLiteral("lost"), r.lost},
                  {QStringLiteral("duplicated"), r.duplicated},
                  {QStringLiteral("badInputs"), r.badInputs},
                  {QStringLiteral("eventsChecked"), eventsChecked},
                  {QStringLiteral("passed"), !::testing::Test::HasFailure()}};
    {
        QFile f(dir + QLatin1Char('/') + r.key + QStringLiteral(".json"));
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            f.write(QJsonDocument(o).toJson(QJsonDocument::Compact));
    } // closed (flushed) before the table is rebuilt from the files
    writeMarkdown();
    std::printf("[reliability] %s %s: %s | %s\n", qPrintable(r.key), qPrintable(r.scenario),
                qPrintable(r.load), qPrintable(r.measured));
}

} // namespace fk
