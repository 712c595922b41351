#include "burstrule.h"

#include <algorithm>

namespace af
{

QDateTime BurstRule::windowStart(const QDateTime &now)
{
    return now.addSecs(-kWindowSeconds);
}

bool BurstRule::inWindow(const QDateTime &doneAt, const QDateTime &now)
{
    return doneAt.isValid() && doneAt >= windowStart(now) && doneAt <= now;
}

int BurstRule::countInWindow(const std::vector<QDateTime> &doneAts, const QDateTime &now)
{
    return int(std::count_if(doneAts.begin(), doneAts.end(),
                             [&now](const QDateTime &t) { return inWindow(t, now); }));
}

} // namespace af
