// The gamification services against a real PostgreSQL: every boundary of the XP, rank, streak, burst, challenge and arena rules.
#include "pgharness.h"

#include "db/connectionpool.h"
#include "core/errors.h"
#include "feed/eventemitter.h"
#include "feed/tenants.h"
#include "hooks/demoactivity.h"
#include "hooks/gamification.h"

#include <QJsonDocument>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <pqxx/pqxx>

using namespace af;

namespace
{

const QDateTime kStart(QDate(2026, 2, 23), QTime(10, 0, 0), Qt::UTC);

QStringList typesOf(const HookEvents &hooks)
{
    QStringList types;
    for (const HookEvent &h : hooks)
        types << h.type;
    return types;
}

const HookEvent *find(const HookEvents &hooks, const QString &type)
{
    for (const HookEvent &h : hooks) {
        if (h.type == type)
            return &h;
    }
    return nullptr;
}

class HooksServicesTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_db = aftest::freshDatabase("hooks");
        m_pool = std::make_unique<ConnectionPool>(m_db, 4);
        {
            auto lease = m_pool->acquire();
            m_tenant = Tenants::add(*lease, QStringLiteral("Acme")).tenantId;
            m_other = Tenants::add(*lease, QStringLiteral("Globex")).tenantId;
        }
        m_now = kStart;
        m_g = std::make_unique<Gamification>(*m_pool, nullptr, [this] { return m_now.load(); });
    }

    qint64 scalar(const std::string &sql)
    {
        auto lease = m_pool->acquire();
        pqxx::read_transaction tx(*lease);
        return tx.exec1(sql)[0].as<qint64>();
    }

    qint64 totalXp(int tenant) { return m_g->profile(tenant).totalXp; }

    /// @brief Creates a task at the current clock and marks it done; the update.
    TaskUpdate doneTask(int tenant, const QString &title = QStringLiteral("t"))
    {
        const Task t = m_g->createTask(tenant, title);
        return m_g->setTaskStatus(tenant, t.id, QStringLiteral("done"));
    }

    struct AtomicTime {
        std::mutex mutex;
        QDateTime value;
        AtomicTime &operator=(const QDateTime &t)
        {
            std::lock_guard<std::mutex> l(mutex);
            value = t;
            return *this;
        }
        QDateTime load()
        {
            std::lock_guard<std::mutex> l(mutex);
            return value;
        }
    };

    std::string m_db;
    std::unique_ptr<ConnectionPool> m_pool;
    std::unique_ptr<Gamification> m_g;
    AtomicTime m_now;
    int m_tenant = 0;
    int m_other = 0;
};

// --- tasks -----------------------------------------------------------------------------

TEST_F(HooksServicesTest, CreateListAndUpdateTasks)
{
    const Task a = m_g->createTask(m_tenant, QStringLiteral("  write the spec  "));
    EXPECT_EQ(a.title, QStringLiteral("write the spec"));
    EXPECT_EQ(a.status, QStringLiteral("todo"));
    EXPECT_EQ(a.createdAt, QStringLiteral("2026-02-23T10:00:00.000000Z"));
    EXPECT_TRUE(a.doneAt.isEmpty());
    m_now = kStart.addSecs(1);
    const Task b = m_g->createTask(m_tenant, QStringLiteral("ship it"));
    m_g->createTask(m_other, QStringLiteral("not mine"));

    const auto list = m_g->tasks(m_tenant).items;
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].id, b.id); // newest first
    EXPECT_EQ(list[1].id, a.id);

    TaskUpdate u = m_g->setTaskStatus(m_tenant, a.id, QStringLiteral("doing"));
    EXPECT_TRUE(u.changed);
    EXPECT_EQ(u.task.status, QStringLiteral("doing"));
    EXPECT_TRUE(u.hooks.empty());
    EXPECT_EQ(totalXp(m_tenant), 0);

    u = m_g->setTaskStatus(m_tenant, a.id, QStringLiteral("done"));
    EXPECT_TRUE(u.changed);
    EXPECT_EQ(u.task.doneAt, QStringLiteral("2026-02-23T10:00:01.000000Z"));
    EXPECT_EQ(totalXp(m_tenant), 10);
    EXPECT_TRUE(u.hooks.empty()) << typesOf(u.hooks).join(',').toStdString(); // b still open
}

