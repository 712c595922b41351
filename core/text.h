#pragma once
#include <QString>

namespace af {

/// @brief Small text rules every layer shares.
class Text
{
public:
    /// @brief Unicode code points, as PostgreSQL's char_length counts them.
    [[nodiscard]] static int codePoints(const QString &text);
    /// @brief "1 row", "3 rows": a number with the right form of its noun.
    [[nodiscard]] static QString count(qint64 n, const QString &one, const QString &other);
    /// @brief What a drain did, in words: "3 queue rows → 1 event".
    [[nodiscard]] static QString drainSummary(qint64 processed, qint64 inserted);
    /// @brief At most @p maxUnits UTF-16 units, never cutting a surrogate pair in two.
    [[nodiscard]] static QString truncated(const QString &text, int maxUnits);
};

} // namespace af
