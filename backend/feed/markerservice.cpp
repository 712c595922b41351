#include "markerservice.h"
#include "eventrows.h"

#include "core/errors.h"
#include "core/eventjson.h"
#include "db/connectionpool.h"
#include "db/pgerrors.h"

#include <pqxx/pqxx>

namespace af {

namespace {

// The marker of tenant $1 (seq 0 and no time when it never moved) and its unread count:
// other tenants' events past it, read through the seq index and cut at the cap, so a
// tenant that has not looked for a year costs the same as one that looked a minute ago.
const std::string kMarkerSql = R"SQL(
SELECT coalesce(m.last_read_seq, 0),
       (SELECT count(*) FROM (
            SELECT 1 FROM activity_events e
             WHERE e.seq > coalesce(m.last_read_seq, 0) AND e.tenant_id <> $1::int
             LIMIT )SQL" + std::to_string(Marker::kUnreadCap) + R"SQL(
        ) u)::int,
       )SQL" + EventRows::micros("m.updated_at") + R"SQL(
  FROM (SELECT 1) one
  LEFT JOIN activity_markers m ON m.tenant_id = $1::int
)SQL";

const char *const kNewestSql = "SELECT coalesce(max(seq), 0) FROM activity_events";

// Forward only, decided by the row itself: under concurrent moves the row lock orders
// them and the lower one changes nothing. A move to 0 is no move (no row means 0).
const char *const kAdvanceSql = R"SQL(
INSERT INTO activity_markers (tenant_id, last_read_seq, updated_at)
SELECT $1::int, $2::bigint, clock_timestamp() WHERE $2::bigint > 0
ON CONFLICT (tenant_id) DO UPDATE
   SET last_read_seq = EXCLUDED.last_read_seq, updated_at = EXCLUDED.updated_at
 WHERE activity_markers.last_read_seq < EXCLUDED.last_read_seq
)SQL";

// Delivered on commit to every instance's listener, which passes it to tenant $1 only.
const char *const kPushSql = R"SQL(
SELECT pg_notify('activity_feed', json_build_object(
    'k', 'push', 'event', 'activity.marker.updated',
    'tenants', json_build_array($1::int), 'data', $2::json)::text)
)SQL";

Marker readMarker(const pqxx::row &row)
{
    return Marker{row[0].as<qint64>(), row[1].as<int>(),
                  row[2].is_null() ? 0 : row[2].as<qint64>()};
}

} // namespace

MarkerService::MarkerService(ConnectionPool &pool) : m_pool(pool)
{
}

void MarkerService::prepare(pqxx::connection_base &conn)
{
    conn.prepare("marker_read", kMarkerSql);
    conn.prepare("marker_newest", kNewestSql);
    conn.prepare("marker_advance", kAdvanceSql);
    conn.prepare("marker_push", kPushSql);
}

Marker MarkerService::marker(int tenantId)
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::nontransaction tx(*lease); // one read-only statement
        return readMarker(tx.exec_prepared1("marker_read", tenantId));
    });
}

Marker MarkerService::advance(int tenantId, qint64 lastReadSeq)
{
    if (lastReadSeq < 0)
        throw BadInput("lastReadSeq must be a non-negative integer");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::work tx(*lease);
        const qint64 newest = tx.exec_prepared1("marker_newest")[0].as<qint64>();
        if (lastReadSeq > newest)
            throw BadInput("lastReadSeq must not be above the newest event's seq ("
                           + std::to_string(newest) + ")");
        const bool moved = tx.exec_prepared("marker_advance", tenantId, lastReadSeq)
                               .affected_rows() == 1;
        const Marker after = readMarker(tx.exec_prepared1("marker_read", tenantId));
        if (moved)
            tx.exec_prepared("marker_push", tenantId, EventJson::marker(after).toStdString());
        tx.commit();
        return after;
    });
}

} // namespace af
