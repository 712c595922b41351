#pragma once
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace af {

class Error;

/// @brief An HTTP answer: status, headers and body; serialised by the connection.
class HttpResponse
{
public:
    using Header = QPair<QByteArray, QByteArray>;

    HttpResponse() = default;
    explicit HttpResponse(int status, const QByteArray &body = {},
                          const QByteArray &contentType = {});

    /// @brief @p jsonText passed through as the body, `application/json; charset=utf-8`.
    [[nodiscard]] static HttpResponse json(int status, const QByteArray &jsonText);
    /// @brief `{"error":"<message>"}` with @p status.
    [[nodiscard]] static HttpResponse error(int status, const QString &message);
    /// @brief The one mapping of a domain error to its answer: BadInput 400,
    /// Unauthenticated 401 (+ WWW-Authenticate), Forbidden 403, NotFound 404, Conflict 409,
    /// RateLimited 429 (+ Retry-After), Unavailable 503.
    [[nodiscard]] static HttpResponse forError(const Error &error);
    /// @brief The reason phrase for @p status ("Not Found"); "Unknown" for others.
    [[nodiscard]] static QByteArray reasonPhrase(int status);

    [[nodiscard]] int status() const { return m_status; }
    [[nodiscard]] const QByteArray &body() const { return m_body; }
    [[nodiscard]] const QList<Header> &headers() const { return m_headers; }
    /// @brief The first value of header @p name (case-insensitive), or empty.
    [[nodiscard]] QByteArray header(QByteArrayView name) const;

    void setStatus(int status) { m_status = status; }
    void setBody(const QByteArray &body) { m_body = body; }
    /// @brief Replaces every header called @p name with one of value @p value.
    void setHeader(const QByteArray &name, const QByteArray &value);
    /// @brief Adds a header even if one of that name exists (e.g. Set-Cookie).
    void addHeader(const QByteArray &name, const QByteArray &value);

    /// @brief The bytes on the wire. Adds Content-Length and Connection; @p headOnly
    /// drops the body but keeps its Content-Length (answers to HEAD).
    [[nodiscard]] QByteArray serialize(bool keepAlive, bool headOnly = false) const;

private:
    int m_status = 200;
    QList<Header> m_headers;
    QByteArray m_body;
};

} // namespace af
