#pragma once
#include "feed/broadcaster.h"
#include "streamtypes.h"

#include <QByteArray>
#include <QDateTime>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace af {

class ConnectionHandle;

/// @brief The queue from the broadcaster into one network thread's SSE hub. A broadcast
/// calls push() once per client; consecutive pushes of the same (shared) frame buffer
/// collapse into one batch {frame, client ids}, and only the first push after a drain
/// posts a wake-up: one queued event per network thread per burst, not one per client.
class SseInbox
{
public:
    struct Batch
    {
        QByteArray frame;
        std::vector<quint64> ids;
    };

    SseInbox(std::shared_ptr<ConnectionHandle> hub, std::function<void()> onWake);

    /// @brief Any thread: queues @p frame for client @p id.
    void add(quint64 id, const QByteArray &frame);
    /// @brief Hub thread: takes every queued batch, in order.
    [[nodiscard]] std::vector<Batch> take();
    /// @brief Any thread: runs @p fn on the hub's thread (dropped once the hub is gone).
    bool post(std::function<void()> fn);

private:
    std::shared_ptr<ConnectionHandle> m_hub;
    std::function<void()> m_onWake;
    std::mutex m_mutex;
    std::vector<Batch> m_batches;
    bool m_wakePosted = false;
};

/// @brief The broadcaster's side of one SSE connection: push() may be called from any
/// thread, never blocks, and queues the (shared) frame for the socket's thread through
/// the thread's SseInbox. Past the backlog limit it asks for the client to be cut.
class SseClient final : public FeedClient
{
public:
    SseClient(quint64 id, int tenantId, const QString &peerAddress, qint64 backlogLimit,
              std::shared_ptr<SseInbox> inbox, std::function<void()> onDisconnect);

    void push(const QByteArray &frame) override;

    /// @brief Socket thread: @p bytes queued by push() were taken off the inbox.
    void delivered(qint64 bytes) { m_queuedBytes.fetch_sub(bytes, std::memory_order_relaxed); }
    /// @brief Socket thread: bytes already accepted for the socket but not yet sent.
    void setSocketBacklog(qint64 bytes) { m_socketBacklog.store(bytes, std::memory_order_relaxed); }
    void setLastEventId(qint64 id) { m_lastEventId.store(id, std::memory_order_release); }
    /// @brief Stops queueing; later pushes are dropped.
    void close() { m_closed.store(true); }
    /// @brief Any thread: asks the socket's thread to disconnect this client.
    void requestDisconnect();

    [[nodiscard]] quint64 id() const { return m_id; }
    [[nodiscard]] int tenantId() const { return m_tenantId; }
    [[nodiscard]] SseClientInfo info() const;
    [[nodiscard]] qint64 queuedBytes() const { return m_queuedBytes.load(std::memory_order_relaxed); }

private:
    const quint64 m_id;
    const int m_tenantId;
    const qint64 m_backlogLimit;
    const QString m_peerAddress;
    const QDateTime m_connectedSince;
    std::shared_ptr<SseInbox> m_inbox;
    std::function<void()> m_onDisconnect;

    std::atomic<bool> m_closed{false};
    std::atomic<qint64> m_queuedBytes{0};
    std::atomic<qint64> m_socketBacklog{0};
    std::atomic<qint64> m_lastEventId{-1};
};

} // namespace af
