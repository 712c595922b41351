#pragma once
#include "arena.h"
#include "challenges.h"
#include "ranktable.h"
#include "tasks.h"
#include "xpledger.h"

#include <QDateTime>

#include <functional>
#include <mutex>

namespace af
{

class ConnectionPool;
class EventEmitter;

/// @brief The gamification services (tasks, XP, ranks, streaks, challenges, arena) over a connection pool: each call is one
/// transaction on a pooled connection, and the hooks it decided on are emitted through the
/// EventEmitter after the commit (a hook never fails the call). Blocking: call on a worker
/// thread. Throws BadInput, NotFound or Unavailable; thread-safe.
class Gamification
{
public:
    using Clock = std::function<QDateTime()>;

    /// @brief @p emitter may be null (hooks are then only returned); @p clock defaults to
    /// the system clock in UTC, tests pass their own to place changes in time.
    Gamification(ConnectionPool &pool, EventEmitter *emitter, Clock clock = {});

    Task createTask(int tenantId, const QString &title);
    /// @brief A page of the tenant's tasks; @p limit 0 is the catalogue's default page.
    [[nodiscard]] OwnPage<Task> tasks(int tenantId, const QString &cursor = {}, int limit = 0);
    TaskUpdate setTaskStatus(int tenantId, qint64 taskId, const QString &status);

    Challenge createChallenge(int tenantId, const QString &title,
                              int xpReward = RankTable::kDefaultChallengeXp);
    [[nodiscard]] OwnPage<Challenge> challenges(int tenantId, const QString &cursor = {}, int limit = 0);
    ChallengeCompletion completeChallenge(int tenantId, qint64 challengeId);

    [[nodiscard]] GamificationProfile profile(int tenantId);

    [[nodiscard]] std::vector<ArenaChallenge> arenaChallenges(int tenantId);
    ArenaClaim claimArena(int tenantId, qint64 arenaChallengeId);
    ArenaChallenge addArenaChallenge(const QString &title, const QString &badgeName,
                                     qint64 xpReward);

    void setClock(Clock clock);
    [[nodiscard]] QDateTime now() const;

private:
    template <typename F> auto withConnection(F &&f);
    void fire(int tenantId, const HookEvents &hooks) noexcept;

    ConnectionPool &m_pool;
    EventEmitter *m_emitter;
    mutable std::mutex m_clockMutex;
    Clock m_clock;
};

} // namespace af
