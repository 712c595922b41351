#include "testhttpclient.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QList>

namespace aftest {

QJsonObject HttpReply::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QString HttpReply::error() const
{
    return json().value(QStringLiteral("error")).toString();
}

TestHttpClient::TestHttpClient(quint16 port, const QHostAddress &from)
{
    if (!from.isNull())
        m_socket.bind(from, 0);
    m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    m_connected = m_socket.waitForConnected(2000);
}

void TestHttpClient::send(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
    m_socket.waitForBytesWritten(1000);
}

bool TestHttpClient::readUntil(const std::function<bool(const QByteArray &)> &pred, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!pred(m_buffer)) {
        const int left = timeoutMs - int(t.elapsed());
        if (left <= 0 || m_socket.state() != QAbstractSocket::ConnectedState)
            return pred(m_buffer += m_socket.readAll());
        if (m_socket.waitForReadyRead(left))
            m_buffer += m_socket.readAll();
    }
    return true;
}

std::optional<HttpReply> TestHttpClient::response(int timeoutMs, bool head)
{
    qsizetype headEnd = -1;
    qsizetype length = 0;
    const auto complete = [&](const QByteArray &b) {
        headEnd = b.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return false;
        const QByteArray lower = b.left(headEnd).toLower();
        const qsizetype cl = lower.indexOf("\r\ncontent-length: ");
        length = cl < 0 || head
                     ? 0
                     : lower.mid(cl + 18, lower.indexOf("\r\n", cl + 2) - cl - 18).toLongLong();
        return b.size() >= headEnd + 4 + length;
    };
    if (!readUntil(complete, timeoutMs))
        return std::nullopt;
    HttpReply r;
    const QList<QByteArray> lines = m_buffer.left(headEnd).split('\n');
    r.status = lines[0].split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        r.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
    }
    r.body = m_buffer.mid(headEnd + 4, length);
    m_buffer.remove(0, headEnd + 4 + length);
    return r;
}

bool TestHttpClient::closedByPeer(int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (m_socket.state() == QAbstractSocket::ConnectedState && t.elapsed() < timeoutMs) {
        if (m_socket.waitForReadyRead(50))
            m_buffer += m_socket.readAll();
    }
    return m_socket.state() != QAbstractSocket::ConnectedState;
}

QByteArray requestBytes(const QByteArray &method, const QByteArray &target, const QByteArray &token,
                        const QByteArray &body, const QByteArray &contentType, const QByteArray &extraHeaders)
{
    QByteArray req = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!token.isEmpty())
        req += "Authorization: Bearer " + token + "\r\n";
    if (!body.isNull()) {
        if (!contentType.isEmpty())
            req += "Content-Type: " + contentType + "\r\n";
        req += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    return req + extraHeaders + "\r\n" + body;
}

HttpReply roundTrip(quint16 port, const QByteArray &bytes, int timeoutMs)
{
    TestHttpClient c(port);
    if (!c.connected())
        return {};
    c.send(bytes);
    return c.response(timeoutMs).value_or(HttpReply{});
}

} // namespace aftest
