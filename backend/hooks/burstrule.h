#pragma once
#include <QDateTime>

#include <vector>

namespace af
{

/// @brief The tasks_burst rule: a task becomes done and at least 10 of the
/// tenant's tasks were done in the last 24 h (a task done exactly 24 h ago still counts,
/// one done 24 h + 1 s ago does not). Pure.
class BurstRule
{
public:
    static constexpr int kThreshold = 10;
    static constexpr qint64 kWindowSeconds = 24 * 60 * 60;

    /// @brief The oldest done_at that still counts at @p now.
    [[nodiscard]] static QDateTime windowStart(const QDateTime &now);
    [[nodiscard]] static bool inWindow(const QDateTime &doneAt, const QDateTime &now);
    [[nodiscard]] static int countInWindow(const std::vector<QDateTime> &doneAts,
                                           const QDateTime &now);
    [[nodiscard]] static bool fires(int doneInWindow) { return doneInWindow >= kThreshold; }
};

} // namespace af
