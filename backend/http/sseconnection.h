#pragma once
#include "streamtypes.h"

#include <QByteArrayList>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>

class QTcpSocket;

namespace af {

class ConnectionHandle;
class ServerContext;
class SseClient;

/// @brief One accepted SSE stream on its network thread (CONTRACT §5): writes the
/// headers and `retry:`, registers with the broadcaster before asking for the replay,
/// holds live frames until the replay is written, sends keep-alives and cuts a client
/// whose unsent output passes the backlog limit.
class SseConnection : public QObject
{
    Q_OBJECT
public:
    /// @brief Takes ownership of @p socket and of one reserved SSE slot.
    SseConnection(QTcpSocket *socket, const StreamResult &accept, const QString &peerAddress,
                  ServerContext *context, QObject *parent);
    ~SseConnection() override;

    [[nodiscard]] quint64 clientId() const;

    /// @brief The `id:` of an SSE frame, or -1.
    [[nodiscard]] static qint64 frameId(const QByteArray &frame);
    /// @brief Whether @p frame is an `activity.event.created` frame.
    [[nodiscard]] static bool isEventCreated(const QByteArray &frame);

private:
    void start();
    void drain();
    void applyReplay(const Replay &replay);
    [[nodiscard]] bool alreadySent(const QByteArray &frame) const;
    void write(const QByteArray &frame);
    void checkBacklog();
    void disconnectClient(const char *reason);
    void cleanup();

    ServerContext *m_context;
    QTcpSocket *m_socket;
    int m_tenantId;
    qint64 m_lastEventId;
    QString m_peerAddress;
    std::shared_ptr<ConnectionHandle> m_handle;
    std::shared_ptr<SseClient> m_client;
    bool m_registered = false;
    bool m_cleanedUp = false;
    bool m_holding = false;
    QByteArrayList m_held;
    qint64 m_heldBytes = 0;
    QSet<qint64> m_replayed;   ///< seqs the replay wrote; live copies of them are dropped
    qint64 m_replayedMax = -1; ///< past it no replayed seq can come live any more
    QTimer m_keepalive;
};

} // namespace af
