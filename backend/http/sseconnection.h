#pragma once
#include "streamtypes.h"

#include <QByteArrayList>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>
#include <unordered_map>
#include <vector>

class QSocketNotifier;

namespace af {

class ConnectionHandle;
class ServerContext;
class SseClient;
class SseInbox;

/// @brief Every SSE stream of one network thread (CONTRACT §5). After the handshake a
/// stream is a plain socket descriptor in the hub's own epoll set, watched by Qt through
/// that one descriptor: no QTcpSocket, QObject, timer or write buffer per client.
///
/// Per stream: writes the headers and `retry:`, registers with the broadcaster before
/// asking for the replay, holds live frames until the replay is written, de-duplicates
/// the replay against live frames, and cuts a client whose unsent output passes the
/// backlog limit. Frames go straight to the socket; only what the kernel does not take
/// is kept (a reference to the shared frame). One keep-alive timer walks all streams.
/// Broadcasts reach the hub as one queued event per burst (SseInbox).
class SseHub : public QObject
{
    Q_OBJECT
public:
    /// @brief The hub of @p home's thread (a child of @p home), made on first use.
    /// Call on @p home's thread.
    static SseHub *of(QObject *home, ServerContext *context);

    SseHub(ServerContext *context, QObject *parent);
    ~SseHub() override;

    /// @brief Takes ownership of the connected, non-blocking socket @p fd and of one
    /// reserved SSE slot, and starts the stream.
    void adopt(int fd, const StreamResult &accept, const QString &peerAddress);

    [[nodiscard]] int streamCount() const { return int(m_conns.size()); }

    /// @brief The `id:` of an SSE frame, or -1.
    [[nodiscard]] static qint64 frameId(const QByteArray &frame);
    /// @brief Whether @p frame is an `activity.event.created` frame.
    [[nodiscard]] static bool isEventCreated(const QByteArray &frame);

private:
    struct Conn
    {
        int fd = -1;
        int tenantId = 0;
        int tokenId = 0;
        qint64 lastEventId = -1;
        std::shared_ptr<SseClient> client;
        bool registered = false;
        bool holding = false;
        bool closed = false;
        bool watchingOut = false;
        QByteArrayList out;  ///< what the kernel has not taken yet (shared frames)
        qsizetype outOffset = 0;
        qint64 outBytes = 0;
        QByteArrayList held; ///< live frames held while the replay is pending
        qint64 heldBytes = 0;
        QList<ReplayFrame> replay; ///< replay frames not written yet (sent at the reader's pace)
        qsizetype replayAt = 0;
        bool replayLoaded = false;
        QSet<qint64> replayed;   ///< seqs the replay wrote; live copies of them are dropped
        qint64 replayedMax = -1; ///< past it no replayed seq can come live any more
    };

    [[nodiscard]] Conn *find(quint64 id) const;
    void onEpoll();
    void onInbox();
    void onKeepalive();
    void deliver(Conn &c, const QByteArray &frame, qint64 id, bool created);
    void applyReplay(quint64 id, const Replay &replay);
    void pumpReplay(Conn &c);
    void onTokenCheck();
    void closeRevoked(const QSet<int> &revoked);
    [[nodiscard]] static bool alreadySent(const Conn &c, qint64 id, bool created);
    void write(Conn &c, const QByteArray &frame, qint64 id);
    void flushOut(Conn &c);
    void watchOut(Conn &c, bool on);
    void readInput(Conn &c);
    void checkBacklog(Conn &c);
    void disconnectClient(quint64 id, const char *reason);
    void closeConn(Conn &c);
    void reap();

    ServerContext *m_context;
    int m_epoll = -1;
    QSocketNotifier *m_notifier = nullptr;
    std::shared_ptr<ConnectionHandle> m_handle;
    std::shared_ptr<SseInbox> m_inbox;
    std::unordered_map<quint64, std::unique_ptr<Conn>> m_conns;
    std::vector<quint64> m_dead;
    QTimer m_keepalive;
    QTimer m_tokenTimer;
    bool m_tokenCheckRunning = false;
};

} // namespace af
