// Table-driven tests of the pure grouping core: rows of one tenant and type in one
// five-minute window fold into one tile once there are three of them.
#include "core/catalogue.h"
#include "feed/grouping.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <random>
#include <set>

// GoogleTest finds these by ADL, so they live in QString's (global) namespace.
void PrintTo(const QString &s, std::ostream *os)
{
    *os << '"' << s.toStdString() << '"';
}
void PrintTo(const QJsonObject &o, std::ostream *os)
{
    *os << QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

namespace {

using af::GroupedEvent;
using af::Grouping;
using af::Micros;
using af::QueueRow;

constexpr Micros kSec = 1000 * 1000;
constexpr Micros kMin = 60 * kSec;
constexpr Micros kWindow = 5 * kMin;
// 2026-02-23T10:00:00Z, the timestamp the product's worked examples use.
constexpr Micros kT0 = 1771840800LL * kSec;

const QString kBadge = QStringLiteral("badge_earned");
const QString kRank = QStringLiteral("xp_rank_up");
const QString kStreak = QStringLiteral("streak_milestone");

QueueRow row(const QString &id, int tenant, const QString &type, Micros at,
             QJsonObject payload = {})
{
    if (payload.isEmpty())
        payload = QJsonObject{{QStringLiteral("n"), id}};
    return QueueRow{id, tenant, type, payload, at};
}

QString rid(int i)
{
    return QStringLiteral("r%1").arg(i, 5, 10, QLatin1Char('0'));
}

bool isTile(const GroupedEvent &e)
{
    return e.payload.contains(QStringLiteral("count")) &&
           e.payload.contains(QStringLiteral("samples"));
}

std::vector<size_t> sizes(const std::vector<GroupedEvent> &events)
{
    std::vector<size_t> out;
    for (const GroupedEvent &e : events)
        out.push_back(e.sourceIds.size());
    return out;
}

std::vector<QString> ids(std::initializer_list<const char *> l)
{
    std::vector<QString> out;
    for (const char *s : l)
        out.push_back(QString::fromLatin1(s));
    return out;
}

// ---------------------------------------------------------------------------------------
// Window boundaries, one (tenant, type) key; offsets are relative to kT0, in input order.

struct WindowCase {
    const char *name;
    std::vector<Micros> offsets;
    std::vector<size_t> expectedSizes; ///< source rows per output event, in output order
};

void PrintTo(const WindowCase &c, std::ostream *os)
{
    *os << c.name;
}

class GroupingWindows : public ::testing::TestWithParam<WindowCase>
{
};

TEST_P(GroupingWindows, SplitsAsSpecified)
{
    const WindowCase &c = GetParam();
    std::vector<QueueRow> rows;
    for (size_t i = 0; i < c.offsets.size(); ++i)
        rows.push_back(row(rid(int(i)), 1, kBadge, kT0 + c.offsets[i]));

    const std::vector<GroupedEvent> out = Grouping::group(rows);
    EXPECT_EQ(sizes(out), c.expectedSizes);
    for (const GroupedEvent &e : out) {
        // A window of 1 or 2 rows is never a tile; 3+ always is.
        EXPECT_EQ(isTile(e), e.sourceIds.size() >= 3) << e.description.toStdString();
        if (isTile(e)) {
            EXPECT_EQ(e.payload.value(QStringLiteral("count")).toInt(), int(e.sourceIds.size()));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, GroupingWindows,
    ::testing::Values(
        WindowCase{"empty", {}, {}},
        WindowCase{"one_row", {0}, {1}},
        WindowCase{"two_rows_two_singles", {0, kSec}, {1, 1}},
        WindowCase{"three_rows_one_tile", {0, kSec, 2 * kSec}, {3}},
        WindowCase{"three_rows_within_4m59_999999", {0, 2 * kMin, kWindow - 1}, {3}},
        WindowCase{"third_row_exactly_5min_after_opening", {0, 2 * kMin, kWindow}, {1, 1, 1}},
        WindowCase{"two_windows_exactly_5min_apart",
                   {0, 1, 2, kWindow, kWindow + 1, kWindow + 2},
                   {3, 3}},
        WindowCase{"two_windows_one_microsecond_short",
                   {0, 1, 2, kWindow - 1, kWindow + 1, kWindow + 2},
                   {4, 1, 1}},
        WindowCase{"tile_then_single_at_boundary", {0, 1, 2, kWindow}, {3, 1}},
        WindowCase{"two_singles_then_tile", {0, kSec, kWindow, kWindow + 1, kWindow + 2}, {1, 1, 3}},
        WindowCase{"seven_then_eighth_just_outside",
                   {0, 40 * kSec, 80 * kSec, 120 * kSec, 160 * kSec, 200 * kSec, kWindow - 1,
                    kWindow},
                   {7, 1}},
        // The window is anchored at its opening row; it does not slide with the last row.
        WindowCase{"window_does_not_slide", {0, 4 * kMin, 8 * kMin, 9 * kMin}, {1, 1, 1, 1}},
        WindowCase{"chain_every_two_minutes",
                   {0, 2 * kMin, 4 * kMin, 6 * kMin, 8 * kMin, 10 * kMin, 12 * kMin, 14 * kMin,
                    16 * kMin, 18 * kMin},
                   {3, 3, 3, 1}},
        WindowCase{"unsorted_input", {kWindow + 2, 2, kWindow, 0, kWindow + 1, 1}, {3, 3}},
        WindowCase{"all_at_the_same_instant", {5, 5, 5, 5, 5}, {5}},
        WindowCase{"far_apart", {0, kWindow, 2 * kWindow, 3 * kWindow}, {1, 1, 1, 1}}),
    [](const ::testing::TestParamInfo<WindowCase> &i) { return std::string(i.param.name); });

// ---------------------------------------------------------------------------------------
// isoMicros

struct IsoCase {
    Micros t;
    const char *expected;
};

void PrintTo(const IsoCase &c, std::ostream *os)
{
    *os << c.t << " -> " << c.expected;
}

class IsoMicros : public ::testing::TestWithParam<IsoCase>
{
};

TEST_P(IsoMicros, FormatsUtcWithSixDigits)
{
    EXPECT_EQ(af::isoMicros(GetParam().t), QString::fromLatin1(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Table, IsoMicros,
    ::testing::Values(IsoCase{0, "1970-01-01T00:00:00.000000Z"},
                      IsoCase{1, "1970-01-01T00:00:00.000001Z"},
                      IsoCase{999, "1970-01-01T00:00:00.000999Z"},
                      IsoCase{1000, "1970-01-01T00:00:00.001000Z"},
                      IsoCase{123456789, "1970-01-01T00:02:03.456789Z"},
                      IsoCase{kT0, "2026-02-23T10:00:00.000000Z"},
                      IsoCase{kT0 + 1, "2026-02-23T10:00:00.000001Z"},
                      IsoCase{kT0 - 1, "2026-02-23T09:59:59.999999Z"},
                      IsoCase{1709251199LL * kSec + 999999, "2024-02-29T23:59:59.999999Z"},
                      IsoCase{-1, "1969-12-31T23:59:59.999999Z"},
                      IsoCase{-999, "1969-12-31T23:59:59.999001Z"},
                      IsoCase{-1000, "1969-12-31T23:59:59.999000Z"},
                      IsoCase{-1001, "1969-12-31T23:59:59.998999Z"},
                      IsoCase{-kSec, "1969-12-31T23:59:59.000000Z"},
                      IsoCase{-kSec + 1, "1969-12-31T23:59:59.000001Z"},
                      IsoCase{-2208988800LL * kSec, "1900-01-01T00:00:00.000000Z"},
                      IsoCase{-2208988800LL * kSec + 1, "1900-01-01T00:00:00.000001Z"},
                      IsoCase{-2208988800LL * kSec - 1, "1899-12-31T23:59:59.999999Z"}));

// The hand-made formatter against QDateTime's, over years 1 to 9999 (leap days, century
// years, the last microsecond of a day) and the years outside it that go to QDateTime.
TEST(IsoMicrosProperty, SameTextAsQDateTime)
{
    const auto viaQt = [](Micros t) {
        const qint64 ms = t >= 0 ? t / 1000 : (t - 999) / 1000;
        const int us = int(t - ms * 1000);
        return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz")) +
               QStringLiteral("%1Z").arg(us, 3, 10, QLatin1Char('0'));
    };
    const Micros lo = -62'135'596'800LL * kSec; // 0001-01-01
    const Micros hi = 253'402'300'799LL * kSec + 999'999; // 9999-12-31T23:59:59.999999
    std::mt19937_64 rng(16);
    std::uniform_int_distribution<Micros> any(lo, hi);
    for (int i = 0; i < 200'000; ++i) {
        const Micros t = any(rng);
        ASSERT_EQ(af::isoMicros(t), viaQt(t)) << t;
    }
    const Micros kDayUs = 86'400 * kSec;
    for (const Micros day : {Micros(0), Micros(-1), Micros(11'016), Micros(-25'567), Micros(-25'568),
                             Micros(10'956), Micros(47'541)}) // 2000-02-29, 1900-01-01, 2100-03-01
        for (const Micros t : {day * kDayUs, day * kDayUs - 1, day * kDayUs + kDayUs - 1})
            ASSERT_EQ(af::isoMicros(t), viaQt(t)) << t;
    EXPECT_EQ(af::isoMicros(lo), QStringLiteral("0001-01-01T00:00:00.000000Z"));
    EXPECT_EQ(af::isoMicros(hi), QStringLiteral("9999-12-31T23:59:59.999999Z"));
    EXPECT_EQ(af::isoMicros(hi + 1), viaQt(hi + 1));
}

// ---------------------------------------------------------------------------------------
// The payloads, texts and ids of tiles and singles

QJsonObject badge(int i)
{
    return QJsonObject{{QStringLiteral("badgeName"), QStringLiteral("Badge %1").arg(i)},
                       {QStringLiteral("xpAwarded"), 10 * i}};
}

TEST(Grouping, TilePayloadSamplesNewestFirstAndTimes)
{
    std::vector<QueueRow> rows;
    for (int i = 0; i < 5; ++i)
        rows.push_back(row(rid(i), 3, kBadge, kT0 + i * 30 * kSec + i, badge(i)));

    const auto out = Grouping::group(rows);
    ASSERT_EQ(out.size(), 1u);
    const GroupedEvent &e = out[0];
    EXPECT_EQ(e.tenantId, 3);
    EXPECT_EQ(e.eventType, kBadge);
    EXPECT_EQ(e.displayName, QStringLiteral("Badge earned"));
    EXPECT_EQ(e.icon, QString::fromUtf8("\U0001F3C5"));
    EXPECT_EQ(e.description, QStringLiteral("5 badges earned"));
    EXPECT_EQ(e.createdAt, kT0 + 4 * 30 * kSec + 4);
    EXPECT_EQ(e.sourceIds, ids({"r00000", "r00001", "r00002", "r00003", "r00004"}));

    const QJsonObject expected{
        {QStringLiteral("count"), 5},
        {QStringLiteral("samples"), QJsonArray{badge(4), badge(3), badge(2)}},
        {QStringLiteral("first_at"), QStringLiteral("2026-02-23T10:00:00.000000Z")},
        {QStringLiteral("last_at"), QStringLiteral("2026-02-23T10:02:00.000004Z")}};
    EXPECT_EQ(e.payload, expected);
    EXPECT_EQ(e.payload.keys().size(), 4) << "no extra keys in a tile payload";
}

TEST(Grouping, ThreeRowTileHasThreeSamples)
{
    const auto out = Grouping::group({row("a", 1, kBadge, kT0, badge(0)),
                                      row("b", 1, kBadge, kT0 + 1, badge(1)),
                                      row("c", 1, kBadge, kT0 + 2, badge(2))});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].payload.value(QStringLiteral("samples")).toArray(),
              (QJsonArray{badge(2), badge(1), badge(0)}));
    EXPECT_EQ(out[0].payload.value(QStringLiteral("count")).toInt(), 3);
    EXPECT_EQ(out[0].description, QStringLiteral("3 badges earned"));
}

TEST(Grouping, TwoRowsGiveTwoSinglesWithTheirOwnPayloads)
{
    const QJsonObject p0{{QStringLiteral("badgeName"), QStringLiteral("Sprint Champion")},
                         {QStringLiteral("xpAwarded"), 50}};
    const QJsonObject p1{{QStringLiteral("badgeName"), QStringLiteral("Night Owl")}};
    const auto out =
        Grouping::group({row("b", 7, kBadge, kT0 + kMin, p1), row("a", 7, kBadge, kT0, p0)});
    ASSERT_EQ(out.size(), 2u);

    EXPECT_EQ(out[0].payload, p0);
    EXPECT_EQ(out[0].createdAt, kT0);
    EXPECT_EQ(out[0].sourceIds, ids({"a"}));
    EXPECT_EQ(out[0].tenantId, 7);
    EXPECT_EQ(out[0].displayName, QStringLiteral("Badge earned"));
    EXPECT_EQ(out[0].description, af::Catalogue::describe(kBadge, p0));
    EXPECT_TRUE(out[0].description.contains(QStringLiteral("Sprint Champion")));

    EXPECT_EQ(out[1].payload, p1);
    EXPECT_EQ(out[1].createdAt, kT0 + kMin);
    EXPECT_EQ(out[1].sourceIds, ids({"b"}));
    EXPECT_EQ(out[1].description, af::Catalogue::describe(kBadge, p1));
}

TEST(Grouping, InterleavedTypesGroupSeparately)
{
    std::vector<QueueRow> rows;
    for (int i = 0; i < 6; ++i)
        rows.push_back(row(rid(i), 1, i % 2 ? kRank : kBadge, kT0 + i * kSec));
    rows.push_back(row(rid(6), 1, kStreak, kT0 + 3 * kSec + 500)); // alone in its key

    const auto out = Grouping::group(rows);
    ASSERT_EQ(out.size(), 3u);
    // Ordered by createdAt: streak (3s+500), badge tile (4s), rank tile (5s).
    EXPECT_EQ(out[0].eventType, kStreak);
    EXPECT_FALSE(isTile(out[0]));
    EXPECT_EQ(out[1].eventType, kBadge);
    EXPECT_EQ(out[1].sourceIds, ids({"r00000", "r00002", "r00004"}));
    EXPECT_EQ(out[1].description, QStringLiteral("3 badges earned"));
    EXPECT_EQ(out[2].eventType, kRank);
    EXPECT_EQ(out[2].sourceIds, ids({"r00001", "r00003", "r00005"}));
    EXPECT_EQ(out[2].displayName, QStringLiteral("Rank up"));
    EXPECT_EQ(out[2].description, QStringLiteral("3 rank ups"));
}

TEST(Grouping, NeverGroupsAcrossTenants)
{
    // Two rows each for tenants 1 and 2 inside one window: four singles, never a tile of 4.
    auto out = Grouping::group({row("a", 1, kBadge, kT0), row("b", 2, kBadge, kT0 + 1),
                                row("c", 1, kBadge, kT0 + 2), row("d", 2, kBadge, kT0 + 3)});
    ASSERT_EQ(out.size(), 4u);
    for (const auto &e : out)
        EXPECT_FALSE(isTile(e));

    // Three rows each for three tenants, interleaved: one tile per tenant.
    std::vector<QueueRow> rows;
    for (int i = 0; i < 9; ++i)
        rows.push_back(row(rid(i), 1 + i % 3, kBadge, kT0 + i * kSec));
    out = Grouping::group(rows);
    ASSERT_EQ(out.size(), 3u);
    for (int t = 0; t < 3; ++t) {
        EXPECT_EQ(out[size_t(t)].tenantId, 1 + t);
        EXPECT_EQ(out[size_t(t)].sourceIds,
                  (std::vector<QString>{rid(t), rid(t + 3), rid(t + 6)}));
        EXPECT_EQ(out[size_t(t)].createdAt, kT0 + (t + 6) * kSec);
    }
}

TEST(Grouping, SevenInAWindowThenAnEighthJustOutside)
{
    std::vector<QueueRow> rows;
    for (int i = 0; i < 7; ++i)
        rows.push_back(row(rid(i), 1, kBadge, kT0 + i * 49 * kSec, badge(i)));
    rows.push_back(row(rid(7), 1, kBadge, kT0 + kWindow, badge(7)));

    const auto out = Grouping::group(rows);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].sourceIds.size(), 7u);
    EXPECT_EQ(out[0].payload.value(QStringLiteral("count")).toInt(), 7);
    EXPECT_EQ(out[0].payload.value(QStringLiteral("samples")).toArray(),
              (QJsonArray{badge(6), badge(5), badge(4)}));
    EXPECT_EQ(out[0].payload.value(QStringLiteral("last_at")).toString(),
              af::isoMicros(kT0 + 6 * 49 * kSec));
    EXPECT_EQ(out[0].createdAt, kT0 + 6 * 49 * kSec);
    EXPECT_EQ(out[0].description, QStringLiteral("7 badges earned"));
    EXPECT_EQ(out[1].sourceIds, (std::vector<QString>{rid(7)}));
    EXPECT_EQ(out[1].payload, badge(7));
    EXPECT_EQ(out[1].createdAt, kT0 + kWindow);
}

TEST(Grouping, TiesOnCreatedAtAreBrokenById)
{
    // Same instant: the order is by id, so "c" is the newest and "a" the oldest.
    auto out = Grouping::group({row("c", 1, kBadge, kT0, badge(3)),
                                row("a", 1, kBadge, kT0, badge(1)),
                                row("b", 1, kBadge, kT0, badge(2))});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].sourceIds, ids({"a", "b", "c"}));
    EXPECT_EQ(out[0].payload.value(QStringLiteral("samples")).toArray(),
              (QJsonArray{badge(3), badge(2), badge(1)}));

    // Two singles at one instant come out in id order.
    out = Grouping::group({row("y", 1, kBadge, kT0, badge(2)), row("x", 1, kBadge, kT0, badge(1))});
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].sourceIds, ids({"x"}));
    EXPECT_EQ(out[1].sourceIds, ids({"y"}));

    // The tie-break decides which row is left over for the next window.
    out = Grouping::group({row("d", 1, kBadge, kT0 + kWindow - 1, badge(4)),
                           row("a", 1, kBadge, kT0, badge(1)),
                           row("c", 1, kBadge, kT0 + kWindow - 1, badge(3)),
                           row("b", 1, kBadge, kT0, badge(2))});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].sourceIds, ids({"a", "b", "c", "d"}));
    EXPECT_EQ(out[0].payload.value(QStringLiteral("samples")).toArray(),
              (QJsonArray{badge(4), badge(3), badge(2)}));
}

