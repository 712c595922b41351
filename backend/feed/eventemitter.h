#pragma once
#include <QJsonObject>
#include <QString>
#include <QUuid>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace af {

/// @brief Fire-and-forget event ingest (CONTRACT §3): emitEvent() queues in memory and
/// returns at once; a writer thread inserts batches into activity_queue, retrying with
/// backoff while the database is down. The buffer is bounded; drops are counted and logged.
class EventEmitter
{
public:
    struct Options {
        std::size_t capacity = 100000;
        int batchSize = 2000;
        std::chrono::milliseconds maxBackoff{2000};
    };

    explicit EventEmitter(std::string connString);
    EventEmitter(std::string connString, Options options);
    /// @brief Flushes for up to 5 s, then stops the writer.
    ~EventEmitter();
    EventEmitter(const EventEmitter &) = delete;
    EventEmitter &operator=(const EventEmitter &) = delete;

    /// @brief Never throws, never waits on the database.
    void emitEvent(int tenantId, const QString &type, const QJsonObject &payload = {}) noexcept;

    /// @brief Waits until every event emitted so far is committed; false on timeout.
    bool flush(std::chrono::milliseconds timeout);

    [[nodiscard]] quint64 dropped() const { return m_dropped.load(); }
    [[nodiscard]] quint64 written() const { return m_written.load(); }
    [[nodiscard]] std::size_t pending() const;
    [[nodiscard]] QString lastError() const;

private:
    struct Item {
        int tenantId;
        QString type;
        QJsonObject payload; ///< serialised by the writer, off the caller's thread
        qint64 createdAt;    ///< µs since epoch, taken at emit time
        QUuid id = {};       ///< the queue row's id, given by the writer before its first attempt
    };
    void run();

    std::string m_connString;
    Options m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_flushed;
    std::deque<Item> m_buffer;
    quint64 m_emitted = 0;  ///< guarded by m_mutex
    quint64 m_committed = 0; ///< guarded by m_mutex
    QString m_lastError;
    bool m_stop = false;
    std::atomic<quint64> m_dropped{0};
    std::atomic<quint64> m_written{0};
    std::thread m_thread;
};

} // namespace af
