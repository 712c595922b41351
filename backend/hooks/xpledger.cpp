#include "xpledger.h"

#include "core/errors.h"
#include "ranktable.h"

#include <QJsonObject>
#include <QStringList>

#include <pqxx/except>
#include <pqxx/result>

namespace af
{

namespace
{

StreakState readStreak(const pqxx::row &row)
{
    StreakState s;
    s.days = row[0].as<int>();
    if (!row[1].is_null())
        s.lastDay =
            QDate::fromString(QString::fromStdString(row[1].as<std::string>()), Qt::ISODate);
    const QString fired = QString::fromStdString(row[2].as<std::string>());
    for (const QString &part : fired.split(QLatin1Char(','), Qt::SkipEmptyParts))
        s.milestonesFired.push_back(part.toInt());
    return s;
}

std::string joined(const std::vector<int> &values)
{
    QStringList parts;
    for (int v : values)
        parts << QString::number(v);
    return parts.join(QLatin1Char(',')).toStdString();
}

} // namespace

std::string XpLedger::timestamp(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs).toStdString();
}

StreakState XpLedger::lockTenant(pqxx::work &tx, int tenantId)
{
    // Only the first change of a tenant creates the row; FOR UPDATE then serialises every
    // change of that tenant, and later statements in this READ COMMITTED transaction see
    // all that the previous holder committed.
    const pqxx::result exists = tx.exec_params("SELECT 1 FROM tenants WHERE id = $1", tenantId);
    if (exists.empty())
        throw NotFound("unknown tenant");
    tx.exec_params0("INSERT INTO gamification_state (tenant_id) VALUES ($1) "
                    "ON CONFLICT (tenant_id) DO NOTHING",
                    tenantId);
    const pqxx::row row =
        tx.exec_params1("SELECT streak_days, to_char(last_xp_day, 'YYYY-MM-DD'), "
                        "       array_to_string(milestones_fired, ',') "
                        "  FROM gamification_state WHERE tenant_id = $1 FOR UPDATE",
                        tenantId);
    return readStreak(row);
}

XpAward XpLedger::award(pqxx::work &tx, int tenantId, StreakState &streak, int amount,
                        const QString &reason, const QDateTime &now, HookEvents &hooks)
{
    XpAward result;
    result.pre = tx.exec_params1("SELECT coalesce(sum(amount), 0)::bigint FROM xp_ledger "
                                 "WHERE tenant_id = $1",
                                 tenantId)[0]
                     .as<qint64>();
    tx.exec_params0("INSERT INTO xp_ledger (tenant_id, amount, reason, created_at) "
                    "VALUES ($1, $2, $3, $4::timestamptz)",
                    tenantId, amount, reason.toStdString(), timestamp(now));
    result.post = result.pre + amount;

    const StreakStep step = StreakRules::onXp(streak, now.toUTC().date());
    streak = step.state;
    tx.exec_params0("UPDATE gamification_state SET streak_days = $2, last_xp_day = $3::date, "
                    "       milestones_fired = string_to_array($4, ',')::int[] "
                    " WHERE tenant_id = $1",
                    tenantId, streak.days, streak.lastDay.toString(Qt::ISODate).toStdString(),
                    joined(streak.milestonesFired));

    if (const auto up = RankTable::rankUp(result.pre, result.post)) {
        hooks.push_back({QStringLiteral("xp_rank_up"),
                         {{QStringLiteral("rank"), up->name},
                          {QStringLiteral("previousRank"), RankTable::rankFor(result.pre).name},
                          {QStringLiteral("totalXp"), result.post}}});
    }
    if (step.milestone)
        hooks.push_back(
            {QStringLiteral("streak_milestone"), {{QStringLiteral("days"), *step.milestone}}});
    return result;
}

GamificationProfile XpLedger::profile(pqxx::connection &conn, int tenantId, const QDateTime &now)
{
    pqxx::read_transaction tx(conn);
    if (tx.exec_params("SELECT 1 FROM tenants WHERE id = $1", tenantId).empty())
        throw NotFound("unknown tenant");
    GamificationProfile p;
    p.totalXp = tx.exec_params1("SELECT coalesce(sum(amount), 0)::bigint FROM xp_ledger "
                                "WHERE tenant_id = $1",
                                tenantId)[0]
                    .as<qint64>();
    p.rank = RankTable::rankFor(p.totalXp).name;
    const pqxx::result r = tx.exec_params("SELECT streak_days, to_char(last_xp_day, 'YYYY-MM-DD'), "
                                          "       array_to_string(milestones_fired, ',') "
                                          "  FROM gamification_state WHERE tenant_id = $1",
                                          tenantId);
    if (!r.empty())
        p.streakDays = StreakRules::currentDays(readStreak(r[0]), now.toUTC().date());
    tx.commit();
    return p;
}

} // namespace af
