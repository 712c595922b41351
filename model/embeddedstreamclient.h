#pragma once
#include "feed/broadcaster.h"

#include <QObject>

#include <functional>
#include <mutex>

/// @brief The desktop app's own SSE client: the broadcaster pushes frames to it from any
/// thread, it posts them to a receiver on the GUI thread. Live updates thus reach the
/// window by the same path as they reach HTTP clients.
class EmbeddedStreamClient : public af::FeedClient
{
public:
    using FrameHandler = std::function<void(const QByteArray &frame)>;

    EmbeddedStreamClient(QObject *receiver, FrameHandler handler);

    void push(const QByteArray &frame) override;
    /// @brief After this, frames are dropped; call before the receiver is destroyed.
    void detach();

private:
    std::mutex m_mutex;
    QObject *m_receiver;
    FrameHandler m_handler;
};
