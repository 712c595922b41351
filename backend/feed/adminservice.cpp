#include "adminservice.h"

#include "db/pgerrors.h"

#include "db/connectionpool.h"
#include "core/errors.h"
#include "feed/drainer.h"
#include "feed/eventqueue.h"
#include "core/catalogue.h"
#include "feed/tenants.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <pqxx/pqxx>

namespace af {

namespace {

QByteArray bytes(const pqxx::field &f)
{
    return QByteArray(f.c_str(), int(f.size()));
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

AdminService::AdminService(ConnectionPool &pool) : m_pool(pool) {}

QByteArray AdminService::stats()
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        pqxx::read_transaction tx(*lease);
        return bytes(tx.exec1(R"SQL(
SELECT json_build_object(
    'queueDepth', count(*),
    'oldestUnprocessedSeconds',
        floor(extract(epoch FROM now() - min(created_at)))::bigint)::text
  FROM activity_queue WHERE processed = false
)SQL")[0]);
    });
}

QByteArray AdminService::drain(std::optional<int> tenantId)
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        const DrainResult r = Drainer::drainQueue(*lease, tenantId, QStringLiteral("desktop"));
        return compact({{"processed", r.processed}, {"inserted", r.inserted}});
    });
}

QByteArray AdminService::previewDrain(std::optional<int> tenantId)
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        const auto tiles = Drainer::previewDrain(*lease, tenantId);
        QHash<int, QString> names;
        for (const Tenant &t : Tenants::list(*lease))
            names.insert(t.id, t.name);
        QJsonArray out;
        for (const PreviewTile &t : tiles) {
            const EventTypeInfo *info = Catalogue::type(t.eventType);
            out.append(QJsonObject{{"tenantId", t.tenantId},
                                   {"tenantName", names.value(t.tenantId)},
                                   {"eventType", t.eventType},
                                   {"icon", info ? info->icon : QString()},
                                   {"description", t.description},
                                   {"rows", t.rows},
                                   {"firstAt", t.firstAt},
                                   {"lastAt", t.lastAt}});
        }
        return compact({{"tiles", out}});
    });
}

QByteArray AdminService::drainLog(int limit)
{
    const int n = limit <= 0 ? 50 : std::min(limit, 1000);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        pqxx::read_transaction tx(*lease);
        return bytes(tx.exec_params1(R"SQL(
SELECT json_build_object('runs', coalesce(json_agg(json_build_object(
           'id', r.id, 'started_at', af_ts(r.started_at), 'finished_at', af_ts(r.finished_at),
           'trigger', r.trigger, 'tenant_id', r.tenant_id, 'processed', r.processed,
           'inserted', r.inserted, 'error', r.error) ORDER BY r.id DESC), '[]'::json))::text
  FROM (SELECT * FROM drain_runs ORDER BY id DESC LIMIT $1::int) r
)SQL", n)[0]);
    });
}

QByteArray AdminService::tenants()
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        pqxx::read_transaction tx(*lease);
        return bytes(tx.exec1(R"SQL(
SELECT json_build_object('tenants', coalesce(json_agg(json_build_object(
           'id', t.id, 'name', t.name, 'created_at', af_ts(t.created_at),
           'tokens', coalesce((SELECT json_agg(json_build_object(
                                   'id', k.id, 'label', k.label,
                                   'created_at', af_ts(k.created_at),
                                   'revoked_at', af_ts(k.revoked_at)) ORDER BY k.id)
                                 FROM api_tokens k WHERE k.tenant_id = t.id), '[]'::json))
           ORDER BY t.id), '[]'::json))::text
  FROM tenants t
)SQL")[0]);
    });
}

QByteArray AdminService::createTenant(const QString &name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        throw BadInput("name must not be empty");
    if (trimmed.contains(QChar(0)))
        throw BadInput("name must not contain NUL characters");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        const IssuedToken t = Tenants::add(*lease, trimmed);
        return compact({{"id", t.tenantId}, {"name", trimmed}, {"token", t.token}});
    });
}

QByteArray AdminService::issueToken(int tenantId, const QString &label)
{
    if (label.contains(QChar(0)))
        throw BadInput("label must not contain NUL characters");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        const IssuedToken t = Tenants::issueToken(*lease, tenantId, label);
        return compact({{"id", t.id}, {"tenantId", t.tenantId}, {"token", t.token}});
    });
}

QByteArray AdminService::revokeToken(int tokenId)
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        if (!Tenants::revokeToken(*lease, tokenId))
            throw NotFound("no such active token");
        return QByteArrayLiteral("{\"ok\":true}");
    });
}

QByteArray AdminService::emitEvent(int tenantId, const QString &type, const QJsonObject &payload)
{
    const QueuedEvent event = EventQueue::validate(tenantId, type, payload);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        const QString id = EventQueue::enqueue(*lease, {event}).front();
        return compact({{"ok", true}, {"id", id}});
    });
}

QByteArray AdminService::purgeProcessed(int days)
{
    if (days < 0)
        throw BadInput("days must be zero or more");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        pqxx::work tx(*lease);
        // Processed rows are each the source of one event: their source rows go first,
        // so referential integrity holds; the events themselves stay in the feed.
        const auto r = tx.exec_params1(R"SQL(
WITH old AS (
    SELECT id FROM activity_queue
     WHERE processed AND created_at < now() - make_interval(days => $1::int)
), src AS (
    DELETE FROM activity_event_sources s USING old WHERE s.queue_id = old.id
), gone AS (
    DELETE FROM activity_queue q USING old WHERE q.id = old.id RETURNING 1
)
SELECT count(*) FROM gone
)SQL", days);
        tx.commit();
        return compact({{"deleted", r[0].as<int>()}});
    });
}

} // namespace af
