#pragma once
#include "httpserverconfig.h"
#include "router.h"
#include "streamtypes.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace af {

class Broadcaster;
class ServerContext;
class TcpAcceptor;

/// @brief HTTP/1.1 server with SSE on QTcpServer: one accept thread spreads sockets
/// round-robin over N network threads (each its own event loop); handlers run on a
/// worker pool, never on a network thread and never on the caller's (GUI) thread.
/// Register routes, broadcaster and replay provider before listen(); every getter is
/// thread-safe.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    explicit HttpServer(const HttpServerConfig &config = {}, QObject *parent = nullptr);
    ~HttpServer() override;

    /// @brief The routes; fill before listen().
    [[nodiscard]] Router &router();
    /// @brief Where accepted SSE clients register; must outlive the server.
    void setBroadcaster(Broadcaster *broadcaster);
    /// @brief Gives the frames after a Last-Event-ID; runs on the worker pool.
    void setReplayProvider(ReplayProvider provider);
    /// @brief Checks the tokens of open streams again and again (on the worker pool);
    /// streams whose token it no longer returns are closed.
    void setStreamTokenCheck(StreamTokenCheck check);
    /// @brief Replaces the configuration; only while not listening and without clients.
    void setConfig(const HttpServerConfig &config);
    [[nodiscard]] const HttpServerConfig &config() const;

    /// @brief Listens on the configured host and port.
    bool listen();
    /// @brief Listens on @p host ("127.0.0.1", "0.0.0.0", "::", "localhost", "*") and
    /// @p port (0: any free port). Stops a previous listen first. False with
    /// errorString() on failure.
    bool listen(const QString &host, quint16 port);
    /// @brief Stops listening and drops every connection, SSE clients included.
    /// listen() may be called again afterwards.
    void close();

    [[nodiscard]] bool isListening() const;
    [[nodiscard]] quint16 serverPort() const;
    [[nodiscard]] QString errorString() const;

    /// @brief Connected SSE clients, by id.
    [[nodiscard]] QList<SseClientInfo> sseClients() const;
    [[nodiscard]] int sseClientCount() const;
    /// @brief Disconnects SSE client @p id (asynchronously); false if unknown.
    bool disconnectSseClient(quint64 id);

Q_SIGNALS:
    /// @brief An SSE client connected or went away (emitted on the server's thread).
    void sseClientsChanged();

private:
    void runOnAcceptThread(const std::function<void()> &fn);
    void dropConnections();
    void onAccepted(qintptr descriptor);

    std::unique_ptr<ServerContext> m_context;
    std::unique_ptr<QThread> m_acceptThread;
    TcpAcceptor *m_acceptor = nullptr;
    std::vector<std::unique_ptr<QThread>> m_networkThreads;
    std::vector<QObject *> m_homes; ///< one per network thread, parent of its connections
    std::atomic<unsigned> m_nextThread{0};
    std::atomic<quint16> m_port{0};
    std::atomic<bool> m_listening{false};
    std::atomic<bool> m_changePosted{false};
    mutable std::mutex m_errorMutex;
    QString m_errorString;
};

} // namespace af
