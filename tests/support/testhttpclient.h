#pragma once
#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QHostAddress>
#include <QTcpSocket>

#include <functional>
#include <optional>

namespace aftest {

/// @brief One parsed HTTP answer.
struct HttpReply {
    int status = 0;
    QHash<QByteArray, QByteArray> headers; ///< lower-case names
    QByteArray body;
    [[nodiscard]] QJsonObject json() const;
    /// @brief The `error` sentence of a JSON error answer.
    [[nodiscard]] QString error() const;
};

/// @brief A blocking test client on one keep-alive connection to 127.0.0.1 that keeps
/// unread bytes between answers (pipelining, SSE).
class TestHttpClient
{
public:
    /// @brief @p from: the source address (another loopback address such as 127.0.0.2
    /// plays a client on another machine); null lets the system choose.
    explicit TestHttpClient(quint16 port, const QHostAddress &from = {});
    [[nodiscard]] bool connected() const { return m_connected; }
    void send(const QByteArray &bytes);
    /// @brief Reads until @p pred holds on the buffer, the peer closes, or the time is up.
    bool readUntil(const std::function<bool(const QByteArray &)> &pred, int timeoutMs = 3000);
    /// @brief The next complete answer (@p head: a HEAD answer, no body), or nothing.
    std::optional<HttpReply> response(int timeoutMs = 3000, bool head = false);
    /// @brief True when the server closed the connection within @p timeoutMs.
    bool closedByPeer(int timeoutMs = 3000);
    QByteArray &buffer() { return m_buffer; }
    QTcpSocket &socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
    bool m_connected = false;
};

/// @brief The bytes of one request with `Connection: close`: @p token as a bearer token
/// unless empty, a non-null @p body with its length and @p contentType (none when empty),
/// and @p extraHeaders as whole `Name: value\r\n` lines.
QByteArray requestBytes(const QByteArray &method, const QByteArray &target, const QByteArray &token,
                        const QByteArray &body = {}, const QByteArray &contentType = "application/json",
                        const QByteArray &extraHeaders = {});

/// @brief Sends @p bytes on a connection of its own to 127.0.0.1:@p port and reads one
/// answer; an empty HttpReply (status 0) when nothing listens or nothing came back.
HttpReply roundTrip(quint16 port, const QByteArray &bytes, int timeoutMs = 10000);

} // namespace aftest