TEST_F(HooksServicesTest, TaskAlreadyDoneMarkedDoneAgainChangesNothing)
{
    m_g->createTask(m_tenant, QStringLiteral("keeps the list open"));
    const TaskUpdate first = doneTask(m_tenant);
    const qint64 xp = totalXp(m_tenant);
    const qint64 ledgerRows = scalar("SELECT count(*) FROM xp_ledger");
    m_now = kStart.addSecs(60);
    const TaskUpdate again = m_g->setTaskStatus(m_tenant, first.task.id, QStringLiteral("done"));
    EXPECT_FALSE(again.changed);
    EXPECT_TRUE(again.hooks.empty());
    EXPECT_EQ(again.task.doneAt, first.task.doneAt);
    EXPECT_EQ(totalXp(m_tenant), xp);
    EXPECT_EQ(scalar("SELECT count(*) FROM xp_ledger"), ledgerRows);
}

TEST_F(HooksServicesTest, ReopenedTaskDoneAgainGivesNoSecondXp)
{
    const TaskUpdate first = doneTask(m_tenant);
    EXPECT_EQ(totalXp(m_tenant), 10);
    m_g->setTaskStatus(m_tenant, first.task.id, QStringLiteral("todo"));
    const TaskUpdate again = m_g->setTaskStatus(m_tenant, first.task.id, QStringLiteral("done"));
    EXPECT_TRUE(again.changed);
    EXPECT_EQ(totalXp(m_tenant), 10);
    // It became done again and nothing else is open.
    EXPECT_EQ(typesOf(again.hooks), QStringList{QStringLiteral("all_tasks_cleared")});
}

TEST_F(HooksServicesTest, LastOpenTaskDoneClearsAll)
{
    const Task a = m_g->createTask(m_tenant, QStringLiteral("a"));
    const Task b = m_g->createTask(m_tenant, QStringLiteral("b"));
    const Task c = m_g->createTask(m_tenant, QStringLiteral("c"));
    m_g->createTask(m_other, QStringLiteral("another tenant's open task does not count"));
    m_g->setTaskStatus(m_tenant, c.id, QStringLiteral("doing"));

    TaskUpdate u = m_g->setTaskStatus(m_tenant, a.id, QStringLiteral("done"));
    EXPECT_EQ(find(u.hooks, QStringLiteral("all_tasks_cleared")), nullptr);
    u = m_g->setTaskStatus(m_tenant, c.id, QStringLiteral("done"));
    EXPECT_EQ(find(u.hooks, QStringLiteral("all_tasks_cleared")), nullptr);
    u = m_g->setTaskStatus(m_tenant, b.id, QStringLiteral("done"));
    const HookEvent *cleared = find(u.hooks, QStringLiteral("all_tasks_cleared"));
    ASSERT_NE(cleared, nullptr);
    EXPECT_EQ(cleared->payload.value(QStringLiteral("tasksDone")).toInt(), 3);
}

struct BurstCase {
    const char *name;
    int doneInWindow;  ///< done earlier within the last 23 h
    int doneAtEdge;    ///< done exactly 24 h before the final one
    int doneTooOld;    ///< done 24 h + 1 s before the final one
    int expectedCount; ///< 0: no tasks_burst
};

class HooksBurstTest : public HooksServicesTest, public ::testing::WithParamInterface<BurstCase>
{
};

