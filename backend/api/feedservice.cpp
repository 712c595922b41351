#include "feedservice.h"

#include "apierror.h"
#include "db/connectionpool.h"
#include "cursor.h"
#include "db/dberror.h"
#include "pgerrors.h"

#include "feed/tenants.h"

#include <pqxx/pqxx>

namespace af {

namespace {

// The feed page: the newest `limit` events strictly before the cursor, and whether more
// exist, turned into the whole answer by PostgreSQL in one statement (af_event_rows is
// inlined, so the per-event reads are planned with the page). 'infinity' and seq 0 stand
// for "no cursor", so the keyset condition always applies and stays an index condition
// in the generic plan too. The keyset scan reads a constant kFeedMaxLimit + 1 rows (a
// few more index tuples than needed): with `LIMIT $3 + 1` a generic plan must assume 10 %
// of the table, costs far more than any custom plan, and PostgreSQL would then plan the
// whole statement again on every execution.
// With @p byToken the viewer is the holder of the active token whose SHA-256 is $4, looked
// up in the same statement (no row at all when there is none); otherwise the viewer is
// the tenant id $4. The tenant filter, if any, is $5.
std::string feedSql(bool byTenant, bool byToken)
{
    const std::string viewer = byToken ? "v.tenant_id" : "$4::int";
    return std::string(byToken ? R"SQL(
WITH viewer AS (
    SELECT k.tenant_id FROM api_tokens k
     WHERE k.token_sha256 = $4::bytea AND k.revoked_at IS NULL
), page AS ()SQL"
                               : R"SQL(
WITH page AS ()SQL")
        + R"SQL(
    SELECT e AS ev, e.created_at, e.seq
      FROM activity_events e
     WHERE (e.created_at, e.seq) < ($1::timestamptz, $2::bigint))SQL"
        + (byTenant ? " AND e.tenant_id = $5::int" : "") + R"SQL(
     ORDER BY e.created_at DESC, e.seq DESC
     LIMIT )SQL" + std::to_string(FeedService::kFeedMaxLimit + 1) + R"SQL(
), shown AS (
    SELECT * FROM page ORDER BY created_at DESC, seq DESC LIMIT $3::int
)
SELECT )SQL" + (byToken ? "v.tenant_id, " : "") + R"SQL(json_build_object(
    'events', coalesce((SELECT json_agg(j.event ORDER BY s.created_at DESC, s.seq DESC)
                          FROM shown s, LATERAL af_event_rows(s.ev, )SQL" + viewer + R"SQL() j),
                       '[]'::json),
    'nextCursor', CASE WHEN (SELECT count(*) FROM page) > $3::int THEN
        (SELECT af_cursor(s.created_at, s.seq::text) FROM shown s
          ORDER BY s.created_at, s.seq LIMIT 1) END)::text)SQL"
        + (byToken ? "\n  FROM viewer v" : "") + "\n";
}

const char *const kCommentsSql = R"SQL(
WITH page AS (
    SELECT c FROM activity_comments c
     WHERE c.event_id = $1::uuid AND (c.created_at, c.id) > ($2::timestamptz, $3::uuid)
     ORDER BY c.created_at, c.id
     LIMIT $4::int + 1
), shown AS (
    SELECT c FROM page ORDER BY (c).created_at, (c).id LIMIT $4::int
)
SELECT EXISTS (SELECT 1 FROM activity_events WHERE id = $1::uuid),
       json_build_object(
    'comments', coalesce((SELECT json_agg(af_comment_json(s.c)
                                           ORDER BY (s.c).created_at, (s.c).id)
                            FROM shown s), '[]'::json),
    'nextCursor', CASE WHEN (SELECT count(*) FROM page) > $4::int THEN
        (SELECT af_cursor((s.c).created_at, (s.c).id::text) FROM shown s
          ORDER BY (s.c).created_at DESC, (s.c).id DESC LIMIT 1) END)::text
)SQL";

