#include "feedcheckpipe.h"
#include "feedservice.h"

#include "core/logcategories.h"
#include "core/metrics.h"

#include <QSocketNotifier>
#include <QThread>

#include <libpq-fe.h>

#include <algorithm>

namespace af {

namespace {
const char *const kCheckName = "af_feed_check";
constexpr auto kReconnectPause = std::chrono::seconds(1);

/// A connection in pipeline mode with the check prepared, else nullptr (and why, logged).
pg_conn *openPipe(const std::string &connString)
{
    // Named, so an operator (or a test) can tell these sessions in pg_stat_activity; and
    // bounded, since the network thread's end waits for a connect in progress.
    const char *keys[] = {"dbname", "application_name", "connect_timeout", nullptr};
    const char *values[] = {connString.c_str(), FeedCheckPipe::kApplicationName, "5", nullptr};
    pg_conn *conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(conn) == CONNECTION_OK) {
        PGresult *r = PQexec(conn, "SET statement_timeout = 2000");
        PQclear(r);
        r = PQprepare(conn, kCheckName, FeedService::kTokenAndVersionSql, 1, nullptr);
        const bool prepared = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (prepared && PQsetnonblocking(conn, 1) == 0 && PQenterPipelineMode(conn) == 1)
            return conn;
    }
    qCWarning(lcFeed) << "feed check pipe: no connection, feed reads take the workers:"
                      << PQerrorMessage(conn);
    PQfinish(conn);
    return nullptr;
}
} // namespace

FeedCheckPipe &FeedCheckPipe::forThisThread(const std::string &connString)
{
    thread_local FeedCheckPipe *pipe = nullptr;
    if (pipe && pipe->m_connString != connString) {
        delete pipe; // a thread serves one database; a test may hand it another
        pipe = nullptr;
    }
    if (!pipe) {
        pipe = new FeedCheckPipe(connString);
        // Deleted on its own thread before the thread's event dispatcher goes.
        QObject::connect(QThread::currentThread(), &QThread::finished, &pipe->m_home, [] {
            delete pipe;
            pipe = nullptr;
        }, Qt::DirectConnection);
    }
    return *pipe;
}

FeedCheckPipe::FeedCheckPipe(std::string connString) : m_connString(std::move(connString))
{
    m_stallTimer.setInterval(int(kStallAfter.count() / 4));
    QObject::connect(&m_stallTimer, &QTimer::timeout, &m_home, [this] { checkStall(); });
}

FeedCheckPipe::~FeedCheckPipe()
{
    if (m_connecting.joinable())
        m_connecting.join(); // what it posts is dropped with m_home
    drop();
}

void FeedCheckPipe::connectInBackground()
{
    if (m_connectPending || std::chrono::steady_clock::now() < m_retryAt)
        return;
    if (m_connecting.joinable())
        m_connecting.join(); // finished: it posted before it ended
    m_connectPending = true;
    m_connecting = std::thread([this, cs = m_connString] {
        pg_conn *conn = openPipe(cs);
        QMetaObject::invokeMethod(&m_home, [this, conn] { adopt(conn); }, Qt::QueuedConnection);
    });
}

void FeedCheckPipe::adopt(pg_conn *conn)
{
    m_connectPending = false;
    if (!conn) {
        m_retryAt = std::chrono::steady_clock::now() + kReconnectPause;
        return;
    }
    m_conn = conn;
    m_read = std::make_unique<QSocketNotifier>(PQsocket(m_conn), QSocketNotifier::Read);
    QObject::connect(m_read.get(), &QSocketNotifier::activated, &m_home, [this] { onReadable(); });
    m_write = std::make_unique<QSocketNotifier>(PQsocket(m_conn), QSocketNotifier::Write);
    m_write->setEnabled(false);
    QObject::connect(m_write.get(), &QSocketNotifier::activated, &m_home, [this] { flush(); });
    m_stallTimer.start();
}

bool FeedCheckPipe::check(const QByteArray &caller, const QByteArray &sha, Done done)
{
    if (!m_conn || PQstatus(m_conn) != CONNECTION_OK) {
        connectInBackground();
        return false;
    }
    CallerQueue &queue = m_waiting[caller];
    if (queue.checks >= kMaxWaitingPerCaller)
        return false;
    if (queue.statements.empty())
        m_turns.push_back(caller);
    ++queue.checks;
    // A statement of this token not sent yet is sent after this check arrived: join it.
    auto same = std::find_if(queue.statements.begin(), queue.statements.end(),
                             [&sha](const Waiting &w) { return w.sha == sha; });
    if (same == queue.statements.end())
        same = queue.statements.insert(queue.statements.end(), Waiting{sha, {}});
    same->dones.push_back(std::move(done));
    pump();
    return true;
}

