#include "arena.h"

#include "challenges.h"
#include "core/errors.h"
#include "tasks.h"
#include "xpledger.h"

#include <pqxx/result>
#include <pqxx/transaction>

namespace af
{

std::vector<ArenaChallenge> Arena::list(pqxx::connection &conn, int tenantId)
{
    pqxx::read_transaction tx(conn);
    const pqxx::result r =
        tx.exec_params("SELECT a.id, a.title, a.badge_name, a.xp_reward, "
                       "       EXISTS (SELECT 1 FROM arena_claims c "
                       "                WHERE c.tenant_id = $1 AND c.arena_challenge_id = a.id) "
                       "  FROM arena_challenges a ORDER BY a.id",
                       tenantId);
    std::vector<ArenaChallenge> list;
    list.reserve(r.size());
    for (const pqxx::row &row : r) {
        ArenaChallenge a;
        a.id = row[0].as<qint64>();
        a.title = QString::fromStdString(row[1].as<std::string>());
        a.badgeName = QString::fromStdString(row[2].as<std::string>());
        a.xpReward = row[3].as<int>();
        a.claimed = row[4].as<bool>();
        list.push_back(a);
    }
    tx.commit();
    return list;
}

ArenaClaim Arena::claim(pqxx::connection &conn, int tenantId, qint64 arenaChallengeId,
                        const QDateTime &now)
{
    pqxx::work tx(conn);
    StreakState streak = XpLedger::lockTenant(tx, tenantId);
    const pqxx::result a = tx.exec_params(
        "SELECT badge_name, xp_reward FROM arena_challenges WHERE id = $1", arenaChallengeId);
    if (a.empty())
        throw NotFound("arena challenge not found");
    ArenaClaim result;
    result.badgeName = QString::fromStdString(a[0][0].as<std::string>());
    result.xpAwarded = a[0][1].as<int>();
    const pqxx::result inserted = tx.exec_params(
        "INSERT INTO arena_claims (tenant_id, arena_challenge_id, xp_awarded, claimed_at) "
        "VALUES ($1, $2, $3, $4::timestamptz) "
        "ON CONFLICT (tenant_id, arena_challenge_id) DO NOTHING RETURNING 1",
        tenantId, arenaChallengeId, result.xpAwarded, XpLedger::timestamp(now));
    if (inserted.empty()) {
        tx.commit();
        return result;
    }
    result.claimed = true;
    result.hooks.push_back({QStringLiteral("badge_earned"),
                            {{QStringLiteral("badgeName"), result.badgeName},
                             {QStringLiteral("xpAwarded"), result.xpAwarded}}});
    XpLedger::award(tx, tenantId, streak, result.xpAwarded,
                    QStringLiteral("arena %1 claimed").arg(arenaChallengeId), now, result.hooks);
    tx.commit();
    return result;
}

ArenaChallenge Arena::add(pqxx::connection &conn, const QString &title, const QString &badgeName,
                          qint64 xpReward)
{
    ArenaChallenge a;
    a.title = Tasks::checkTitle(title);
    a.badgeName = Tasks::checkTitle(badgeName, "badge name");
    Challenges::checkXpReward(xpReward);
    a.xpReward = int(xpReward);
    pqxx::work tx(conn);
    a.id = tx.exec_params1("INSERT INTO arena_challenges (title, badge_name, xp_reward) "
                           "VALUES ($1, $2, $3) RETURNING id",
                           a.title.toStdString(), a.badgeName.toStdString(), a.xpReward)[0]
               .as<qint64>();
    tx.commit();
    return a;
}

} // namespace af
