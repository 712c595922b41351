// TilePlan's pure logic over many seeded queues, without PostgreSQL: applying its plans
// slice after slice (as the drainer does, here to an in-memory feed) ends in exactly the
// events one grouping of every row makes; ofNewEvents is make() with nothing published.
// The integration test acrossdrains_test makes the same claim through the real drain.
#include "core/catalogue.h"
#include "feed/tileplan.h"

#include <QJsonDocument>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>

namespace {

using af::GroupedEvent;
using af::Micros;
using af::PublishedEvent;
using af::QueueRow;
using af::TilePlan;

constexpr Micros kMinute = 60LL * 1000000;

std::vector<QueueRow> randomRows(std::mt19937_64 &rng)
{
    const QStringList &types = af::Catalogue::eventTypeNames();
    const Micros window = af::Grouping::window();
    const int n = 5 + int(rng() % 60);
    std::vector<QueueRow> rows;
    Micros t = 0;
    for (int i = 0; i < n; ++i) {
        const int kind = int(rng() % 6);
        if (kind == 0)
            t += Micros(1 + rng() % 40) * kMinute;
        else if (kind == 1)
            t = (t / window + 1) * window; // exactly on a 5-minute mark
        else if (kind == 2 && !rows.empty())
            t = rows[size_t(rng() % rows.size())].createdAt + window; // where a window would end
        else
            t += Micros(rng() % 3) * Micros(rng() % 90'000'000);
        QueueRow r;
        r.id = QStringLiteral("%1").arg(i, 4, 10, QLatin1Char('0'));
        r.tenantId = 1 + int(rng() % 2);
        r.eventType = types.at(int(rng() % 2));
        r.payload = QJsonObject{{QStringLiteral("n"), i}};
        r.createdAt = t;
        rows.push_back(r);
    }
    return rows;
}

std::string text(const GroupedEvent &e, const std::vector<QString> &rows)
{
    std::vector<QString> sorted = rows;
    std::sort(sorted.begin(), sorted.end());
    std::string out = std::to_string(e.tenantId) + '|' + e.eventType.toStdString() + '|' +
                      std::to_string(e.createdAt) + '|' + std::to_string(e.windowStart) + '|' +
                      QJsonDocument(e.payload).toJson(QJsonDocument::Compact).toStdString() + '|' +
                      e.description.toStdString() + '|';
    for (const QString &id : sorted)
        out += id.toStdString() + ',';
    return out;
}

/// The drainer's effect on a feed held in memory: reused events take the item's state,
/// new ones get an id, folded ones go.
void apply(const TilePlan &plan, std::map<QString, PublishedEvent> &feed,
           const std::map<QString, QueueRow> &byId, int &nextId)
{
    for (const TilePlan::Fold &f : plan.folds) {
        ASSERT_TRUE(feed.count(f.removedId));
        ASSERT_GE(f.into, 0);
        feed.erase(f.removedId);
    }
    for (const TilePlan::Item &item : plan.items) {
        const QString id = item.reuseId.isEmpty() ? QStringLiteral("e%1").arg(nextId++) : item.reuseId;
        PublishedEvent &p = feed[id];
        p.id = id;
        p.payload = item.event.payload;
        p.description = item.event.description;
        p.createdAt = item.event.createdAt;
        p.windowStart = item.event.windowStart;
        p.rows.clear();
        for (const QString &q : item.event.sourceIds)
            p.rows.push_back(byId.at(q));
    }
}

TEST(TilePlan, SlicedPlansEndInOneGroupingOverAThousandSeeds)
{
    constexpr int kSeeds = 1000;
    long long folds = 0, reused = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int seed = 1; seed <= kSeeds; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937_64 rng{std::uint64_t(seed)};
        const std::vector<QueueRow> rows = randomRows(rng);
        std::map<QString, QueueRow> byId;
        for (const QueueRow &r : rows)
            byId[r.id] = r;
        std::vector<std::string> want;
        for (const GroupedEvent &e : af::Grouping::group(rows))
            want.push_back(text(e, e.sourceIds));
        std::sort(want.begin(), want.end());

        // Arrival order: by time, some rows late; cut into 2…20 slices.
        std::vector<QueueRow> arriving = rows;
        std::shuffle(arriving.begin(), arriving.end(), rng);
        std::stable_sort(arriving.begin(), arriving.end(), [&](const QueueRow &a, const QueueRow &b) {
            return (a.createdAt / (7 * kMinute)) < (b.createdAt / (7 * kMinute));
        });
        const size_t k = 2 + size_t(seed % 19);
        std::map<QString, PublishedEvent> feed;
        int nextId = 0;
        for (size_t s = 0; s < k; ++s) {
            const std::vector<QueueRow> slice(arriving.begin() + long(arriving.size() * s / k),
                                              arriving.begin() + long(arriving.size() * (s + 1) / k));
            if (slice.empty())
                continue;
            // Every published event of the slice's keys: a superset of what the drainer
            // loads (the windows from the one holding a key's oldest new row on).
            std::vector<PublishedEvent> published;
            for (const auto &[id, p] : feed) {
                const bool sameKey = std::any_of(slice.begin(), slice.end(), [&](const QueueRow &q) {
                    return q.tenantId == p.rows.front().tenantId && q.eventType == p.rows.front().eventType;
                });
                if (sameKey)
                    published.push_back(p);
            }
            const TilePlan plan = TilePlan::make(slice, published);
            folds += long(plan.folds.size());
            for (const TilePlan::Item &i : plan.items)
                reused += !i.reuseId.isEmpty() && i.changed ? 1 : 0;
            apply(plan, feed, byId, nextId);
        }
        std::vector<std::string> got;
        for (const auto &[id, p] : feed) {
            GroupedEvent e;
            e.tenantId = p.rows.front().tenantId;
            e.eventType = p.rows.front().eventType;
            e.createdAt = p.createdAt;
            e.windowStart = p.windowStart;
            e.payload = p.payload;
            e.description = p.description;
            std::vector<QString> ids;
            for (const QueueRow &q : p.rows)
                ids.push_back(q.id);
            got.push_back(text(e, ids));
        }
        std::sort(got.begin(), got.end());
        ASSERT_EQ(got, want);
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ tileplan ] %d seeds in %.0f ms: %lld published events grown or re-made, %lld folded\n", kSeeds,
                ms, reused, folds);
    EXPECT_GT(folds, 100);
    EXPECT_GT(reused, 100);
}

TEST(TilePlan, OfNewEventsIsMakeWithNothingPublished)
{
    for (int seed = 1; seed <= 300; ++seed) {
        std::mt19937_64 rng(std::uint64_t(seed) + 100000);
        const std::vector<QueueRow> rows = randomRows(rng);
        const TilePlan a = TilePlan::make(rows, {});
        const TilePlan b = TilePlan::ofNewEvents(af::Grouping::group(rows));
        ASSERT_EQ(a.items.size(), b.items.size());
        ASSERT_TRUE(a.folds.empty());
        for (size_t i = 0; i < a.items.size(); ++i) {
            EXPECT_EQ(text(a.items[i].event, a.items[i].newRows), text(b.items[i].event, b.items[i].newRows));
            EXPECT_TRUE(a.items[i].reuseId.isEmpty());
            EXPECT_TRUE(a.items[i].movedRows.empty());
        }
    }
}

} // namespace
