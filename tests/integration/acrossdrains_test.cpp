// Grouping across drains against a real PostgreSQL, through the real drainer:
// (a) over seeded random queues (several tenants and types, bursts and gaps, rows exactly
//     on window boundaries, late rows), one drain and a drain after each of k random
//     slices (k = 2…20) give the same events: the same rows behind each, the same samples;
// (b) a late row (an emitter that buffered through an outage) lands in its own window,
//     old or new, and a row before every window chains the windows anew;
// (c) the reactions and comments of folded singles end up on the tile: feed counts,
//     myReactions and the comments list show them, none doubled, none lost, and a client
//     that still holds a folded single's id reacts and comments on the tile.
#include "core/catalogue.h"
#include "core/errors.h"
#include "db/connectionpool.h"
#include "feed/drainer.h"
#include "feed/feedservice.h"
#include "pgharness.h"
#include "queuefixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <utility>

namespace {

using Row = aftest::QueueFixtureRow;
using aftest::eventSnapshot;
using aftest::sameEvents;
using Clock = std::chrono::steady_clock;

constexpr af::Micros kMinute = 60LL * 1000000;
constexpr af::Micros kSecond = 1000000;

/// Tenant 1's queue rows of one type, made one at a time at the times asked for, each
/// with a payload of its own; reproducible from the seed.
class RowsOf
{
public:
    RowsOf(std::string type, unsigned seed) : m_type(std::move(type)), m_rng(seed) {}
    Row operator()(af::Micros at)
    {
        Row q;
        q.id = aftest::uuidFrom(m_rng);
        q.tenant = 1;
        q.type = m_type;
        q.payload = aftest::payloadFor(m_type, m_n++);
        q.at = at;
        return q;
    }

private:
    std::string m_type;
    std::mt19937_64 m_rng;
    int m_n = 0;
};

long long scalar(pqxx::connection &c, const std::string &sql)
{
    pqxx::nontransaction tx(c);
    const auto r = tx.exec1(sql);
    return r[0].is_null() ? 0 : r[0].as<long long>();
}

/// Empties the feed of a small database: DELETE, which for a few dozen rows is much
/// cheaper than TRUNCATE (new files for every table and index).
void clearFeed(pqxx::connection &c)
{
    pqxx::work tx(c);
    tx.exec("DELETE FROM activity_comments; DELETE FROM activity_reactions; "
            "DELETE FROM activity_event_tombstones; "
            "DELETE FROM activity_events; DELETE FROM activity_queue; DELETE FROM drain_runs");
    tx.commit();
}

/// A queue with what makes windows hard: bursts seconds apart, gaps of minutes to an hour,
/// rows exactly on 5-minute marks (and 5 minutes after a burst's first row), identical
/// timestamps; 2–3 tenants, 2–4 types.
std::vector<Row> randomQueue(std::mt19937_64 &rng)
{
    const QStringList &types = af::Catalogue::eventTypeNames();
    const int tenants = 2 + int(rng() % 2);
    const int nTypes = 2 + int(rng() % 3);
    const int n = 15 + int(rng() % 46);
    const af::Micros window = af::Grouping::window();
    std::vector<Row> rows;
    af::Micros t = aftest::kQueueT0;
    while (int(rows.size()) < n) {
        const int kind = int(rng() % 10);
        if (kind < 3) {
            t += af::Micros(1 + rng() % 60) * kMinute; // a gap
        } else if (kind < 5) {
            t = aftest::kQueueT0 + ((t - aftest::kQueueT0) / window + 1 + af::Micros(rng() % 2)) * window;
        } else if (kind == 5 && !rows.empty()) {
            t = rows.back().at + window; // exactly where the last row's window would end
        } else {
            t += af::Micros(rng() % 3) == 0 ? 0 : af::Micros(rng() % 90) * kSecond + af::Micros(rng() % 1000);
        }
        const int burst = kind >= 8 ? 3 + int(rng() % 5) : 1;
        const int tenant = 1 + int(rng() % unsigned(tenants));
        const std::string type = types.at(int(rng() % unsigned(nTypes))).toStdString();
        for (int i = 0; i < burst && int(rows.size()) < n; ++i) {
            Row r;
            r.id = aftest::uuidFrom(rng);
            r.tenant = kind >= 8 ? tenant : 1 + int(rng() % unsigned(tenants));
            r.type = kind >= 8 ? type : types.at(int(rng() % unsigned(nTypes))).toStdString();
            r.payload = aftest::payloadFor(r.type, int(rows.size()));
            r.at = t;
            rows.push_back(std::move(r));
            t += af::Micros(rng() % 20) * kSecond;
        }
    }
    return rows;
}

/// The order rows reach the queue: by time, except that about one in eight arrives late
/// (its emitter buffered it) in a later slice.
std::vector<Row> arrivalOrder(std::vector<Row> rows, std::mt19937_64 &rng)
{
    std::sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) { return std::tie(a.at, a.id) < std::tie(b.at, b.id); });
    for (size_t i = 0; i + 1 < rows.size(); ++i) {
        if (rng() % 8 == 0) {
            const size_t to = std::min(rows.size() - 1, i + 1 + size_t(rng() % 15));
            std::rotate(rows.begin() + long(i), rows.begin() + long(i) + 1, rows.begin() + long(to) + 1);
        }
    }
    return rows;
}

