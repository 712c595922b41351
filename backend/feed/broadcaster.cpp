#include "broadcaster.h"

#include <algorithm>

namespace af {

void Broadcaster::registerFeedClient(int tenantId, const std::shared_ptr<StreamReceiver> &client)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_clients[tenantId].emplace(client.get(), client);
}

void Broadcaster::unregisterFeedClient(int tenantId, const StreamReceiver *client)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = m_clients.find(tenantId);
    if (it == m_clients.end())
        return;
    auto &list = it.value();
    list.erase(client);
    if (list.empty())
        m_clients.erase(it);
}

QByteArray Broadcaster::frame(const QString &eventName, const QByteArray &data, qint64 id)
{
    QByteArray out;
    out.reserve(data.size() + eventName.size() + 32);
    out += "event: ";
    out += eventName.toUtf8();
    out += '\n';
    if (id >= 0) {
        out += "id: ";
        out += QByteArray::number(id);
        out += '\n';
    }
    out += "data: ";
    out += data;
    out += "\n\n";
    return out;
}

std::vector<std::shared_ptr<StreamReceiver>> Broadcaster::snapshot(int tenantId, bool all) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<std::shared_ptr<StreamReceiver>> out;
    if (all) {
        for (const auto &list : m_clients)
            for (const auto &entry : list)
                out.push_back(entry.second);
    } else {
        const auto it = m_clients.constFind(tenantId);
        if (it != m_clients.constEnd()) {
            out.reserve(it.value().size());
            for (const auto &entry : it.value())
                out.push_back(entry.second);
        }
    }
    return out;
}

int Broadcaster::broadcastFeedUpdate(int tenantId, const QString &eventName,
                                     const QByteArray &data, qint64 id)
{
    return publish(tenantId, StreamMessage::plain(eventName, data, id));
}

int Broadcaster::broadcastAll(const QString &eventName, const QByteArray &data, qint64 id)
{
    return publishAll(StreamMessage::plain(eventName, data, id));
}

int Broadcaster::publish(int tenantId, const StreamMessage &message)
{
    // Deliver outside the lock so that a client's push never delays registration.
    const auto clients = snapshot(tenantId, false);
    for (const auto &c : clients)
        c->deliver(message);
    return int(clients.size());
}

int Broadcaster::publishAll(const StreamMessage &message)
{
    const auto clients = snapshot(0, true);
    for (const auto &c : clients)
        c->deliver(message);
    return int(clients.size());
}

int Broadcaster::clientCount() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    int n = 0;
    for (const auto &list : m_clients)
        n += int(list.size());
    return n;
}

} // namespace af
