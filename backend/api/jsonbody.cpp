#include "jsonbody.h"

#include "core/cursor.h"
#include "core/errors.h"
#include "http/httperror.h"

#include "core/errors.h"
#include "http/httprequest.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace af {

namespace {

QString fieldName(const QString &where, const QString &field)
{
    return where.isEmpty() ? field : where + QLatin1Char('.') + field;
}

[[noreturn]] void bad(const QString &message)
{
    throw BadInput(message.toStdString());
}

} // namespace

bool JsonBody::isValidUtf8(const QByteArray &bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.constData());
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len = 0;
        unsigned int cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (int k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF
            || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

bool JsonBody::isJsonContentType(const QByteArray &contentType)
{
    const QList<QByteArray> parts = contentType.split(';');
    if (parts.first().trimmed().toLower() != "application/json")
        return false;
    for (int i = 1; i < parts.size(); ++i) {
        const QByteArray param = parts.at(i).trimmed().toLower();
        if (param.startsWith("charset=")) {
            QByteArray cs = param.mid(8);
            if (cs.size() >= 2 && cs.startsWith('"') && cs.endsWith('"'))
                cs = cs.mid(1, cs.size() - 2);
            if (cs != "utf-8" && cs != "utf8")
                return false;
        }
    }
    return true;
}

QJsonValue JsonBody::parse(const HttpRequest &request)
{
    if (!isJsonContentType(request.header("content-type")))
        throw HttpError(415, "Content-Type must be application/json");
    const QByteArray &body = request.body();
    if (body.trimmed().isEmpty())
        bad(QStringLiteral("request body must be a JSON document"));
    if (!isValidUtf8(body))
        bad(QStringLiteral("request body is not valid UTF-8"));
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
    if (err.error != QJsonParseError::NoError) {
        // Qt refuses a scalar at the top level; it is valid JSON, just not what we take.
        QJsonParseError inner;
        const QJsonDocument wrapped = QJsonDocument::fromJson('[' + body + ']', &inner);
        if (inner.error == QJsonParseError::NoError && wrapped.array().size() == 1)
            bad(QStringLiteral("request body must be a JSON object"));
    }
    if (err.error != QJsonParseError::NoError)
        bad(QStringLiteral("request body is not valid JSON: %1 at offset %2")
                .arg(err.errorString())
                .arg(err.offset));
    if (doc.isArray())
        return doc.array();
    if (doc.isObject())
        return doc.object();
    bad(QStringLiteral("request body must be a JSON object"));
}

QJsonObject JsonBody::parseObject(const HttpRequest &request)
{
    const QJsonValue v = parse(request);
    if (!v.isObject())
        bad(QStringLiteral("request body must be a JSON object"));
    return v.toObject();
}

QString JsonBody::requireString(const QJsonObject &o, const QString &field, const QString &where)
{
    const QString name = fieldName(where, field);
    const auto it = o.constFind(field);
    if (it == o.constEnd() || it->isNull())
        bad(name + QStringLiteral(" is required"));
    if (!it->isString())
        bad(name + QStringLiteral(" must be a string"));
    const QString s = it->toString();
    if (s.contains(QChar(0)))
        bad(name + QStringLiteral(" must not contain NUL characters"));
    return s;
}

qint64 JsonBody::requireInteger(const QJsonObject &o, const QString &field, qint64 min,
                                qint64 max, const QString &where)
{
    const QString name = fieldName(where, field);
    const auto it = o.constFind(field);
    if (it == o.constEnd() || it->isNull())
        bad(name + QStringLiteral(" is required"));
    if (!it->isDouble())
        bad(name + QStringLiteral(" must be an integer"));
    const double d = it->toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < double(min) || d > double(max))
        bad(name + QStringLiteral(" must be an integer from %1 to %2").arg(min).arg(max));
    return qint64(d);
}

int JsonBody::positiveQueryInt(const QString &value, const QString &name)
{
    bool digits = !value.isEmpty() && value.size() <= 10;
    for (const QChar c : value)
        digits = digits && c >= QLatin1Char('0') && c <= QLatin1Char('9');
    const qint64 v = digits ? value.toLongLong() : 0;
    if (!digits || v <= 0 || v > 2147483647)
        bad(name + QStringLiteral(" must be a positive integer"));
    return int(v);
}

int JsonBody::limitQuery(const HttpRequest &request, int def, int max)
{
    const QString text = request.queryValue(QStringLiteral("limit"));
    if (text.isNull())
        return def;
    const auto limit = text.isEmpty() ? std::nullopt : Cursor::parseLimit(text, def, max);
    if (!limit)
        throw BadInput("limit must be a positive integer");
    return *limit;
}

} // namespace af
