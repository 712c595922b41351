#include "streakrules.h"

#include <algorithm>

namespace af
{

const std::vector<int> &StreakRules::milestones()
{
    static const std::vector<int> days = {7, 30, 100};
    return days;
}

StreakStep StreakRules::onXp(const StreakState &state, const QDate &todayUtc)
{
    StreakStep step{state, std::nullopt};
    StreakState &s = step.state;
    if (s.lastDay.isValid() && s.days > 0 && todayUtc <= s.lastDay)
        return step; // same day (or a clock that went back): the day already counts
    if (s.lastDay.isValid() && s.days > 0 && s.lastDay.addDays(1) == todayUtc) {
        ++s.days;
    } else {
        s.days = 1;
        s.milestonesFired.clear();
    }
    s.lastDay = todayUtc;
    const auto &ms = milestones();
    if (std::find(ms.begin(), ms.end(), s.days) != ms.end() &&
        std::find(s.milestonesFired.begin(), s.milestonesFired.end(), s.days) ==
            s.milestonesFired.end()) {
        s.milestonesFired.push_back(s.days);
        step.milestone = s.days;
    }
    return step;
}

int StreakRules::currentDays(const StreakState &state, const QDate &todayUtc)
{
    if (!state.lastDay.isValid() || state.days <= 0)
        return 0;
    if (state.lastDay == todayUtc || state.lastDay.addDays(1) == todayUtc)
        return state.days;
    if (state.lastDay > todayUtc)
        return state.days;
    return 0;
}

} // namespace af