TEST(Grouping, OutputIsSortedByCreatedAt)
{
    // Tenant 2's tile ends before tenant 1's single; streak single lies between.
    const auto out = Grouping::group({row("a", 1, kBadge, kT0 + 10 * kMin),
                                      row("b", 2, kBadge, kT0), row("c", 2, kBadge, kT0 + 1),
                                      row("d", 2, kBadge, kT0 + 2),
                                      row("e", 1, kStreak, kT0 + kMin)});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].sourceIds, ids({"b", "c", "d"}));
    EXPECT_EQ(out[1].sourceIds, ids({"e"}));
    EXPECT_EQ(out[2].sourceIds, ids({"a"}));
}

TEST(Grouping, UnknownTypeDoesNotCrash)
{
    const QString t = QStringLiteral("mystery");
    const auto out = Grouping::group(
        {row("a", 1, t, kT0), row("b", 1, t, kT0 + 1), row("c", 1, t, kT0 + 2), row("d", 1, t, kT0 + kWindow)});
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].sourceIds.size(), 3u);
    EXPECT_FALSE(out[0].displayName.isEmpty());
    EXPECT_FALSE(out[0].description.isEmpty());
    EXPECT_FALSE(out[1].description.isEmpty());
}

TEST(Grouping, WorksBefore1970)
{
    const Micros t = -kWindow - 10; // 1969-12-31T23:54:59.999990Z
    const auto out = Grouping::group({row("a", 1, kBadge, t), row("b", 1, kBadge, t + 9),
                                      row("c", 1, kBadge, t + 10), row("d", 1, kBadge, t + kWindow)});
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].sourceIds, ids({"a", "b", "c"}));
    EXPECT_EQ(out[0].payload.value(QStringLiteral("first_at")).toString(),
              QStringLiteral("1969-12-31T23:54:59.999990Z"));
    EXPECT_EQ(out[0].payload.value(QStringLiteral("last_at")).toString(),
              QStringLiteral("1969-12-31T23:55:00.000000Z"));
    EXPECT_EQ(out[1].sourceIds, ids({"d"}));
    EXPECT_EQ(out[1].createdAt, -10);
}