// (a) -------------------------------------------------------------------------------------
TEST(AcrossDrains, DrainsAfterRandomSlicesEqualOneDrainOverTwoHundredSeeds)
{
    // Through the real drain and PostgreSQL end to end; tests/unit/tileplan_test runs the
    // plan's pure logic over a thousand more seeds in memory.
    constexpr int kSeeds = 200;
    const std::string one = aftest::freshDatabase("once");
    const std::string sliced = aftest::freshDatabase("sliced");
    aftest::seedTenants(one, 3);
    aftest::seedTenants(sliced, 3);
    pqxx::connection oneConn(one), slicedConn(sliced);
    long long rowsTotal = 0, drains = 0, updated = 0, removed = 0, inserted = 0;
    int seedsWithFolds = 0;
    const auto t0 = Clock::now();
    for (int seed = 1; seed <= kSeeds; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937_64 rng(std::uint64_t(seed) * 7919);
        const std::vector<Row> rows = randomQueue(rng);
        const int k = 2 + (seed - 1) % 19; // 2…20 slices
        const std::vector<Row> arriving = arrivalOrder(rows, rng);
        std::vector<size_t> cuts;
        for (int i = 1; i < k; ++i)
            cuts.push_back(size_t(rng() % (arriving.size() + 1)));
        cuts.push_back(arriving.size());
        std::sort(cuts.begin(), cuts.end());

        clearFeed(oneConn);
        clearFeed(slicedConn);
        aftest::writeQueue(oneConn, rows);
        af::Drainer::drainQueue(oneConn, {}, QStringLiteral("test"));

        size_t from = 0;
        long long seedRemoved = 0;
        for (const size_t to : cuts) {
            if (to > from)
                aftest::writeQueue(slicedConn, {arriving.begin() + long(from), arriving.begin() + long(to)});
            from = std::max(from, to);
            const af::DrainResult r = af::Drainer::drainQueue(slicedConn, {}, QStringLiteral("test"));
            ++drains;
            updated += r.updated;
            seedRemoved += r.removed;
            inserted += r.inserted;
        }
        removed += seedRemoved;
        seedsWithFolds += seedRemoved > 0 ? 1 : 0;
        rowsTotal += long(rows.size());
        const auto got = eventSnapshot(sliced);
        const auto want = eventSnapshot(one);
        ASSERT_TRUE(sameEvents(got, want)) << k << " slices of " << rows.size() << " rows";
        if (seed % 10 == 0)
            aftest::expectConsistent(sliced, "after sliced drains");
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("[ tiles    ] %d seeds, %lld rows, %lld sliced drains (2…20 per seed) in %.1f s "
                "(%.0f ms per seed): %lld tiles grown, %lld singles folded, folds in %d seeds\n",
                kSeeds, rowsTotal, drains, seconds, seconds * 1000 / kSeeds, updated, removed, seedsWithFolds);
    // The queues really exercise both paths.
    EXPECT_GT(updated, kSeeds);
    EXPECT_GT(seedsWithFolds, kSeeds / 4);
}

// (b) -------------------------------------------------------------------------------------
TEST(AcrossDrains, LateRowLandsInItsOwnWindowOldOrNew)
{
    const std::string cs = aftest::freshDatabase("late");
    const std::string ref = aftest::freshDatabase("lateref");
    aftest::seedTenants(cs, 1);
    aftest::seedTenants(ref, 1);
    pqxx::connection c(cs), r(ref);
    RowsOf row("badge_earned", 12);
    const auto T = [](af::Micros minutes) { return aftest::kQueueT0 + minutes * kMinute; };
    // Drains @p rows here (one drain), and everything so far once in the reference.
    std::vector<Row> all;
    const auto drain = [&](const std::vector<Row> &rows) {
        aftest::writeQueue(cs, rows);
        all.insert(all.end(), rows.begin(), rows.end());
        clearFeed(r);
        aftest::writeQueue(r, all);
        af::Drainer::drainQueue(r, {}, QStringLiteral("test"));
        return af::Drainer::drainQueue(c, {}, QStringLiteral("test"));
    };
    const auto tileOf = [&](const std::string &where) {
        return aftest::queryValue(cs, "SELECT id::text || ' ' || (payload_json->>'count') || ' ' || seq FROM activity_events " + where);
    };

    // An old window (a tile of 3 at 10:00) and newer rows an hour later.
    af::DrainResult d = drain({row(T(0)), row(T(1)), row(T(2))});
    EXPECT_EQ(d.inserted, 1);
    d = drain({row(T(60)), row(T(61))});
    EXPECT_EQ(d.inserted, 2);
    const std::string oldTile = tileOf("WHERE payload_json ? 'count'");
    const std::string oldId = oldTile.substr(0, oldTile.find(' '));

    // Late into the old window: that tile grows (same id, new seq), nothing new appears.
    d = drain({row(T(3) + 30 * kSecond)});
    EXPECT_EQ(d.inserted, 0);
    EXPECT_EQ(d.updated, 1);
    const std::string grown = tileOf("WHERE id = '" + oldId + "'");
    EXPECT_EQ(grown.substr(0, grown.find(' ', oldId.size() + 1)), oldId + " 4");
    EXPECT_GT(std::stoll(grown.substr(grown.rfind(' ') + 1)), std::stoll(oldTile.substr(oldTile.rfind(' ') + 1)));
    EXPECT_TRUE(sameEvents(eventSnapshot(cs), eventSnapshot(ref)));

    // Late into a window of its own between the two: a new single, nothing else touched.
    d = drain({row(T(30))});
    EXPECT_EQ(d.inserted, 1);
    EXPECT_EQ(d.updated, 0);
    EXPECT_EQ(d.removed, 0);
    EXPECT_TRUE(sameEvents(eventSnapshot(cs), eventSnapshot(ref)));

    // Late into the new window of two singles: they fold into one tile of three.
    d = drain({row(T(62))});
    EXPECT_EQ(d.removed, 1);
    EXPECT_EQ(d.updated, 1);
    EXPECT_EQ(1, scalar(c, "SELECT count(*) FROM activity_events WHERE created_at >= '2026-01-05 09:00:00+00'"));
    EXPECT_TRUE(sameEvents(eventSnapshot(cs), eventSnapshot(ref)));

    // Before every window: the first window now opens at 07:57:30 and takes the rows
    // before 08:02:30 (07:57:30, 08:00, 08:01, 08:02), so 08:03:30 opens a window of its
    // own — one late row chains the windows anew, as one drain over all rows would.
    d = drain({row(T(-2) - 30 * kSecond)});
    EXPECT_TRUE(sameEvents(eventSnapshot(cs), eventSnapshot(ref)));
    EXPECT_EQ(aftest::queryValue(cs, "SELECT payload_json->>'count' FROM activity_events WHERE id = '" + oldId + "'"), "4")
        << "the tile keeps its id and takes the late row";
    EXPECT_EQ(2, scalar(c, "SELECT count(*) FROM activity_events WHERE created_at < '2026-01-05 08:10:00+00'"));
    aftest::expectConsistent(cs, "after late rows");
}

// (c) -------------------------------------------------------------------------------------
TEST(AcrossDrains, FoldedSinglesTakeTheirReactionsAndCommentsToTheTile)
{
    const std::string cs = aftest::freshDatabase("foldrx");
    aftest::seedTenants(cs, 3); // 1 owns the events; 2 and 3 react and comment
    af::ConnectionPool pool(cs, 2);
    af::FeedService feed(pool, 0);
    pqxx::connection c(cs);
    RowsOf row("challenge_completed", 5);
    aftest::writeQueue(cs, {row(aftest::kQueueT0), row(aftest::kQueueT0 + kMinute)});
    ASSERT_EQ(af::Drainer::drainQueue(c, {}, QStringLiteral("test")).inserted, 2);
    const af::FeedPage before = feed.eventsPage(2, {});
    ASSERT_EQ(before.events.size(), 2u);
    const QString older = before.events[1].id, newer = before.events[0].id; // newest first
    // Tenant 2 hypes both singles (one tile later: one hype), respects the newer; tenant 3
    // hypes the newer. Both comment on each.
    feed.react(2, older, QStringLiteral("hype"), true);
    feed.react(2, newer, QStringLiteral("hype"), true);
    feed.react(2, newer, QStringLiteral("respect"), true);
    feed.react(3, newer, QStringLiteral("hype"), true);
    const QString c1 = feed.addComment(2, older, QStringLiteral("first on the older")).comment.id;
    const QString c2 = feed.addComment(3, newer, QStringLiteral("first on the newer")).comment.id;
    const QString c3 = feed.addComment(3, older, QStringLiteral("second on the older")).comment.id;
    const aftest::PersonWritten written = aftest::personWritten(cs);

    // The third row of the window arrives: the two singles fold into one tile.
    aftest::writeQueue(cs, {row(aftest::kQueueT0 + 2 * kMinute)});
    const af::DrainResult d = af::Drainer::drainQueue(c, {}, QStringLiteral("test"));
    EXPECT_EQ(d.processed, 1);
    EXPECT_EQ(d.inserted, 0);
    EXPECT_EQ(d.updated, 1);
    EXPECT_EQ(d.removed, 1);
    EXPECT_EQ(aftest::queryValue(cs, "SELECT merged_into::text FROM activity_event_tombstones WHERE event_id = '"
                                         + newer.toStdString() + "'"),
              older.toStdString())
        << "the tile keeps the oldest single's id";

    const auto tileAs = [&](int viewer) {
        const af::FeedPage p = feed.eventsPage(viewer, {});
        EXPECT_EQ(p.events.size(), 1u);
        return p.events.empty() ? af::Event{} : p.events.front();
    };
    const af::Event as2 = tileAs(2), as3 = tileAs(3);
    EXPECT_EQ(as2.id, older);
    EXPECT_EQ(as2.payload().value(QStringLiteral("count")).toInt(), 3);
    const int hype = af::Catalogue::reactionIndex(QStringLiteral("hype"));
    const int respect = af::Catalogue::reactionIndex(QStringLiteral("respect"));
    EXPECT_EQ(as2.reactions.of(hype), 2) << "tenant 2's two hypes are one; tenant 3's is the other";
    EXPECT_EQ(as2.reactions.of(respect), 1);
    EXPECT_EQ(as2.myReactions, (QStringList{QStringLiteral("hype"), QStringLiteral("respect")}));
    EXPECT_EQ(as3.myReactions, QStringList{QStringLiteral("hype")});
    EXPECT_EQ(as2.commentCount, 3);
    const af::CommentPage thread = feed.comments(older, {}, 0);
    ASSERT_EQ(thread.comments.size(), 3u);
    EXPECT_EQ(thread.comments[0].id, c1);
    EXPECT_EQ(thread.comments[1].id, c2);
    EXPECT_EQ(thread.comments[2].id, c3);
    aftest::expectNothingLost(cs, written);

    // A client that has not heard of the fold yet still holds the removed single's id: its
    // reaction and comment land on the tile, and a duplicate stays a no-op.
    const af::ReactionChange again = feed.react(2, newer, QStringLiteral("hype"), true);
    EXPECT_EQ(again.eventId, older);
    EXPECT_EQ(again.counts.of(hype), 2);
    const af::ReactionChange tribute = feed.react(3, newer, QStringLiteral("tribute"), true);
    EXPECT_EQ(tribute.eventId, older);
    EXPECT_EQ(tribute.counts.of(af::Catalogue::reactionIndex(QStringLiteral("tribute"))), 1);
    const af::PostedComment late = feed.addComment(2, newer, QStringLiteral("written on the old card"));
    EXPECT_EQ(late.comment.eventId, older);
    EXPECT_EQ(late.commentCount, 4);
    EXPECT_THROW(feed.react(1, newer, QStringLiteral("hype"), true), af::Forbidden)
        << "the tile's owner is the single's owner";
    EXPECT_EQ(4, scalar(c, "SELECT count(*) FROM activity_comments"));
    aftest::expectConsistent(cs, "after a fold");
}

} // namespace
