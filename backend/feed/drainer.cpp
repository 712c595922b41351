#include "drainer.h"

#include "core/logcategories.h"
#include "core/metrics.h"
#include "eventrows.h"
#include "feedservice.h"
#include "grouping.h"
#include "tileplan.h"

#include "core/text.h"
#include "core/uuid7.h"
#include "db/sqlarray.h"

#include <QDateTime>
#include <QJsonDocument>

#include <pqxx/pqxx>

#include <QHash>
#include <QSet>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <stdexcept>
#include <tuple>
#include <unordered_set>

namespace af {

namespace {

// A running drain holds the session-level advisory lock (kRunLockClass, its run id) from
// the moment its drain_runs row becomes visible until it writes finished_at. The session
// ends with the process (killed, crashed, its link cut), so an unfinished row whose lock
// nobody holds belongs to a drain that will never finish it.
constexpr int kRunLockClass = 0x4166'4472; // "AfDr"

const char *kMarkAbandoned =
    "UPDATE drain_runs r SET finished_at = now(), "
    "       error = 'abandoned: the process running this drain ended before it finished' "
    " WHERE r.finished_at IS NULL "
    "   AND NOT EXISTS (SELECT 1 FROM pg_locks l "
    "                    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
    "                      AND l.database = (SELECT oid FROM pg_database "
    "                                         WHERE datname = current_database()) "
    "                      AND l.classid = $1::int::oid "
    "                      AND l.objid = (r.id & 2147483647)::oid)";

/// The select list of one queue row over alias @p q; readQueueRow reads it.
constexpr int kQueueColumnCount = 5;
std::string queueColumns(const std::string &q)
{
    return q + ".id::text, " + q + ".tenant_id, " + q + ".event_type, " + q + ".payload_json::text, "
        + EventRows::micros(q + ".created_at");
}

QueueRow readQueueRow(const pqxx::row &row, int first)
{
    QueueRow q;
    q.id = EventRows::text(row[first]);
    q.tenantId = row[first + 1].as<int>();
    q.eventType = EventRows::text(row[first + 2]);
    q.payloadText = QByteArray(row[first + 3].c_str(), int(row[first + 3].size()));
    q.payload = QJsonDocument::fromJson(q.payloadText).object();
    q.createdAt = row[first + 4].as<qint64>();
    return q;
}

// The order is on the uuid column (qualified: a bare "id" would name the id::text output
// column, and PostgreSQL sorted every batch again by text instead of reading the index's order).
// ctid: where each row is, so that marking it processed goes straight to it (below).
// Literal values, not parameters: a batch reads the next one ahead through a pipeline,
// which sends text only (and both are integers).
std::string selectBatchSql(std::optional<int> tenantId)
{
    return "SELECT " + queueColumns("activity_queue") + ", ctid::text "
           "  FROM activity_queue "
           " WHERE NOT processed"
           + (tenantId ? " AND tenant_id = " + std::to_string(*tenantId) : std::string())
           + " ORDER BY created_at, activity_queue.id LIMIT " + std::to_string(Drainer::kBatchSize);
}

/// Every statement of a batch touches a few thousand rows by key (queue ids, event ids, a
/// window's key), so a full scan is never the right plan. Yet the tables grow during a
/// drain, faster than anything analyzes them, and EXPLAIN showed the planner choosing
/// sequential scans with hash joins over every published window, every event and every
/// queue row in each batch: a drain's time grew with the square of its backlog (a
/// 100 000-row drain spent ~100 s of its ~110 s there). For this transaction only.
/// A scan that has no index to use (the one-row feed_version bump at commit) still costs
/// what "disabled" adds to it, far above the point where PostgreSQL compiles a plan to
/// machine code: ~100 ms of JIT per batch for a one-row update. No drain statement runs
/// long enough to gain from JIT, so it is off as well.
void keyedPlansOnly(pqxx::transaction_base &tx)
{
    tx.exec("SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; "
            "SET LOCAL enable_mergejoin = off; SET LOCAL jit = off");
}

/// The events one batch makes. A window still open at the end of a full batch may take
/// rows of the next one: it is left for the next batch (its rows go to @p deferred), so
/// batching never splits a tile. Every other row of @p rows is in exactly one event.
/// Shared by drainBatch and previewDrain, so the preview shows what the drain makes.
std::vector<GroupedEvent> groupBatch(const std::vector<QueueRow> &rows, std::vector<QString> *deferred)
{
    if (int(rows.size()) < Drainer::kBatchSize)
        return Grouping::group(rows);
    Micros horizon = 0;
    for (const QueueRow &r : rows)
        horizon = std::max(horizon, r.createdAt);
    std::vector<GroupedEvent> events = Grouping::groupClosed(rows, horizon, deferred);
    if (events.empty()) {
        deferred->clear();
        events = Grouping::group(rows);
    }
    return events;
}

/// A batch's unprocessed rows, where each of them is in the table (queue id → ctid), and
/// their grouping: everything of a batch that needs no database. The drain lock keeps
/// every other drain off these rows until the batch commits; rows read ahead by the last
/// batch were read under its lock, and marking them checks that they are still there.
struct Batch {
    std::vector<QueueRow> rows;       ///< the rows its events take (all but the deferred ones)
    QHash<QString, std::string> where;
    std::vector<GroupedEvent> events; ///< groupBatch of the batch's rows
    bool full = false;                ///< kBatchSize rows: there may be more
    bool readAhead = false;           ///< read in the last batch's transaction
};

/// Makes a Batch of the rows selectBatchSql read. No database and no shared state: a
/// batch runs it for the next batch's rows on another thread while PostgreSQL writes.
Batch parseBatch(const pqxx::result &r)
{
    Batch batch;
    std::vector<QueueRow> &rows = batch.rows;
    rows.reserve(r.size());
    batch.where.reserve(int(r.size()));
    for (const auto &row : r) {
        QueueRow q = readQueueRow(row, 0);
        batch.where.insert(q.id, row[kQueueColumnCount].as<std::string>());
        rows.push_back(std::move(q));
    }
    batch.full = int(rows.size()) == Drainer::kBatchSize;
    if (rows.empty())
        return batch;
    std::vector<QString> deferred;
    batch.events = groupBatch(rows, &deferred);
    // The rows the events take are the batch's rows but the deferred ones (a few windows'
    // worth at most): a set of those instead of one of every row taken.
    if (!deferred.empty()) {
        const QSet<QString> waiting(deferred.begin(), deferred.end());
        rows.erase(std::remove_if(rows.begin(), rows.end(),
                                  [&waiting](const QueueRow &r) { return waiting.contains(r.id); }),
                   rows.end());
    }
    return batch;
}

Batch readBatch(pqxx::transaction_base &tx, std::optional<int> tenantId)
{
    return parseBatch(tx.exec(selectBatchSql(tenantId)));
}

/// Thrown when rows the last batch read ahead are no longer all unprocessed where it read
/// them (another process's drain took some between the two transactions): the batch rolls
/// back, having written nothing, and runs again on rows read under its own lock.
struct ReadAheadTaken : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Rows of @p batch are not unprocessed where it read them (@p how says how that showed).
/// Read ahead under the last batch's lock, they may have gone to another process's drain
/// since: the batch reads again. Read under this batch's lock, nothing else moves them
/// (other drains wait, purging takes processed rows only): that would be a bug.
[[noreturn]] void rowsGone(const Batch &batch, const std::string &how)
{
    if (batch.readAhead)
        throw ReadAheadTaken("drain: another drain took rows read ahead (" + how + "); reading the batch again");
    throw std::logic_error("the drain read rows as unprocessed that are not: " + how);
}

/// The published events of the windows that rows of @p fresh may fall into: per key, from
/// the last window opening at or before the key's oldest new row onwards. A window that
/// closed before the key's oldest new row takes none of them and nothing of it changes:
/// the query leaves it out, so a backlog's batches (which each find the window the last
/// batch closed) neither read its rows nor group everything again.
std::vector<PublishedEvent> loadPublished(pqxx::transaction_base &tx, const std::vector<QueueRow> &fresh)
{
    std::map<std::pair<int, QString>, Micros> oldest;
    for (const QueueRow &r : fresh) {
        auto [it, inserted] = oldest.try_emplace({r.tenantId, r.eventType}, r.createdAt);
        if (!inserted)
            it->second = std::min(it->second, r.createdAt);
    }
    std::vector<std::string> tenants, types, times;
    for (const auto &[key, t] : oldest) {
        tenants.push_back(std::to_string(key.first));
        types.push_back(key.second.toStdString());
        times.push_back(isoMicros(t).toStdString());
    }
    const std::string sql = R"SQL(
WITH k(t, ty, tmin) AS (SELECT * FROM unnest($1::int[], $2::text[], $3::timestamptz[])),
s AS (
    SELECT k.t, k.ty,
           greatest(coalesce((SELECT max(w.window_start) FROM activity_events w
                               WHERE w.tenant_id = k.t AND w.event_type = k.ty
                                 AND w.window_start <= k.tmin), k.tmin),
                    k.tmin - $4::bigint * interval '1 microsecond' + interval '1 microsecond') AS start
      FROM k
)
SELECT e.id::text, e.payload_json::text, e.description, )SQL"
        + EventRows::micros("e.created_at") + ", " + EventRows::micros("e.window_start") + R"SQL(,
       )SQL" + queueColumns("q") + R"SQL(
  FROM s
  JOIN activity_events e
    ON e.tenant_id = s.t AND e.event_type = s.ty AND e.window_start >= s.start
  JOIN activity_queue q ON q.event_id = e.id
 ORDER BY e.id, q.created_at, q.id
)SQL";
    std::vector<PublishedEvent> out;
    std::string tenantList = "{";
    for (size_t i = 0; i < tenants.size(); ++i)
        tenantList += (i ? "," : "") + tenants[i];
    tenantList += '}';
    const pqxx::result r = tx.exec_params(sql, tenantList, sqlTextArray(types), sqlTextArray(times),
                                          static_cast<long long>(Grouping::window()));
    for (const auto &row : r) {
        const QString id = EventRows::text(row[0]);
        if (out.empty() || out.back().id != id) {
            PublishedEvent p;
            p.id = id;
            p.payload = QJsonDocument::fromJson(QByteArray(row[1].c_str(), int(row[1].size()))).object();
            p.description = EventRows::text(row[2]);
            p.createdAt = row[3].as<qint64>();
            p.windowStart = row[4].as<qint64>();
            out.push_back(std::move(p));
        }
        out.back().rows.push_back(readQueueRow(row, 5));
    }
    return out;
}

