#pragma once
#include "eventqueue.h"

#include <QJsonObject>
#include <QString>
#include <QUuid>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace af {

/// @brief Fire-and-forget event ingest, so that a hook never waits on the database: emitEvent() queues in memory and
/// returns at once; a writer thread inserts batches into activity_queue, retrying with
/// backoff while the database is down. The buffer is bounded; drops are counted and logged.
class EventEmitter
{
public:
    struct Options {
        std::size_t capacity = 100000;
        int batchSize = 2000;
        std::chrono::milliseconds maxBackoff{2000};
        /// false: no writer thread; the owner calls runOnce() itself (tests of one step).
        bool startWriter = true;
    };

    /// @brief What one writer step did.
    enum class Step {
        Idle,    ///< nothing was buffered
        Written, ///< the oldest batch is committed (minus rows the database refused for good)
        Failed,  ///< a transient error: the batch stays buffered and is tried again later
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
    /// @brief Attempts that failed with a transient error (and were retried).
    [[nodiscard]] quint64 retries() const { return m_retries.load(); }

    /// @brief One step of the writer: writes the oldest batch once, never waits. The
    /// writer thread loops over it; with Options::startWriter false a test drives it.
    Step runOnce();

    /// @brief Would this error happen again for the same row, whatever the database's
    /// state (a value or constraint the row breaks, or a row our code cannot encode)? Only
    /// such a row is dropped; every other error (connection, read-only, disk full,
    /// deadlock, lock timeout, shutdown, ...) is retried with backoff.
    [[nodiscard]] static bool isPermanent(const std::exception &e);

private:
    struct Writer; ///< the writer thread's connection and retry state
    void run();
    bool waitForWork();
    bool waitBackoff();
    std::vector<StampedEvent> takeBatch();
    std::size_t writeBatch(const std::vector<StampedEvent> &batch);
    std::size_t insertOneByOne(const std::vector<StampedEvent> &rows);
    void commitBatch(std::size_t size, std::size_t rejected);
    void noteFailure(const std::exception &e);

    std::string m_connString;
    Options m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_flushed;
    std::deque<StampedEvent> m_buffer; ///< validated; the id is given before the first attempt
    quint64 m_emitted = 0;  ///< guarded by m_mutex
    quint64 m_committed = 0; ///< guarded by m_mutex
    QString m_lastError;
    bool m_stop = false;
    std::atomic<quint64> m_dropped{0};
    std::atomic<quint64> m_written{0};
    std::atomic<quint64> m_retries{0};
    std::unique_ptr<Writer> m_writer;
    std::thread m_thread;
};

} // namespace af
