#include "sseclient.h"

#include "connectionhandle.h"

namespace af {

SseInbox::SseInbox(std::shared_ptr<ConnectionHandle> hub, std::function<void()> onWake)
    : m_hub(std::move(hub))
    , m_onWake(std::move(onWake))
{
}

void SseInbox::add(quint64 id, const QByteArray &frame)
{
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        // A broadcast hands every client the same buffer: same data pointer, same batch.
        if (m_batches.empty() || m_batches.back().frame.constData() != frame.constData()
            || m_batches.back().frame.size() != frame.size()) {
            m_batches.push_back({frame, {}});
            m_batches.back().ids.reserve(64);
        }
        m_batches.back().ids.push_back(id);
        if (!m_wakePosted) {
            m_wakePosted = true;
            wake = true;
        }
    }
    if (wake)
        m_hub->post(m_onWake);
}

std::vector<SseInbox::Batch> SseInbox::take()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_wakePosted = false;
    return std::exchange(m_batches, {});
}

bool SseInbox::post(std::function<void()> fn)
{
    return m_hub->post(std::move(fn));
}

SseClient::SseClient(quint64 id, int tenantId, const QString &peerAddress, qint64 backlogLimit,
                     std::shared_ptr<SseInbox> inbox, std::function<void()> onDisconnect)
    : m_id(id)
    , m_tenantId(tenantId)
    , m_backlogLimit(backlogLimit)
    , m_peerAddress(peerAddress)
    , m_connectedSince(QDateTime::currentDateTimeUtc())
    , m_inbox(std::move(inbox))
    , m_onDisconnect(std::move(onDisconnect))
{
}

void SseClient::push(const QByteArray &frame)
{
    if (m_closed.load(std::memory_order_acquire))
        return;
    const qint64 size = frame.size();
    if (m_queuedBytes.load(std::memory_order_relaxed) + size
            + m_socketBacklog.load(std::memory_order_relaxed)
        > m_backlogLimit) {
        if (!m_closed.exchange(true))
            m_inbox->post(m_onDisconnect);
        return;
    }
    m_queuedBytes.fetch_add(size, std::memory_order_relaxed);
    m_inbox->add(m_id, frame); // shares the broadcaster's buffer, no copy
}

void SseClient::requestDisconnect()
{
    m_inbox->post(m_onDisconnect);
}

SseClientInfo SseClient::info() const
{
    SseClientInfo i;
    i.id = m_id;
    i.tenantId = m_tenantId;
    i.peerAddress = m_peerAddress;
    i.connectedSince = m_connectedSince;
    i.lastEventId = m_lastEventId.load();
    return i;
}

} // namespace af
