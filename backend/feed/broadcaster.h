#pragma once
#include "streammessage.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace af {

/// @brief What the broadcaster hands messages to: deliver() is called from any thread and
/// must be thread-safe and must not block. The desktop's in-process receiver takes each
/// message's typed value; SSE clients are FeedClients.
class StreamReceiver
{
public:
    virtual ~StreamReceiver() = default;
    virtual void deliver(const StreamMessage &message) = 0;
};

/// @brief One connected SSE client as the broadcaster sees it, implemented by the HTTP
/// layer's SSE connection: it takes each message's frame. `push` must be thread-safe and
/// must not block (it queues the frame to the socket's own thread).
class FeedClient : public StreamReceiver
{
public:
    /// @brief Queues one complete SSE frame ("event: …\nid: …\ndata: …\n\n").
    virtual void push(const QByteArray &frame) = 0;
    void deliver(const StreamMessage &message) final { push(message.frame); }
};

/// @brief Thread-safe registry of SSE clients keyed by tenant: an event reaches only its own tenant's clients.
/// Each broadcast serialises its frame once; every client gets the same shared buffer.
class Broadcaster
{
public:
    void registerFeedClient(int tenantId, const std::shared_ptr<StreamReceiver> &client);
    void unregisterFeedClient(int tenantId, const StreamReceiver *client);

    /// @brief Sends @p eventName with JSON @p data (one line) to @p tenantId's clients;
    /// @p id < 0 sends no `id:` field. Returns how many clients it reached.
    int broadcastFeedUpdate(int tenantId, const QString &eventName, const QByteArray &data,
                            qint64 id = -1);
    /// @brief The same frame to every connected client of every tenant.
    int broadcastAll(const QString &eventName, const QByteArray &data, qint64 id = -1);
    /// @brief @p message to @p tenantId's clients; returns how many it reached.
    int publish(int tenantId, const StreamMessage &message);
    /// @brief @p message to every connected client.
    int publishAll(const StreamMessage &message);

    [[nodiscard]] int clientCount() const;

    /// @brief The SSE frame for one event; data must be one line of JSON.
    [[nodiscard]] static QByteArray frame(const QString &eventName, const QByteArray &data,
                                          qint64 id = -1);

private:
    std::vector<std::shared_ptr<StreamReceiver>> snapshot(int tenantId, bool all) const;

    mutable std::mutex m_mutex;
    /// tenant → its clients by address: registering twice is a no-op and leaving is O(1).
    QHash<int, std::unordered_map<const StreamReceiver *, std::shared_ptr<StreamReceiver>>> m_clients;
};

} // namespace af
