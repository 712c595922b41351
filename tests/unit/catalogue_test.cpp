// Table-driven tests of the display table of the six event types (display name,
// icon, description and sample text from the payload fields each hook emits).
#include "core/catalogue.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

#include <ostream>

void PrintTo(const QString &s, std::ostream *os)
{
    *os << '"' << s.toStdString() << '"';
}

namespace {

using af::Catalogue;

QJsonObject json(const char *text)
{
    QJsonParseError err{};
    const QJsonDocument d = QJsonDocument::fromJson(QByteArray(text), &err);
    EXPECT_EQ(err.error, QJsonParseError::NoError) << text;
    return d.object();
}

QString u8(const char *s)
{
    return QString::fromUtf8(s);
}

// ---------------------------------------------------------------------------------------

struct TypeCase {
    const char *type;
    const char *displayName;
    const char *icon; ///< UTF-8, spelled as code points
};

void PrintTo(const TypeCase &c, std::ostream *os)
{
    *os << c.type;
}

class EventTypeTable : public ::testing::TestWithParam<TypeCase>
{
};

TEST_P(EventTypeTable, DisplayNameAndIcon)
{
    const TypeCase &c = GetParam();
    const QString type = QString::fromLatin1(c.type);
    EXPECT_TRUE(Catalogue::isKnownType(type));
    EXPECT_TRUE(Catalogue::eventTypeNames().contains(type));
    const af::EventTypeInfo *info = Catalogue::type(type);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->type, type);
    EXPECT_EQ(info->displayName, u8(c.displayName));
    EXPECT_EQ(info->icon, u8(c.icon));
    // The same pointer each time: the table is built once.
    EXPECT_EQ(Catalogue::type(type), info);
}

INSTANTIATE_TEST_SUITE_P(
    Contract, EventTypeTable,
    ::testing::Values(TypeCase{"badge_earned", "Badge earned", "\U0001F3C5"},
                      TypeCase{"xp_rank_up", "Rank up", "\u2B06\uFE0F"},
                      TypeCase{"challenge_completed", "Challenge completed", "\U0001F3C6"},
                      TypeCase{"streak_milestone", "Streak milestone", "\U0001F525"},
                      TypeCase{"tasks_burst", "Task burst", "\u26A1"},
                      TypeCase{"all_tasks_cleared", "All tasks cleared", "\u2705"}),
    [](const ::testing::TestParamInfo<TypeCase> &i) { return std::string(i.param.type); });

TEST(Catalogue, ExactlySixTypesInContractOrder)
{
    EXPECT_EQ(Catalogue::eventTypeNames(),
              (QStringList{QStringLiteral("badge_earned"), QStringLiteral("xp_rank_up"),
                           QStringLiteral("challenge_completed"), QStringLiteral("streak_milestone"),
                           QStringLiteral("tasks_burst"), QStringLiteral("all_tasks_cleared")}));
}

TEST(Catalogue, UnknownTypes)
{
    for (const char *t : {"", "badge", "Badge_Earned", "BADGE_EARNED", " badge_earned",
                          "badge_earned ", "badge_earned\n", "tasks-burst", "activity.event.created",
                          "null", "x_rank_up"}) {
        SCOPED_TRACE(t);
        const QString type = QString::fromLatin1(t);
        EXPECT_FALSE(Catalogue::isKnownType(type));
        EXPECT_EQ(Catalogue::type(type), nullptr);
        EXPECT_FALSE(Catalogue::eventTypeNames().contains(type));
        // No crash, and the text says at least what it is.
        const QString d = Catalogue::describe(type, json(R"({"badgeName":"X","days":7})"));
        EXPECT_EQ(d, type);
        const QString g = Catalogue::describeGroup(type, 4);
        EXPECT_TRUE(g.contains(QLatin1Char('4'))) << g.toStdString();
        EXPECT_TRUE(g.contains(type)) << g.toStdString();
    }
    EXPECT_EQ(Catalogue::describeGroup(QStringLiteral("mystery"), 3), u8("3 \u00D7 mystery"));
}

// ---------------------------------------------------------------------------------------
// Single-event descriptions

