#include "httpresponse.h"

#include "core/errors.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace af {

HttpResponse::HttpResponse(int status, const QByteArray &body, const QByteArray &contentType)
    : m_status(status)
    , m_body(body)
{
    if (!contentType.isEmpty())
        m_headers.append({"Content-Type", contentType});
}

HttpResponse HttpResponse::json(int status, const QByteArray &jsonText)
{
    return HttpResponse(status, jsonText, "application/json; charset=utf-8");
}

HttpResponse HttpResponse::error(int status, const QString &message)
{
    const QJsonObject obj{{QStringLiteral("error"), message}};
    return json(status, QJsonDocument(obj).toJson(QJsonDocument::Compact));
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

QByteArray HttpResponse::header(QByteArrayView name) const
{
    for (const Header &h : m_headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

void HttpResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    m_headers.removeIf([&name](const Header &h) {
        return h.first.compare(name, Qt::CaseInsensitive) == 0;
    });
    m_headers.append({name, value});
}

void HttpResponse::addHeader(const QByteArray &name, const QByteArray &value)
{
    m_headers.append({name, value});
}

QByteArray HttpResponse::serialize(bool keepAlive, bool headOnly) const
{
    // 1xx, 204 and 304 never carry a body nor (for 204) a Content-Length.
    const bool bodyless = m_status == 204 || m_status == 304 || m_status < 200;
    QByteArray out;
    out.reserve(128 + m_body.size());
    out += "HTTP/1.1 ";
    out += QByteArray::number(m_status);
    out += ' ';
    out += reasonPhrase(m_status);
    out += "\r\n";
    for (const Header &h : m_headers) {
        if (h.first.compare("content-length", Qt::CaseInsensitive) == 0
            || h.first.compare("connection", Qt::CaseInsensitive) == 0
            || h.first.compare("transfer-encoding", Qt::CaseInsensitive) == 0)
            continue;
        out += h.first;
        out += ": ";
        // A handler may echo user text into a header; CR/LF must never split it.
        QByteArray value = h.second;
        value.replace('\r', ' ').replace('\n', ' ').replace('\0', ' ');
        out += value;
        out += "\r\n";
    }
    if (!bodyless) {
        out += "Content-Length: ";
        out += QByteArray::number(m_body.size());
        out += "\r\n";
    }
    out += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    if (!headOnly && !bodyless)
        out += m_body;
    return out;
}

HttpResponse HttpResponse::forError(const Error &e)
{
    static const int statuses[] = {400, 401, 404, 403, 409, 429, 503};
    HttpResponse r = error(statuses[int(e.kind())], QString::fromUtf8(e.what()));
    if (e.kind() == Error::Kind::RateLimited)
        r.setHeader("Retry-After", QByteArray::number(qMax(1, e.retryAfter())));
    // A busy or unreachable database is usually back within seconds; the header tells a
    // client to come back rather than to give up or to retry in a tight loop.
    if (e.kind() == Error::Kind::Unavailable)
        r.setHeader("Retry-After", "1");
    if (e.kind() == Error::Kind::Unauthenticated)
        r.setHeader("WWW-Authenticate", "Bearer");
    return r;
}

} // namespace af
