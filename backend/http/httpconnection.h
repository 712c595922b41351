#pragma once
#include "httprequestparser.h"
#include "router.h"
#include "streamtypes.h"

#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

class QTcpSocket;

namespace af {

class ConnectionHandle;
class ServerContext;

/// @brief One keep-alive HTTP connection on its network thread: parses requests as
/// bytes arrive, runs their handlers on the worker pool, writes the answers in request
/// order, enforces the request and idle timeouts, and turns into an SseConnection when
/// a stream route accepts.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    /// @brief Adopts the accepted socket @p descriptor (on the calling thread).
    HttpConnection(qintptr descriptor, ServerContext *context, QObject *parent);
    ~HttpConnection() override;

private:
    /// One answer to write, in request order.
    struct Slot
    {
        quint64 id = 0;
        bool ready = false;
        QByteArray bytes;
        bool closeAfter = false;
        bool streamAccepted = false;
        StreamResult stream;
    };

    void process();
    void processBuffered();
    void dispatch(HttpRequest &&request);
    /// @brief Queues a matched request's handler for the worker pool.
    void startOnWorker(quint64 id, bool keepAlive, bool head, const QByteArray &caller,
                       const QByteArray &credential, Router::Match &&match, HttpRequest &&request);
    void finish(quint64 id, const QByteArray &bytes, bool closeAfter);
    void finishStream(quint64 id, const StreamResult &result, bool keepAlive);
    void fail(int status, const QString &message);
    void flush();
    void handOffToSse(const StreamResult &accept);
    void completeHandOff();
    void beginClose();
    void shutdownWrite();
    void updateTimers(bool completedRequest);
    [[nodiscard]] Slot *slotFor(quint64 id);
    /// @brief What the worker queue calls when a parked request of ours gets its place.
    [[nodiscard]] std::function<bool()> resumer();
    /// @brief The 503 for a request the full worker queue cannot take.
    [[nodiscard]] static HttpResponse saturated();
    [[nodiscard]] bool paused() const;

    ServerContext *m_context;
    QTcpSocket *m_socket;
    QString m_peerAddress;
    HttpRequestParser m_parser;
    std::shared_ptr<ConnectionHandle> m_handle;
    std::deque<Slot> m_slots;
    quint64 m_nextSlotId = 0;
    bool m_stopParsing = false;   ///< after an error, `Connection: close` or a stream request
    bool m_streamPending = false; ///< a stream handler is deciding
    bool m_closing = false;
    bool m_writeShut = false;
    bool m_processing = false;
    bool m_processAgain = false;
    bool m_parked = false; ///< our last request waits for its caller's place: read nothing more
    bool m_sseSlotHeld = false; ///< a reserved SSE slot not yet handed to the hub
    bool m_sseWaiting = false;  ///< earlier answers still flushing before the hand-off
    StreamResult m_sseAccept;
    QTimer m_requestTimer;
    QTimer m_idleTimer;
    QTimer m_lingerTimer;
};

} // namespace af
