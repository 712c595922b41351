#include "text.h"

namespace af {

int Text::codePoints(const QString &text)
{
    int n = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        // A low surrogate after a high one is the second half of one code point.
        if (!(text.at(i).isLowSurrogate() && i > 0 && text.at(i - 1).isHighSurrogate()))
            ++n;
    }
    return n;
}

QString Text::count(qint64 n, const QString &one, const QString &other)
{
    return QString::number(n) + QLatin1Char(' ') + (n == 1 ? one : other);
}

QString Text::drainSummary(qint64 processed, qint64 inserted)
{
    return count(processed, QStringLiteral("queue row"), QStringLiteral("queue rows"))
        + QStringLiteral(" → ") + count(inserted, QStringLiteral("event"), QStringLiteral("events"));
}

QString Text::truncated(const QString &text, int maxUnits)
{
    if (text.size() <= maxUnits)
        return text;
    const qsizetype n = text.at(maxUnits - 1).isHighSurrogate() ? maxUnits - 1 : maxUnits;
    return text.left(n);
}

} // namespace af