const char *const kSourcesSql = R"SQL(
SELECT EXISTS (SELECT 1 FROM activity_events WHERE id = $1::uuid),
       json_build_object('sources', coalesce(json_agg(json_build_object(
           'id', q.id, 'tenant_id', q.tenant_id, 'event_type', q.event_type,
           'payload_json', q.payload_json, 'created_at', af_ts(q.created_at))
           ORDER BY q.created_at, q.id), '[]'::json))::text
  FROM activity_event_sources s JOIN activity_queue q ON q.id = s.queue_id
 WHERE s.event_id = $1::uuid
)SQL";

const char *const kOwnerSql = "SELECT tenant_id FROM activity_events WHERE id = $1::uuid";

// Two int4 keys: a key space of its own, apart from the drain's single bigint key.
const char *const kRateLockSql = "SELECT pg_advisory_xact_lock(1095127617, $1::int)";

// Count of the window and, when full, the seconds until enough attempts leave it.
const char *const kRateCheckSql = R"SQL(
WITH now AS (SELECT clock_timestamp() AS t),
pruned AS (
    DELETE FROM reaction_attempts
     WHERE tenant_id = $1::int AND attempted_at <= (SELECT t FROM now) - interval '1 hour'
),
w AS (
    SELECT attempted_at FROM reaction_attempts
     WHERE tenant_id = $1::int AND attempted_at > (SELECT t FROM now) - interval '1 hour'
)
SELECT (SELECT count(*) FROM w)::int,
       greatest(1, ceil(extract(epoch FROM
           (SELECT attempted_at FROM w ORDER BY attempted_at
             OFFSET greatest((SELECT count(*) FROM w) - $2::int, 0) LIMIT 1)
           + interval '1 hour' - (SELECT t FROM now)))::int)
)SQL";

const char *const kRateRecordSql =
    "INSERT INTO reaction_attempts (tenant_id, attempted_at) VALUES ($1::int, clock_timestamp())";

const char *const kReactAddSql = R"SQL(
INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type)
VALUES ($1::uuid, $2::int, $3)
ON CONFLICT ON CONSTRAINT activity_reactions_unique DO NOTHING
)SQL";

const char *const kReactDeleteSql = R"SQL(
DELETE FROM activity_reactions
 WHERE event_id = $1::uuid AND from_tenant_id = $2::int AND reaction_type = $3
)SQL";

// The counts after the change, and the push to the owner and the reactor on commit.
const char *const kReactPushSql = R"SQL(
SELECT r.counts::text,
       pg_notify('activity_feed', json_build_object(
           'k', 'push', 'event', 'activity.reaction.updated',
           'tenants', json_build_array($2::int, $3::int),
           'data', json_build_object('eventId', $1::uuid, 'counts', r.counts))::text)
  FROM af_reaction_counts($1::uuid) AS r(counts)
)SQL";

const char *const kCommentInsertSql = R"SQL(
INSERT INTO activity_comments (event_id, tenant_id, body)
VALUES ($1::uuid, $2::int, $3)
RETURNING id::text, af_comment_json(activity_comments)::text
)SQL";

const char *const kCommentPushSql = R"SQL(
SELECT pg_notify('activity_feed', json_build_object(
           'k', 'push', 'event', 'activity.comment.created',
           'tenants', json_build_array(e.tenant_id, c.tenant_id),
           'data', json_build_object(
               'id', c.id, 'event_id', c.event_id, 'tenant_id', c.tenant_id,
               'tenantName', t.name, 'body', c.body, 'created_at', af_ts(c.created_at),
               'eventId', c.event_id,
               'commentCount', (SELECT count(*) FROM activity_comments x
                                 WHERE x.event_id = c.event_id)))::text)
  FROM activity_comments c
  JOIN activity_events e ON e.id = c.event_id
  JOIN tenants t ON t.id = c.tenant_id
 WHERE c.id = $1::uuid
)SQL";

void requireUuid(const QString &id, const char *field)
{
    if (!Cursor::isUuid(id))
        throw BadInput(std::string(field) + " must be a UUID");
}

