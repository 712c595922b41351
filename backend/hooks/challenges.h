#pragma once
#include "challenge.h"
#include "hookevent.h"
#include "ownrows.h"

#include <QDateTime>
#include <QString>

#include <vector>

#include <pqxx/connection>

namespace af
{

/// @brief The result of completing a challenge.
struct ChallengeCompletion {
    Challenge challenge;
    bool changed = false; ///< false: it was completed before; nothing fired
    HookEvents hooks;
};

/// @brief A tenant's own challenges; the challenge_completed hook. Blocking: call on a
/// worker thread. Each call is one transaction.
class Challenges
{
public:
    /// @brief Throws BadInput unless 1 <= @p xpReward <= RankTable::kMaxXpReward.
    static void checkXpReward(qint64 xpReward);

    /// @brief Throws Conflict past the catalogue's activeChallengesMax not completed, and
    /// RateLimited past its createsPerMinute.
    static Challenge create(pqxx::connection &conn, int tenantId, const QString &title,
                            int xpReward, const QDateTime &now);
    /// @brief A page of the tenant's own challenges, newest first (@p cursor empty: the first).
    [[nodiscard]] static OwnPage<Challenge> list(pqxx::connection &conn, int tenantId,
                                                 const QString &cursor, int limit);
    /// @brief Completes once: gives xp_reward XP and fires challenge_completed; a second
    /// call answers the same challenge and fires nothing. NotFound for another tenant's id.
    static ChallengeCompletion complete(pqxx::connection &conn, int tenantId, qint64 challengeId,
                                        const QDateTime &now);
};

} // namespace af
