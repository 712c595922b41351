#include "eventemitter.h"

#include "core/logcategories.h"
#include "eventqueue.h"

#include "core/errors.h"
#include "core/uuid7.h"

#include <QSet>
#include <QUuid>

#include <pqxx/pqxx>

#include <algorithm>

namespace af {

namespace {

qint64 nowMicros()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr std::chrono::milliseconds kFirstBackoff{50};

/// "SQLSTATE 53100: message" for a log line; the first line of the message only.
QString describe(const std::exception &e)
{
    QString text = QString::fromLocal8Bit(e.what()).trimmed();
    const int nl = text.indexOf(QLatin1Char('\n'));
    if (nl >= 0)
        text.truncate(nl);
    if (const auto *sql = dynamic_cast<const pqxx::sql_error *>(&e); sql && !sql->sqlstate().empty())
        return QStringLiteral("SQLSTATE %1: %2").arg(QString::fromStdString(sql->sqlstate()), text);
    return text;
}

} // namespace

/// Touched by the writer only (the writer thread, or the test that drives runOnce()).
struct EventEmitter::Writer {
    std::unique_ptr<pqxx::connection> conn;
    std::chrono::milliseconds backoff{0};
    // After a failed attempt the last COMMIT may or may not have landed (a lost link), and
    // the one-by-one path commits row by row: the next attempt first asks which rows of
    // its batch are there (ids are ours), so nothing is written twice.
    bool inDoubt = false;
    quint64 failedAttempts = 0; ///< in a row, for the "recovered" log line
};

EventEmitter::EventEmitter(std::string connString) : EventEmitter(std::move(connString), Options())
{
}

EventEmitter::EventEmitter(std::string connString, Options options)
    : m_connString(std::move(connString)), m_options(options), m_writer(std::make_unique<Writer>())
{
    m_writer->backoff = kFirstBackoff;
    if (m_options.startWriter)
        m_thread = std::thread([this] { run(); });
}

EventEmitter::~EventEmitter()
{
    if (m_thread.joinable())
        flush(std::chrono::seconds(5));
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    if (!m_buffer.empty())
        qCWarning(lcFeed, "emitter stopped with %zu events not written", m_buffer.size());
}

void EventEmitter::emitEvent(int tenantId, const QString &type, const QJsonObject &payload) noexcept
{
    try {
        StampedEvent item;
        try {
            item.event = EventQueue::validate(tenantId, type, payload);
        } catch (const BadInput &e) {
            ++m_dropped;
            qCWarning(lcFeed, "dropped an event that can never be queued: %s", e.what());
            return;
        }
        item.createdAtMicros = nowMicros();
        quint64 droppedNow = 0;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_buffer.size() >= m_options.capacity) {
                droppedNow = ++m_dropped;
            } else {
                m_buffer.push_back(std::move(item));
                ++m_emitted;
            }
        }
        if (droppedNow) {
            // Outside the lock, so a slow log never stalls other emitters. The first drop
            // and every 10 000th: a long outage is visible without flooding the log.
            if (droppedNow == 1 || droppedNow % 10000 == 0)
                qCWarning(lcFeed, "event buffer full (%zu): %llu events dropped so far",
                          m_options.capacity, static_cast<unsigned long long>(droppedNow));
            return;
        }
        m_wake.notify_one();
    } catch (...) {
        ++m_dropped;
    }
}

std::size_t EventEmitter::pending() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_buffer.size();
}

QString EventEmitter::lastError() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_lastError;
}

bool EventEmitter::flush(std::chrono::milliseconds timeout)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    const quint64 target = m_emitted;
    m_wake.notify_one();
    return m_flushed.wait_for(lock, timeout, [&] { return m_committed >= target; });
}

bool EventEmitter::isPermanent(const std::exception &e)
{
    // The link, the server's state or another transaction: the same row may pass later.
    if (dynamic_cast<const pqxx::broken_connection *>(&e) || dynamic_cast<const pqxx::in_doubt_error *>(&e) ||
        dynamic_cast<const pqxx::transaction_rollback *>(&e))
        return false;
    if (const auto *sql = dynamic_cast<const pqxx::sql_error *>(&e)) {
        // 22 data exception, 23 integrity violation (an unknown tenant), 54 program limit
        // (a payload too large): properties of the row itself. Every other class — 25006
        // read-only after a failover, 53 disk full or out of memory, 40 deadlock or
        // serialisation, 55P03 lock timeout, 57 shutdown or statement timeout, 08, 42 a
        // schema being migrated — depends on the database and is retried.
        const std::string &state = sql->sqlstate();
        return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 || state.rfind("54", 0) == 0;
    }
    // Our own encoding of the row failed (libpqxx conversion or usage error): it would
    // fail the same way on every attempt.
    return true;
}

