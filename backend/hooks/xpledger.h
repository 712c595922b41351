#pragma once
#include "hookevent.h"
#include "streakrules.h"

#include <QDateTime>
#include <QString>

#include <pqxx/connection>
#include <pqxx/transaction>

namespace af
{

/// @brief What the profile route shows.
struct GamificationProfile {
    qint64 totalXp = 0;
    QString rank;
    int streakDays = 0;
};

/// @brief XP totals before and after one award.
struct XpAward {
    qint64 pre = 0;
    qint64 post = 0;
};

/// @brief The XP ledger and per-tenant streak state; the xp_rank_up and streak_milestone
/// hooks. Works inside the caller's transaction.
class XpLedger
{
public:
    /// @brief Locks the tenant's gamification_state row until @p tx ends (every change of
    /// a tenant's tasks, challenges or XP takes it first) and returns the streak stored
    /// there. Throws NotFound for an unknown tenant.
    static StreakState lockTenant(pqxx::work &tx, int tenantId);

    /// @brief Adds @p amount XP (> 0) at @p now; the tenant must be locked by lockTenant
    /// in @p tx with @p streak its state. Appends the hooks to fire after commit.
    static XpAward award(pqxx::work &tx, int tenantId, StreakState &streak, int amount,
                         const QString &reason, const QDateTime &now, HookEvents &hooks);

    [[nodiscard]] static GamificationProfile profile(pqxx::connection &conn, int tenantId,
                                                     const QDateTime &now);

    /// @brief @p t as a timestamptz literal for a bound parameter.
    [[nodiscard]] static std::string timestamp(const QDateTime &t);
};

} // namespace af
