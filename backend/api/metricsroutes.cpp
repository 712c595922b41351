#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"

#include "db/connectionpool.h"
#include "core/logcategories.h"
#include "core/metrics.h"
#include "feed/eventemitter.h"
#include "http/httpserver.h"

#include <QMap>

#include <pqxx/pqxx>

namespace af {

namespace {

struct QueueState {
    bool databaseUp = false;
    qint64 depth = 0;
    double oldestAgeSeconds = 0;
};

// One statement on the partial index of unprocessed rows; a scrape waits at most a
// second for a pooled connection so that a busy pool cannot pile up scrapes.
QueueState readQueue(ConnectionPool &pool)
{
    QueueState q;
    try {
        auto lease = pool.acquire(std::chrono::milliseconds(1000));
        pqxx::nontransaction tx(*lease);
        const auto r = tx.exec1("SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 "
                                "FROM activity_queue WHERE NOT processed");
        q.depth = r[0].as<long long>();
        q.oldestAgeSeconds = std::max(0.0, r[1].as<double>());
        q.databaseUp = true;
    } catch (const std::exception &e) {
        qCWarning(lcApi) << "metrics: cannot read the queue:" << e.what();
    }
    return q;
}

void gauge(QByteArray &out, const char *name, const char *help, double value)
{
    Metrics::family(out, name, "gauge", help);
    Metrics::sample(out, name, {}, value);
}

} // namespace

void ApiRoutes::registerMetrics(Router &router, ApiContext &ctx, const EventEmitter *emitter,
                                const HttpServer *server)
{
    router.get(QStringLiteral("/metrics"),
               guarded([&ctx, emitter, server](const HttpRequest &req, const RouteParams &) {
        ApiAuth::requireMetricsAccess(ctx, req);
        QByteArray out;
        out.reserve(8192);
        Metrics::family(out, "activityfeed_build_info", "gauge", "The running version.");
        Metrics::sample(out, "activityfeed_build_info",
                        Metrics::label("version", QStringLiteral(AF_VERSION)), 1);

        const QueueState q = readQueue(ctx.pool);
        gauge(out, "activityfeed_database_up", "1 when the database answered this scrape.",
              q.databaseUp ? 1 : 0);
        if (q.databaseUp) {
            gauge(out, "activityfeed_queue_depth", "Unprocessed rows in activity_queue.", double(q.depth));
            gauge(out, "activityfeed_queue_oldest_unprocessed_age_seconds",
                  "Age of the oldest unprocessed queue row (0 when the queue is empty).",
                  q.oldestAgeSeconds);
        }
        gauge(out, "activityfeed_db_pool_connections_in_use",
              "Pooled database connections leased out.", ctx.pool.inUse());
        gauge(out, "activityfeed_db_pool_connections_max", "Size of the database connection pool.",
              ctx.pool.size());

        if (emitter) {
            gauge(out, "activityfeed_emitter_buffered_events",
                  "Events emitted in this process and not yet written to the queue.",
                  double(emitter->pending()));
            Metrics::family(out, "activityfeed_emitter_dropped_total", "counter",
                            "Events the emitter dropped because its buffer was full.");
            Metrics::sample(out, "activityfeed_emitter_dropped_total", {}, double(emitter->dropped()));
            Metrics::family(out, "activityfeed_emitter_written_total", "counter",
                            "Events the emitter wrote to the queue.");
            Metrics::sample(out, "activityfeed_emitter_written_total", {}, double(emitter->written()));
        }

        if (server) {
            // Tenant ids, not names: the label set is bounded by the tenants that have a
            // stream open, and a name is the tenant's own text.
            QMap<int, int> perTenant;
            int total = 0;
            for (const SseClientInfo &c : server->sseClients()) {
                ++perTenant[c.tenantId];
                ++total;
            }
            gauge(out, "activityfeed_sse_clients", "Connected SSE clients.", total);
            Metrics::family(out, "activityfeed_sse_tenant_clients", "gauge",
                            "Connected SSE clients by tenant id.");
            for (auto it = perTenant.cbegin(); it != perTenant.cend(); ++it)
                Metrics::sample(out, "activityfeed_sse_tenant_clients",
                                Metrics::label("tenant_id", QString::number(it.key())), it.value());
        }

        Metrics::instance().writeCounters(out);
        HttpResponse r(200, out, QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"));
        r.setHeader("Cache-Control", "no-store");
        return r;
    }));
}

} // namespace af
