#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace af {

class HttpRequest;

/// @brief Strict reading of JSON request bodies: 415 for another
/// Content-Type, 400 for invalid UTF-8, malformed JSON, wrong types and missing fields,
/// each with a sentence naming the field. Throws HttpError(415) or BadInput.
class JsonBody
{
public:
    /// @brief The parsed body of @p request (any JSON value).
    [[nodiscard]] static QJsonValue parse(const HttpRequest &request);
    /// @brief The body, which must be one JSON object.
    [[nodiscard]] static QJsonObject parseObject(const HttpRequest &request);

    /// @brief Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
    [[nodiscard]] static bool isValidUtf8(const QByteArray &bytes);
    /// @brief Whether @p contentType is application/json (parameters allowed, charset
    /// only utf-8).
    [[nodiscard]] static bool isJsonContentType(const QByteArray &contentType);

    /// @brief A required string field without NUL characters.
    [[nodiscard]] static QString requireString(const QJsonObject &o, const QString &field,
                                               const QString &where = {});
    /// @brief A required integer field within [@p min, @p max].
    [[nodiscard]] static qint64 requireInteger(const QJsonObject &o, const QString &field,
                                               qint64 min, qint64 max,
                                               const QString &where = {});
    /// @brief The integer value of a query parameter: positive, fits an int; else BadInput.
    [[nodiscard]] static int positiveQueryInt(const QString &value, const QString &name);
    /// @brief The `limit` query parameter: absent → @p def, a positive integer →
    /// min(value, @p max), anything else BadInput.
    [[nodiscard]] static int limitQuery(const HttpRequest &request, int def, int max);
};

} // namespace af
