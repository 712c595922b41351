#include "feedservice.h"
#include "eventrows.h"
#include "tenants.h"

#include "core/eventjson.h"

#include "core/catalogue.h"
#include "core/errors.h"
#include "core/text.h"
#include "db/connectionpool.h"
#include "db/pgerrors.h"

#include <pqxx/pqxx>

#include <algorithm>
namespace af {

namespace {

const std::string kCols = EventRows::eventColumns("p");

// The feed page: the newest `limit` events strictly before the cursor, and whether more
// exist, in one statement. 'infinity' and seq 0 stand for "no cursor", so the keyset
// condition always applies and stays an index condition in the generic plan too. The
// keyset scan reads a constant kPageScan rows (a few more index tuples than needed):
// with `LIMIT $3 + 1` a generic plan must assume 10 % of the table, costs far more than
// any custom plan, and PostgreSQL would then plan the whole statement again on every
// execution. The last column is the feed version the page was read at (the same
// snapshot), under which FeedService keeps the rendered page. The viewer is the tenant
// id $4; its one row of `viewer` is always there, so an empty page is one row of NULLs.
// With @p byTypes the next parameter is a comma-separated list of known types: each type
// is read as its own ordered range of the (event_type, created_at, seq) index, at most a
// page each, and the ranges are merged in feed order, so the page is exact over ties and
// never scans other types' rows (PostgreSQL 15 keeps an index's order over `= ANY` of
// several values only for one value at a time).
std::string feedSql(bool byTenant, bool byTypes)
{
    const std::string scan = std::to_string(Catalogue::limits().feedPageMax + 1);
    const std::string keyset = "(e.created_at, e.seq) < ($1::timestamptz, $2::bigint)"
        + std::string(byTenant ? " AND e.tenant_id = $5::int" : "");
    const std::string order = " ORDER BY e.created_at DESC, e.seq DESC LIMIT " + scan;
    // Within one type the order is the type index's own key. The type is matched as
    // `= ANY (ARRAY[type])`, not `=`: a plain equality makes event_type a constant of the
    // sort, and the generic plan (which assumes a fifth of the rows per type) then walks
    // the unfiltered feed index and filters by type, which for a rare type reads most of
    // the table (312 ms against 0.16 ms at 300 000 rows). Ordered by event_type first,
    // only the type index gives the order without a sort, with both conditions as its
    // index conditions.
    const std::string typeOrder =
        " ORDER BY e.event_type, e.created_at DESC, e.seq DESC LIMIT " + scan;
    const std::string source = byTypes
        ? "SELECT e.* FROM unnest(string_to_array($" + std::string(byTenant ? "6" : "5")
            + "::text, ',')) t(type) CROSS JOIN LATERAL (SELECT e.* FROM activity_events e"
              " WHERE e.event_type = ANY (ARRAY[t.type]) AND " + keyset + typeOrder + ") e" + order
        : "SELECT e.* FROM activity_events e WHERE " + keyset + order;
    return std::string(R"SQL(
WITH viewer AS (SELECT $4::int AS tenant_id), )SQL")
        + "page AS (\n    " + source + R"SQL(
), shown AS (
    SELECT * FROM page ORDER BY created_at DESC, seq DESC LIMIT $3::int
)
SELECT v.tenant_id, (SELECT count(*) FROM page) > $3::int, x.*, (SELECT f.v FROM feed_version f)
  FROM viewer v
  LEFT JOIN LATERAL (
      SELECT )SQL" + kCols + R"SQL(
        FROM shown p CROSS JOIN LATERAL )SQL" + EventRows::reactionsLateral("p", "v.tenant_id") + R"SQL( rx
  ) x ON true
 ORDER BY x.created_us DESC, x.seq DESC
)SQL";
}

/// The prepared name of the feed statement for these choices (feedSql's).
std::string feedStatement(bool byTenant, bool byTypes)
{
    return std::string("api_feed") + (byTenant ? "_tenant" : "")
        + (byTypes ? "_types" : "");
}

