#include "drainer.h"

#include "core/logcategories.h"
#include "core/metrics.h"
#include "eventrows.h"
#include "feedservice.h"
#include "grouping.h"
#include "drainwrites.h"
#include "tileplan.h"

#include "core/errors.h"
#include "core/text.h"
#include "db/connectionpool.h"
#include "db/sqlarray.h"

#include <QJsonDocument>

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

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
// which sends text only (integers, and the ISO time and uuid text of a row already read).
// @p after: only rows after that one in the drain's order (the read on the second
// connection, which continues where the last batch's rows end). The batch takes @p take
// rows; one more is read to tell whether more are queued behind them (parseBatch).
std::string selectBatchSql(std::optional<int> tenantId, int take, const QueueRow *after = nullptr)
{
    return "SELECT " + queueColumns("activity_queue") + ", ctid::text "
           "  FROM activity_queue "
           " WHERE NOT processed"
           + (tenantId ? " AND tenant_id = " + std::to_string(*tenantId) : std::string())
           + (after ? " AND (created_at, activity_queue.id) > ('" + isoMicros(after->createdAt).toStdString()
                          + "'::timestamptz, '" + after->id.toStdString() + "'::uuid)"
                    : std::string())
           + " ORDER BY created_at, activity_queue.id LIMIT " + std::to_string(take + 1);
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

/// The events one batch makes. When more rows are queued behind the batch (@p more), a
/// window still open at its end may take some of them: it is left for the next batch (its
/// rows go to @p deferred), so batching never splits a tile. Every other row of @p rows is
/// in exactly one event. A batch of kBatchSize rows that is one open window is grouped
/// whole (a window of more rows than a batch takes is the one split there is); a smaller
/// one is all deferred, and the drain reads it again as a full batch.
/// Shared by drainBatch and previewDrain, so the preview shows what the drain makes.
std::vector<GroupedEvent> groupBatch(const std::vector<QueueRow> &rows, bool more, std::vector<QString> *deferred)
{
    if (!more)
        return Grouping::group(rows);
    Micros horizon = 0;
    for (const QueueRow &r : rows)
        horizon = std::max(horizon, r.createdAt);
    std::vector<GroupedEvent> events = Grouping::groupClosed(rows, horizon, deferred);
    if (events.empty() && int(rows.size()) >= Drainer::kBatchSize) {
        deferred->clear();
        events = Grouping::group(rows);
    }
    return events;
}

/// loadPublished's parameters: each key of a batch's rows with its oldest row's time.
struct KeyStarts {
    std::string tenants, types, times;
};

KeyStarts keyStarts(const std::vector<QueueRow> &fresh)
{
    std::map<std::pair<int, QString>, Micros> oldest;
    for (const QueueRow &r : fresh) {
        auto [it, inserted] = oldest.try_emplace({r.tenantId, r.eventType}, r.createdAt);
        if (!inserted)
            it->second = std::min(it->second, r.createdAt);
    }
    std::vector<int> tenants;
    std::vector<std::string> types, times;
    for (const auto &[key, t] : oldest) {
        tenants.push_back(key.first);
        types.push_back(key.second.toStdString());
        times.push_back(isoMicros(t).toStdString());
    }
    KeyStarts k;
    k.tenants = sqlIntArray(tenants);
    k.types = sqlTextArray(types);
    k.times = sqlTextArray(times);
    return k;
}

/// A batch's unprocessed rows, where each of them is in the table (queue id → ctid), and
/// their grouping: everything of a batch that needs no database. The drain lock keeps
/// every other drain off these rows until the batch commits; rows read ahead while the
/// last batch ran may have gone to another drain since, and the batch checks each of them
/// (rowsGone).
struct Batch {
    std::vector<QueueRow> rows;       ///< the rows its events take (all but the deferred ones)
    std::vector<QueueRow> deferred;   ///< the rows of windows it leaves open for the next batch
    QueueRow lastRead;                ///< the last row it read, in the drain's order
    QHash<QString, std::string> where;
    std::vector<GroupedEvent> events; ///< groupBatch of the batch's rows, unless in fresh
    KeyStarts keys;                   ///< of rows
    bool full = false;                ///< more rows are queued behind its own
    bool readAhead = false;           ///< read while the last batch ran, not under this one's lock
    /// Read ahead: the plan if nothing published shares a window with the rows (every
    /// event new, events moved into it) and its writes.
    std::optional<TilePlan> fresh;
    DrainWrites freshWrites;
};

/// Makes a Batch of the first @p take rows selectBatchSql read after @p carried (the rows
/// the last batch deferred, where @p carriedWhere says they are); a row more than that says
/// more are queued. Rows @p readAhead get their fresh
/// plan and writes made here too: a batch runs this for the next batch's rows on another
/// thread while PostgreSQL writes (no database, no shared state); a batch that reads its
/// own rows plans them itself, while the marking runs.
Batch parseBatch(const pqxx::result &r, int take, bool readAhead, std::vector<QueueRow> carried = {},
                 const QHash<QString, std::string> &carriedWhere = {})
{
    Batch batch;
    batch.readAhead = readAhead;
    std::vector<QueueRow> &rows = batch.rows;
    rows = std::move(carried);
    rows.reserve(rows.size() + r.size());
    batch.where = carriedWhere;
    batch.where.reserve(int(rows.size() + r.size()));
    batch.full = int(r.size()) > take;
    for (const auto &row : r) {
        if (take-- == 0)
            break;
        QueueRow q = readQueueRow(row, 0);
        batch.where.insert(q.id, row[kQueueColumnCount].as<std::string>());
        rows.push_back(std::move(q));
    }
    if (rows.empty())
        return batch;
    batch.lastRead = rows.back();
    std::vector<QString> deferred;
    batch.events = groupBatch(rows, batch.full, &deferred);
    // The rows the events take are the batch's rows but the deferred ones (a few windows'
    // worth at most): a set of those instead of one of every row taken.
    if (!deferred.empty()) {
        const QSet<QString> waiting(deferred.begin(), deferred.end());
        const auto taken = std::stable_partition(rows.begin(), rows.end(), [&waiting](const QueueRow &r) {
            return !waiting.contains(r.id);
        });
        batch.deferred.assign(std::make_move_iterator(taken), std::make_move_iterator(rows.end()));
        rows.erase(taken, rows.end());
    }
    batch.keys = keyStarts(rows);
    if (readAhead) {
        batch.fresh = TilePlan::ofNewEvents(std::move(batch.events));
        batch.freshWrites.assignIds(*batch.fresh);
        batch.freshWrites.writeMarking(*batch.fresh, batch.where);
        batch.freshWrites.writeCopyText(*batch.fresh);
    }
    return batch;
}

Batch readBatch(pqxx::transaction_base &tx, std::optional<int> tenantId, int take)
{
    return parseBatch(tx.exec(selectBatchSql(tenantId, take)), take, false);
}

/// Thrown when rows read ahead are no longer all unprocessed where they were read (another
/// process's drain took some before this batch got the lock): the batch rolls back, having
/// written nothing, and runs again on rows read under its own lock.
struct ReadAheadTaken : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Rows of @p batch are not unprocessed where it read them (@p how says how that showed).
/// Read ahead, they may have gone to another process's drain since: the batch reads again. Read under this batch's lock, nothing else moves them
/// (other drains wait, purging takes processed rows only): that would be a bug.
[[noreturn]] void rowsGone(const Batch &batch, const std::string &how)
{
    if (batch.readAhead)
        throw ReadAheadTaken("drain: another drain took rows read ahead (" + how + "); reading the batch again");
    throw std::logic_error("the drain read rows as unprocessed that are not: " + how);
}

/// Per key (k), its events whose window opened after tmin − window (one that opened
/// earlier closed before tmin) and that no other window opened after and at or before tmin:
/// the last window opening at or before tmin and every later one (e). Both look-ups read
/// the key's windows forwards. Asked as max() of the windows opening at or before tmin,
/// a backward index scan, it cost ~13 µs a key: 1.6 of the statement's 2 ms for a batch
/// of 120 keys. Prepared once per connection (the plan is keyed look-ups whatever the
/// arrays hold), instead of planned for each batch.
constexpr const char *kLoadPublished = "drain_load_published";
std::string loadPublishedSql()
{
    return R"SQL(
WITH k(t, ty, tmin) AS (SELECT * FROM unnest($1::int[], $2::text[], $3::timestamptz[]))
SELECT e.id::text, e.payload_json::text, e.description, )SQL"
        + EventRows::micros("e.created_at") + ", " + EventRows::micros("e.window_start") + R"SQL(,
       )SQL" + queueColumns("q") + R"SQL(
  FROM k
  JOIN activity_events e
    ON e.tenant_id = k.t AND e.event_type = k.ty
   AND e.window_start > k.tmin - $4::bigint * interval '1 microsecond'
  JOIN activity_queue q ON q.event_id = e.id
 WHERE NOT EXISTS (SELECT 1 FROM activity_events l
                    WHERE l.tenant_id = k.t AND l.event_type = k.ty
                      AND l.window_start > e.window_start AND l.window_start <= k.tmin)
 ORDER BY e.id, q.created_at, q.id
)SQL";
}

