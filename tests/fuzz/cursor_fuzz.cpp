// libFuzzer target for af::Cursor (the opaque keyset cursors and the small validators of
// the API, and code points). Checks: a decoded cursor gives a timestamp PostgreSQL parses and a tie-breaker
// of the right shape; encoding a decoded cursor's position decodes to the same position;
// limits stay in range; code points agree with Qt's UCS-4 conversion.
#include "core/cursor.h"
#include "core/text.h"

#include <QDateTime>
#include <QVector>

#include <cstdint>
#include <cstdlib>

namespace {

qint64 microsOf(const QString &iso)
{
    // Whole seconds only: Qt rounds a fraction to milliseconds.
    const int dot = iso.indexOf(QLatin1Char('.'));
    const QDateTime t = QDateTime::fromString((dot < 0 ? iso.chopped(1) : iso.left(dot)) + QLatin1Char('Z'),
                                              Qt::ISODate);
    const qint64 micros = dot < 0 ? 0 : iso.mid(dot + 1, 6).leftJustified(6, QLatin1Char('0')).toLongLong();
    return t.toSecsSinceEpoch() * 1000000 + micros;
}

void checkFeed(const QString &text)
{
    const auto pos = af::Cursor::decodeFeed(text);
    if (!pos)
        return;
    if (!af::Cursor::isIsoTimestamp(pos->timestamp))
        abort();
    bool ok = false;
    const qint64 seq = pos->tieBreaker.toLongLong(&ok);
    if (!ok || seq < 0)
        abort();
    // An opaque cursor (not a plain timestamp) carries the canonical form isoFromMicros gives.
    if (!af::Cursor::isIsoTimestamp(text)) {
        const auto again = af::Cursor::decodeFeed(af::Cursor::encodeFeed(microsOf(pos->timestamp), seq));
        // The tie-breaker is compared as the number PostgreSQL reads ("02" is 2).
        if (!again || again->timestamp != pos->timestamp || again->tieBreaker.toLongLong() != seq)
            abort();
    }
}

void checkComment(const QString &text)
{
    const auto pos = af::Cursor::decodeComment(text);
    if (!pos)
        return;
    if (!af::Cursor::isIsoTimestamp(pos->timestamp) || !af::Cursor::isUuid(pos->tieBreaker))
        abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString text = QString::fromUtf8(bytes);
    const QString latin = QString::fromLatin1(bytes);
    for (const QString &t : {text, latin}) {
        checkFeed(t);
        checkComment(t);
        (void)af::Cursor::isUuid(t);
        const auto limit = af::Cursor::parseLimit(t, 20, 50);
        if (limit && (*limit < 1 || *limit > 50))
            abort();
        if (af::Text::codePoints(t) != t.toUcs4().size())
            abort();
    }
    return 0;
}
