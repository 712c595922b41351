#include "connectionhandle.h"

#include <QMetaObject>

namespace af {

ConnectionHandle::ConnectionHandle(QObject *target)
    : m_target(target)
{
}

bool ConnectionHandle::post(std::function<void()> fn)
{
    // Posting under the lock: detach() cannot complete (and so the target cannot be
    // destroyed) while an event is half posted; ~QObject drops events already posted.
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_target)
        return false;
    QMetaObject::invokeMethod(m_target, std::move(fn), Qt::QueuedConnection);
    return true;
}

void ConnectionHandle::detach()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_target = nullptr;
}

bool ConnectionHandle::isAttached() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_target != nullptr;
}

} // namespace af
