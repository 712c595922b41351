#include "serverpanel.h"

#include "db/connectionpool.h"
#include "http/httpserver.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkInterface>

#include <pqxx/pqxx>

namespace af {

ServerPanel::ServerPanel(HttpServer &server, ConnectionPool &pool, quint16 port)
    : m_server(server), m_pool(pool), m_port(port), m_host(server.config().host)
{
}

QStringList ServerPanel::lanUrls(quint16 port)
{
    QStringList out;
    for (const QHostAddress &a : QNetworkInterface::allAddresses())
        if (!a.isLoopback() && a.protocol() == QAbstractSocket::IPv4Protocol)
            out << QStringLiteral("http://%1:%2/").arg(a.toString()).arg(port);
    return out;
}

QByteArray ServerPanel::status()
{
    const auto clients = m_server.sseClients();
    QHash<int, QString> names;
    if (!clients.isEmpty()) {
        try {
            auto lease = m_pool.acquire();
            pqxx::read_transaction tx(*lease);
            for (const auto &row : tx.exec("SELECT id, name FROM tenants"))
                names.insert(row[0].as<int>(), QString::fromStdString(row[1].as<std::string>()));
        } catch (const std::exception &) {
            // Names are a nicety; the list still shows ids when the database is away.
        }
    }
    QString host;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        host = m_host;
    }
    const quint16 port = m_server.isListening() ? m_server.serverPort() : m_port;
    const bool lanOpen = host == QLatin1String("0.0.0.0") || host == QLatin1String("::") ||
                         host == QLatin1String("*") || host.isEmpty();
    const QJsonArray urls = lanOpen ? QJsonArray::fromStringList(lanUrls(port)) : QJsonArray();
    QJsonArray list;
    for (const SseClientInfo &c : clients)
        list.append(QJsonObject{{QStringLiteral("id"), QString::number(c.id)},
                                {QStringLiteral("tenantId"), c.tenantId},
                                {QStringLiteral("tenantName"), names.value(c.tenantId)},
                                {QStringLiteral("address"), c.peerAddress},
                                {QStringLiteral("since"), c.connectedSince.toUTC().toString(Qt::ISODate)},
                                {QStringLiteral("lastEventId"), c.lastEventId}});
    const QJsonObject o{{QStringLiteral("listen"), QStringLiteral("%1:%2").arg(host).arg(port)},
                        {QStringLiteral("listening"), m_server.isListening()},
                        {QStringLiteral("lanOpen"), lanOpen},
                        {QStringLiteral("lanUrls"), urls},
                        {QStringLiteral("clients"), list}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray ServerPanel::setLanOpen(bool open)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_host = open ? QStringLiteral("0.0.0.0") : QStringLiteral("127.0.0.1");
        const quint16 port = m_server.isListening() ? m_server.serverPort() : m_port;
        m_server.close();
        m_server.listen(m_host, port);
    }
    return status();
}

bool ServerPanel::disconnectClient(const QString &clientId)
{
    bool ok = false;
    const quint64 id = clientId.toULongLong(&ok);
    return ok && m_server.disconnectSseClient(id);
}

} // namespace af