/// The plan for the rows of @p batch that its events take (its grouping moves into it).
TilePlan planBatch(pqxx::transaction_base &tx, Batch &batch)
{
    if (batch.rows.empty())
        return {};
    std::vector<PublishedEvent> published = loadPublished(tx, batch.rows);
    // Under the drain lock the batch's rows are unprocessed and published rows are not.
    // Rows read ahead that another drain took since are published by now, in these very
    // windows (a row's window is among those loadPublished returns for its key): the plan
    // would count them twice.
    for (const PublishedEvent &p : published)
        for (const QueueRow &r : p.rows)
            if (batch.where.contains(r.id))
                rowsGone(batch, "row " + r.id.toStdString() + " is published");
    // A backlog into windows nobody published yet (the common case of a large drain):
    // the batch's own grouping is the plan, without grouping it a second time.
    if (published.empty())
        return TilePlan::ofNewEvents(std::move(batch.events));
    return TilePlan::make(batch.rows, published);
}

struct BatchOutcome {
    int processed = 0;
    int inserted = 0;
    int updated = 0;
    int removed = 0;
    bool more = false;
};

std::string json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

/// One new event as the COPY into activity_events takes it (id, tenant, type, name, text,
/// icon, payload, created_at, window_start). The window is written with the event: no
/// second row, key or check per event.
using EventLine = std::tuple<std::string, int, std::string, std::string, std::string, std::string,
                             std::string, std::string, std::string>;

