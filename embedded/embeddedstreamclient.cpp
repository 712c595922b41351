#include "embeddedstreamclient.h"

EmbeddedStreamClient::EmbeddedStreamClient(QObject *receiver, Handler handler)
    : m_receiver(receiver), m_handler(std::move(handler))
{
}

void EmbeddedStreamClient::deliver(const af::StreamMessage &message)
{
    // Holding the lock while posting: the receiver cannot be detached half-way, and once
    // posted, Qt drops the call if the receiver dies before it runs.
    std::lock_guard lock(m_mutex);
    if (!m_receiver)
        return;
    QMetaObject::invokeMethod(m_receiver, [handler = m_handler, message] { handler(message); },
                              Qt::QueuedConnection);
}

void EmbeddedStreamClient::detach()
{
    std::lock_guard lock(m_mutex);
    m_receiver = nullptr;
}
