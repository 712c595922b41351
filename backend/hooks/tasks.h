#pragma once
#include "hookevent.h"
#include "ownrows.h"
#include "task.h"

#include <QDateTime>
#include <QString>

#include <vector>

#include <pqxx/connection>

namespace af
{

/// @brief The result of a status change.
struct TaskUpdate {
    Task task;
    bool changed = false; ///< false: the task already had that status
    HookEvents hooks;     ///< to fire after the commit (done already)
};

/// @brief A tenant's tasks; the tasks_burst and all_tasks_cleared hooks. Blocking: call on
/// a worker thread. Each call is one transaction.
class Tasks
{
public:
    static constexpr int kMaxTitleLength = 200; ///< in code points

    /// @brief The trimmed title; throws BadInput when empty, too long or containing NUL.
    [[nodiscard]] static QString checkTitle(const QString &title, const char *field = "title");
    [[nodiscard]] static bool isStatus(const QString &status);

    /// @brief Throws Conflict past the catalogue's openTasksMax tasks not done, and
    /// RateLimited past its createsPerMinute.
    static Task create(pqxx::connection &conn, int tenantId, const QString &title,
                       const QDateTime &now);
    /// @brief A page of the tenant's own tasks, newest first (@p cursor empty: the first).
    [[nodiscard]] static OwnPage<Task> list(pqxx::connection &conn, int tenantId, const QString &cursor,
                                            int limit);
    /// @brief Throws BadInput for an unknown status, NotFound for a task that is not the
    /// tenant's. Becoming done gives XP (once per task) and may fire the task hooks.
    static TaskUpdate setStatus(pqxx::connection &conn, int tenantId, qint64 taskId,
                                const QString &status, const QDateTime &now);
};

} // namespace af