const std::string kReplaySql = "SELECT " + kCols
    + ", coalesce(p.created_seq < p.seq, false) FROM activity_events p CROSS JOIN LATERAL "
    + EventRows::reactionsLateral("p", "NULL") + " rx WHERE p.seq > $1::bigint ORDER BY p.seq LIMIT $2::int";

const char *const kTombstonesSql =
    "SELECT event_id::text, merged_into::text, seq FROM activity_event_tombstones "
    "WHERE seq > $1::bigint ORDER BY seq LIMIT $2::int";

const std::string kCommentsSql = R"SQL(
WITH page AS (
    SELECT c.* FROM activity_comments c
     WHERE c.event_id = $1::uuid AND (c.created_at, c.id) > ($2::timestamptz, $3::uuid)
     ORDER BY c.created_at, c.id
     LIMIT $4::int + 1
)
SELECT EXISTS (SELECT 1 FROM activity_events WHERE id = $1::uuid), x.*
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (SELECT )SQL" + EventRows::commentColumns("p") + R"SQL(, p.created_at AS at, p.id AS cid
                       FROM page p) x ON true
 ORDER BY x.at, x.cid
)SQL";

const std::string kSourcesSql = R"SQL(
SELECT EXISTS (SELECT 1 FROM activity_events WHERE id = $1::uuid), x.*
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (
      SELECT q.id::text, q.tenant_id, q.event_type, q.payload_json::text, )SQL"
    + EventRows::micros("q.created_at") + R"SQL( AS us
        FROM activity_queue q WHERE q.event_id = $1::uuid) x ON true
 ORDER BY x.us, x.id
)SQL";

// A single folded into a tile answers for the tile: a reaction or comment sent by a client
// that has not yet heard of the fold lands where the single's own ones went.
const char *const kOwnerSql =
    "SELECT e.tenant_id, e.id::text FROM activity_events e WHERE e.id = coalesce("
    "(SELECT t.merged_into FROM activity_event_tombstones t WHERE t.event_id = $1::uuid), $1::uuid)";

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
const std::string kReactPushSql = "SELECT c.*, pg_notify('activity_feed', json_build_object("
    "'k', 'push', 'event', 'activity.reaction.updated', "
    "'tenants', json_build_array($2::int, $3::int), "
    "'data', json_build_object('eventId', $1::uuid, 'counts', "
    + EventRows::reactionCountsJson("c") + "))::text) FROM ("
    + EventRows::reactionCountColumns("$1::uuid") + ") c";

// Counts only; for a DELETE that removed nothing (no push, nothing changed).
const std::string kReactCountsSql =
    "SELECT c.* FROM (" + EventRows::reactionCountColumns("$1::uuid") + ") c";

// Comments: a posting window per tenant (its own lock class), and a per-event lock held to
// commit, under which each comment gets a created_at strictly after the event's newest:
// the (created_at, id) order of one thread is then its commit order, so a cursor cannot
// page past a comment that commits later.
const char *const kCommentRateLockSql = "SELECT pg_advisory_xact_lock(1129270605, $1::int)";
const char *const kCommentRateCheckSql = R"SQL(
SELECT count(*)::int,
       ceil(extract(epoch FROM min(created_at) + interval '1 minute' - clock_timestamp()))::int
  FROM activity_comments
 WHERE tenant_id = $1::int AND created_at > clock_timestamp() - interval '1 minute'
)SQL";
const std::string kCommentOrderLockSql = "SELECT pg_advisory_xact_lock("
    + std::to_string(FeedService::kCommentOrderLockClass) + ", hashtext($1::text))";
const std::string kCommentInsertSql = R"SQL(
WITH ins AS (
    INSERT INTO activity_comments (event_id, tenant_id, body, created_at)
    VALUES ($1::uuid, $2::int, $3,
            greatest(clock_timestamp(),
                     (SELECT max(created_at) + interval '1 microsecond'
                        FROM activity_comments WHERE event_id = $1::uuid)))
    RETURNING *
)
SELECT )SQL" + EventRows::commentColumns("ins") + " FROM ins";

