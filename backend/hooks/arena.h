#pragma once
#include "arenachallenge.h"
#include "hookevent.h"

#include <QDateTime>
#include <QString>

#include <vector>

#include <pqxx/connection>

namespace af
{

/// @brief The result of a claim.
struct ArenaClaim {
    bool claimed = false; ///< false: this tenant had claimed it before (HTTP 409)
    QString badgeName;
    int xpAwarded = 0;
    HookEvents hooks;
};

/// @brief The arena challenges shared by all tenants; the badge_earned hook. Blocking: call
/// on a worker thread. Each call is one transaction.
class Arena
{
public:
    /// @brief Every arena challenge, oldest first, with @c claimed for @p tenantId.
    [[nodiscard]] static std::vector<ArenaChallenge> list(pqxx::connection &conn, int tenantId);
    /// @brief Claims once per tenant: gives xp_reward XP and fires badge_earned. NotFound for
    /// an unknown arena challenge.
    static ArenaClaim claim(pqxx::connection &conn, int tenantId, qint64 arenaChallengeId,
                            const QDateTime &now);
    /// @brief Adds an arena challenge (`activityfeed arena add TITLE BADGE XP`); BadInput
    /// for an empty or over-long title or badge, or an XP outside 1..100000.
    static ArenaChallenge add(pqxx::connection &conn, const QString &title,
                              const QString &badgeName, qint64 xpReward);
};

} // namespace af
