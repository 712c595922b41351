#pragma once
// A realistic feed for the Qt Quick test and the screenshots.
#include "cannedfeedsource.h"

inline void fillCannedFeed(CannedFeedSource &s)
{
    using E = CannedFeedSource;
    auto r = [](int h, int re, int t) { return QJsonObject{{"hype", h}, {"respect", re}, {"tribute", t}}; };
    auto samples = [](std::initializer_list<const char *> names) {
        QJsonArray a;
        for (const char *n : names)
            a.append(QJsonObject{{"badgeName", n}, {"xpAwarded", 50}});
        return a;
    };
    s.events = {
        E::event("e1", 2, "Northwind Traders", "badge_earned", "Badge earned", "🏅", "5 badges earned",
                 {{"count", 5}, {"samples", samples({"Sprint Champion", "Bug Squasher", "Early Bird"})}}, 95, 1048, r(4, 2, 1), 3),
        E::event("e2", 3, "Globex", "xp_rank_up", "Rank up", "⬆️", "Reached Expert (1 520 XP)",
                 {{"rank", "Expert"}, {"previousRank", "Adept"}, {"totalXp", 1520}}, 60 * 14, 1047, r(2, 5, 0), 1),
        E::event("e3", 1, "Acme Robotics", "challenge_completed", "Challenge completed", "🏆", "Completed “Ship the onboarding revamp” (+120 XP)",
                 {{"challengeId", 12}, {"challengeName", "Ship the onboarding revamp"}, {"xpAwarded", 120}}, 60 * 42, 1046, r(6, 3, 2), 4),
        E::event("e4", 4, "Initech", "streak_milestone", "Streak milestone", "🔥", "30-day streak",
                 {{"days", 30}}, 3600 * 3, 1045, r(9, 1, 4), 0),
        E::event("e5", 2, "Northwind Traders", "tasks_burst", "Task burst", "⚡", "Completed 14 tasks in 24 hours",
                 {{"count", 14}}, 3600 * 5, 1044, r(1, 0, 0), 0),
        E::event("e6", 3, "Globex", "all_tasks_cleared", "All tasks cleared", "✅", "Cleared every task (23 done) <b>not bold</b>",
                 {{"tasksDone", 23}}, 3600 * 26, 1043, r(0, 2, 0), 2),
        E::event("e7", 4, "Initech", "badge_earned", "Badge earned", "🏅", "Earned “Night Owl”",
                 {{"badgeName", "Night Owl"}, {"xpAwarded", 50}}, 3600 * 50, 1042, r(0, 0, 1), 0),
    };
    s.events[0]["myReactions"] = QJsonArray{"hype"};
    s.comments["e1"] = {
        s.makeComment("e1", 3, "Globex", "Five in one morning? Teach us your ways 🙌", 80),
        s.makeComment("e1", 2, "Northwind Traders", "Sprint Champion was the hard one. <i>Worth it.</i>", 70),
        s.makeComment("e1", 4, "Initech", "Congrats team!", 50),
    };
}
