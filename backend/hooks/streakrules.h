#pragma once
#include <QDate>

#include <optional>
#include <vector>

namespace af
{

/// @brief A tenant's daily streak as stored in gamification_state.
struct StreakState {
    int days = 0;                     ///< consecutive UTC days with XP, ending at lastDay
    QDate lastDay;                    ///< the last UTC day with XP; invalid before any XP
    std::vector<int> milestonesFired; ///< milestones already fired during this streak
};

/// @brief What one XP award does to the streak.
struct StreakStep {
    StreakState state;
    std::optional<int> milestone; ///< 7, 30 or 100 when the streak just became exactly that
};

/// @brief Streak rules: consecutive UTC days with XP; a milestone at exactly
/// 7, 30 and 100 days fires once per streak; a day without XP resets the streak. Pure.
class StreakRules
{
public:
    [[nodiscard]] static const std::vector<int> &milestones();
    /// @brief The streak after XP is earned on @p todayUtc.
    [[nodiscard]] static StreakStep onXp(const StreakState &state, const QDate &todayUtc);
    /// @brief The streak to show on @p todayUtc: still alive if XP came today or yesterday.
    [[nodiscard]] static int currentDays(const StreakState &state, const QDate &todayUtc);
};

} // namespace af
