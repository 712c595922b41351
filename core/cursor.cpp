#include "cursor.h"

#include <QByteArray>
#include <QDateTime>
#include <QRegularExpression>

#include <cstdio>

namespace af {

namespace {

QString toBase64Url(const QString &text)
{
    return QString::fromLatin1(text.toUtf8().toBase64(QByteArray::Base64UrlEncoding
                                                      | QByteArray::OmitTrailingEquals));
}

std::optional<QString> fromBase64Url(const QString &text)
{
    if (text.isEmpty() || text.size() > 200)
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(
        text.toLatin1(),
        QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return QString::fromLatin1(*decoded);
}

// Years 1..9999 keep both QDateTime and PostgreSQL exact.
constexpr qint64 kMinMicros = -62135596800LL * 1000000LL;
constexpr qint64 kMaxMicros = 253402300799LL * 1000000LL + 999999LL;

std::optional<qint64> parseMicros(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^-?[0-9]{1,19}$"));
    if (!re.match(text).hasMatch())
        return std::nullopt;
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok || v < kMinMicros || v > kMaxMicros)
        return std::nullopt;
    return v;
}

} // namespace

QString Cursor::encodeFeed(qint64 epochMicros, qint64 seq)
{
    return toBase64Url(QString::number(epochMicros) + QLatin1Char(':') + QString::number(seq));
}

QString Cursor::encodeComment(qint64 epochMicros, const QString &uuid)
{
    return toBase64Url(QString::number(epochMicros) + QLatin1Char(':') + uuid);
}

std::optional<Cursor::Position> Cursor::decodeFeed(const QString &cursor)
{
    if (isIsoTimestamp(cursor))
        return Position{cursor, QStringLiteral("0")};
    const auto text = fromBase64Url(cursor);
    if (!text)
        return std::nullopt;
    static const QRegularExpression re(QStringLiteral("^(-?[0-9]{1,19}):([0-9]{1,18})$"));
    const auto m = re.match(*text);
    if (!m.hasMatch())
        return std::nullopt;
    const auto micros = parseMicros(m.captured(1));
    if (!micros)
        return std::nullopt;
    return Position{isoFromMicros(*micros), m.captured(2)};
}

std::optional<Cursor::Position> Cursor::decodeComment(const QString &cursor)
{
    if (isIsoTimestamp(cursor))
        return Position{cursor, QStringLiteral("00000000-0000-0000-0000-000000000000")};
    const auto text = fromBase64Url(cursor);
    if (!text)
        return std::nullopt;
    const int colon = text->indexOf(QLatin1Char(':'));
    if (colon < 0)
        return std::nullopt;
    const auto micros = parseMicros(text->left(colon));
    const QString id = text->mid(colon + 1);
    if (!micros || !isUuid(id))
        return std::nullopt;
    return Position{isoFromMicros(*micros), id};
}

QString Cursor::isoFromMicros(qint64 epochMicros)
{
    if (epochMicros < kMinMicros || epochMicros > kMaxMicros)
        return {};
    qint64 secs = epochMicros / 1000000;
    qint64 micros = epochMicros % 1000000;
    if (micros < 0) {
        micros += 1000000;
        secs -= 1;
    }
    // Every event and comment of every page is formatted here: days to a civil date by
    // Howard Hinnant's algorithm instead of a QDateTime and a format string each time.
    qint64 days = secs / 86400;
    qint64 rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    const qint64 z = days + 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const qint64 doe = z - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const qint64 day = doy - (153 * mp + 2) / 5 + 1;
    const qint64 month = mp < 10 ? mp + 3 : mp - 9;
    const qint64 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ",
                  static_cast<long long>(year), static_cast<long long>(month),
                  static_cast<long long>(day), static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                  static_cast<long long>(micros));
    return QString::fromLatin1(buf);
}

bool Cursor::isIsoTimestamp(const QString &text)
{
    static const QRegularExpression re(QStringLiteral(
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}"
        "(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]{1,6})?)?"
        "(?:Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$"));
    return text.size() <= 40 && re.match(text).hasMatch();
}

bool Cursor::isUuid(const QString &text)
{
    static const QRegularExpression re(QStringLiteral(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"));
    return text.size() == 36 && re.match(text).hasMatch();
}

std::optional<int> Cursor::parseLimit(const QString &text, int def, int max)
{
    if (text.isEmpty())
        return def;
    for (const QChar c : text) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return std::nullopt;
    }
    int first = 0;
    while (first < text.size() - 1 && text.at(first) == QLatin1Char('0'))
        ++first;
    const QString digits = text.mid(first);
    if (digits.size() > 9)
        return max;
    const int value = digits.toInt();
    if (value <= 0)
        return std::nullopt;
    return value > max ? max : value;
}

} // namespace af
