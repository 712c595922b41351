// Table-driven tests of the pure gamification cores: ranks, streaks, bursts.
#include "hooks/burstrule.h"
#include "hooks/ranktable.h"
#include "hooks/streakrules.h"

#include <gtest/gtest.h>

using namespace af;

namespace
{

struct RankForCase {
    qint64 xp;
    const char *rank;
};

class RankForTest : public ::testing::TestWithParam<RankForCase>
{
};

TEST_P(RankForTest, NamesTheRankHeld)
{
    EXPECT_EQ(RankTable::rankFor(GetParam().xp).name, QString::fromUtf8(GetParam().rank));
}

INSTANTIATE_TEST_SUITE_P(
    Thresholds, RankForTest,
    ::testing::Values(RankForCase{-5, "Rookie"}, RankForCase{0, "Rookie"},
                      RankForCase{99, "Rookie"}, RankForCase{100, "Apprentice"},
                      RankForCase{499, "Apprentice"}, RankForCase{500, "Adept"},
                      RankForCase{1499, "Adept"}, RankForCase{1500, "Expert"},
                      RankForCase{4999, "Expert"}, RankForCase{5000, "Master"},
                      RankForCase{14999, "Master"}, RankForCase{15000, "Legend"},
                      RankForCase{10000000, "Legend"}));

struct RankUpCase {
    qint64 pre;
    qint64 post;
    const char *rank; ///< nullptr: no rank up
};

class RankUpTest : public ::testing::TestWithParam<RankUpCase>
{
};

TEST_P(RankUpTest, NamesTheHighestRankCrossed)
{
    const auto up = RankTable::rankUp(GetParam().pre, GetParam().post);
    if (!GetParam().rank) {
        EXPECT_FALSE(up.has_value()) << up->name.toStdString();
    } else {
        ASSERT_TRUE(up.has_value());
        EXPECT_EQ(up->name, QString::fromUtf8(GetParam().rank));
    }
}

INSTANTIATE_TEST_SUITE_P(
    PrePost, RankUpTest,
    ::testing::Values(RankUpCase{0, 10, nullptr},        // within Rookie
                      RankUpCase{80, 99, nullptr},       // one short of the threshold
                      RankUpCase{90, 100, "Apprentice"}, // lands exactly on it
                      RankUpCase{95, 105, "Apprentice"}, // crosses one threshold
                      RankUpCase{100, 110, nullptr},     // already there
                      RankUpCase{90, 600, "Adept"},      // crosses two at once
                      RankUpCase{0, 15000, "Legend"},    // crosses all of them
                      RankUpCase{1400, 5000, "Master"},  // two, landing exactly
                      RankUpCase{15000, 99999, nullptr}, // nothing above Legend
                      RankUpCase{600, 90, nullptr},      // never down
                      RankUpCase{100, 100, nullptr}));   // no change

TEST(RankTableTest, AmountsAndOrder)
{
    EXPECT_EQ(RankTable::kTaskDoneXp, 10);
    EXPECT_EQ(RankTable::kDefaultChallengeXp, 50);
    const auto &ranks = RankTable::ranks();
    ASSERT_EQ(ranks.size(), 6u);
    for (std::size_t i = 1; i < ranks.size(); ++i)
        EXPECT_LT(ranks[i - 1].minXp, ranks[i].minXp);
}

// --- streaks ---------------------------------------------------------------------------

const QDate kDay0(2026, 2, 1);

StreakState streakOf(int days, int lastDayOffset, std::vector<int> fired = {})
{
    StreakState s;
    s.days = days;
    s.lastDay = days > 0 ? kDay0.addDays(lastDayOffset) : QDate();
    s.milestonesFired = std::move(fired);
    return s;
}

struct StreakCase {
    const char *name;
    StreakState before;
    int todayOffset;
    int daysAfter;
    int milestone; ///< 0: none
};

class StreakTest : public ::testing::TestWithParam<StreakCase>
{
};

TEST_P(StreakTest, Step)
{
    const StreakCase &c = GetParam();
    const StreakStep step = StreakRules::onXp(c.before, kDay0.addDays(c.todayOffset));
    EXPECT_EQ(step.state.days, c.daysAfter);
    EXPECT_EQ(step.state.lastDay, kDay0.addDays(c.todayOffset));
    EXPECT_EQ(step.milestone.value_or(0), c.milestone);
}

INSTANTIATE_TEST_SUITE_P(
    Days, StreakTest,
    ::testing::Values(StreakCase{"FirstEver", streakOf(0, 0), 0, 1, 0},
                      StreakCase{"SameDay", streakOf(3, 5), 5, 3, 0},
                      StreakCase{"Reaches6", streakOf(5, 5), 6, 6, 0},
                      StreakCase{"Reaches7", streakOf(6, 5), 6, 7, 7},
                      StreakCase{"Reaches8", streakOf(7, 5, {7}), 6, 8, 0},
                      StreakCase{"Reaches29", streakOf(28, 5, {7}), 6, 29, 0},
                      StreakCase{"Reaches30", streakOf(29, 5, {7}), 6, 30, 30},
                      StreakCase{"Reaches31", streakOf(30, 5, {7, 30}), 6, 31, 0},
                      StreakCase{"Reaches100", streakOf(99, 5, {7, 30}), 6, 100, 100},
                      StreakCase{"Reaches101", streakOf(100, 5, {7, 30, 100}), 6, 101, 0},
                      StreakCase{"GapResets", streakOf(6, 5), 7, 1, 0},
                      StreakCase{"LongGapResets", streakOf(29, 5, {7}), 50, 1, 0},
                      StreakCase{"SevenAlreadyFired", streakOf(6, 5, {7}), 6, 7, 0}),
    [](const ::testing::TestParamInfo<StreakCase> &info) { return info.param.name; });

TEST(StreakRulesTest, SevenReachedTwiceInOneDayFiresOnce)
{
    StreakStep step = StreakRules::onXp(streakOf(6, 5), kDay0.addDays(6));
    ASSERT_EQ(step.milestone.value_or(0), 7);
    step = StreakRules::onXp(step.state, kDay0.addDays(6));
    EXPECT_EQ(step.state.days, 7);
    EXPECT_FALSE(step.milestone.has_value());
}

TEST(StreakRulesTest, GapClearsFiredMilestonesSoTheNextStreakFiresAgain)
{
    StreakState s;
    int fired7 = 0;
    // Two 7-day streaks separated by a day without XP.
    for (int d : {0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14}) {
        const StreakStep step = StreakRules::onXp(s, kDay0.addDays(d));
        if (step.milestone == 7)
            ++fired7;
        s = step.state;
    }
    EXPECT_EQ(s.days, 7);
    EXPECT_EQ(fired7, 2);
}

TEST(StreakRulesTest, ThirtyConsecutiveDaysFire7Then30)
{
    StreakState s;
    std::vector<int> fired;
    for (int d = 0; d < 30; ++d) {
        const StreakStep step = StreakRules::onXp(s, kDay0.addDays(d));
        if (step.milestone)
            fired.push_back(*step.milestone);
        s = step.state;
    }
    EXPECT_EQ(s.days, 30);
    EXPECT_EQ(fired, (std::vector<int>{7, 30}));
}

struct CurrentCase {
    int days;
    int lastOffset;
    int todayOffset;
    int shown;
};

class StreakCurrentTest : public ::testing::TestWithParam<CurrentCase>
{
};

TEST_P(StreakCurrentTest, Shown)
{
    const CurrentCase &c = GetParam();
    EXPECT_EQ(
        StreakRules::currentDays(streakOf(c.days, c.lastOffset), kDay0.addDays(c.todayOffset)),
        c.shown);
}

INSTANTIATE_TEST_SUITE_P(Alive, StreakCurrentTest,
                         ::testing::Values(CurrentCase{0, 0, 0, 0}, CurrentCase{4, 3, 3, 4},
                                           CurrentCase{4, 3, 4, 4}, CurrentCase{4, 3, 5, 0},
                                           CurrentCase{4, 3, 40, 0}));

// --- bursts ----------------------------------------------------------------------------

const QDateTime kNow(QDate(2026, 2, 23), QTime(10, 0, 0), Qt::UTC);

struct BurstCase {
    const char *name;
    int doneRecently; ///< done within the window (spread over the last 23 h)
    int doneAtEdge;   ///< done exactly 24 h ago (counted)
    int doneTooOld;   ///< done 24 h + 1 s ago (not counted)
    int counted;
    bool fires;
};

class BurstTest : public ::testing::TestWithParam<BurstCase>
{
};

TEST_P(BurstTest, Window)
{
    const BurstCase &c = GetParam();
    std::vector<QDateTime> times;
    for (int i = 0; i < c.doneRecently; ++i)
        times.push_back(kNow.addSecs(-i * 60 * 60 * 23 / std::max(1, c.doneRecently)));
    for (int i = 0; i < c.doneAtEdge; ++i)
        times.push_back(kNow.addSecs(-24 * 60 * 60));
    for (int i = 0; i < c.doneTooOld; ++i)
        times.push_back(kNow.addSecs(-24 * 60 * 60 - 1));
    const int n = BurstRule::countInWindow(times, kNow);
    EXPECT_EQ(n, c.counted);
    EXPECT_EQ(BurstRule::fires(n), c.fires);
}

INSTANTIATE_TEST_SUITE_P(Counts, BurstTest,
                         ::testing::Values(BurstCase{"Nine", 9, 0, 0, 9, false},
                                           BurstCase{"Ten", 10, 0, 0, 10, true},
                                           BurstCase{"Eleven", 11, 0, 0, 11, true},
                                           BurstCase{"NinePlusOneTooOld", 9, 0, 1, 9, false},
                                           BurstCase{"NinePlusOneAtEdge", 9, 1, 0, 10, true},
                                           BurstCase{"NoneRecent", 0, 0, 12, 0, false}),
                         [](const ::testing::TestParamInfo<BurstCase> &info) {
                             return info.param.name;
                         });

TEST(BurstRuleTest, FutureAndInvalidTimesDoNotCount)
{
    EXPECT_FALSE(BurstRule::inWindow(kNow.addSecs(1), kNow));
    EXPECT_FALSE(BurstRule::inWindow(QDateTime(), kNow));
    EXPECT_TRUE(BurstRule::inWindow(kNow, kNow));
    EXPECT_EQ(BurstRule::windowStart(kNow), kNow.addSecs(-86400));
}

} // namespace
