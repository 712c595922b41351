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

bool ServerContext::tryStartRequest(const QByteArray &callerKey, std::function<void()> job)
{
    std::lock_guard<std::mutex> lock(m_queueMutex);
    if (m_queuedRequests >= m_config.maxQueuedRequests)
        return false;
    auto &queue = m_callerQueues[callerKey];
    if (int(queue.size()) >= m_config.maxQueuedPerCaller)
        return false;
    if (queue.empty())
        m_callerTurns.push_back(callerKey);
    queue.push_back(std::move(job));
    ++m_queuedRequests;
    startQueued();
    return true;
}

void ServerContext::startQueued()
{
    while (m_runningRequests < m_pool.maxThreadCount() && !m_callerTurns.empty()) {
        const QByteArray key = m_callerTurns.front();
        m_callerTurns.pop_front();
        auto it = m_callerQueues.find(key);
        std::function<void()> job = std::move(it->front());
        it->pop_front();
        if (it->empty())
            m_callerQueues.erase(it);
        else
            m_callerTurns.push_back(key); // its next request waits for the others' turns
        ++m_runningRequests;
        m_pool.start([this, job = std::move(job)] {
            job();
            std::lock_guard<std::mutex> lock(m_queueMutex);
            --m_runningRequests;
            --m_queuedRequests;
            startQueued();
        });
    }
}

ServerContext::SlotAnswer ServerContext::tryReserveSseSlot(int tenantId)
{
    std::lock_guard<std::mutex> lock(m_slotMutex);
    if (m_sseSlots >= m_config.maxSseClients)
        return SlotAnswer::ServerFull;
    int &mine = m_tenantSlots[tenantId];
    if (mine >= m_config.maxStreamsPerTenant) {
        if (mine == 0)
            m_tenantSlots.remove(tenantId);
        return SlotAnswer::TenantFull;
    }
    ++mine;
    ++m_sseSlots;
    return SlotAnswer::Reserved;
}

void ServerContext::releaseSseSlot(int tenantId)
{
    std::lock_guard<std::mutex> lock(m_slotMutex);
    --m_sseSlots;
    const auto it = m_tenantSlots.find(tenantId);
    if (it != m_tenantSlots.end() && --it.value() <= 0)
        m_tenantSlots.erase(it);
}

int ServerContext::tenantStreams(int tenantId) const
{
    std::lock_guard<std::mutex> lock(m_slotMutex);
    return m_tenantSlots.value(tenantId);
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
