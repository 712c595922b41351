#pragma once
#include "feed/broadcaster.h"
#include "streamtypes.h"

#include <QByteArrayList>
#include <QDateTime>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace af {

class ConnectionHandle;

/// @brief The broadcaster's side of one SSE connection: push() may be called from any
/// thread, never blocks, and queues the (shared) frame for the socket's thread; bursts
/// coalesce into one wake-up. Past the backlog limit it asks for the client to be cut.
class SseClient final : public FeedClient
{
public:
    SseClient(quint64 id, int tenantId, const QString &peerAddress, qint64 backlogLimit,
              std::shared_ptr<ConnectionHandle> handle, std::function<void()> onFrames,
              std::function<void()> onDisconnect);

    void push(const QByteArray &frame) override;

    /// @brief Socket thread: takes the queued frames.
    [[nodiscard]] QByteArrayList takeFrames();
    /// @brief Socket thread: bytes already handed to the socket but not yet sent.
    void setSocketBacklog(qint64 bytes) { m_socketBacklog.store(bytes); }
    void setLastEventId(qint64 id) { m_lastEventId.store(id); }
    /// @brief Stops queueing; later pushes are dropped.
    void close();
    /// @brief Any thread: asks the socket's thread to disconnect this client.
    void requestDisconnect();

    [[nodiscard]] quint64 id() const { return m_id; }
    [[nodiscard]] int tenantId() const { return m_tenantId; }
    [[nodiscard]] SseClientInfo info() const;
    [[nodiscard]] qint64 queuedBytes() const;

private:
    const quint64 m_id;
    const int m_tenantId;
    const QString m_peerAddress;
    const QDateTime m_connectedSince;
    const qint64 m_backlogLimit;
    std::shared_ptr<ConnectionHandle> m_handle;
    std::function<void()> m_onFrames;
    std::function<void()> m_onDisconnect;

    mutable std::mutex m_mutex;
    QByteArrayList m_queue;
    qint64 m_queuedBytes = 0;
    bool m_wakeupPosted = false;
    bool m_closed = false;
    std::atomic<qint64> m_socketBacklog{0};
    std::atomic<qint64> m_lastEventId{-1};
};

} // namespace af
