#include "tasks.h"

#include "burstrule.h"
#include "core/catalogue.h"
#include "core/errors.h"
#include "ranktable.h"
#include "xpledger.h"

#include <pqxx/result>
#include <pqxx/transaction>

namespace af
{

namespace
{

const char *const kTaskColumns =
    "id, title, status, af_ts(created_at), coalesce(af_ts(done_at), '')";

const char *const kOpen = "status <> 'done'";

void checkOpenQuota(pqxx::work &tx, int tenantId, const QDateTime &now, bool creating)
{
    OwnRows::checkQuota(tx, "tasks", kOpen, Catalogue::limits().openTasksMax, "tasks", "mark some done",
                        tenantId, now, creating);
}

Task readTask(const pqxx::row &row)
{
    Task t;
    t.id = row[0].as<qint64>();
    t.title = QString::fromStdString(row[1].as<std::string>());
    t.status = QString::fromStdString(row[2].as<std::string>());
    t.createdAt = QString::fromStdString(row[3].as<std::string>());
    t.doneAt = QString::fromStdString(row[4].as<std::string>());
    return t;
}

} // namespace

QString Tasks::checkTitle(const QString &title, const char *field)
{
    const QString trimmed = title.trimmed();
    if (trimmed.isEmpty())
        throw BadInput(std::string(field) + " must not be empty");
    if (trimmed.contains(QChar(0)))
        throw BadInput(std::string(field) + " must not contain NUL characters");
    if (trimmed.toUcs4().size() > kMaxTitleLength)
        throw BadInput(std::string(field) + " must be at most 200 characters");
    return trimmed;
}

bool Tasks::isStatus(const QString &status)
{
    return status == QLatin1String("todo") || status == QLatin1String("doing") ||
           status == QLatin1String("done");
}

Task Tasks::create(pqxx::connection &conn, int tenantId, const QString &title, const QDateTime &now)
{
    const QString clean = checkTitle(title);
    pqxx::work tx(conn);
    XpLedger::lockTenant(tx, tenantId);
    checkOpenQuota(tx, tenantId, now, true);
    const pqxx::row row = tx.exec_params1(
        std::string(
            "INSERT INTO tasks (tenant_id, title, created_at) VALUES ($1, $2, $3::timestamptz) "
            "RETURNING ") +
            kTaskColumns,
        tenantId, clean.toStdString(), XpLedger::timestamp(now));
    Task t = readTask(row);
    tx.commit();
    return t;
}

OwnPage<Task> Tasks::list(pqxx::connection &conn, int tenantId, const QString &cursor, int limit)
{
    const OwnRows::Query q = OwnRows::start(cursor, limit);
    pqxx::read_transaction tx(conn);
    OwnPage<Task> page = OwnRows::page<Task>(tx, kTaskColumns, "tasks", tenantId, q, readTask);
    tx.commit();
    return page;
}

TaskUpdate Tasks::setStatus(pqxx::connection &conn, int tenantId, qint64 taskId,
                            const QString &status, const QDateTime &now)
{
    if (!isStatus(status))
        throw BadInput("status must be one of todo, doing, done");
    pqxx::work tx(conn);
    StreakState streak = XpLedger::lockTenant(tx, tenantId);
    const pqxx::result cur = tx.exec_params(
        "SELECT status, xp_awarded FROM tasks WHERE id = $1 AND tenant_id = $2 FOR UPDATE", taskId,
        tenantId);
    if (cur.empty())
        throw NotFound("task not found");
    const QString before = QString::fromStdString(cur[0][0].as<std::string>());
    const bool xpAwarded = cur[0][1].as<bool>();

    TaskUpdate update;
    if (before == status) {
        update.task = readTask(tx.exec_params1(
            std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE id = $1", taskId));
        tx.commit();
        return update;
    }

    const bool becomesDone = status == QLatin1String("done");
    if (before == QLatin1String("done"))
        checkOpenQuota(tx, tenantId, now, false); // reopening counts against the open quota
    const std::string ts = XpLedger::timestamp(now);
    update.task = readTask(tx.exec_params1(
        std::string("UPDATE tasks SET status = $2, "
                    "       done_at = CASE WHEN $2 = 'done' THEN $3::timestamptz END, "
                    "       xp_awarded = xp_awarded OR $2 = 'done' "
                    " WHERE id = $1 RETURNING ") +
            kTaskColumns,
        taskId, status.toStdString(), ts));
    update.changed = true;

    if (becomesDone) {
        if (!xpAwarded)
            XpLedger::award(tx, tenantId, streak, RankTable::kTaskDoneXp,
                            QStringLiteral("task %1 done").arg(taskId), now, update.hooks);
        const int recent =
            tx.exec_params1("SELECT count(*)::int FROM tasks WHERE tenant_id = $1 "
                            "   AND status = 'done' AND done_at >= $2::timestamptz "
                            "   AND done_at <= $3::timestamptz",
                            tenantId, XpLedger::timestamp(BurstRule::windowStart(now)), ts)[0]
                .as<int>();
        if (BurstRule::fires(recent))
            update.hooks.push_back(
                {QStringLiteral("tasks_burst"), {{QStringLiteral("count"), recent}}});
        const pqxx::row counts =
            tx.exec_params1("SELECT count(*) FILTER (WHERE status <> 'done')::int, "
                            "       count(*) FILTER (WHERE status = 'done')::int "
                            "  FROM tasks WHERE tenant_id = $1",
                            tenantId);
        if (counts[0].as<int>() == 0)
            update.hooks.push_back({QStringLiteral("all_tasks_cleared"),
                                    {{QStringLiteral("tasksDone"), counts[1].as<int>()}}});
    }
    tx.commit();
    return update;
}

} // namespace af