// The push on commit, and the thread's size for the answer.
const char *const kCommentPushSql = R"SQL(
SELECT n.count, pg_notify('activity_feed', json_build_object(
           'k', 'push', 'event', 'activity.comment.created',
           'tenants', json_build_array(e.tenant_id, c.tenant_id),
           'data', json_build_object(
               'id', c.id, 'event_id', c.event_id, 'tenant_id', c.tenant_id,
               'tenantName', t.name, 'body', c.body, 'created_at', af_ts(c.created_at),
               'eventId', c.event_id, 'commentCount', n.count))::text)
  FROM activity_comments c
  JOIN activity_events e ON e.id = c.event_id
  JOIN tenants t ON t.id = c.tenant_id
  CROSS JOIN LATERAL (SELECT x.n AS count FROM activity_comment_counts x
                       WHERE x.event_id = c.event_id) n
 WHERE c.id = $1::uuid
)SQL";

void requireUuid(const QString &id, const char *field)
{
    if (!Cursor::isUuid(id))
        throw BadInput(std::string(field) + " must be a UUID");
}

void requireReactionType(const QString &type)
{
    if (Catalogue::reactionIndex(type) < 0)
        throw BadInput("reactionType must be one of "
                       + Catalogue::reactionNames().join(QStringLiteral(", ")).toStdString());
}

std::string s(const QString &text)
{
    return text.toStdString();
}

int pageSize(int limit, int def, int max)
{
    return limit <= 0 ? def : std::min(limit, max);
}

/// The keyset position of a feed cursor ("no cursor" for an empty one); throws BadInput.
Cursor::Position feedPosition(const QString &cursor)
{
    if (cursor.isEmpty())
        return {QStringLiteral("infinity"), QStringLiteral("0")};
    const auto decoded = Cursor::decodeFeed(cursor);
    if (!decoded)
        throw BadInput("cursor must be a nextCursor from a previous page or an ISO 8601 timestamp");
    return *decoded;
}

/// Rows of the feed statement: viewer, more, then the event columns (NULL when empty).
FeedPage readPage(const pqxx::result &r)
{
    FeedPage page;
    bool more = false;
    for (const auto &row : r) {
        if (row[2].is_null())
            continue;
        more = row[1].as<bool>();
        page.events.push_back(EventRows::readEvent(row, 2));
    }
    if (more && !page.events.empty()) {
        const Event &last = page.events.back();
        page.nextCursor = Cursor::encodeFeed(last.createdAtMicros, last.seq);
    }
    return page;
}

/// A feed query checked and turned into the statement's parameters; throws BadInput.
struct PageArgs {
    Cursor::Position pos;
    int limit = 0;
    std::string types; ///< comma-separated known types, each once; empty: every type
};

PageArgs pageArgs(const FeedQuery &q)
{
    PageArgs a{feedPosition(q.cursor), 0, {}};
    const Limits &l = Catalogue::limits();
    a.limit = pageSize(q.limit, l.feedPageDefault, l.feedPageMax);
    QStringList types;
    for (const QString &type : q.eventTypes) {
        if (!Catalogue::isKnownType(type))
            throw BadInput("eventType must be one or more of "
                           + Catalogue::eventTypeNames().join(QStringLiteral(", ")).toStdString()
                           + ", separated by commas");
        if (!types.contains(type))
            types.append(type);
    }
    a.types = s(types.join(QLatin1Char(',')));
    return a;
}

/// What a kept page is found by, apart from its viewer: the checked query (the decoded
/// cursor position, the page size, the tenant filter, the known types), never the raw
/// text, so two spellings of one query share a page.
std::string queryKey(const PageArgs &a, const FeedQuery &q)
{
    std::string key;
    for (const std::string &part : {s(a.pos.timestamp), s(a.pos.tieBreaker), std::to_string(a.limit),
                                    q.tenantId ? std::to_string(*q.tenantId) : std::string(),
                                    a.types})
        key += '\n' + part;
    return key;
}