/// The published events of the windows that rows of the batch (@p keys) may fall into: per key, from
/// the last window opening at or before the key's oldest new row onwards. A window that
/// closed before the key's oldest new row takes none of them and nothing of it changes:
/// the query leaves it out, so a backlog's batches (which each find the window the last
/// batch closed) neither read its rows nor group everything again.
std::vector<PublishedEvent> loadPublished(pqxx::transaction_base &tx, const KeyStarts &keys)
{
    static const std::string sql = loadPublishedSql();
    // Registering it again is a look-up once the connection knows it (libpqxx prepares it
    // on the server at its first use on each connection).
    tx.conn().prepare(kLoadPublished, sql);
    std::vector<PublishedEvent> out;
    const pqxx::result r = tx.exec_prepared(kLoadPublished, keys.tenants, keys.types, keys.times,
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

/// The plan for the rows of @p batch that its events take (its grouping moves into it),
/// and for a drain (@p writes) what it writes: the batch's fresh writes when nothing
/// published shares its windows, else made here (all but the COPY text, which the drain
/// makes while the marking runs).
TilePlan planBatch(pqxx::transaction_base &tx, Batch &batch, DrainWrites *writes)
{
    if (batch.rows.empty())
        return {};
    std::vector<PublishedEvent> published = loadPublished(tx, batch.keys);
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
    if (published.empty() && batch.fresh) {
        if (writes)
            *writes = std::move(batch.freshWrites);
        return std::move(*batch.fresh);
    }
    TilePlan plan = published.empty() ? TilePlan::ofNewEvents(std::move(batch.events))
                                      : TilePlan::make(batch.rows, published);
    if (writes) {
        writes->assignIds(plan);
        writes->writeMarking(plan, batch.where);
    }
    return plan;
}

struct BatchOutcome {
    int processed = 0;
    int inserted = 0;
    int updated = 0;
    int removed = 0;
    bool more = false;
};

/// A drain's second connection, on which each full batch reads the next batch's rows
/// while its own statements run on the first: PostgreSQL reads them with another backend
/// (another core) instead of after this batch's marking in the same one. It reads outside
/// the drain lock, which changes nothing that matters: the rows it reads come after every
/// row this batch read (which it cannot touch), it carries this batch's deferred rows
/// over as they were read, and the next batch checks all of them under its own lock as it
/// checks rows read ahead (rowsGone). A row committed meanwhile with a time before rows
/// already read waits for the next drain, where it joins the windows published by then.
/// Each read takes an idle connection of the caller's pool when it has one (opening a
/// connection cost a drain 8–16 ms, as long as a 1 000-row batch) and gives it back at once,
/// so a long drain never holds a second lease; without one to spare, the reader opens its
/// own, on the reading thread, and keeps it for the drain. If that cannot be opened or a
/// read fails, the drain reads ahead in its own pipeline as before, and says so once.
class AheadReader
{
public:
    AheadReader(std::string options, ConnectionPool *pool) : m_options(std::move(options)), m_pool(pool) {}
    /// Whether reads go to a second connection (until one fails).
    bool available() const { return !m_off; }
    /// Runs @p read with a second connection, on the reading thread (nothing else uses the
    /// reader meanwhile). Throws when no connection can be had or the read fails.
    template<typename Read>
    auto withConnection(Read &&read)
    {
        if (m_pool && !m_conn) {
            std::optional<ConnectionPool::Lease> lease;
            try {
                lease.emplace(m_pool->acquire(std::chrono::milliseconds(0)));
            } catch (const Unavailable &) {
                // every pooled connection is busy: the reader's own, below
            }
            if (lease)
                return read(**lease);
        }
        if (!m_conn) {
            try {
                m_conn = std::make_unique<pqxx::connection>(m_options);
            } catch (const std::exception &e) {
                throw std::runtime_error(std::string("cannot open it: ") + e.what());
            }
        }
        return read(*m_conn);
    }
    /// After a failed read (on the drain's thread, the read having ended).
    void stop(const std::string &why)
    {
        qCWarning(lcFeed, "drain: reading ahead in the drain's own transaction, not on a second connection (%s)",
                  why.c_str());
        m_conn.reset();
        m_off = true;
    }

private:
    std::string m_options;
    ConnectionPool *m_pool;
    std::unique_ptr<pqxx::connection> m_conn;
    bool m_off = false;
};

/// What a committed batch leaves behind (its rows, plan and writes), freed on another
/// thread: freeing a full batch's took ~2 ms that the next batch, or the drain's answer,
/// waited for. One at a time; the last is waited for when the drain ends.
class Leftovers
{
public:
    void drop(Batch batch, TilePlan plan, DrainWrites writes)
    {
        if (m_freeing.valid())
            m_freeing.wait();
        m_freeing = std::async(std::launch::async, [held = std::make_tuple(std::move(batch), std::move(plan),
                                                                           std::move(writes))]() mutable {
            // Moved out here, so that the parts themselves go on this thread (the task
            // itself may be destroyed on the drain's).
            [[maybe_unused]] const auto gone = std::move(held);
        });
    }

private:
    std::future<void> m_freeing;
};

/// One batch, one transaction. Its rows are @p ahead when the last batch read them ahead,
/// else read here; when this batch is full it leaves the next batch's rows in @p ahead.
BatchOutcome drainBatch(pqxx::connection &conn, std::optional<int> tenantId, std::optional<Batch> &ahead,
                        AheadReader &reader, Leftovers &leftovers)
{
    BatchOutcome out;
    pqxx::work tx(conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", Drainer::kLockKey);
    keyedPlansOnly(tx);
    // A batch read here (a drain's first) is planned here too, and its COPY text is made
    // while the marking runs: made with the rows, it would only keep PostgreSQL waiting.
    // It is a small one, for the same reason (Drainer::kFirstBatchSize).
    Batch batch = ahead ? std::move(*ahead) : readBatch(tx, tenantId, Drainer::kFirstBatchSize);
    ahead.reset();
    if (batch.rows.empty() && !batch.deferred.empty())
        batch = readBatch(tx, tenantId, Drainer::kBatchSize);
    if (batch.rows.empty())
        return out;
    out.more = batch.full;
    // The next batch's rows, on the second connection while this batch runs on the first:
    // read while this batch plans, parsed once this batch's event ids are made, so that
    // the next batch's ids come after them and go into the indexes in the order they are
    // written (core/uuid7.h).
    // (A future of std::async waits for its task when it goes, and goes after the promise:
    // if this batch throws, the task is let go on and has ended before the connection is
    // used again.)
    std::future<Batch> next;
    std::promise<void> idsMade;
    bool nextOnReader = false;
    if (out.more && reader.available()) {
        QHash<QString, std::string> carriedWhere;
        for (const QueueRow &r : batch.deferred)
            carriedWhere.insert(r.id, batch.where.value(r.id));
        next = std::async(std::launch::async, [&reader, tenantId, after = batch.lastRead, carried = batch.deferred,
                                               carriedWhere = std::move(carriedWhere),
                                               planned = idsMade.get_future()]() mutable {
            const int take = Drainer::kBatchSize - int(carried.size());
            const pqxx::result rows = reader.withConnection([&](pqxx::connection &c) {
                pqxx::read_transaction rtx(c);
                keyedPlansOnly(rtx);
                pqxx::result r = rtx.exec(selectBatchSql(tenantId, take, &after));
                rtx.commit();
                return r;
            });
            planned.wait();
            return parseBatch(rows, take, true, std::move(carried), carriedWhere);
        });
        nextOnReader = true;
    }
    DrainWrites w;
    TilePlan plan = planBatch(tx, batch, &w);
    idsMade.set_value();
    const std::vector<QString> &ids = w.ids;
    {
        // The UPDATE that marks the rows goes first. With nothing to do meanwhile (its COPY
        // text made ahead, the next batch read on the second connection) it goes out with its
        // arrays as parameters. Otherwise it goes through a pipeline and this thread does not
        // wait for it: PostgreSQL marks the rows while the new events' text is made here (the
        // two took turns before, each leaving one of the two cores idle), and without the
        // second connection a full batch reads the next batch's rows in the same pipeline,
        // once this batch's rows are marked (so without them); they are parsed, grouped and
        // written out as text on another thread while PostgreSQL writes this batch's events.
        // Every row must be found (rowsGone), or the batch rolls back: it must not leave a
        // row unmarked behind a published event.
        // A connection lost while the pipeline waits is reported by libpqxx as a pipeline
        // fault (a logic error, not broken_connection): named for what it is here, so the
        // caller answers 503 like any other outage and not 500.
        const auto checkMarked = [&](const pqxx::result &marked) {
            if (marked.affected_rows() != w.marked)
                rowsGone(batch, "the marking found " + std::to_string(marked.affected_rows()) + " of "
                                    + std::to_string(w.marked) + " where they were read");
        };
        const bool readNextHere = out.more && !nextOnReader;
        try {
            if (w.copyMade && !readNextHere) {
                checkMarked(tx.exec_params(DrainWrites::markingSql(), w.markAt, w.markIds, w.markTo));
            } else {
                pqxx::pipeline marking(tx);
                const pqxx::pipeline::query_id mark = marking.insert(w.markingText());
                std::optional<pqxx::pipeline::query_id> readNext;
                if (readNextHere)
                    readNext = marking.insert(selectBatchSql(tenantId, Drainer::kBatchSize));
                if (!w.copyMade)
                    w.writeCopyText(plan);
                checkMarked(marking.retrieve(mark));
                if (readNext)
                    next = std::async(std::launch::async, [rows = marking.retrieve(*readNext)] {
                        return parseBatch(rows, Drainer::kBatchSize, true);
                    });
                marking.complete();
            }
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
    if (!w.copyText.empty()) {
        // Lines made beforehand go out as they are: libpqxx 6.4's stream_to formats each
        // line as it sends it and has no raw write; tablewriter, which stream_to replaces,
        // has one. (Its warning about multibyte encodings is about its own escaping; this
        // text is escaped by db/copytext.h, and in UTF-8 no byte of a multibyte character
        // is a backslash or a control character.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        pqxx::tablewriter evs(tx, "activity_events", DrainWrites::eventCopyColumns().begin(),
                              DrainWrites::eventCopyColumns().end());
#pragma GCC diagnostic pop
        for (const std::string &chunk : w.copyText)
            evs.write_raw_line(chunk);
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
        grownPayload.push_back(DrainWrites::payloadJson(e));
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
    if (next.valid() && nextOnReader) {
        try {
            ahead = next.get();
        } catch (const std::exception &e) {
            // The next batch reads its rows under its own lock.
            reader.stop(std::string("a read on it failed: ") + e.what());
        }
    } else if (next.valid()) {
        ahead = next.get();
    }
    out.processed = int(w.marked);
    out.inserted = w.inserted;
    leftovers.drop(std::move(batch), std::move(plan), std::move(w));
    return out;
}

} // namespace

DrainResult Drainer::drainQueue(pqxx::connection &conn, std::optional<int> tenantId,
                                const QString &trigger, ConnectionPool *readers)
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
    Leftovers leftovers;
    try {
        std::optional<Batch> ahead;
        AheadReader reader(conn.options(), readers);
        for (;;) {
            BatchOutcome b;
            try {
                b = drainBatch(conn, tenantId, ahead, reader, leftovers);
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
    Batch batch = readBatch(tx, tenantId, kBatchSize);
    const TilePlan plan = planBatch(tx, batch, nullptr);
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