/// The plan's new events, @p ids[i] the id of item i.
std::vector<EventLine> eventLines(const TilePlan &plan, const std::vector<QString> &ids)
{
    std::vector<EventLine> out;
    out.reserve(plan.items.size());
    for (size_t i = 0; i < plan.items.size(); ++i) {
        const TilePlan::Item &item = plan.items[i];
        if (!item.reuseId.isEmpty())
            continue;
        const GroupedEvent &e = item.event;
        out.emplace_back(ids[i].toStdString(), e.tenantId, e.eventType.toStdString(),
                         e.displayName.toStdString(), e.description.toStdString(), e.icon.toStdString(),
                         e.payloadText.isEmpty() ? json(e.payload) : e.payloadText.toStdString(),
                         isoMicros(e.createdAt).toStdString(), isoMicros(e.windowStart).toStdString());
    }
    return out;
}

/// One batch, one transaction. Its rows are @p ahead when the last batch read them ahead,
/// else read here; when this batch is full it leaves the next batch's rows in @p ahead.
BatchOutcome drainBatch(pqxx::connection &conn, std::optional<int> tenantId, std::optional<Batch> &ahead)
{
    BatchOutcome out;
    pqxx::work tx(conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", Drainer::kLockKey);
    keyedPlansOnly(tx);
    Batch batch = ahead ? std::move(*ahead) : readBatch(tx, tenantId);
    ahead.reset();
    if (batch.rows.empty())
        return out;
    out.more = batch.full;
    const TilePlan plan = planBatch(tx, batch);

    std::vector<QString> ids(plan.items.size());
    int inserted = 0;
    // Ascending ids (core/uuid7.h): each goes into two indexes in the batch (the events'
    // primary key, and the queue's event index when its rows are marked).
    const std::vector<QString> newIds = Uuid7::sortedText(
        size_t(std::count_if(plan.items.begin(), plan.items.end(),
                             [](const TilePlan::Item &item) { return item.reuseId.isEmpty(); })),
        QDateTime::currentMSecsSinceEpoch());
    for (size_t i = 0; i < plan.items.size(); ++i)
        ids[i] = plan.items[i].reuseId.isEmpty() ? newIds[size_t(inserted++)] : plan.items[i].reuseId;
    // Each new row names its event on itself, in the UPDATE that marks it processed.
    std::vector<QString> freshIds, freshTo;
    std::vector<std::string> freshAt;
    for (size_t i = 0; i < plan.items.size(); ++i) {
        for (const QString &q : plan.items[i].newRows) {
            freshIds.push_back(q);
            freshTo.push_back(ids[i]);
            freshAt.push_back(batch.where.value(q));
        }
    }
    std::vector<EventLine> lines;
    std::future<Batch> next;
    {
        // The UPDATE that marks the rows goes out first and this thread does not wait for
        // it: PostgreSQL marks the rows while the new events' text is made here (the two
        // took turns before, each leaving one of the two cores idle).
        // After a full batch the next batch's rows are read in the same pipeline, once this
        // batch's rows are marked (so without them) and under this batch's lock, and they
        // are parsed and grouped on another thread while PostgreSQL writes this batch's
        // events: that work no longer keeps PostgreSQL waiting at the next batch's start.
        // By ctid: a look-up of the primary key per row (four index pages each) was a fifth
        // of this statement, the biggest one of a drain. The id is checked as well, written
        // so that it cannot be an index condition (with "=" the planner went back to the
        // primary key). Every row must be found (rowsGone), or the batch rolls back: it must
        // not leave a row unmarked behind a published event. (The arrays are quoted
        // literals: a pipeline sends text only.)
        // A connection lost while the pipeline waits is reported by libpqxx as a pipeline
        // fault (a logic error, not broken_connection): named for what it is here, so the
        // caller answers 503 like any other outage and not 500.
        try {
            pqxx::pipeline marking(tx);
            const pqxx::pipeline::query_id mark = marking.insert(
                "UPDATE activity_queue q SET processed = true, event_id = u.ev "
                "  FROM unnest(" + tx.quote(sqlTextArray(freshAt)) + "::tid[], "
                + tx.quote(sqlUuidArray(freshIds)) + "::uuid[], " + tx.quote(sqlUuidArray(freshTo))
                + "::uuid[]) AS u(at, q, ev) "
                " WHERE q.ctid = u.at AND q.id IS NOT DISTINCT FROM u.q AND NOT q.processed");
            std::optional<pqxx::pipeline::query_id> readNext;
            if (out.more)
                readNext = marking.insert(selectBatchSql(tenantId));
            lines = eventLines(plan, ids);
            const pqxx::result marked = marking.retrieve(mark);
            if (marked.affected_rows() != freshIds.size())
                rowsGone(batch, "the marking found " + std::to_string(marked.affected_rows()) + " of "
                                    + std::to_string(freshIds.size()) + " where they were read");
            if (readNext)
                next = std::async(std::launch::async, [rows = marking.retrieve(*readNext)] {
                    Batch b = parseBatch(rows);
                    b.readAhead = true;
                    return b;
                });
            marking.complete();
        } catch (const pqxx::sql_error &) {
            throw;
        } catch (const pqxx::broken_connection &) {
            throw;
        } catch (const std::exception &e) {
            if (!tx.conn().is_open())
                throw pqxx::broken_connection(std::string("the connection was lost: ") + e.what());
            throw;
        }
    }
    if (!lines.empty()) {
        pqxx::stream_to evs(tx, "activity_events",
                            std::vector<std::string>{"id", "tenant_id", "event_type", "display_name",
                                                     "description", "icon", "payload_json",
                                                     "created_at", "window_start"});
        for (const EventLine &line : lines)
            evs << line;
        evs.complete();
    }
    if (!plan.folds.empty()) {
        // A comment or reaction written on a single while it folds must not be lost: take
        // each comment thread's order lock (as posting does) for the singles and the tiles
        // they fold into, then lock the singles' rows, so a reaction or comment in flight
        // commits first and is moved below, and a later one finds the single gone. These
        // come before any tile row is updated: posting holds its thread lock while it
        // waits for the event row, so the other order could deadlock.
        std::vector<QString> threads;
        std::vector<QString> gone;
        for (const TilePlan::Fold &f : plan.folds) {
            threads.push_back(f.removedId);
            gone.push_back(f.removedId);
            if (f.into >= 0 && !plan.items[size_t(f.into)].reuseId.isEmpty())
                threads.push_back(plan.items[size_t(f.into)].reuseId);
        }
        std::sort(threads.begin(), threads.end());
        threads.erase(std::unique(threads.begin(), threads.end()), threads.end());
        tx.exec_params("SELECT pg_advisory_xact_lock($2::int, hashtext(t)) "
                       "FROM unnest($1::text[]) AS t ORDER BY t",
                       sqlUuidArray(threads), FeedService::kCommentOrderLockClass);
        tx.exec_params("SELECT 1 FROM activity_events WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                       sqlUuidArray(gone));
    }
    // The published events that change, then the rows that change event, then the folds:
    // each a single statement over arrays, however many tiles a batch touches.
    std::vector<QString> grownIds, movedRows, movedTo;
    std::vector<std::string> grownText, grownPayload, grownAt, grownStart;
    for (size_t i = 0; i < plan.items.size(); ++i) {
        const TilePlan::Item &item = plan.items[i];
        for (const QString &q : item.movedRows) {
            movedRows.push_back(q);
            movedTo.push_back(ids[i]);
        }
        if (item.reuseId.isEmpty() || !item.changed)
            continue;
        const GroupedEvent &e = item.event;
        grownIds.push_back(item.reuseId);
        grownText.push_back(e.description.toStdString());
        grownPayload.push_back(json(e.payload));
        grownAt.push_back(isoMicros(e.createdAt).toStdString());
        grownStart.push_back(isoMicros(e.windowStart).toStdString());
    }
    if (!grownIds.empty()) {
        // A new seq: the grown tile is "after" every client's Last-Event-ID again. The
        // first new seq keeps the one it was published with (right-hand sides read the
        // row as it was), so a reader can tell an update from a new event.
        tx.exec_params("UPDATE activity_events e SET description = u.d, payload_json = u.p::jsonb, "
                       "       created_at = u.created, window_start = u.start, "
                       "       created_seq = coalesce(e.created_seq, e.seq), seq = DEFAULT "
                       "  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], "
                       "              $5::timestamptz[]) AS u(id, d, p, created, start) "
                       " WHERE e.id = u.id",
                       sqlUuidArray(grownIds), sqlTextArray(grownText), sqlTextArray(grownPayload),
                       sqlTextArray(grownAt), sqlTextArray(grownStart));
        out.updated = int(grownIds.size());
    }
    if (!movedRows.empty())
        tx.exec_params("UPDATE activity_queue q SET event_id = u.ev "
                       "  FROM unnest($1::uuid[], $2::uuid[]) AS u(q, ev) WHERE q.id = u.q",
                       sqlUuidArray(movedRows), sqlUuidArray(movedTo));
    if (!plan.folds.empty()) {
        // Nothing a person wrote is lost: reactions (the unique constraint drops doubles)
        // and comments go to the tile, then each single leaves a tombstone in seq order.
        std::vector<QString> gone, into;
        for (const TilePlan::Fold &f : plan.folds) {
            if (f.into < 0)
                throw std::logic_error("a folded event without the event that takes its rows");
            gone.push_back(f.removedId);
            into.push_back(ids[size_t(f.into)]);
        }
        const std::string g = sqlUuidArray(gone), t = sqlUuidArray(into);
        tx.exec_params("INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type) "
                       "SELECT DISTINCT f.tile, r.from_tenant_id, r.reaction_type "
                       "  FROM unnest($1::uuid[], $2::uuid[]) AS f(gone, tile) "
                       "  JOIN activity_reactions r ON r.event_id = f.gone "
                       "ON CONFLICT ON CONSTRAINT activity_reactions_unique DO NOTHING",
                       g, t);
        tx.exec_params("UPDATE activity_comments c SET event_id = f.tile "
                       "  FROM unnest($1::uuid[], $2::uuid[]) AS f(gone, tile) WHERE c.event_id = f.gone",
                       g, t);
        tx.exec_params("INSERT INTO activity_event_tombstones (event_id, merged_into, seq) "
                       "SELECT f.gone, f.tile, nextval(pg_get_serial_sequence('activity_events', 'seq')) "
                       "  FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS f(gone, tile, n) ORDER BY f.n",
                       g, t);
        tx.exec_params("DELETE FROM activity_events WHERE id = ANY($1::uuid[])", g);
        out.removed = int(gone.size());
    }
    // Delivered by PostgreSQL exactly when this transaction commits, to every instance.
    tx.exec("SELECT pg_notify('activity_feed', '{\"k\":\"events\"}')");
    tx.commit();
    if (next.valid())
        ahead = next.get();
    out.processed = int(freshIds.size());
    out.inserted = inserted;
    return out;
}

} // namespace

DrainResult Drainer::drainQueue(pqxx::connection &conn, std::optional<int> tenantId,
                                const QString &trigger)
{
    DrainResult result;
    const auto started = std::chrono::steady_clock::now();
    const auto seconds = [&started] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    long long runId = 0;
    {
        pqxx::work tx(conn);
        const auto abandoned = tx.exec_params(kMarkAbandoned, kRunLockClass);
        if (abandoned.affected_rows() > 0)
            qCWarning(lcFeed, "marked %d unfinished drain runs as abandoned",
                      int(abandoned.affected_rows()));
        runId = tenantId ? tx.exec_params1("INSERT INTO drain_runs (trigger, tenant_id) "
                                           "VALUES ($1, $2) RETURNING id",
                                           trigger.toStdString(), *tenantId)[0]
                               .as<long long>()
                         : tx.exec_params1("INSERT INTO drain_runs (trigger) VALUES ($1) "
                                           "RETURNING id",
                                           trigger.toStdString())[0]
                               .as<long long>();
        // Taken before the row is visible to anyone (it commits with the row), and a
        // session lock, so the commit does not release it.
        tx.exec_params("SELECT pg_advisory_lock($1, ($2::bigint & 2147483647)::int)", kRunLockClass, runId);
        tx.commit();
    }
    const auto finish = [&](const std::string *error) {
        pqxx::work tx(conn);
        const char *sql = "UPDATE drain_runs SET finished_at = now(), processed = $2, inserted = $3, "
                          "updated = $4, removed = $5, error = $6 WHERE id = $1";
        if (error)
            tx.exec_params(sql, runId, result.processed, result.inserted, result.updated,
                           result.removed, *error);
        else
            tx.exec_params(sql, runId, result.processed, result.inserted, result.updated,
                           result.removed, nullptr);
        tx.exec_params("SELECT pg_advisory_unlock($1, ($2::bigint & 2147483647)::int)", kRunLockClass, runId);
        tx.commit();
    };
    try {
        std::optional<Batch> ahead;
        for (;;) {
            BatchOutcome b;
            try {
                b = drainBatch(conn, tenantId, ahead);
            } catch (const ReadAheadTaken &e) {
                qCInfo(lcFeed, "%s", e.what());
                Metrics::instance().countDrainReadAgain();
                continue;
            }
            result.processed += b.processed;
            result.inserted += b.inserted;
            result.updated += b.updated;
            result.removed += b.removed;
            if (!b.more)
                break;
        }
    } catch (const std::exception &e) {
        try {
            const std::string error = e.what();
            finish(&error);
        } catch (...) {
            // The link is gone: so is the session and its run lock, and the next drain
            // marks the row abandoned.
        }
        Metrics::instance().countDrain(result.processed, result.inserted, seconds(), true);
        throw;
    }
    finish(nullptr);
    Metrics::instance().countDrain(result.processed, result.inserted, seconds(), false);
    qCInfo(lcFeed, "drain (%s): %s", qPrintable(trigger),
           qPrintable(Text::drainSummary(result.processed, result.inserted, result.updated,
                                         result.removed)));
    return result;
}

std::vector<PreviewTile> Drainer::previewDrain(pqxx::connection &conn, std::optional<int> tenantId)
{
    // One snapshot for the rows and the published events they join: a drain committing in
    // between cannot make a row look both queued and published.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn);
    keyedPlansOnly(tx);
    Batch batch = readBatch(tx, tenantId);
    const TilePlan plan = planBatch(tx, batch);
    std::vector<int> folds(plan.items.size(), 0);
    for (const TilePlan::Fold &f : plan.folds)
        if (f.into >= 0)
            ++folds[size_t(f.into)];
    std::vector<PreviewTile> out;
    for (size_t i = 0; i < plan.items.size(); ++i) {
        const TilePlan::Item &item = plan.items[i];
        if (!item.changed)
            continue; // an unchanged published event: nothing happens to it
        const GroupedEvent &e = item.event;
        PreviewTile t;
        t.tenantId = e.tenantId;
        t.eventType = e.eventType;
        t.description = e.description;
        t.rows = int(e.sourceIds.size());
        t.newRows = int(item.newRows.size());
        t.joins = !item.reuseId.isEmpty();
        t.folds = folds[i];
        t.lastAt = isoMicros(e.createdAt);
        // A tile's window opens at its first row; a single's first row is itself (its
        // window may have opened at an earlier single).
        t.firstAt = isoMicros(e.sourceIds.size() > 1 ? e.windowStart : e.createdAt);
        out.push_back(t);
    }
    return out;
}

} // namespace af