/// The viewer is the key's first part, so no input can name another viewer's page.
std::string pageKey(int viewer, const std::string &queryKey)
{
    return std::to_string(viewer) + queryKey;
}

/// Runs the feed statement that fits @p q as the tenant @p viewer sees it.
pqxx::result execFeed(pqxx::transaction_base &tx, const PageArgs &a, const FeedQuery &q, int viewer)
{
    const bool byTypes = !a.types.empty();
    const std::string name = feedStatement(q.tenantId.has_value(), byTypes);
    const std::string ts = s(a.pos.timestamp), tie = s(a.pos.tieBreaker);
    if (q.tenantId && byTypes)
        return tx.exec_prepared(name, ts, tie, a.limit, viewer, *q.tenantId, a.types);
    if (q.tenantId)
        return tx.exec_prepared(name, ts, tie, a.limit, viewer, *q.tenantId);
    if (byTypes)
        return tx.exec_prepared(name, ts, tie, a.limit, viewer, a.types);
    return tx.exec_prepared(name, ts, tie, a.limit, viewer);
}

/// The event @p eventId names, or the tile it was folded into: its tenant and its id.
/// Reactions and comments both go to the live event, and both answer 404 for none.
struct EventOwner {
    int tenantId = 0;
    std::string id;
};

EventOwner eventOwner(pqxx::transaction_base &tx, const QString &eventId)
{
    const pqxx::result owner = tx.exec_prepared("api_owner", s(eventId));
    if (owner.empty())
        throw NotFound("event not found");
    return {owner[0][0].as<int>(), owner[0][1].as<std::string>()};
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
    static const std::vector<std::pair<std::string, std::string>> feedStatements = [] {
        std::vector<std::pair<std::string, std::string>> out;
        for (const bool byTenant : {false, true})
            for (const bool byTypes : {false, true})
                out.emplace_back(feedStatement(byTenant, byTypes), feedSql(byTenant, byTypes));
        return out;
    }();
    for (const auto &[name, sql] : feedStatements)
        conn.prepare(name, sql);
    static const std::pair<const char *, std::string> statements[] = {
        {"api_feed_version", FeedService::kTokenAndVersionSql},
        {"api_replay", kReplaySql},
        {"api_tombstones", kTombstonesSql},
        {"api_comments", kCommentsSql},
        {"api_sources", kSourcesSql},
        {"api_owner", kOwnerSql},
        {"api_rate_lock", kRateLockSql},
        {"api_rate_check", kRateCheckSql},
        {"api_rate_record", kRateRecordSql},
        {"api_react_add", kReactAddSql},
        {"api_react_delete", kReactDeleteSql},
        {"api_react_push", kReactPushSql},
        {"api_react_counts", kReactCountsSql},
        {"api_comment_rate_lock", kCommentRateLockSql},
        {"api_comment_rate_check", kCommentRateCheckSql},
        {"api_comment_order_lock", kCommentOrderLockSql},
        {"api_comment_insert", kCommentInsertSql},
        {"api_comment_push", kCommentPushSql},
    };
    for (const auto &[name, sql] : statements)
        conn.prepare(name, sql);
}

FeedPage FeedService::eventsPage(int viewerTenantId, const FeedQuery &q)
{
    const PageArgs args = pageArgs(q);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        // One read-only statement: no BEGIN/COMMIT round trips around it.
        pqxx::nontransaction tx(*lease);
        return readPage(execFeed(tx, args, q, viewerTenantId));
    });
}