void requireReactionType(const QString &type)
{
    if (type != QLatin1String("hype") && type != QLatin1String("respect")
        && type != QLatin1String("tribute"))
        throw BadInput("reactionType must be one of hype, respect, tribute");
}

std::string s(const QString &text)
{
    return text.toStdString();
}

QByteArray bytes(const pqxx::field &f)
{
    return QByteArray(f.c_str(), int(f.size()));
}

} // namespace

FeedService::FeedService(ConnectionPool &pool, int reactionLimitPerHour)
    : m_pool(pool), m_reactionLimit(reactionLimitPerHour)
{
}

void FeedService::prepare(pqxx::connection_base &conn)
{
    // Registering is a lookup once a connection knows the statement; libpqxx prepares it
    // on the server at its first use on that connection.
    static const std::pair<const char *, std::string> statements[] = {
        {"api_feed", feedSql(false, false)},
        {"api_feed_tenant", feedSql(true, false)},
        {"api_feed_token", feedSql(false, true)},
        {"api_feed_token_tenant", feedSql(true, true)},
        {"api_comments", kCommentsSql},
        {"api_sources", kSourcesSql},
        {"api_owner", kOwnerSql},
        {"api_rate_lock", kRateLockSql},
        {"api_rate_check", kRateCheckSql},
        {"api_rate_record", kRateRecordSql},
        {"api_react_add", kReactAddSql},
        {"api_react_delete", kReactDeleteSql},
        {"api_react_push", kReactPushSql},
        {"api_comment_insert", kCommentInsertSql},
        {"api_comment_push", kCommentPushSql},
    };
    for (const auto &[name, sql] : statements)
        conn.prepare(name, sql);
}

Cursor::Position FeedService::feedPosition(const QString &cursor)
{
    if (cursor.isEmpty())
        return {QStringLiteral("infinity"), QStringLiteral("0")};
    const auto decoded = Cursor::decodeFeed(cursor);
    if (!decoded)
        throw BadInput("cursor must be a nextCursor from a previous page or an ISO 8601 timestamp");
    return *decoded;
}

QByteArray FeedService::eventsPage(int viewerTenantId, const QString &cursor, int limit,
                                   std::optional<int> tenantFilter)
{
    const Cursor::Position pos = feedPosition(cursor);
    const int n = limit <= 0 ? kFeedDefaultLimit : std::min(limit, kFeedMaxLimit);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        // One read-only statement: no BEGIN/COMMIT round trips around it.
        pqxx::nontransaction tx(*lease);
        const pqxx::result r = tenantFilter
            ? tx.exec_prepared("api_feed_tenant", s(pos.timestamp), s(pos.tieBreaker), n,
                               viewerTenantId, *tenantFilter)
            : tx.exec_prepared("api_feed", s(pos.timestamp), s(pos.tieBreaker), n,
                               viewerTenantId);
        return bytes(r[0][0]);
    });
}

std::optional<QByteArray> FeedService::eventsPageForToken(const QString &token,
                                                          const QString &cursor, int limit,
                                                          std::optional<int> tenantFilter)
{
    const Cursor::Position pos = feedPosition(cursor);
    const int n = limit <= 0 ? kFeedDefaultLimit : std::min(limit, kFeedMaxLimit);
    if (token.isEmpty() || token.size() > 256) // as Tenants::tenantForToken
        return std::nullopt;
    const std::string sha = "\\x" + Tenants::sha256(token).toHex().toStdString();
    return PgErrors::guard([&]() -> std::optional<QByteArray> {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::nontransaction tx(*lease);
        const pqxx::result r = tenantFilter
            ? tx.exec_prepared("api_feed_token_tenant", s(pos.timestamp), s(pos.tieBreaker), n,
                               sha, *tenantFilter)
            : tx.exec_prepared("api_feed_token", s(pos.timestamp), s(pos.tieBreaker), n, sha);
        if (r.empty())
            return std::nullopt;
        return bytes(r[0][1]);
    });
}

