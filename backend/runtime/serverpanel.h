#pragma once
#include <QByteArray>
#include <QString>
#include <QStringList>

#include <mutex>

namespace af {

class ConnectionPool;
class HttpServer;

/// @brief The admin's server panel over the running HTTP server: address, LAN URLs,
/// open/close to the LAN, connected SSE clients and disconnecting one. Blocking (tenant
/// names come from the database): call on a worker thread.
class ServerPanel
{
public:
    ServerPanel(HttpServer &server, ConnectionPool &pool, quint16 port);

    /// @brief `{"listen","lanOpen","lanUrls":[…],"clients":[{"id","tenantId","tenantName",
    /// "address","since","lastEventId"}]}`
    QByteArray status();
    /// @brief http://<address>:<port>/ for each non-loopback IPv4 address of this machine.
    [[nodiscard]] static QStringList lanUrls(quint16 port);
    /// @brief Rebinds to all interfaces (true) or to 127.0.0.1; answers as status().
    QByteArray setLanOpen(bool open);
    /// @brief false when there is no such client (any more).
    bool disconnectClient(const QString &clientId);

private:
    HttpServer &m_server;
    ConnectionPool &m_pool;
    quint16 m_port;
    std::mutex m_mutex;
    QString m_host;
};

} // namespace af
