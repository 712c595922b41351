#include "sseclient.h"

#include "connectionhandle.h"

namespace af {

SseClient::SseClient(quint64 id, int tenantId, const QString &peerAddress, qint64 backlogLimit,
                     std::shared_ptr<ConnectionHandle> handle, std::function<void()> onFrames,
                     std::function<void()> onDisconnect)
    : m_id(id)
    , m_tenantId(tenantId)
    , m_peerAddress(peerAddress)
    , m_connectedSince(QDateTime::currentDateTimeUtc())
    , m_backlogLimit(backlogLimit)
    , m_handle(std::move(handle))
    , m_onFrames(std::move(onFrames))
    , m_onDisconnect(std::move(onDisconnect))
{
}

void SseClient::push(const QByteArray &frame)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_closed)
        return;
    if (m_queuedBytes + frame.size() + m_socketBacklog.load() > m_backlogLimit) {
        m_closed = true;
        m_queue.clear();
        m_queuedBytes = 0;
        m_handle->post(m_onDisconnect);
        return;
    }
    m_queue.append(frame); // shares the broadcaster's buffer, no copy
    m_queuedBytes += frame.size();
    if (!m_wakeupPosted) {
        m_wakeupPosted = true;
        m_handle->post(m_onFrames);
    }
}

QByteArrayList SseClient::takeFrames()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    QByteArrayList out;
    out.swap(m_queue);
    m_queuedBytes = 0;
    m_wakeupPosted = false;
    return out;
}

void SseClient::close()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_closed = true;
    m_queue.clear();
    m_queuedBytes = 0;
}

void SseClient::requestDisconnect()
{
    m_handle->post(m_onDisconnect);
}

qint64 SseClient::queuedBytes() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_queuedBytes;
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