void FeedCheckPipe::pump()
{
    bool sent = false;
    std::size_t untried = m_turns.size();
    while (m_conn && int(m_inFlight.size()) < kMaxInFlight && untried > 0) {
        const QByteArray caller = m_turns.front();
        m_turns.pop_front();
        --untried;
        auto it = m_waiting.find(caller);
        if (it == m_waiting.end() || it->statements.empty())
            continue;
        int &out = m_callerInFlight[caller];
        // The caller's first statement whose token may have one more out.
        const auto next = out >= kMaxInFlightPerCaller
            ? it->statements.end()
            : std::find_if(it->statements.begin(), it->statements.end(), [this](const Waiting &w) {
                  return m_tokenInFlight.value(w.sha) < kMaxInFlightPerToken;
              });
        if (next == it->statements.end()) {
            m_turns.push_back(caller); // tried again when an answer frees a turn
            continue;
        }
        Waiting w = std::move(*next);
        it->statements.erase(next);
        it->checks -= int(w.dones.size());
        const QByteArray hex = "\\x" + w.sha.toHex();
        const char *values[1] = {hex.constData()};
        if (PQsendQueryPrepared(m_conn, kCheckName, 1, values, nullptr, nullptr, 0) != 1
            || PQpipelineSync(m_conn) != 1) {
            if (it->statements.empty())
                m_waiting.erase(it);
            for (Done &d : w.dones)
                d(Outcome{});
            drop();
            return;
        }
        ++out;
        ++m_tokenInFlight[w.sha];
        m_inFlight.push_back({caller, w.sha, std::move(w.dones), Outcome{}, std::chrono::steady_clock::now()});
        sent = true;
        if (it->statements.empty())
            m_waiting.erase(it);
        else
            m_turns.push_back(caller);
        untried = m_turns.size();
    }
    if (sent)
        flush();
}

void FeedCheckPipe::flush()
{
    if (!m_conn)
        return;
    const int r = PQflush(m_conn);
    if (r < 0) {
        drop();
        return;
    }
    m_write->setEnabled(r == 1);
}

void FeedCheckPipe::onReadable()
{
    if (!m_conn)
        return;
    if (PQconsumeInput(m_conn) != 1) {
        drop();
        return;
    }
    bool answered = false;
    while (!m_inFlight.empty() && !PQisBusy(m_conn)) {
        PGresult *r = PQgetResult(m_conn);
        if (!r)
            continue; // the end of one statement's results; its sync comes next
        const ExecStatusType status = PQresultStatus(r);
        Sent &front = m_inFlight.front();
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            Sent done = std::move(front);
            m_inFlight.pop_front();
            const auto mine = m_callerInFlight.find(done.caller);
            if (mine != m_callerInFlight.end() && --mine.value() <= 0)
                m_callerInFlight.erase(mine);
            const auto token = m_tokenInFlight.find(done.sha);
            if (token != m_tokenInFlight.end() && --token.value() <= 0)
                m_tokenInFlight.erase(token);
            answered = true;
            Metrics::instance().countFeedCheckStatement(int(done.dones.size()));
            for (Done &d : done.dones)
                d(done.outcome); // each, even if one's handler drops the pipe: it was answered
            if (!m_conn)
                return; // an answer's handler dropped the pipe
            continue;
        }
        if (status == PGRES_TUPLES_OK) {
            front.outcome = PQntuples(r) == 0
                ? Outcome{Outcome::Kind::NotActive, 0, 0}
                : Outcome{Outcome::Kind::Active, std::atoi(PQgetvalue(r, 0, 0)),
                          std::atoll(PQgetvalue(r, 0, 1))};
        } // else an error, or skipped after one: Failed, and a worker checks again
        PQclear(r);
    }
    if (answered)
        pump();
}

void FeedCheckPipe::checkStall()
{
    if (!m_inFlight.empty() && std::chrono::steady_clock::now() - m_inFlight.front().at > kStallAfter) {
        qCWarning(lcFeed) << "feed check pipe: a check waited over" << kStallAfter.count()
                          << "ms; feed reads take the workers until it reconnects";
        drop();
    }
}

void FeedCheckPipe::drop()
{
    m_read.reset();
    m_write.reset();
    m_stallTimer.stop();
    if (m_conn) {
        PQfinish(m_conn);
        m_conn = nullptr;
        m_retryAt = std::chrono::steady_clock::now() + kReconnectPause;
    }
    std::deque<Sent> sent;
    sent.swap(m_inFlight);
    QHash<QByteArray, CallerQueue> waiting;
    waiting.swap(m_waiting);
    m_callerInFlight.clear();
    m_tokenInFlight.clear();
    m_turns.clear();
    for (Sent &s : sent)
        for (Done &d : s.dones)
            d(Outcome{});
    for (auto &queue : waiting)
        for (Waiting &w : queue.statements)
            for (Done &d : w.dones)
                d(Outcome{});
}

} // namespace af