std::optional<FeedService::TokenPage> FeedService::eventsPageJsonForToken(const QString &token,
                                                                          const FeedQuery &q)
{
    const PageArgs args = pageArgs(q);
    if (token.isEmpty() || token.size() > 256) // as Tenants::tenantForToken
        return std::nullopt;
    const std::string sha = "\\x" + Tenants::sha256(token).toHex().toStdString();
    return PgErrors::guard([&]() -> std::optional<TokenPage> {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::nontransaction tx(*lease);
        const pqxx::result who = tx.exec_prepared("api_feed_version", sha);
        if (who.empty())
            return std::nullopt;
        const int viewer = who[0][0].as<int>();
        const std::string key = pageKey(viewer, queryKey(args, q));
        if (auto kept = m_pages.find(key, who[0][1].as<qint64>()))
            return TokenPage{viewer, *kept};
        // Read by the viewer's id: the token was active when this request was checked.
        const pqxx::result r = execFeed(tx, args, q, viewer);
        const QByteArray body = EventJson::page(readPage(r));
        m_pages.store(key, r[0][r.columns() - 1].as<qint64>(), body);
        return TokenPage{viewer, body};
    });
}

std::string FeedService::keptPageQuery(const FeedQuery &q)
{
    return queryKey(pageArgs(q), q);
}

std::optional<QByteArray> FeedService::keptPage(int viewerTenantId, const std::string &query, qint64 version) const
{
    return m_pages.find(pageKey(viewerTenantId, query), version);
}

std::vector<FeedChange> FeedService::changesAfter(qint64 afterSeq, int limit)
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        return changesAfter(*lease, afterSeq, limit);
    });
}

std::vector<FeedChange> FeedService::changesAfter(pqxx::connection_base &conn, qint64 afterSeq, int limit)
{
    prepare(conn);
    // One snapshot for both reads, so no change is seen in one and missed in the other:
    // under read committed each statement takes its own, and a drain committing between
    // them gave its tombstones (the highest seqs) without its events, which the caller then
    // stepped over for good (dbfaults F2 on a clean clone: 2 cards missing, 3 stale).
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn);
    const pqxx::result events = tx.exec_prepared("api_replay", afterSeq, limit);
    const pqxx::result tombs = tx.exec_prepared("api_tombstones", afterSeq, limit);
    tx.commit();
    std::vector<FeedChange> out;
    out.reserve(events.size() + tombs.size());
    for (const auto &row : events)
        out.push_back({EventRows::readEvent(row), row[EventRows::kEventColumnCount].as<bool>()});
    for (const auto &row : tombs)
        out.push_back({EventRemoved{EventRows::text(row[0]), EventRows::text(row[1]), row[2].as<qint64>()}, false});
    std::sort(out.begin(), out.end(), [](const FeedChange &a, const FeedChange &b) { return a.seq() < b.seq(); });
    if (int(out.size()) > limit)
        out.resize(size_t(limit));
    return out;
}

std::vector<SourceRow> FeedService::eventSources(const QString &eventId)
{
    requireUuid(eventId, "id");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::nontransaction tx(*lease); // one read-only statement
        const pqxx::result r = tx.exec_prepared("api_sources", s(eventId));
        if (!r[0][0].as<bool>())
            throw NotFound("event not found");
        std::vector<SourceRow> out;
        for (const auto &row : r) {
            if (row[1].is_null())
                continue;
            out.push_back({EventRows::text(row[1]), row[2].as<int>(), EventRows::text(row[3]),
                           QByteArray(row[4].c_str(), int(row[4].size())), row[5].as<qint64>()});
        }
        return out;
    });
}

