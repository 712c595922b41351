#include "httprequest.h"

namespace af {

namespace {

/// True when the comma-separated header value @p value lists @p token (case-insensitive).
bool listsToken(const QByteArray &value, QByteArrayView token)
{
    for (const QByteArray &part : value.split(',')) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

QString HttpRequest::queryValue(const QString &key) const
{
    if (!m_query.hasQueryItem(key))
        return {};
    return m_query.queryItemValue(key, QUrl::FullyDecoded);
}

QByteArray HttpRequest::header(QByteArrayView lowerName) const
{
    for (const Header &h : m_headers) {
        if (h.first == lowerName)
            return h.second;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView lowerName) const
{
    for (const Header &h : m_headers) {
        if (h.first == lowerName)
            return true;
    }
    return false;
}

void HttpRequest::addHeader(const QByteArray &lowerName, const QByteArray &value)
{
    m_headers.append({lowerName, value});
}

QString HttpRequest::bearerToken() const
{
    const QByteArray auth = header("authorization");
    static constexpr QByteArrayView scheme("bearer ");
    if (auth.size() <= scheme.size()
        || QByteArrayView(auth).first(scheme.size()).compare(scheme, Qt::CaseInsensitive) != 0)
        return {};
    return QString::fromUtf8(auth.mid(scheme.size()).trimmed());
}

bool HttpRequest::keepAlive() const
{
    bool close = false;
    bool keep = false;
    for (const Header &h : m_headers) {
        if (h.first != "connection")
            continue;
        close = close || listsToken(h.second, "close");
        keep = keep || listsToken(h.second, "keep-alive");
    }
    if (close)
        return false;
    return m_minorVersion >= 1 || keep;
}

} // namespace af