// ---------------------------------------------------------------------------------------
// Order independence and invariants over random input

bool sameEvent(const GroupedEvent &a, const GroupedEvent &b)
{
    return a.tenantId == b.tenantId && a.eventType == b.eventType &&
           a.displayName == b.displayName && a.description == b.description && a.icon == b.icon &&
           a.payload == b.payload && a.createdAt == b.createdAt && a.sourceIds == b.sourceIds;
}

std::vector<QueueRow> randomRows(std::mt19937 &rng, int n)
{
    const QStringList &types = af::Catalogue::eventTypeNames();
    std::uniform_int_distribution<int> tenant(1, 4);
    std::uniform_int_distribution<int> type(0, int(types.size()) - 1);
    std::uniform_int_distribution<int> shape(0, 9);
    std::uniform_int_distribution<Micros> spread(0, 3 * 3600 * kSec);
    std::uniform_int_distribution<Micros> jitter(0, 7 * kMin);
    std::uniform_int_distribution<int> step(0, 6);

    std::vector<QueueRow> rows;
    Micros burst = kT0;
    int burstTenant = 1;
    QString burstType = types[0];
    for (int i = 0; i < n; ++i) {
        Micros at = 0;
        int t = tenant(rng);
        QString ty = types[type(rng)];
        switch (shape(rng)) {
        case 0: case 1: case 2: case 3: case 4: // a burst of one key: makes tiles
            at = burst + jitter(rng);
            t = burstTenant;
            ty = burstType;
            break;
        case 5: // whole seconds: makes ties
            at = kT0 + (spread(rng) / kSec) * kSec;
            break;
        case 6: // exactly on 5-minute marks: boundary cases
            at = kT0 + step(rng) * kWindow;
            break;
        case 7: // a new burst
            burst = kT0 + spread(rng);
            burstTenant = t;
            burstType = ty;
            at = burst;
            break;
        default: // anywhere: makes singles
            at = kT0 + spread(rng);
        }
        const QJsonObject payload{{QStringLiteral("i"), i}};
        // Ids are not in time order, so id tie-breaks are exercised for real.
        const QString id =
            QStringLiteral("%1-%2").arg((i * 7919) % 10007, 5, 10, QLatin1Char('0')).arg(i);
        rows.push_back(QueueRow{id, t, ty, payload, at});
    }
    return rows;
}