QByteArray FeedService::eventSources(const QString &eventId)
{
    requireUuid(eventId, "id");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::nontransaction tx(*lease); // one read-only statement
        const pqxx::result r = tx.exec_prepared("api_sources", s(eventId));
        if (!r[0][0].as<bool>())
            throw NotFound("event not found");
        return bytes(r[0][1]);
    });
}

QByteArray FeedService::react(int tenantId, const QString &eventId, const QString &type, bool add)
{
    requireUuid(eventId, "eventId");
    requireReactionType(type);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::work tx(*lease);
        const pqxx::result owner = tx.exec_prepared("api_owner", s(eventId));
        if (owner.empty())
            throw NotFound("event not found");
        const int ownerId = owner[0][0].as<int>();
        if (ownerId == tenantId)
            throw ApiError(403, "you cannot react to your own event");
        if (add) {
            if (m_reactionLimit > 0) {
                tx.exec_prepared("api_rate_lock", tenantId);
                const pqxx::result w = tx.exec_prepared("api_rate_check", tenantId, m_reactionLimit);
                if (w[0][0].as<int>() >= m_reactionLimit) {
                    const int retry = w[0][1].is_null() ? 1 : w[0][1].as<int>();
                    throw ApiError(429,
                                   "too many reactions: at most " + std::to_string(m_reactionLimit)
                                       + " per hour, try again in " + std::to_string(retry)
                                       + " seconds",
                                   retry);
                }
                tx.exec_prepared("api_rate_record", tenantId);
            }
            tx.exec_prepared("api_react_add", s(eventId), tenantId, s(type));
        } else {
            tx.exec_prepared("api_react_delete", s(eventId), tenantId, s(type));
        }
        const pqxx::result counts = tx.exec_prepared("api_react_push", s(eventId), ownerId, tenantId);
        QByteArray out = QByteArrayLiteral("{\"ok\":true,\"counts\":");
        out.append(bytes(counts[0][0]));
        out.append('}');
        tx.commit();
        return out;
    });
}

QByteArray FeedService::comments(const QString &eventId, const QString &cursor, int limit)
{
    requireUuid(eventId, "eventId");
    Cursor::Position pos{QStringLiteral("-infinity"),
                         QStringLiteral("00000000-0000-0000-0000-000000000000")};
    if (!cursor.isEmpty()) {
        const auto decoded = Cursor::decodeComment(cursor);
        if (!decoded)
            throw BadInput("cursor must be a nextCursor from a previous page or an ISO 8601 timestamp");
        pos = *decoded;
    }
    const int n = limit <= 0 ? kCommentsDefaultLimit : std::min(limit, kCommentsMaxLimit);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::nontransaction tx(*lease); // one read-only statement
        const pqxx::result r = tx.exec_prepared("api_comments", s(eventId), s(pos.timestamp),
                                                s(pos.tieBreaker), n);
        if (!r[0][0].as<bool>())
            throw NotFound("event not found");
        return bytes(r[0][1]);
    });
}

QByteArray FeedService::addComment(int tenantId, const QString &eventId, const QString &body)
{
    requireUuid(eventId, "eventId");
    if (body.contains(QChar(0)))
        throw BadInput("body must not contain NUL characters");
    const QString trimmed = body.trimmed();
    if (trimmed.isEmpty())
        throw BadInput("body must not be empty");
    if (Cursor::codePoints(trimmed) > kCommentMaxCodePoints)
        throw BadInput("body must be at most 500 characters");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::work tx(*lease);
        if (tx.exec_prepared("api_owner", s(eventId)).empty())
            throw NotFound("event not found");
        const pqxx::result row = tx.exec_prepared("api_comment_insert", s(eventId), tenantId,
                                                  s(trimmed));
        tx.exec_prepared("api_comment_push", row[0][0].c_str());
        QByteArray out = QByteArrayLiteral("{\"ok\":true,\"comment\":");
        out.append(bytes(row[0][1]));
        out.append('}');
        tx.commit();
        return out;
    });
}

} // namespace af
