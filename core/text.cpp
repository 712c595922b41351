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

QString Text::drainSummary(qint64 processed, qint64 inserted, qint64 updated, qint64 removed)
{
    QString s = count(processed, QStringLiteral("queue row"), QStringLiteral("queue rows"))
        + QStringLiteral(" → ") + count(inserted, QStringLiteral("event"), QStringLiteral("events"));
    if (updated > 0)
        s += QStringLiteral(", ") + count(updated, QStringLiteral("tile grown"), QStringLiteral("tiles grown"));
    if (removed > 0)
        s += QStringLiteral(", ") + count(removed, QStringLiteral("single folded"), QStringLiteral("singles folded"));
    return s;
}

QString Text::previewSummary(int rows, int newRows, bool joins, int folds)
{
    const bool tile = rows >= 3;
    QString s;
    if (joins && folds == 0)
        s = count(newRows, QStringLiteral("new row"), QStringLiteral("new rows"))
            + (tile ? QStringLiteral(" join a tile of %1").arg(rows) : QStringLiteral(" join an event"));
    else
        s = count(rows, QStringLiteral("row"), QStringLiteral("rows"))
            + (tile ? QStringLiteral(" → 1 tile") : QString());
    if (folds > 0)
        s += QStringLiteral(", folding ") + count(folds, QStringLiteral("single"), QStringLiteral("singles"));
    return s;
}

QString Text::truncated(const QString &text, int maxUnits)
{
    if (text.size() <= maxUnits)
        return text;
    const qsizetype n = text.at(maxUnits - 1).isHighSurrogate() ? maxUnits - 1 : maxUnits;
    return text.left(n);
}

} // namespace af
