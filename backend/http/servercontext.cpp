#include "servercontext.h"

#include "sseclient.h"

#include <QThread>

#include <algorithm>

namespace af {

ServerContext::ServerContext(const HttpServerConfig &config)
    : m_config(config)
{
    // Handlers mostly wait on PostgreSQL, so more threads than cores pays off.
    const int threads = config.workerThreads > 0 ? config.workerThreads
                                                 : std::max(4, 2 * QThread::idealThreadCount());
    m_pool.setMaxThreadCount(threads);
    m_pool.setObjectName(QStringLiteral("af-http-workers"));
}

bool ServerContext::tryReserveSseSlot()
{
    int current = m_sseSlots.load();
    while (current < m_config.maxSseClients) {
        if (m_sseSlots.compare_exchange_weak(current, current + 1))
            return true;
    }
    return false;
}

void ServerContext::releaseSseSlot()
{
    m_sseSlots.fetch_sub(1);
}

void ServerContext::addSseClient(const std::shared_ptr<SseClient> &client)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_sseClients.insert(client->id(), client);
    }
    if (m_sseChanged)
        m_sseChanged();
}

void ServerContext::removeSseClient(quint64 id)
{
    bool removed = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        removed = m_sseClients.remove(id) > 0;
    }
    if (removed && m_sseChanged)
        m_sseChanged();
}

QList<SseClientInfo> ServerContext::sseClients() const
{
    QList<SseClientInfo> out;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        out.reserve(m_sseClients.size());
        for (const auto &c : m_sseClients)
            out.append(c->info());
    }
    std::sort(out.begin(), out.end(),
              [](const SseClientInfo &a, const SseClientInfo &b) { return a.id < b.id; });
    return out;
}

int ServerContext::sseClientCount() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return int(m_sseClients.size());
}

bool ServerContext::disconnectSseClient(quint64 id)
{
    std::shared_ptr<SseClient> client;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        client = m_sseClients.value(id);
    }
    if (!client)
        return false;
    client->requestDisconnect();
    return true;
}

} // namespace af
