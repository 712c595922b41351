#include "eventemitter.h"

#include "core/logcategories.h"
#include "eventqueue.h"

#include "core/errors.h"
#include "grouping.h"

#include <QJsonDocument>
#include <QSet>
#include <QUuid>

#include <pqxx/pqxx>

#include <tuple>

namespace af {

namespace {

Micros nowMicros()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool isConnectionError(const std::exception &e)
{
    return dynamic_cast<const pqxx::broken_connection *>(&e) != nullptr ||
           dynamic_cast<const pqxx::in_doubt_error *>(&e) != nullptr;
}

std::string uuidText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces).toStdString();
}

} // namespace

EventEmitter::EventEmitter(std::string connString) : EventEmitter(std::move(connString), Options())
{
}

EventEmitter::EventEmitter(std::string connString, Options options)
    : m_connString(std::move(connString)), m_options(options)
{
    m_thread = std::thread([this] { run(); });
}

EventEmitter::~EventEmitter()
{
    flush(std::chrono::seconds(5));
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
    if (!m_buffer.empty())
        qCWarning(lcFeed, "emitter stopped with %zu events not written", m_buffer.size());
}

void EventEmitter::emitEvent(int tenantId, const QString &type, const QJsonObject &payload) noexcept
{
    try {
        try {
            (void)EventQueue::validate(tenantId, type, payload);
        } catch (const BadInput &e) {
            ++m_dropped;
            qCWarning(lcFeed, "dropped an event that can never be queued: %s", e.what());
            return;
        }
        Item item{tenantId, type, payload, nowMicros(), QUuid()};
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

void EventEmitter::run()
{
    std::unique_ptr<pqxx::connection> conn;
    auto backoff = std::chrono::milliseconds(50);
    std::vector<Item> batch;
    // After a lost link the last COMMIT may or may not have landed: the next attempt first
    // asks which rows of its batch are there (ids are ours), so nothing is written twice.
    bool inDoubt = false;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || !m_buffer.empty(); });
            if (m_buffer.empty() && m_stop)
                return;
            // Items stay in the buffer until committed: nothing is lost if writing fails.
            const std::size_t n = std::min<std::size_t>(m_buffer.size(), std::size_t(m_options.batchSize));
            for (std::size_t i = 0; i < n; ++i) {
                if (m_buffer[i].id.isNull())
                    m_buffer[i].id = QUuid::createUuid();
            }
            batch.assign(m_buffer.begin(), m_buffer.begin() + long(n));
        }
        std::size_t rejected = 0;
        try {
            if (!conn || !conn->is_open())
                conn = std::make_unique<pqxx::connection>(m_connString);
            QSet<QUuid> present;
            if (inDoubt) {
                std::string ids = "{";
                for (const Item &it : batch)
                    ids += (ids.size() > 1 ? "," : "") + uuidText(it.id);
                ids += '}';
                pqxx::read_transaction rtx(*conn);
                for (const auto &row : rtx.exec_params("SELECT id::text FROM activity_queue "
                                                       "WHERE id = ANY($1::uuid[])", ids))
                    present.insert(QUuid::fromString(QString::fromStdString(row[0].as<std::string>())));
                rtx.commit();
                inDoubt = false;
            }
            try {
                pqxx::work tx(*conn);
                pqxx::stream_to copy(tx, "activity_queue",
                                     std::vector<std::string>{"id", "tenant_id", "event_type",
                                                              "payload_json", "created_at"});
                for (const Item &it : batch) {
                    if (present.contains(it.id))
                        continue;
                    copy << std::make_tuple(
                        uuidText(it.id), it.tenantId, it.type.toStdString(),
                        QJsonDocument(it.payload).toJson(QJsonDocument::Compact).toStdString(),
                        isoMicros(it.createdAt).toStdString());
                }
                copy.complete();
                tx.commit();
            } catch (const std::exception &e) {
                if (isConnectionError(e))
                    throw;
                // A bad row (unknown tenant, payload PostgreSQL refuses) must not block the
                // rest: write one by one and drop, count and log only the bad ones.
                for (const Item &it : batch) {
                    if (present.contains(it.id))
                        continue;
                    try {
                        pqxx::work tx(*conn);
                        tx.exec_params0("INSERT INTO activity_queue (id, tenant_id, event_type, "
                                        "payload_json, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)",
                                        uuidText(it.id), it.tenantId, it.type.toStdString(),
                                        QJsonDocument(it.payload).toJson(QJsonDocument::Compact).toStdString(),
                                        isoMicros(it.createdAt).toStdString());
                        tx.commit();
                    } catch (const std::exception &rowError) {
                        if (isConnectionError(rowError))
                            throw;
                        ++rejected;
                        ++m_dropped;
                        qCWarning(lcFeed, "dropped an event the database refused (tenant %d, %s): %s",
                                  it.tenantId, qPrintable(it.type), rowError.what());
                    }
                }
            }
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_buffer.erase(m_buffer.begin(), m_buffer.begin() + long(batch.size()));
                m_committed += batch.size();
                m_lastError.clear();
            }
            m_written += batch.size() - rejected;
            m_flushed.notify_all();
            backoff = std::chrono::milliseconds(50);
        } catch (const std::exception &e) {
            conn.reset();
            inDoubt = true;
            bool firstFailure = false;
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                firstFailure = m_lastError.isEmpty();
                m_lastError = QString::fromLocal8Bit(e.what()).trimmed();
                if (m_stop)
                    return;
            }
            if (firstFailure)
                qCWarning(lcFeed, "event writer cannot reach the database, retrying: %s", e.what());
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait_for(lock, backoff, [&] { return m_stop; });
            backoff = std::min(backoff * 2, m_options.maxBackoff);
        }
    }
}

} // namespace af