struct DescribeCase {
    const char *name;
    const char *type;
    const char *payload; ///< JSON object
    const char *expected;
};

void PrintTo(const DescribeCase &c, std::ostream *os)
{
    *os << c.name;
}

class Describe : public ::testing::TestWithParam<DescribeCase>
{
};

TEST_P(Describe, FromPayload)
{
    const DescribeCase &c = GetParam();
    EXPECT_EQ(Catalogue::describe(QString::fromLatin1(c.type), json(c.payload)), u8(c.expected))
        << c.payload;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Describe,
    ::testing::Values(
        // badge_earned {badgeName, xpAwarded}
        DescribeCase{"badge_full", "badge_earned", R"({"badgeName":"Sprint Champion","xpAwarded":50})",
                     "Earned the \u201CSprint Champion\u201D badge (+50 XP)"},
        DescribeCase{"badge_no_xp", "badge_earned", R"({"badgeName":"Night Owl"})",
                     "Earned the \u201CNight Owl\u201D badge"},
        DescribeCase{"badge_zero_xp", "badge_earned", R"({"badgeName":"Night Owl","xpAwarded":0})",
                     "Earned the \u201CNight Owl\u201D badge"},
        DescribeCase{"badge_negative_xp", "badge_earned", R"({"badgeName":"A","xpAwarded":-5})",
                     "Earned the \u201C" "A\u201D badge"},
        DescribeCase{"badge_empty", "badge_earned", "{}", "Earned a badge"},
        DescribeCase{"badge_only_xp", "badge_earned", R"({"xpAwarded":25})", "Earned a badge (+25 XP)"},
        DescribeCase{"badge_wrong_types", "badge_earned", R"({"badgeName":42,"xpAwarded":"50"})",
                     "Earned a badge"},
        DescribeCase{"badge_null", "badge_earned", R"({"badgeName":null,"xpAwarded":null})",
                     "Earned a badge"},
        DescribeCase{"badge_object", "badge_earned", R"({"badgeName":{"en":"X"},"xpAwarded":[50]})",
                     "Earned a badge"},
        DescribeCase{"badge_empty_name", "badge_earned", R"({"badgeName":""})", "Earned a badge"},
        DescribeCase{"badge_huge_xp", "badge_earned", R"({"badgeName":"A","xpAwarded":1e300})",
                     "Earned the \u201C" "A\u201D badge"},
        DescribeCase{"badge_placeholder_in_name", "badge_earned",
                     R"({"badgeName":"%1 %2 100%","xpAwarded":5})",
                     "Earned the \u201C%1 %2 100%\u201D badge (+5 XP)"},
        DescribeCase{"badge_unicode", "badge_earned", R"({"badgeName":"Überflieger 🚀"})",
                     "Earned the \u201C\u00DC" "berflieger \U0001F680\u201D badge"},
        // xp_rank_up {rank, previousRank, totalXp}
        DescribeCase{"rank_full", "xp_rank_up",
                     R"({"rank":"Adept","previousRank":"Apprentice","totalXp":520})",
                     "Ranked up from Apprentice to Adept"},
        DescribeCase{"rank_no_previous", "xp_rank_up", R"({"rank":"Adept"})", "Reached Adept"},
        DescribeCase{"rank_empty", "xp_rank_up", "{}", "Reached a new rank"},
        DescribeCase{"rank_only_previous", "xp_rank_up", R"({"previousRank":"Rookie"})",
                     "Reached a new rank"},
        DescribeCase{"rank_wrong_types", "xp_rank_up", R"({"rank":3,"previousRank":true})",
                     "Reached a new rank"},
        DescribeCase{"rank_previous_wrong_type", "xp_rank_up", R"({"rank":"Master","previousRank":2})",
                     "Reached Master"},
        DescribeCase{"rank_placeholders", "xp_rank_up", R"({"rank":"%1","previousRank":"%2"})",
                     "Ranked up from %2 to %1"},
        // challenge_completed {challengeId, challengeName, xpAwarded}
        DescribeCase{"challenge_full", "challenge_completed",
                     R"({"challengeId":7,"challengeName":"Ship it","xpAwarded":50})",
                     "Completed \u201CShip it\u201D (+50 XP)"},
        DescribeCase{"challenge_no_xp", "challenge_completed", R"({"challengeName":"Ship it"})",
                     "Completed \u201CShip it\u201D"},
        DescribeCase{"challenge_empty", "challenge_completed", "{}", "Completed a challenge"},
        DescribeCase{"challenge_only_id", "challenge_completed", R"({"challengeId":7,"xpAwarded":50})",
                     "Completed a challenge (+50 XP)"},
        DescribeCase{"challenge_wrong_types", "challenge_completed",
                     R"({"challengeName":["Ship it"],"xpAwarded":false})", "Completed a challenge"},
        // streak_milestone {days}
        DescribeCase{"streak_7", "streak_milestone", R"({"days":7})", "7-day streak"},
        DescribeCase{"streak_30", "streak_milestone", R"({"days":30})", "30-day streak"},
        DescribeCase{"streak_100", "streak_milestone", R"({"days":100})", "100-day streak"},
        DescribeCase{"streak_empty", "streak_milestone", "{}", "Reached a streak milestone"},
        DescribeCase{"streak_string", "streak_milestone", R"({"days":"7"})", "Reached a streak milestone"},
        DescribeCase{"streak_zero", "streak_milestone", R"({"days":0})", "Reached a streak milestone"},
        DescribeCase{"streak_negative", "streak_milestone", R"({"days":-7})", "Reached a streak milestone"},
        DescribeCase{"streak_huge", "streak_milestone", R"({"days":1e300})", "Reached a streak milestone"},
        // tasks_burst {count}
        DescribeCase{"burst_12", "tasks_burst", R"({"count":12})", "12 tasks done in 24 hours"},
        DescribeCase{"burst_10", "tasks_burst", R"({"count":10})", "10 tasks done in 24 hours"},
        DescribeCase{"burst_empty", "tasks_burst", "{}", "A burst of finished tasks"},
        DescribeCase{"burst_wrong_type", "tasks_burst", R"({"count":"12"})", "A burst of finished tasks"},
        DescribeCase{"burst_null", "tasks_burst", R"({"count":null})", "A burst of finished tasks"},
        // all_tasks_cleared {tasksDone}
        DescribeCase{"cleared_1", "all_tasks_cleared", R"({"tasksDone":1})", "Cleared every task (1 done)"},
        DescribeCase{"cleared_14", "all_tasks_cleared", R"({"tasksDone":14})",
                     "Cleared every task (14 done)"},
        DescribeCase{"cleared_empty", "all_tasks_cleared", "{}", "Cleared every task"},
        DescribeCase{"cleared_zero", "all_tasks_cleared", R"({"tasksDone":0})", "Cleared every task"},
        DescribeCase{"cleared_wrong_type", "all_tasks_cleared", R"({"tasksDone":true})",
                     "Cleared every task"}),
    [](const ::testing::TestParamInfo<DescribeCase> &i) { return std::string(i.param.name); });

