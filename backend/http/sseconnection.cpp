#include "sseconnection.h"

#include "connectionhandle.h"
#include "db/logcategories.h"
#include "feed/broadcaster.h"
#include "servercontext.h"
#include "sseclient.h"

#include <QTcpSocket>
#include <QThreadPool>

namespace af {

namespace {
constexpr QByteArrayView kEventCreated = "event: activity.event.created\n";
}

SseConnection::SseConnection(QTcpSocket *socket, const StreamResult &accept,
                             const QString &peerAddress, ServerContext *context, QObject *parent)
    : QObject(parent)
    , m_context(context)
    , m_socket(socket)
    , m_tenantId(accept.tenantId)
    , m_lastEventId(accept.lastEventId)
    , m_peerAddress(peerAddress)
    , m_handle(std::make_shared<ConnectionHandle>(this))
{
    m_socket->setParent(this);
    m_client = std::make_shared<SseClient>(
        context->nextSseId(), m_tenantId, peerAddress, context->config().sseBacklogLimit,
        m_handle, [this] { drain(); },
        [this] { disconnectClient("backlog limit or admin request"); });
    start();
}

SseConnection::~SseConnection()
{
    cleanup();
}

quint64 SseConnection::clientId() const
{
    return m_client->id();
}

void SseConnection::start()
{
    const HttpServerConfig &cfg = m_context->config();
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        cleanup();
        deleteLater();
    });
    // Clients have nothing to say on a stream; drop whatever they send.
    m_socket->skip(m_socket->bytesAvailable());
    connect(m_socket, &QTcpSocket::readyRead, this, [this] { m_socket->skip(m_socket->bytesAvailable()); });
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] { checkBacklog(); });
    connect(&m_keepalive, &QTimer::timeout, this, [this] { write(QByteArrayLiteral(": keepalive\n\n")); });

    m_socket->write("HTTP/1.1 200 OK\r\n"
                    "Content-Type: text/event-stream\r\n"
                    "Cache-Control: no-cache\r\n"
                    "Connection: keep-alive\r\n"
                    "X-Accel-Buffering: no\r\n\r\n"
                    "retry: "
                    + QByteArray::number(cfg.sseRetryMs) + "\n\n");

    m_context->addSseClient(m_client);
    const ReplayProvider &provider = m_context->replayProvider();
    m_holding = m_lastEventId >= 0 && provider;
    // Register before asking for the replay: an event committed in between is then
    // either in the replay or held here, never lost.
    if (Broadcaster *b = m_context->broadcaster()) {
        b->registerFeedClient(m_tenantId, m_client);
        m_registered = true;
    } else {
        qCWarning(lcHttp) << "SSE client accepted without a broadcaster";
    }
    qCInfo(lcHttp) << "SSE client" << m_client->id() << "tenant" << m_tenantId << "from"
                   << m_peerAddress << "connected";

    if (m_holding) {
        const qint64 last = m_lastEventId;
        ReplayProvider fn = provider;
        std::shared_ptr<ConnectionHandle> handle = m_handle;
        m_context->pool()->start([fn, last, handle, this] {
            try {
                Replay replay = fn(last);
                handle->post([this, replay] { applyReplay(replay); });
            } catch (const std::exception &e) {
                qCWarning(lcHttp) << "SSE replay failed:" << e.what();
                handle->post([this] { disconnectClient("replay failed"); });
            } catch (...) {
                handle->post([this] { disconnectClient("replay failed"); });
            }
        });
    }
    m_keepalive.start(cfg.sseKeepaliveMs);
}

void SseConnection::drain()
{
    const QByteArrayList frames = m_client->takeFrames();
    if (m_holding) {
        for (const QByteArray &f : frames) {
            m_held.append(f);
            m_heldBytes += f.size();
        }
        checkBacklog();
        return;
    }
    for (const QByteArray &f : frames) {
        // The listener may deliver an event after the replay already carried it: the
        // replay reads committed rows, the broadcast comes a moment later.
        if (alreadySent(f))
            continue;
        write(f);
        if (m_replayedMax >= 0 && frameId(f) > m_replayedMax) {
            m_replayed.clear();
            m_replayedMax = -1;
        }
    }
}

bool SseConnection::alreadySent(const QByteArray &frame) const
{
    if (m_lastEventId < 0 || !isEventCreated(frame))
        return false;
    const qint64 id = frameId(frame);
    return id >= 0 && (id <= m_lastEventId || m_replayed.contains(id));
}

void SseConnection::applyReplay(const Replay &replay)
{
    if (!m_holding || m_cleanedUp)
        return;
    m_holding = false;
    if (replay.resync) {
        write(Broadcaster::frame(QStringLiteral("activity.resync"), QByteArrayLiteral("{}")));
    } else {
        m_replayed.reserve(replay.frames.size());
        for (const ReplayFrame &f : replay.frames) {
            write(f.frame);
            m_replayed.insert(f.seq);
            m_replayedMax = std::max(m_replayedMax, f.seq);
        }
    }
    // Held frames the replay already carried (or the client already had) are dropped;
    // matching on the exact seqs rather than "≤ last seq" also keeps an event whose
    // transaction committed out of seq order. Frames still queued in the SseClient are
    // filtered the same way by drain().
    const QByteArrayList held = std::exchange(m_held, {});
    m_heldBytes = 0;
    for (const QByteArray &f : held) {
        if (!alreadySent(f))
            write(f);
    }
}

void SseConnection::write(const QByteArray &frame)
{
    if (m_cleanedUp)
        return;
    m_socket->write(frame);
    const qint64 id = frameId(frame);
    if (id >= 0)
        m_client->setLastEventId(id);
    checkBacklog();
}

void SseConnection::checkBacklog()
{
    if (m_cleanedUp)
        return;
    const qint64 backlog = m_socket->bytesToWrite() + m_heldBytes;
    m_client->setSocketBacklog(backlog);
    if (backlog + m_client->queuedBytes() > m_context->config().sseBacklogLimit)
        disconnectClient("backlog limit");
}

void SseConnection::disconnectClient(const char *reason)
{
    if (m_cleanedUp)
        return;
    qCInfo(lcHttp) << "SSE client" << m_client->id() << "disconnected:" << reason;
    cleanup();
    m_socket->abort();
    deleteLater();
}

void SseConnection::cleanup()
{
    if (m_cleanedUp)
        return;
    m_cleanedUp = true;
    m_keepalive.stop();
    if (m_registered)
        m_context->broadcaster()->unregisterFeedClient(m_tenantId, m_client.get());
    m_client->close();
    m_handle->detach();
    m_context->removeSseClient(m_client->id());
    m_context->releaseSseSlot();
}

qint64 SseConnection::frameId(const QByteArray &frame)
{
    qsizetype pos = -1;
    if (frame.startsWith("id: ")) {
        pos = 4;
    } else {
        const qsizetype dataAt = frame.indexOf("\ndata:");
        const qsizetype at = frame.indexOf("\nid: ");
        if (at < 0 || (dataAt >= 0 && at > dataAt))
            return -1;
        pos = at + 5;
    }
    const qsizetype end = frame.indexOf('\n', pos);
    bool ok = false;
    const qint64 id = QByteArrayView(frame).sliced(pos, (end < 0 ? frame.size() : end) - pos).toLongLong(&ok);
    return ok ? id : -1;
}

bool SseConnection::isEventCreated(const QByteArray &frame)
{
    return frame.startsWith(kEventCreated);
}

} // namespace af
