#include "drainer.h"

#include "core/logcategories.h"
#include "core/metrics.h"
#include "grouping.h"

#include <QJsonDocument>
#include <QUuid>

#include <pqxx/pqxx>

#include <chrono>
#include <unordered_set>

namespace af {

namespace {

// One key for every drain of every process sharing the database: seq order is then
// commit order, which the SSE replay relies on.
constexpr long long kDrainLockKey = 0x4166'4472'6169'6e21LL; // "AfDrain!"
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

const char *kSelectBatch =
    "SELECT id::text, tenant_id, event_type, payload_json::text, "
    "       (extract(epoch FROM created_at) * 1000000)::bigint "
    "  FROM activity_queue "
    " WHERE NOT processed AND ($1::int IS NULL OR tenant_id = $1::int) "
    " ORDER BY created_at, id LIMIT $2";

std::vector<QueueRow> readBatch(pqxx::transaction_base &tx, std::optional<int> tenantId)
{
    const auto r = tenantId ? tx.exec_params(kSelectBatch, *tenantId, Drainer::kBatchSize)
                            : tx.exec_params(kSelectBatch, nullptr, Drainer::kBatchSize);
    std::vector<QueueRow> rows;
    rows.reserve(r.size());
    for (const auto &row : r) {
        QueueRow q;
        q.id = QString::fromStdString(row[0].as<std::string>());
        q.tenantId = row[1].as<int>();
        q.eventType = QString::fromStdString(row[2].as<std::string>());
        q.payload = QJsonDocument::fromJson(QByteArray::fromStdString(row[3].as<std::string>())).object();
        q.createdAt = row[4].as<long long>();
        rows.push_back(std::move(q));
    }
    return rows;
}

/// The events one batch makes. A window still open at the end of a full batch may take
/// rows of the next one: it is left for the next batch, so batching never splits a tile.
/// Shared by drainBatch and previewDrain, so the preview shows what the drain makes.
std::vector<GroupedEvent> groupBatch(std::vector<QueueRow> rows)
{
    if (int(rows.size()) < Drainer::kBatchSize)
        return Grouping::group(std::move(rows));
    Micros horizon = 0;
    for (const QueueRow &r : rows)
        horizon = std::max(horizon, r.createdAt);
    std::vector<QString> deferred;
    std::vector<GroupedEvent> events = Grouping::groupClosed(rows, horizon, &deferred);
    if (events.empty())
        events = Grouping::group(std::move(rows));
    return events;
}

std::string uuidArray(const std::vector<QString> &ids)
{
    std::string out = "{";
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i)
            out += ',';
        out += ids[i].toStdString();
    }
    out += '}';
    return out;
}

struct BatchOutcome {
    int processed = 0;
    int inserted = 0;
    std::vector<QString> eventIds;
    bool more = false;
};

BatchOutcome drainBatch(pqxx::connection &conn, std::optional<int> tenantId)
{
    BatchOutcome out;
    pqxx::work tx(conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kDrainLockKey);
    std::vector<QueueRow> rows = readBatch(tx, tenantId);
    if (rows.empty())
        return out;
    const bool full = int(rows.size()) == Drainer::kBatchSize;
    const std::vector<GroupedEvent> events = groupBatch(std::move(rows));

    std::vector<QString> processedIds;
    {
        pqxx::stream_to evs(tx, "activity_events",
                            std::vector<std::string>{"id", "tenant_id", "event_type", "display_name",
                                                     "description", "icon", "payload_json",
                                                     "created_at"});
        for (const GroupedEvent &e : events) {
            const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
            out.eventIds.push_back(id);
            evs << std::make_tuple(id.toStdString(), e.tenantId, e.eventType.toStdString(),
                                   e.displayName.toStdString(), e.description.toStdString(),
                                   e.icon.toStdString(),
                                   QJsonDocument(e.payload).toJson(QJsonDocument::Compact).toStdString(),
                                   isoMicros(e.createdAt).toStdString());
        }
        evs.complete();
    }
    {
        pqxx::stream_to src(tx, "activity_event_sources",
                            std::vector<std::string>{"event_id", "queue_id"});
        for (size_t i = 0; i < events.size(); ++i) {
            for (const QString &q : events[i].sourceIds) {
                src << std::make_tuple(out.eventIds[i].toStdString(), q.toStdString());
                processedIds.push_back(q);
            }
        }
        src.complete();
    }
    tx.exec_params("UPDATE activity_queue SET processed = true WHERE id = ANY($1::uuid[])",
                   uuidArray(processedIds));
    // Delivered by PostgreSQL exactly when this transaction commits, to every instance.
    tx.exec("SELECT pg_notify('activity_feed', '{\"k\":\"events\"}')");
    tx.commit();
    out.processed = int(processedIds.size());
    out.inserted = int(events.size());
    out.more = full;
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
                          "error = $4 WHERE id = $1";
        if (error)
            tx.exec_params(sql, runId, result.processed, result.inserted, *error);
        else
            tx.exec_params(sql, runId, result.processed, result.inserted, nullptr);
        tx.exec_params("SELECT pg_advisory_unlock($1, ($2::bigint & 2147483647)::int)", kRunLockClass, runId);
        tx.commit();
    };
    try {
        for (;;) {
            BatchOutcome b = drainBatch(conn, tenantId);
            result.processed += b.processed;
            result.inserted += b.inserted;
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
    qCInfo(lcFeed, "drain (%s): %d queue rows -> %d events", qPrintable(trigger),
           result.processed, result.inserted);
    return result;
}

std::vector<PreviewTile> Drainer::previewDrain(pqxx::connection &conn, std::optional<int> tenantId)
{
    pqxx::read_transaction tx(conn);
    std::vector<QueueRow> rows = readBatch(tx, tenantId);
    std::vector<PreviewTile> out;
    for (const GroupedEvent &e : groupBatch(std::move(rows))) {
        PreviewTile t;
        t.tenantId = e.tenantId;
        t.eventType = e.eventType;
        t.description = e.description;
        t.rows = int(e.sourceIds.size());
        t.lastAt = isoMicros(e.createdAt);
        t.firstAt = e.sourceIds.size() > 1
                        ? e.payload.value(QStringLiteral("first_at")).toString()
                        : t.lastAt;
        out.push_back(t);
    }
    return out;
}

} // namespace af
