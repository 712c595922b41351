#include "challenges.h"

#include "core/catalogue.h"
#include "core/errors.h"
#include "ranktable.h"
#include "tasks.h"
#include "xpledger.h"

#include <pqxx/result>
#include <pqxx/transaction>

namespace af
{

namespace
{

const char *const kChallengeColumns =
    "id, title, status, xp_reward, coalesce(af_ts(completed_at), '')";

Challenge readChallenge(const pqxx::row &row)
{
    Challenge c;
    c.id = row[0].as<qint64>();
    c.title = QString::fromStdString(row[1].as<std::string>());
    c.status = QString::fromStdString(row[2].as<std::string>());
    c.xpReward = row[3].as<int>();
    c.completedAt = QString::fromStdString(row[4].as<std::string>());
    return c;
}

} // namespace

void Challenges::checkXpReward(qint64 xpReward)
{
    if (xpReward < 1 || xpReward > RankTable::kMaxXpReward)
        throw BadInput("xpReward must be a positive integer of at most 100000");
}

Challenge Challenges::create(pqxx::connection &conn, int tenantId, const QString &title,
                             int xpReward, const QDateTime &now)
{
    const QString clean = Tasks::checkTitle(title);
    checkXpReward(xpReward);
    pqxx::work tx(conn);
    XpLedger::lockTenant(tx, tenantId);
    OwnRows::checkQuota(tx, "challenges", "status <> 'completed'", Catalogue::limits().activeChallengesMax,
                        "challenges", "complete some", tenantId, now, true);
    const pqxx::row row = tx.exec_params1(
        std::string("INSERT INTO challenges (tenant_id, title, xp_reward, created_at) "
                    "VALUES ($1, $2, $3, $4::timestamptz) RETURNING ") +
            kChallengeColumns,
        tenantId, clean.toStdString(), xpReward, XpLedger::timestamp(now));
    Challenge c = readChallenge(row);
    tx.commit();
    return c;
}

OwnPage<Challenge> Challenges::list(pqxx::connection &conn, int tenantId, const QString &cursor,
                                    int limit)
{
    const OwnRows::Query q = OwnRows::start(cursor, limit);
    pqxx::read_transaction tx(conn);
    OwnPage<Challenge> page =
        OwnRows::page<Challenge>(tx, kChallengeColumns, "challenges", tenantId, q, readChallenge);
    tx.commit();
    return page;
}

ChallengeCompletion Challenges::complete(pqxx::connection &conn, int tenantId, qint64 challengeId,
                                         const QDateTime &now)
{
    pqxx::work tx(conn);
    StreakState streak = XpLedger::lockTenant(tx, tenantId);
    const pqxx::result cur =
        tx.exec_params(std::string("SELECT ") + kChallengeColumns +
                           " FROM challenges WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
                       challengeId, tenantId);
    if (cur.empty())
        throw NotFound("challenge not found");
    ChallengeCompletion result;
    result.challenge = readChallenge(cur[0]);
    if (result.challenge.status == QLatin1String("completed")) {
        tx.commit();
        return result;
    }
    result.challenge = readChallenge(tx.exec_params1(
        std::string("UPDATE challenges SET status = 'completed', completed_at = $2::timestamptz "
                    " WHERE id = $1 RETURNING ") +
            kChallengeColumns,
        challengeId, XpLedger::timestamp(now)));
    result.changed = true;
    // The completion goes first in the queue: it is what caused the XP and a rank up.
    XpLedger::award(tx, tenantId, streak, result.challenge.xpReward,
                    QStringLiteral("challenge %1 completed").arg(challengeId), now, result.hooks);
    result.hooks.insert(result.hooks.begin(),
                        {QStringLiteral("challenge_completed"),
                         {{QStringLiteral("challengeId"), result.challenge.id},
                          {QStringLiteral("challengeName"), result.challenge.title},
                          {QStringLiteral("xpAwarded"), result.challenge.xpReward}}});
    tx.commit();
    return result;
}

} // namespace af
