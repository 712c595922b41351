#pragma once
#include "feed/broadcaster.h"

#include <QObject>

#include <functional>
#include <mutex>

/// @brief The desktop's own stream client: the broadcaster hands it each message from any
/// thread, and it posts the message's typed value to a receiver on the GUI thread. Live
/// updates reach the window by the same LISTEN path as they reach HTTP clients, without
/// being written as JSON or SSE text and read back.
class EmbeddedStreamClient : public af::StreamReceiver
{
public:
    using Handler = std::function<void(const af::StreamMessage &message)>;

    EmbeddedStreamClient(QObject *receiver, Handler handler);

    void deliver(const af::StreamMessage &message) override;
    /// @brief After this, messages are dropped; call before the receiver is destroyed.
    void detach();

private:
    std::mutex m_mutex;
    QObject *m_receiver;
    Handler m_handler;
};
