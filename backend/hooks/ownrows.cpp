#include "ownrows.h"

#include "core/catalogue.h"
#include "core/cursor.h"
#include "core/errors.h"
#include "xpledger.h"

namespace af
{

OwnRows::Query OwnRows::start(const QString &cursor, int limit)
{
    Query q;
    q.limit = limit;
    if (cursor.isEmpty())
        return q;
    const auto pos = Cursor::decodeFeed(cursor);
    if (!pos)
        throw BadInput("cursor must be a nextCursor from a previous page or an ISO 8601 timestamp");
    q.before = pos->timestamp.toStdString();
    q.beforeId = pos->tieBreaker.toLongLong();
    return q;
}

std::string OwnRows::pageSql(const char *columns, const char *table)
{
    return std::string("SELECT ") + columns
           + ", (extract(epoch FROM created_at) * 1000000)::bigint FROM " + table
           + " WHERE tenant_id = $1 AND (created_at, id) < ($2::timestamptz, $3::bigint)"
             " ORDER BY created_at DESC, id DESC LIMIT $4";
}

QString OwnRows::cursorAfter(qint64 createdAtMicros, qint64 id)
{
    return Cursor::encodeFeed(createdAtMicros, id);
}

void OwnRows::checkQuota(pqxx::transaction_base &tx, const char *table, const char *openCondition, int openMax,
                         const char *noun, const char *howToFree, int tenantId, const QDateTime &now,
                         bool creating)
{
    const std::string ts = XpLedger::timestamp(now);
    const int perMinute = Catalogue::limits().createsPerMinute;
    // One statement, both counts; each uses an index on (tenant_id, …).
    const pqxx::row r = tx.exec_params1(
        std::string("SELECT (SELECT count(*)::int FROM ") + table + " WHERE tenant_id = $1 AND " + openCondition
            + "), count(*)::int, ceil(extract(epoch FROM min(created_at) + interval '1 minute' - $2::timestamptz))::int"
              " FROM "
            + table + " WHERE tenant_id = $1 AND created_at > $2::timestamptz - interval '1 minute'"
                      " AND created_at <= $2::timestamptz",
        tenantId, ts);
    if (r[0].as<int>() >= openMax)
        throw Conflict("this tenant already has " + std::to_string(openMax) + " open " + noun + "; " + howToFree
                       + " before adding more");
    if (creating && r[1].as<int>() >= perMinute) {
        const int retry = r[2].is_null() ? 1 : std::max(1, r[2].as<int>());
        throw RateLimited("too many " + std::string(noun) + " created: at most " + std::to_string(perMinute)
                              + " per minute, try again in " + std::to_string(retry) + " seconds",
                          retry);
    }
}

} // namespace af
