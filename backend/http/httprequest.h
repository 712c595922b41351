#pragma once
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include <functional>

namespace af {

/// @brief One parsed HTTP/1.x request. Depends on Qt Core only, so that the parser and
/// its fuzz target build without Qt Network.
class HttpRequest
{
public:
    using Header = QPair<QByteArray, QByteArray>;

    /// @brief The method exactly as sent ("GET", "POST", …).
    [[nodiscard]] const QByteArray &method() const { return m_method; }
    /// @brief The raw request target ("/api/x?y=1").
    [[nodiscard]] const QByteArray &target() const { return m_target; }
    /// @brief The path, still percent-encoded (the router splits before decoding).
    [[nodiscard]] const QByteArray &rawPath() const { return m_rawPath; }
    /// @brief The percent-decoded path.
    [[nodiscard]] const QString &path() const { return m_path; }
    /// @brief The query string, parsed.
    [[nodiscard]] const QUrlQuery &query() const { return m_query; }
    /// @brief A decoded query value, or a null QString when absent.
    [[nodiscard]] QString queryValue(const QString &key) const;
    /// @brief 0 for HTTP/1.0, 1 for HTTP/1.1.
    [[nodiscard]] int minorVersion() const { return m_minorVersion; }
    /// @brief Every header in arrival order; names are lowercase.
    [[nodiscard]] const QList<Header> &headers() const { return m_headers; }
    /// @brief The first value of header @p lowerName, or an empty QByteArray.
    [[nodiscard]] QByteArray header(QByteArrayView lowerName) const;
    [[nodiscard]] bool hasHeader(QByteArrayView lowerName) const;
    [[nodiscard]] const QByteArray &body() const { return m_body; }
    /// @brief The client's address as text ("127.0.0.1", "::1").
    [[nodiscard]] const QString &peerAddress() const { return m_peerAddress; }
    /// @brief The token of an `Authorization: Bearer <token>` header, or an empty string.
    [[nodiscard]] QString bearerToken() const;
    /// @brief Whether the connection stays open after the answer (HTTP/1.1 default,
    /// HTTP/1.0 only with `Connection: keep-alive`).
    [[nodiscard]] bool keepAlive() const;
    /// @brief True for HEAD: the answer carries headers only.
    [[nodiscard]] bool isHead() const { return m_method == "HEAD"; }

    void setMethod(const QByteArray &method) { m_method = method; }
    void setTarget(const QByteArray &target) { m_target = target; }
    void setRawPath(const QByteArray &rawPath) { m_rawPath = rawPath; }
    void setPath(const QString &path) { m_path = path; }
    void setQuery(const QUrlQuery &query) { m_query = query; }
    void setMinorVersion(int minor) { m_minorVersion = minor; }
    void addHeader(const QByteArray &lowerName, const QByteArray &value);
    void setBody(const QByteArray &body) { m_body = body; }
    void setPeerAddress(const QString &peer) { m_peerAddress = peer; }
    /// @brief Who the handler proved the caller to be ("tenant:7"), or empty; set by
    /// the authentication of a handler, read by the worker queue for this caller's
    /// next requests (see CallerKeys).
    [[nodiscard]] const QByteArray &verifiedCaller() const { return m_verifiedCaller; }
    /// @brief Const because handlers get their request const: this is the one thing a
    /// handler reports back through it, and nothing in the request itself changes.
    void setVerifiedCaller(const QByteArray &identity) const
    {
        m_verifiedCaller = identity;
        if (m_onVerified)
            m_onVerified(identity);
    }
    /// @brief Called (on the worker) the moment a handler verifies the credential, so the
    /// caller's requests still waiting take their proven identity's turn before this
    /// handler's statements are done (a write can wait seconds on a lock).
    void setOnVerified(std::function<void(const QByteArray &)> cb) { m_onVerified = std::move(cb); }

private:
    QByteArray m_method;
    QByteArray m_target;
    QByteArray m_rawPath;
    QString m_path;
    QUrlQuery m_query;
    int m_minorVersion = 1;
    QList<Header> m_headers;
    QByteArray m_body;
    QString m_peerAddress;
    mutable QByteArray m_verifiedCaller;
    std::function<void(const QByteArray &)> m_onVerified;
};

} // namespace af