ReactionChange FeedService::react(int tenantId, const QString &eventId, const QString &type, bool add)
{
    requireUuid(eventId, "eventId");
    requireReactionType(type);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::work tx(*lease);
        const EventOwner owner = eventOwner(tx, eventId);
        const int ownerId = owner.tenantId;
        const std::string &id = owner.id;
        const QString resolvedId = QString::fromStdString(id);
        if (ownerId == tenantId)
            throw Forbidden("you cannot react to your own event");
        if (add) {
            if (m_reactionLimit > 0) {
                tx.exec_prepared("api_rate_lock", tenantId);
                const pqxx::result w = tx.exec_prepared("api_rate_check", tenantId, m_reactionLimit);
                if (w[0][0].as<int>() >= m_reactionLimit) {
                    const int retry = w[0][1].is_null() ? 1 : w[0][1].as<int>();
                    throw RateLimited("too many reactions: at most " + std::to_string(m_reactionLimit)
                                          + " per hour, try again in " + std::to_string(retry)
                                          + " seconds",
                                      retry);
                }
                tx.exec_prepared("api_rate_record", tenantId);
            }
            tx.exec_prepared("api_react_add", id, tenantId, s(type));
        } else if (tx.exec_prepared("api_react_delete", id, tenantId, s(type))
                       .affected_rows() == 0) {
            // Nothing removed: nothing to tell anyone. Every push a DELETE makes thus
            // follows an add, and adds are rate limited.
            const pqxx::result counts = tx.exec_prepared("api_react_counts", id);
            ReactionChange unchanged{resolvedId, EventRows::readCounts(counts[0])};
            tx.commit();
            return unchanged;
        }
        const pqxx::result counts = tx.exec_prepared("api_react_push", id, ownerId, tenantId);
        ReactionChange change{resolvedId, EventRows::readCounts(counts[0])};
        tx.commit();
        return change;
    });
}

CommentPage FeedService::comments(const QString &eventId, const QString &cursor, int limit)
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
    const Limits &l = Catalogue::limits();
    const int n = pageSize(limit, l.commentsPageDefault, l.commentsPageMax);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::nontransaction tx(*lease); // one read-only statement
        const pqxx::result r = tx.exec_prepared("api_comments", s(eventId), s(pos.timestamp),
                                                s(pos.tieBreaker), n);
        if (!r[0][0].as<bool>())
            throw NotFound("event not found");
        CommentPage page;
        for (const auto &row : r) {
            if (row[1].is_null())
                continue;
            if (int(page.comments.size()) == n) {
                const Comment &last = page.comments.back();
                page.nextCursor = Cursor::encodeComment(last.createdAtMicros, last.id);
                break;
            }
            page.comments.push_back(EventRows::readComment(row, 1));
        }
        return page;
    });
}

PostedComment FeedService::addComment(int tenantId, const QString &eventId, const QString &body)
{
    requireUuid(eventId, "eventId");
    if (body.contains(QChar(0)))
        throw BadInput("body must not contain NUL characters");
    const QString trimmed = body.trimmed();
    if (trimmed.isEmpty())
        throw BadInput("body must not be empty");
    const int max = Catalogue::limits().commentMaxCodePoints;
    if (Text::codePoints(trimmed) > max)
        throw BadInput("body must be at most " + std::to_string(max) + " characters");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        prepare(*lease);
        pqxx::work tx(*lease);
        const std::string id = eventOwner(tx, eventId).id;
        const int perMinute = Catalogue::limits().commentsPerMinute;
        tx.exec_prepared("api_comment_rate_lock", tenantId);
        const pqxx::result w = tx.exec_prepared("api_comment_rate_check", tenantId);
        if (w[0][0].as<int>() >= perMinute) {
            const int retry = w[0][1].is_null() ? 1 : std::max(1, w[0][1].as<int>());
            throw RateLimited("too many comments: at most " + std::to_string(perMinute)
                                  + " per minute, try again in " + std::to_string(retry) + " seconds",
                              retry);
        }
        tx.exec_prepared("api_comment_order_lock", id);
        const pqxx::result row = tx.exec_prepared("api_comment_insert", id, tenantId,
                                                  s(trimmed));
        PostedComment posted{EventRows::readComment(row[0]), 0};
        const pqxx::result push = tx.exec_prepared("api_comment_push", s(posted.comment.id));
        posted.commentCount = push[0][0].as<int>();
        tx.commit();
        return posted;
    });
}

} // namespace af
