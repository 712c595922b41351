#pragma once
#include <QObject>

#include <functional>
#include <mutex>

namespace af {

/// @brief A thread-safe weak link to a connection object: worker threads post their
/// results through it, and posts made after the connection is gone are dropped.
/// (A QPointer is not safe to test from another thread; this is.)
class ConnectionHandle
{
public:
    explicit ConnectionHandle(QObject *target);

    /// @brief Queues @p fn on the target's thread; false once detached.
    bool post(std::function<void()> fn);
    /// @brief Called by the target (its destructor at the latest) on its own thread.
    void detach();
    [[nodiscard]] bool isAttached() const;

private:
    mutable std::mutex m_mutex;
    QObject *m_target;
};

} // namespace af
