#pragma once
#include <QDateTime>

#include <vector>

namespace af
{

class ConnectionPool;
class EventEmitter;

/// @brief What one demo run did.
struct DemoActivitySummary {
    int tasksDone = 0;
    int challengesCompleted = 0;
    int arenaClaims = 0;
    int hooksFired = 0; ///< events handed to the emitter
};

/// @brief Drives the gamification services like real users would, so that every hook
/// fires for real (`activityfeed demo-data`): each tenant gets a streak of daily tasks in
/// the days before @p now (7 and 30 day milestones for some), every other tenant a burst
/// of 12 tasks in a minute that clears its list, challenges and arena claims. Blocking;
/// throws Unavailable. Running it again only adds more of the same.
class DemoActivity
{
public:
    static DemoActivitySummary seed(ConnectionPool &pool, EventEmitter *emitter,
                                    const std::vector<int> &tenantIds,
                                    const QDateTime &now = QDateTime::currentDateTimeUtc());
};

} // namespace af
