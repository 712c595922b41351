#pragma once
// Data sets of the benchmarks, made the same way on every run (fixed seeds).
#include <QString>

#include <string>
#include <tuple>
#include <vector>

namespace afbench {

/// tenant_id, event_type, payload_json, created_at (ISO, µs), id — a row of activity_queue,
/// with the time-ordered id the emitter gives a row stamped at created_at (core/uuid7.h).
using QueueTuple = std::tuple<int, std::string, std::string, std::string, std::string>;

/// @brief A queue row as the emitter writes it at @p createdAt.
QueueTuple queueRow(int tenant, const std::string &type, const std::string &payload, qint64 createdAtMicros);

/// @brief The drain mix: 20 tenants, all six types, ~30 % of the rows in bursts of 3–8
/// rows within 30 s (they group into tiles), the rest singles 6 minutes apart per
/// (tenant, type) (they stay single events). Tenant ids are 1..20.
std::vector<QueueTuple> drainMix(int rows);

/// @brief A realistic payload for @p type (the shapes the hooks emit), compact JSON.
std::string payloadFor(int typeIndex, int n);

/// @brief The six event types, in a fixed order.
const std::vector<std::string> &eventTypes();

/// @brief SQL that fills activity_events (1..events), activity_reactions (3 per event)
/// and activity_comments (one per 2 events) with generate_series; tenants 1..20 exist.
std::vector<std::string> feedDataSql(int events);

} // namespace afbench