// Payloads come from other systems (POST /api/activity/emit): whatever they hold, every
// type yields a non-empty, well-formed, bounded text with no template residue.
TEST(Catalogue, HostilePayloadsGiveSensibleText)
{
    const QString longName = QString(199, QLatin1Char('a')) + u8("\U0001F3C5") + QString(5000, QLatin1Char('b'));
    const QString longName2 = QString(10000, QLatin1Char('x'));
    const QStringList keys{QStringLiteral("badgeName"), QStringLiteral("xpAwarded"),
                           QStringLiteral("rank"), QStringLiteral("previousRank"),
                           QStringLiteral("totalXp"), QStringLiteral("challengeId"),
                           QStringLiteral("challengeName"), QStringLiteral("days"),
                           QStringLiteral("count"), QStringLiteral("tasksDone")};
    const QList<QJsonValue> values{QJsonValue(), QJsonValue(true), QJsonValue(-1),
                                   QJsonValue(0.5), QJsonValue(1e18), QJsonValue(-1e18),
                                   QJsonValue(QString()), QJsonValue(longName),
                                   QJsonValue(longName2), QJsonValue(QJsonArray{1, 2}),
                                   QJsonValue(QJsonObject{{QStringLiteral("k"), 1}}),
                                   QJsonValue(QStringLiteral("%1%2%3"))};
    for (const QString &type : Catalogue::eventTypeNames()) {
        std::vector<QJsonObject> payloads{QJsonObject{}};
        for (const QJsonValue &v : values) {
            QJsonObject all;
            for (const QString &k : keys)
                all.insert(k, v);
            payloads.push_back(all);
        }
        for (const QJsonObject &p : payloads) {
            const QString d = Catalogue::describe(type, p);
            SCOPED_TRACE(testing::Message()
                         << type.toStdString() << " "
                         << QJsonDocument(p).toJson(QJsonDocument::Compact).left(120).toStdString());
            EXPECT_FALSE(d.trimmed().isEmpty());
            EXPECT_LE(d.size(), 500) << "descriptions stay short";
            EXPECT_TRUE(d.isValidUtf16()) << "a cut must not split a surrogate pair";
            EXPECT_FALSE(d.contains(QLatin1String("-1"))) << d.toStdString();
            EXPECT_FALSE(d.contains(QLatin1String("1e+18"))) << d.toStdString();
            EXPECT_FALSE(d.contains(QLatin1String("null"))) << d.toStdString();
            EXPECT_FALSE(d.contains(QLatin1String("undefined"))) << d.toStdString();
            // "%1" may appear only when the payload itself supplied it.
            if (!p.value(keys[0]).toString().contains(QLatin1Char('%'))) {
                EXPECT_FALSE(d.contains(QLatin1Char('%'))) << d.toStdString();
            }
        }
    }
}

