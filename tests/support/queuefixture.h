#pragma once
#include "feed/grouping.h"

#include <gtest/gtest.h>
#include <pqxx/connection>

#include <array>
#include <random>
#include <string>
#include <vector>

namespace aftest {

/// @brief One queue row as a test writes it: the same ids and timestamps can be written
/// to as many databases as a comparison needs.
struct QueueFixtureRow {
    std::string id;
    int tenant = 0;
    std::string type;
    std::string payload;
    af::Micros at = 0;
};

/// 2026-01-05T08:00:00Z, on a 5-minute boundary.
constexpr af::Micros kQueueT0 = 1767600000LL * 1000000;

/// @brief A random v4-shaped uuid from @p rng (reproducible per seed).
std::string uuidFrom(std::mt19937_64 &rng);
/// @brief A payload of the fields @p type's description and samples read, unique per @p n.
std::string payloadFor(const std::string &type, int n);
/// @brief A realistic mix: @p tenants tenants, all six types, rows spread over @p span
/// with about a third of them in bursts of 3–8 rows seconds apart (some with identical
/// timestamps, so the (created_at, id) tie-break matters).
std::vector<QueueFixtureRow> makeQueue(int n, int tenants, af::Micros span, unsigned seed);
/// @brief Tenants 1..@p n named "Tenant i".
void seedTenants(const std::string &cs, int n);
/// @brief Writes @p rows, unprocessed, in one COPY.
void writeQueue(const std::string &cs, const std::vector<QueueFixtureRow> &rows);
/// @brief The same on a connection of the caller's.
void writeQueue(pqxx::connection &c, const std::vector<QueueFixtureRow> &rows);
std::vector<af::QueueRow> asQueueRows(const std::vector<QueueFixtureRow> &rows);

/// @brief What a client would end up with, as comparable text: every event's tenant, type,
/// created_at (µs), payload (count, samples, first/last), display fields and its sorted
/// source rows. Event uuids and seq differ between runs and are left out.
std::vector<std::string> eventSnapshot(const std::string &cs);
/// @brief The same text for the events of a pure grouping.
std::vector<std::string> groupingSnapshot(const std::vector<af::GroupedEvent> &events);
/// @brief What one drain over every row of the queue makes (processed or not), as
/// eventSnapshot text: the queue read back and grouped in one pass.
std::vector<std::string> oneDrainSnapshot(const std::string &cs);
/// @brief Compares two sorted snapshots; on a difference, says how many differ and shows a few.
::testing::AssertionResult sameEvents(const std::vector<std::string> &got,
                                      const std::vector<std::string> &want);
/// @brief The invariants after any drain, finished, killed or folding: every processed
/// queue row feeds exactly one event, no unprocessed row feeds any, no event is empty,
/// every event has its window, and no removed event is still in the feed.
void expectConsistent(const std::string &cs, const char *when);

/// @brief What people wrote on published events: (event id, from tenant, type) of every
/// reaction and (comment id, event id) of every comment.
struct PersonWritten {
    std::vector<std::array<std::string, 3>> reactions;
    std::vector<std::array<std::string, 2>> comments;
};

/// @brief Publishes part of @p rows the way a feed drained as rows arrive does: a third of
/// them (chosen by @p seed, in created_at order) written and drained in @p slices drains.
/// Returns the rows not yet written, which the caller writes before the drain it tests:
/// that drain then joins rows into published tiles and folds published singles.
std::vector<QueueFixtureRow> publishPart(const std::string &cs, const std::vector<QueueFixtureRow> &rows,
                                         unsigned seed, int slices = 3);
/// @brief People react and comment on every published event: a comment from its owner, a
/// "hype" from the next tenant (of @p tenants) and, on every other event, a "respect" too.
/// Singles of one window thus carry the same reaction twice, which a fold must keep once.
PersonWritten reactAndComment(const std::string &cs, int tenants);
/// @brief Every reaction and comment in the database @p cs now.
PersonWritten personWritten(const std::string &cs);
/// @brief Nothing of @p before is lost: every comment is still there, on its event or on
/// the tile its event was folded into (following tombstones), and so is every reaction;
/// no reaction is doubled (the unique constraint) and every comment count is right.
void expectNothingLost(const std::string &cs, const PersonWritten &before);

/// @brief The two databases of a "these drains equal one drain" test, each with tenants
/// 1..n: refCs holds all of the rows queued; cs had part of them published (publishPart)
/// and reacted and commented on (reactAndComment: written), and holds the rest queued.
struct HalfPublished {
    std::string cs, refCs;
    PersonWritten written;
    size_t queued = 0; ///< rows queued in cs, not yet drained
};
/// @brief HalfPublished databases "<prefix>…" and "<prefix>ref…" for @p rows.
HalfPublished halfPublished(const std::string &prefix, const std::vector<QueueFixtureRow> &rows,
                            int tenants, unsigned seed);

} // namespace aftest