void EventEmitter::run()
{
    while (waitForWork()) {
        if (runOnce() == Step::Failed && !waitBackoff())
            return;
    }
}

bool EventEmitter::waitForWork()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    m_wake.wait(lock, [&] { return m_stop || !m_buffer.empty(); });
    return !(m_buffer.empty() && m_stop);
}

bool EventEmitter::waitBackoff()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    if (m_wake.wait_for(lock, m_writer->backoff, [&] { return m_stop; }))
        return false;
    m_writer->backoff = std::min(m_writer->backoff * 2, m_options.maxBackoff);
    return true;
}

std::vector<StampedEvent> EventEmitter::takeBatch()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    // Items stay in the buffer until committed: nothing is lost if writing fails.
    const std::size_t n = std::min<std::size_t>(m_buffer.size(), std::size_t(m_options.batchSize));
    for (std::size_t i = 0; i < n; ++i) {
        if (m_buffer[i].id.isNull())
            m_buffer[i].id = Uuid7::make(m_buffer[i].createdAtMicros / 1000);
    }
    return std::vector<StampedEvent>(m_buffer.begin(), m_buffer.begin() + long(n));
}

EventEmitter::Step EventEmitter::runOnce()
{
    const std::vector<StampedEvent> batch = takeBatch();
    if (batch.empty())
        return Step::Idle;
    try {
        const std::size_t rejected = writeBatch(batch);
        commitBatch(batch.size(), rejected);
        return Step::Written;
    } catch (const std::exception &e) {
        noteFailure(e);
        return Step::Failed;
    }
}

std::size_t EventEmitter::writeBatch(const std::vector<StampedEvent> &batch)
{
    Writer &w = *m_writer;
    if (!w.conn || !w.conn->is_open())
        w.conn = std::make_unique<pqxx::connection>(m_connString);
    std::vector<StampedEvent> missing = batch;
    if (w.inDoubt) {
        std::vector<QUuid> ids;
        ids.reserve(batch.size());
        for (const StampedEvent &row : batch)
            ids.push_back(row.id);
        const QSet<QUuid> there = EventQueue::present(*w.conn, ids);
        missing.erase(std::remove_if(missing.begin(), missing.end(),
                                     [&there](const StampedEvent &row) { return there.contains(row.id); }),
                      missing.end());
        w.inDoubt = false;
    }
    try {
        EventQueue::enqueueBatch(*w.conn, missing);
        return 0;
    } catch (const std::exception &e) {
        if (!isPermanent(e))
            throw;
    }
    // Some row is bad (unknown tenant, a payload PostgreSQL refuses): it must not block
    // the rest. Write one by one and drop, count and log only the bad ones.
    return insertOneByOne(missing);
}

std::size_t EventEmitter::insertOneByOne(const std::vector<StampedEvent> &rows)
{
    Writer &w = *m_writer;
    std::size_t rejected = 0;
    for (const StampedEvent &row : rows) {
        try {
            EventQueue::enqueueBatch(*w.conn, {row});
        } catch (const std::exception &e) {
            if (!isPermanent(e)) {
                // Rows before this one are committed: the retry must ask which are there.
                w.inDoubt = true;
                throw;
            }
            ++rejected;
            ++m_dropped;
            qCWarning(lcFeed, "dropped an event the database refused (tenant %d, %s): %s", row.event.tenantId,
                      qPrintable(row.event.eventType), qPrintable(describe(e)));
        }
    }
    return rejected;
}

void EventEmitter::commitBatch(std::size_t size, std::size_t rejected)
{
    Writer &w = *m_writer;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + long(size));
        m_committed += size;
        m_lastError.clear();
    }
    m_written += size - rejected;
    m_flushed.notify_all();
    if (w.failedAttempts > 0)
        qCInfo(lcFeed, "event writer recovered after %llu failed attempts",
               static_cast<unsigned long long>(w.failedAttempts));
    w.failedAttempts = 0;
    w.backoff = kFirstBackoff;
}

void EventEmitter::noteFailure(const std::exception &e)
{
    Writer &w = *m_writer;
    w.conn.reset();
    w.inDoubt = true;
    ++m_retries;
    const QString reason = describe(e);
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_lastError = reason;
    }
    // The first failure of an outage and then every 100th: visible, not a flood.
    if (w.failedAttempts++ % 100 == 0)
        qCWarning(lcFeed, "event writer cannot write to the database, retrying with backoff (%llu "
                          "events buffered): %s",
                  static_cast<unsigned long long>(pending()), qPrintable(reason));
}

} // namespace af