TEST(Catalogue, LongNamesAreCut)
{
    const QString name(5000, QLatin1Char('z'));
    const QString d = Catalogue::describe(QStringLiteral("badge_earned"),
                                           QJsonObject{{QStringLiteral("badgeName"), name}});
    EXPECT_TRUE(d.contains(QString(200, QLatin1Char('z'))));
    EXPECT_LT(d.size(), 300);
}

// ---------------------------------------------------------------------------------------
// Plural descriptions of tiles

struct PluralCase {
    const char *type;
    int count;
    const char *expected;
};

void PrintTo(const PluralCase &c, std::ostream *os)
{
    *os << c.type << " " << c.count;
}

class DescribeGroup : public ::testing::TestWithParam<PluralCase>
{
};

TEST_P(DescribeGroup, Plural)
{
    const PluralCase &c = GetParam();
    EXPECT_EQ(Catalogue::describeGroup(QString::fromLatin1(c.type), c.count), u8(c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Table, DescribeGroup,
    ::testing::Values(PluralCase{"badge_earned", 5, "5 badges earned"},
                      PluralCase{"badge_earned", 3, "3 badges earned"},
                      PluralCase{"badge_earned", 5000, "5000 badges earned"},
                      PluralCase{"xp_rank_up", 3, "3 rank ups"},
                      PluralCase{"challenge_completed", 4, "4 challenges completed"},
                      PluralCase{"streak_milestone", 3, "3 streak milestones"},
                      PluralCase{"tasks_burst", 6, "6 task bursts"},
                      PluralCase{"all_tasks_cleared", 3, "All tasks cleared 3 times"}));

TEST(Catalogue, EveryTypeHasAPluralWithTheCount)
{
    for (const QString &type : Catalogue::eventTypeNames()) {
        for (int n : {3, 7, 12, 4999}) {
            const QString g = Catalogue::describeGroup(type, n);
            EXPECT_TRUE(g.contains(QString::number(n))) << g.toStdString();
            EXPECT_FALSE(g.contains(QLatin1Char('%'))) << g.toStdString();
            EXPECT_NE(g, Catalogue::type(type)->displayName);
        }
        // The plural is not the singular description of an empty payload.
        EXPECT_NE(Catalogue::describeGroup(type, 3), Catalogue::describe(type, {}));
    }
}

} // namespace