TEST(Grouping, InputOrderIsIrrelevant)
{
    std::mt19937 rng(20260223);
    std::vector<QueueRow> rows = randomRows(rng, 600);
    const auto reference = Grouping::group(rows);
    for (int round = 0; round < 10; ++round) {
        std::shuffle(rows.begin(), rows.end(), rng);
        const auto out = Grouping::group(rows);
        ASSERT_EQ(out.size(), reference.size()) << "round " << round;
        for (size_t i = 0; i < out.size(); ++i)
            ASSERT_TRUE(sameEvent(out[i], reference[i])) << "round " << round << " event " << i;
    }
    // Sorted and reverse-sorted input too.
    std::sort(rows.begin(), rows.end(),
              [](const QueueRow &a, const QueueRow &b) { return a.createdAt > b.createdAt; });
    const auto reversed = Grouping::group(rows);
    ASSERT_EQ(reversed.size(), reference.size());
    for (size_t i = 0; i < reversed.size(); ++i)
        ASSERT_TRUE(sameEvent(reversed[i], reference[i])) << "event " << i;
}

TEST(Grouping, PropertiesOverRandomRows)
{
    std::mt19937 rng(42);
    const std::vector<QueueRow> rows = randomRows(rng, 4000);
    std::map<QString, const QueueRow *> byId;
    for (const QueueRow &r : rows)
        byId[r.id] = &r;
    ASSERT_EQ(byId.size(), rows.size()) << "test data: ids must be unique";

    const auto out = Grouping::group(rows);

    auto before = [](const QueueRow *a, const QueueRow *b) {
        return std::tie(a->createdAt, a->id) < std::tie(b->createdAt, b->id);
    };

    std::map<QString, int> seen;
    // Per key: the events, each as its rows oldest first.
    std::map<std::pair<int, QString>, std::vector<std::vector<const QueueRow *>>> windows;
    int tiles = 0, singles = 0, bigTiles = 0;
    for (size_t k = 0; k < out.size(); ++k) {
        const GroupedEvent &e = out[k];
        SCOPED_TRACE(testing::Message() << "event " << k);
        if (k > 0) {
            ASSERT_LE(out[k - 1].createdAt, e.createdAt) << "output sorted by createdAt";
        }
        ASSERT_FALSE(e.sourceIds.empty());

        std::vector<const QueueRow *> src;
        for (const QString &id : e.sourceIds) {
            ++seen[id];
            const auto it = byId.find(id);
            ASSERT_NE(it, byId.end()) << "unknown id " << id.toStdString();
            src.push_back(it->second);
            ASSERT_EQ(it->second->tenantId, e.tenantId) << "a tile spans tenants";
            ASSERT_EQ(it->second->eventType, e.eventType) << "a tile spans types";
        }
        ASSERT_TRUE(std::is_sorted(src.begin(), src.end(), before)) << "sourceIds oldest first";
        ASSERT_EQ(e.createdAt, src.back()->createdAt) << "createdAt is the last row's";
        const af::EventTypeInfo *info = af::Catalogue::type(e.eventType);
        ASSERT_NE(info, nullptr);
        ASSERT_EQ(e.displayName, info->displayName);
        ASSERT_EQ(e.icon, info->icon);

        const int n = int(src.size());
        if (n >= af::Catalogue::limits().tileMinRows) {
            ++tiles;
            bigTiles += n >= 7;
            ASSERT_LT(src.back()->createdAt - src.front()->createdAt, kWindow)
                << "a tile spans 5 minutes or more";
            ASSERT_EQ(e.payload.value(QStringLiteral("count")).toInt(), n);
            const QJsonArray samples = e.payload.value(QStringLiteral("samples")).toArray();
            ASSERT_EQ(samples.size(), std::min(n, 3));
            for (int s = 0; s < samples.size(); ++s)
                ASSERT_EQ(samples[s].toObject(), src[size_t(n - 1 - s)]->payload) << "sample " << s;
            ASSERT_EQ(e.payload.value(QStringLiteral("first_at")).toString(),
                      af::isoMicros(src.front()->createdAt));
            ASSERT_EQ(e.payload.value(QStringLiteral("last_at")).toString(),
                      af::isoMicros(src.back()->createdAt));
            ASSERT_EQ(e.description, af::Catalogue::describeGroup(e.eventType, n));
        } else {
            ASSERT_EQ(n, 1) << "an event of 2 rows";
            ++singles;
            ASSERT_EQ(e.payload, src[0]->payload);
            ASSERT_EQ(e.description, af::Catalogue::describe(e.eventType, src[0]->payload));
        }
        windows[{e.tenantId, e.eventType}].push_back(src);
    }

    ASSERT_EQ(seen.size(), rows.size()) << "every row in some event";
    for (const auto &[id, count] : seen)
        ASSERT_EQ(count, 1) << id.toStdString() << " in more than one event";

    // Rebuild each key's windows from its own sorted rows: a window opens at the first
    // unplaced row and takes every row before opening + 5 min; a tile is exactly one
    // window, and a short window is that many consecutive singles.
    std::map<std::pair<int, QString>, std::vector<const QueueRow *>> keyRows;
    for (const QueueRow &r : rows)
        keyRows[{r.tenantId, r.eventType}].push_back(&r);
    for (auto &[key, list] : keyRows) {
        std::sort(list.begin(), list.end(), before);
        auto events = windows[key];
        std::sort(events.begin(), events.end(),
                  [&](const auto &a, const auto &b) { return before(a.front(), b.front()); });
        size_t i = 0, ev = 0;
        while (i < list.size()) {
            size_t j = i;
            while (j < list.size() && list[j]->createdAt < list[i]->createdAt + kWindow)
                ++j;
            const size_t len = j - i;
            SCOPED_TRACE(testing::Message() << "tenant " << key.first << " type "
                                            << key.second.toStdString() << " row " << i);
            ASSERT_LT(ev, events.size());
            if (len >= 3) {
                ASSERT_EQ(events[ev].size(), len) << "the tile is the whole window";
                for (size_t m = 0; m < len; ++m)
                    ASSERT_EQ(events[ev][m], list[i + m]);
                ++ev;
            } else {
                for (size_t m = 0; m < len; ++m, ++ev) {
                    ASSERT_LT(ev, events.size());
                    ASSERT_EQ(events[ev].size(), 1u);
                    ASSERT_EQ(events[ev][0], list[i + m]);
                }
            }
            i = j;
        }
        ASSERT_EQ(ev, events.size());
    }

    // The data must really exercise both branches.
    EXPECT_GT(tiles, 50);
    EXPECT_GT(singles, 200);
    EXPECT_GT(bigTiles, 5);
}

} // namespace
