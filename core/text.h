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
    /// @brief What a drain did, in words: "3 queue rows → 1 event", with ", 1 tile grown,
    /// 2 folded" when it grew or folded published events.
    [[nodiscard]] static QString drainSummary(qint64 processed, qint64 inserted,
                                              qint64 updated = 0, qint64 removed = 0);
    /// @brief What a drain would do to one event, in words: "3 rows → 1 tile", "2 new rows
    /// join a tile of 5", "3 rows → 1 tile, folding 2 singles".
    [[nodiscard]] static QString previewSummary(int rows, int newRows, bool joins, int folds);
    /// @brief At most @p maxUnits UTF-16 units, never cutting a surrogate pair in two.
    [[nodiscard]] static QString truncated(const QString &text, int maxUnits);
};

} // namespace af