TEST_P(HooksBurstTest, FinalTaskDone)
{
    const BurstCase &c = GetParam();
    const QDateTime final = kStart.addDays(2);
    m_now = kStart;
    m_g->createTask(m_tenant, QStringLiteral("stays open"));
    auto doneAt = [&](const QDateTime &t) {
        m_now = t;
        doneTask(m_tenant);
    };
    for (int i = 0; i < c.doneTooOld; ++i)
        doneAt(final.addSecs(-24 * 3600 - 1));
    for (int i = 0; i < c.doneAtEdge; ++i)
        doneAt(final.addSecs(-24 * 3600));
    for (int i = 0; i < c.doneInWindow; ++i)
        doneAt(final.addSecs(-23 * 3600 + i * 60));
    m_now = final;
    const TaskUpdate u = doneTask(m_tenant);
    const HookEvent *burst = find(u.hooks, QStringLiteral("tasks_burst"));
    if (c.expectedCount == 0) {
        EXPECT_EQ(burst, nullptr);
    } else {
        ASSERT_NE(burst, nullptr);
        EXPECT_EQ(burst->payload.value(QStringLiteral("count")).toInt(), c.expectedCount);
    }
    EXPECT_EQ(find(u.hooks, QStringLiteral("all_tasks_cleared")), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Window, HooksBurstTest,
                         ::testing::Values(BurstCase{"NineDone", 8, 0, 0, 0},
                                           BurstCase{"TenDone", 9, 0, 0, 10},
                                           BurstCase{"NinePlusOneDone24h1sAgo", 8, 0, 1, 0},
                                           BurstCase{"NinePlusOneDoneExactly24hAgo", 8, 1, 0, 10},
                                           BurstCase{"TwelveDone", 11, 0, 0, 12}),
                         [](const ::testing::TestParamInfo<BurstCase> &info) {
                             return info.param.name;
                         });

TEST_F(HooksServicesTest, TwelveTasksInAMinuteFireBurstFromTheTenthOn)
{
    std::vector<Task> tasks;
    for (int i = 0; i < 12; ++i)
        tasks.push_back(m_g->createTask(m_tenant, QStringLiteral("task %1").arg(i)));
    QList<int> burstCounts;
    int cleared = 0, rankUps = 0;
    for (int i = 0; i < 12; ++i) {
        m_now = kStart.addSecs(5 * i);
        const TaskUpdate u = m_g->setTaskStatus(m_tenant, tasks[i].id, QStringLiteral("done"));
        if (const HookEvent *b = find(u.hooks, QStringLiteral("tasks_burst")))
            burstCounts << b->payload.value(QStringLiteral("count")).toInt();
        cleared += find(u.hooks, QStringLiteral("all_tasks_cleared")) ? 1 : 0;
        if (const HookEvent *r = find(u.hooks, QStringLiteral("xp_rank_up"))) {
            ++rankUps;
            EXPECT_EQ(i, 9); // the tenth task reaches 100 XP
            EXPECT_EQ(r->payload.value(QStringLiteral("rank")).toString(),
                      QStringLiteral("Apprentice"));
            EXPECT_EQ(r->payload.value(QStringLiteral("previousRank")).toString(),
                      QStringLiteral("Rookie"));
            EXPECT_EQ(r->payload.value(QStringLiteral("totalXp")).toInt(), 100);
        }
    }
    EXPECT_EQ(burstCounts, (QList<int>{10, 11, 12}));
    EXPECT_EQ(cleared, 1);
    EXPECT_EQ(rankUps, 1);
    EXPECT_EQ(totalXp(m_tenant), 120);
}

// --- XP and ranks ----------------------------------------------------------------------

struct XpCase {
    const char *name;
    int before;       ///< XP given first (no hook expected unless it crosses)
    int award;        ///< then this challenge reward
    const char *rank; ///< expected xp_rank_up rank, or nullptr
    const char *previous;
};

class HooksXpTest : public HooksServicesTest, public ::testing::WithParamInterface<XpCase>
{
};

TEST_P(HooksXpTest, RankUpOnAward)
{
    const XpCase &c = GetParam();
    if (c.before > 0) {
        const Challenge pre = m_g->createChallenge(m_tenant, QStringLiteral("pre"), c.before);
        m_g->completeChallenge(m_tenant, pre.id);
    }
    const Challenge ch = m_g->createChallenge(m_tenant, QStringLiteral("main"), c.award);
    const ChallengeCompletion done = m_g->completeChallenge(m_tenant, ch.id);
    const HookEvent *up = find(done.hooks, QStringLiteral("xp_rank_up"));
    if (!c.rank) {
        EXPECT_EQ(up, nullptr);
    } else {
        ASSERT_NE(up, nullptr);
        EXPECT_EQ(up->payload.value(QStringLiteral("rank")).toString(), QString::fromUtf8(c.rank));
        EXPECT_EQ(up->payload.value(QStringLiteral("previousRank")).toString(),
                  QString::fromUtf8(c.previous));
        EXPECT_EQ(up->payload.value(QStringLiteral("totalXp")).toInt(), c.before + c.award);
    }
    EXPECT_EQ(totalXp(m_tenant), c.before + c.award);
    EXPECT_EQ(m_g->profile(m_tenant).rank, RankTable::rankFor(c.before + c.award).name);
}

INSTANTIATE_TEST_SUITE_P(
    Thresholds, HooksXpTest,
    ::testing::Values(XpCase{"StaysRookie", 50, 49, nullptr, nullptr},
                      XpCase{"CrossesOne", 90, 20, "Apprentice", "Rookie"},
                      XpCase{"LandsExactlyOnThreshold", 50, 50, "Apprentice", "Rookie"},
                      XpCase{"AlreadyOnThreshold", 100, 10, nullptr, nullptr},
                      XpCase{"CrossesTwoAtOnce", 90, 500, "Adept", "Rookie"},
                      XpCase{"CrossesThreeLandingOnExpert", 400, 1100, "Expert", "Apprentice"},
                      XpCase{"ToLegend", 14000, 1000, "Legend", "Master"}),
    [](const ::testing::TestParamInfo<XpCase> &info) { return info.param.name; });

// --- streaks ---------------------------------------------------------------------------

TEST_F(HooksServicesTest, StreakMilestonesAt7And30Only)
{
    m_g->createTask(m_tenant, QStringLiteral("keeps the list open"));
    std::map<int, int> milestoneOnDay;
    for (int day = 1; day <= 31; ++day) {
        m_now = kStart.addDays(day - 1);
        const TaskUpdate u = doneTask(m_tenant);
        if (const HookEvent *m = find(u.hooks, QStringLiteral("streak_milestone")))
            milestoneOnDay[day] = m->payload.value(QStringLiteral("days")).toInt();
        EXPECT_EQ(m_g->profile(m_tenant).streakDays, day);
        if (day == 6 || day == 8) {
            EXPECT_EQ(milestoneOnDay.count(day), 0u);
        }
    }
    EXPECT_EQ(milestoneOnDay, (std::map<int, int>{{7, 7}, {30, 30}}));
}

TEST_F(HooksServicesTest, SevenReachedTwiceInOneDayFiresOnce)
{
    m_g->createTask(m_tenant, QStringLiteral("keeps the list open"));
    for (int day = 1; day <= 6; ++day) {
        m_now = kStart.addDays(day - 1);
        EXPECT_EQ(find(doneTask(m_tenant).hooks, QStringLiteral("streak_milestone")), nullptr);
    }
    m_now = kStart.addDays(6);
    EXPECT_NE(find(doneTask(m_tenant).hooks, QStringLiteral("streak_milestone")), nullptr);
    m_now = kStart.addDays(6).addSecs(3600);
    EXPECT_EQ(find(doneTask(m_tenant).hooks, QStringLiteral("streak_milestone")), nullptr);
    const Challenge c = m_g->createChallenge(m_tenant, QStringLiteral("same day"), 5);
    EXPECT_EQ(
        find(m_g->completeChallenge(m_tenant, c.id).hooks, QStringLiteral("streak_milestone")),
        nullptr);
    EXPECT_EQ(m_g->profile(m_tenant).streakDays, 7);
}

TEST_F(HooksServicesTest, GapResetsStreak)
{
    m_g->createTask(m_tenant, QStringLiteral("keeps the list open"));
    for (int day = 1; day <= 6; ++day) {
        m_now = kStart.addDays(day - 1);
        doneTask(m_tenant);
    }
    EXPECT_EQ(m_g->profile(m_tenant).streakDays, 6);
    m_now = kStart.addDays(7); // day 8: day 7 had no XP
    EXPECT_EQ(m_g->profile(m_tenant).streakDays, 0);
    const TaskUpdate u = doneTask(m_tenant);
    EXPECT_EQ(find(u.hooks, QStringLiteral("streak_milestone")), nullptr);
    EXPECT_EQ(m_g->profile(m_tenant).streakDays, 1);
    // A fresh streak fires 7 again.
    QStringList fired;
    for (int day = 9; day <= 14; ++day) {
        m_now = kStart.addDays(day - 1);
        fired << typesOf(doneTask(m_tenant).hooks);
    }
    EXPECT_TRUE(fired.contains(QStringLiteral("streak_milestone")));
    EXPECT_EQ(m_g->profile(m_tenant).streakDays, 7);
}

TEST_F(HooksServicesTest, StreakDaysAreUtcDays)
{
    m_g->createTask(m_tenant, QStringLiteral("keeps the list open"));
    m_now = QDateTime(QDate(2026, 3, 1), QTime(23, 59, 59), Qt::UTC);
    doneTask(m_tenant);
    m_now = QDateTime(QDate(2026, 3, 2), QTime(0, 0, 0), Qt::UTC);
    doneTask(m_tenant);
    EXPECT_EQ(m_g->profile(m_tenant).streakDays, 2);
}

// --- challenges ------------------------------------------------------------------------

TEST_F(HooksServicesTest, ChallengeCompletedTwiceFiresOnce)
{
    const Challenge c = m_g->createChallenge(m_tenant, QStringLiteral("Write docs"));
    EXPECT_EQ(c.xpReward, 50);
    EXPECT_EQ(c.status, QStringLiteral("active"));
    EXPECT_TRUE(c.completedAt.isEmpty());

    const ChallengeCompletion first = m_g->completeChallenge(m_tenant, c.id);
    EXPECT_TRUE(first.changed);
    EXPECT_EQ(first.challenge.status, QStringLiteral("completed"));
    const HookEvent *hook = find(first.hooks, QStringLiteral("challenge_completed"));
    ASSERT_NE(hook, nullptr);
    EXPECT_EQ(hook->payload.value(QStringLiteral("challengeId")).toInteger(), c.id);
    EXPECT_EQ(hook->payload.value(QStringLiteral("challengeName")).toString(),
              QStringLiteral("Write docs"));
    EXPECT_EQ(hook->payload.value(QStringLiteral("xpAwarded")).toInt(), 50);

    m_now = kStart.addSecs(10);
    const ChallengeCompletion second = m_g->completeChallenge(m_tenant, c.id);
    EXPECT_FALSE(second.changed);
    EXPECT_TRUE(second.hooks.empty());
    EXPECT_EQ(second.challenge.toJson(), first.challenge.toJson());
    EXPECT_EQ(totalXp(m_tenant), 50);

    const auto list = m_g->challenges(m_tenant).items;
    ASSERT_EQ(list.size(), 1u);
    EXPECT_TRUE(m_g->challenges(m_other).items.empty());
}

// --- arena -----------------------------------------------------------------------------

TEST_F(HooksServicesTest, ArenaClaimedTwice)
{
    const auto arena = m_g->arenaChallenges(m_tenant);
    ASSERT_GE(arena.size(), 3u); // seeded by the migration
    EXPECT_FALSE(arena[0].claimed);

    const ArenaClaim first = m_g->claimArena(m_tenant, arena[0].id);
    EXPECT_TRUE(first.claimed);
    EXPECT_EQ(first.badgeName, arena[0].badgeName);
    EXPECT_EQ(first.xpAwarded, arena[0].xpReward);
    const HookEvent *badge = find(first.hooks, QStringLiteral("badge_earned"));
    ASSERT_NE(badge, nullptr);
    EXPECT_EQ(badge->payload.value(QStringLiteral("badgeName")).toString(), arena[0].badgeName);
    EXPECT_EQ(badge->payload.value(QStringLiteral("xpAwarded")).toInt(), arena[0].xpReward);

    const ArenaClaim second = m_g->claimArena(m_tenant, arena[0].id);
    EXPECT_FALSE(second.claimed);
    EXPECT_TRUE(second.hooks.empty());
    EXPECT_EQ(totalXp(m_tenant), arena[0].xpReward);

    EXPECT_TRUE(m_g->arenaChallenges(m_tenant)[0].claimed);
    EXPECT_FALSE(m_g->arenaChallenges(m_other)[0].claimed);
    EXPECT_TRUE(m_g->claimArena(m_other, arena[0].id).claimed); // once per tenant
    EXPECT_THROW(m_g->claimArena(m_tenant, 999999), NotFound);
}

TEST_F(HooksServicesTest, ArenaAdd)
{
    const std::size_t before = m_g->arenaChallenges(m_tenant).size();
    const ArenaChallenge a =
        m_g->addArenaChallenge(QStringLiteral("Night owl"), QStringLiteral("Owl"), 42);
    EXPECT_GT(a.id, 0);
    const auto after = m_g->arenaChallenges(m_tenant);
    ASSERT_EQ(after.size(), before + 1);
    EXPECT_EQ(after.back().badgeName, QStringLiteral("Owl"));
    EXPECT_EQ(after.back().xpReward, 42);
    EXPECT_THROW(m_g->addArenaChallenge(QString(), QStringLiteral("B"), 5), BadInput);
    EXPECT_THROW(m_g->addArenaChallenge(QStringLiteral("T"), QStringLiteral(" "), 5), BadInput);
    EXPECT_THROW(m_g->addArenaChallenge(QStringLiteral("T"), QStringLiteral("B"), 0), BadInput);
    EXPECT_THROW(m_g->addArenaChallenge(QStringLiteral("T"), QStringLiteral("B"), 100001),
                 BadInput);
}

// --- isolation and input ---------------------------------------------------------------

TEST_F(HooksServicesTest, AnotherTenantsIdIsNotFoundAndChangesNothing)
{
    const Task t = m_g->createTask(m_other, QStringLiteral("theirs"));
    const Challenge c = m_g->createChallenge(m_other, QStringLiteral("theirs"));
    EXPECT_THROW(m_g->setTaskStatus(m_tenant, t.id, QStringLiteral("done")), NotFound);
    EXPECT_THROW(m_g->completeChallenge(m_tenant, c.id), NotFound);
    EXPECT_THROW(m_g->setTaskStatus(m_tenant, 987654321, QStringLiteral("done")), NotFound);
    EXPECT_EQ(m_g->tasks(m_other).items[0].status, QStringLiteral("todo"));
    EXPECT_EQ(m_g->challenges(m_other).items[0].status, QStringLiteral("active"));
    EXPECT_EQ(scalar("SELECT count(*) FROM xp_ledger"), 0);
}

TEST_F(HooksServicesTest, BadInputIsRefused)
{
    EXPECT_THROW(m_g->createTask(m_tenant, QString()), BadInput);
    EXPECT_THROW(m_g->createTask(m_tenant, QStringLiteral(" \t\n")), BadInput);
    EXPECT_THROW(m_g->createTask(m_tenant, QString(201, QLatin1Char('x'))), BadInput);
    EXPECT_THROW(m_g->createTask(m_tenant, QStringLiteral("a") + QChar(0) + QStringLiteral("b")),
                 BadInput);
    // 200 code points outside the BMP are 400 UTF-16 units and still fit.
    QString emoji;
    for (int i = 0; i < 200; ++i)
        emoji += QString::fromUcs4(U"\U0001F525");
    EXPECT_EQ(m_g->createTask(m_tenant, emoji).title, emoji);
    EXPECT_THROW(m_g->createTask(m_tenant, emoji + QStringLiteral("x")), BadInput);
    const Task t = m_g->createTask(m_tenant, QStringLiteral("'); DROP TABLE tasks; --"));
    EXPECT_EQ(t.title, QStringLiteral("'); DROP TABLE tasks; --"));
    EXPECT_THROW(m_g->setTaskStatus(m_tenant, t.id, QStringLiteral("finished")), BadInput);
    EXPECT_THROW(m_g->setTaskStatus(m_tenant, t.id, QStringLiteral("DONE")), BadInput);
    EXPECT_THROW(m_g->createChallenge(m_tenant, QStringLiteral("c"), 0), BadInput);
    EXPECT_THROW(m_g->createChallenge(m_tenant, QStringLiteral("c"), -5), BadInput);
    EXPECT_THROW(m_g->createChallenge(m_tenant, QStringLiteral("c"), 100001), BadInput);
    EXPECT_EQ(m_g->createChallenge(m_tenant, QStringLiteral("c"), 100000).xpReward, 100000);
    EXPECT_THROW(m_g->createTask(999999, QStringLiteral("no such tenant")), NotFound);
}

// --- concurrency -----------------------------------------------------------------------

TEST_F(HooksServicesTest, ConcurrentDonesStayExact)
{
    m_now = kStart;
    constexpr int kTasks = 24;
    std::vector<Task> tasks;
    for (int i = 0; i < kTasks; ++i)
        tasks.push_back(m_g->createTask(m_tenant, QStringLiteral("t%1").arg(i)));
    std::atomic<int> cleared{0}, rankUps{0}, bursts{0}, changed{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < 4; ++w) {
        threads.emplace_back([&, w] {
            // Every task is marked done twice, by different threads.
            for (int i = 0; i < kTasks; ++i) {
                const Task &t = tasks[(i + w * 6) % kTasks];
                const TaskUpdate u = m_g->setTaskStatus(m_tenant, t.id, QStringLiteral("done"));
                changed += u.changed ? 1 : 0;
                cleared += find(u.hooks, QStringLiteral("all_tasks_cleared")) ? 1 : 0;
                rankUps += find(u.hooks, QStringLiteral("xp_rank_up")) ? 1 : 0;
                bursts += find(u.hooks, QStringLiteral("tasks_burst")) ? 1 : 0;
            }
        });
    }
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(changed.load(), kTasks);
    EXPECT_EQ(cleared.load(), 1);
    EXPECT_EQ(rankUps.load(), 1); // 240 XP: Apprentice once
    EXPECT_EQ(bursts.load(), kTasks - 9);
    EXPECT_EQ(totalXp(m_tenant), 10 * kTasks);
}

TEST_F(HooksServicesTest, ConcurrentArenaClaimsGiveOneBadge)
{
    const auto arena = m_g->arenaChallenges(m_tenant);
    std::atomic<int> claimed{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < 4; ++w)
        threads.emplace_back(
            [&] { claimed += m_g->claimArena(m_tenant, arena[1].id).claimed ? 1 : 0; });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(claimed.load(), 1);
    EXPECT_EQ(totalXp(m_tenant), arena[1].xpReward);
}

// --- emission --------------------------------------------------------------------------

TEST_F(HooksServicesTest, HooksReachTheQueueAfterCommit)
{
    EventEmitter emitter(m_db);
    Gamification g(*m_pool, &emitter, [] { return kStart; });
    const Challenge c = g.createChallenge(m_tenant, QStringLiteral("Big one"), 120);
    g.completeChallenge(m_tenant, c.id);
    g.completeChallenge(m_tenant, c.id); // nothing more
    ASSERT_TRUE(emitter.flush(std::chrono::seconds(10)));
    auto lease = m_pool->acquire();
    pqxx::read_transaction tx(*lease);
    const pqxx::result r = tx.exec_params(
        "SELECT event_type, payload_json::text FROM activity_queue WHERE tenant_id = $1 "
        "ORDER BY created_at, event_type",
        m_tenant);
    QStringList types;
    for (const auto &row : r)
        types << QString::fromStdString(row[0].as<std::string>());
    types.sort();
    EXPECT_EQ(types,
              (QStringList{QStringLiteral("challenge_completed"), QStringLiteral("xp_rank_up")}));
    for (const auto &row : r) {
        const QJsonObject p =
            QJsonDocument::fromJson(QByteArray::fromStdString(row[1].as<std::string>())).object();
        if (row[0].as<std::string>() == "xp_rank_up")
            EXPECT_EQ(p.value(QStringLiteral("totalXp")).toInt(), 120);
        else
            EXPECT_EQ(p.value(QStringLiteral("challengeName")).toString(),
                      QStringLiteral("Big one"));
    }
}

// --- demo data ---------------------------------------------------------------------------

TEST_F(HooksServicesTest, DemoActivityFiresEveryHook)
{
    std::vector<int> tenants{m_tenant, m_other};
    {
        auto lease = m_pool->acquire();
        tenants.push_back(Tenants::add(*lease, QStringLiteral("Initech")).tenantId);
        tenants.push_back(Tenants::add(*lease, QStringLiteral("Umbrella")).tenantId);
    }
    EventEmitter emitter(m_db);
    const DemoActivitySummary s = DemoActivity::seed(*m_pool, &emitter, tenants, kStart);
    EXPECT_GT(s.tasksDone, 50);
    EXPECT_EQ(s.challengesCompleted, 4);
    EXPECT_EQ(s.arenaClaims, 6);
    ASSERT_TRUE(emitter.flush(std::chrono::seconds(10)));
    EXPECT_EQ(scalar("SELECT count(*) FROM activity_queue"), s.hooksFired);
    EXPECT_EQ(scalar("SELECT count(DISTINCT event_type) FROM activity_queue"), 6);
    EXPECT_EQ(scalar("SELECT count(*) FROM activity_queue WHERE event_type = 'streak_milestone'"),
              3);
    EXPECT_EQ(m_g->profile(tenants[3]).streakDays, 30);
    // A second run adds more without failing (claims are once per tenant).
    const DemoActivitySummary again = DemoActivity::seed(*m_pool, &emitter, tenants, kStart);
    EXPECT_EQ(again.arenaClaims, 0);
    EXPECT_EQ(m_g->profile(tenants[3]).streakDays, 30);
}

} // namespace
