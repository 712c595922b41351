#include "demoactivity.h"

#include "gamification.h"

#include "core/logcategories.h"

#include <QStringList>

namespace af
{

namespace
{

const QStringList kDailyTasks = {
    QStringLiteral("Answer the support inbox"), QStringLiteral("Review a pull request"),
    QStringLiteral("Update the roadmap"),       QStringLiteral("Write release notes"),
    QStringLiteral("Triage new bug reports"),   QStringLiteral("Pair on the flaky test"),
    QStringLiteral("Plan tomorrow's stand-up"),
};

const QStringList kBurstTasks = {
    QStringLiteral("Rename the config keys"), QStringLiteral("Fix the typo in the footer"),
    QStringLiteral("Bump the dependencies"),  QStringLiteral("Close stale issues"),
    QStringLiteral("Tag the release"),        QStringLiteral("Archive old branches"),
};

} // namespace

DemoActivitySummary DemoActivity::seed(ConnectionPool &pool, EventEmitter *emitter,
                                       const std::vector<int> &tenantIds, const QDateTime &now)
{
    static const int kStreakDays[] = {8, 6, 3, 30};
    DemoActivitySummary summary;
    QDateTime clock = now.toUTC();
    Gamification g(pool, emitter, [&clock] { return clock; });
    auto count = [&summary](const HookEvents &hooks) { summary.hooksFired += int(hooks.size()); };

    for (std::size_t k = 0; k < tenantIds.size(); ++k) {
        const int tenant = tenantIds[k];
        const int days = kStreakDays[k % 4];
        // A long-running task stays open through the streak, as in real lists, so daily
        // tasks do not clear the list each time; only the burst below finishes it.
        clock = now.toUTC().addDays(-days - 1);
        const Task backlog = g.createTask(tenant, QStringLiteral("Groom the backlog"));
        // A streak: one to three tasks done on each of the last `days` UTC days.
        for (int d = 0; d < days; ++d) {
            const QDateTime day = now.toUTC().addDays(d - (days - 1)).addSecs(-2 * 3600);
            const int perDay = 1 + int((k + std::size_t(d)) % 3);
            for (int i = 0; i < perDay; ++i) {
                clock = day.addSecs(i * 420);
                const Task t = g.createTask(
                    tenant, kDailyTasks.at(int((std::size_t(d) * 3 + std::size_t(i) + k) %
                                               kDailyTasks.size())));
                clock = clock.addSecs(300);
                count(g.setTaskStatus(tenant, t.id, QStringLiteral("done")).hooks);
                ++summary.tasksDone;
            }
        }
        clock = now.toUTC().addSecs(-30 * 60);
        if (k % 2 == 0) {
            // Twelve quick ones within a minute: a burst, and the list is cleared.
            std::vector<Task> burst;
            for (int i = 0; i < 12; ++i)
                burst.push_back(g.createTask(tenant, kBurstTasks.at(i % kBurstTasks.size())));
            burst.push_back(backlog);
            for (std::size_t i = 0; i < burst.size(); ++i) {
                clock = now.toUTC().addSecs(-20 * 60 + int(i) * 5);
                count(g.setTaskStatus(tenant, burst[i].id, QStringLiteral("done")).hooks);
                ++summary.tasksDone;
            }
        } else {
            const Task doing = g.createTask(tenant, QStringLiteral("Prepare the demo"));
            g.setTaskStatus(tenant, doing.id, QStringLiteral("doing"));
            g.createTask(tenant, QStringLiteral("Book the team offsite"));
        }

        clock = now.toUTC().addSecs(-10 * 60);
        const Challenge big =
            g.createChallenge(tenant, QStringLiteral("Ship the quarterly report"), 120);
        g.createChallenge(tenant, QStringLiteral("Mentor a new teammate"));
        const ChallengeCompletion done = g.completeChallenge(tenant, big.id);
        count(done.hooks);
        summary.challengesCompleted += done.changed ? 1 : 0;

        const std::vector<ArenaChallenge> arena = g.arenaChallenges(tenant);
        for (std::size_t j = 0; j < arena.size() && j < (k % 2 == 0 ? 2u : 1u); ++j) {
            clock = now.toUTC().addSecs(-5 * 60 + int(j) * 30);
            const ArenaClaim c = g.claimArena(tenant, arena[(k + j) % arena.size()].id);
            count(c.hooks);
            summary.arenaClaims += c.claimed ? 1 : 0;
        }
        qCInfo(lcHooks, "demo activity for tenant %d done", tenant);
    }
    return summary;
}

} // namespace af
