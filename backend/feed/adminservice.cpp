#include "adminservice.h"

#include "db/pgerrors.h"

#include "db/connectionpool.h"
#include "core/errors.h"
#include "feed/drainer.h"
#include "feed/eventqueue.h"
#include "core/catalogue.h"
#include "feed/tenants.h"

#include <QHash>

#include <pqxx/pqxx>

namespace af {

namespace {

QString text(const pqxx::field &f)
{
    return f.is_null() ? QString() : QString::fromUtf8(f.c_str(), int(f.size()));
}

} // namespace

AdminService::AdminService(ConnectionPool &pool) : m_pool(pool) {}

QueueStats AdminService::stats()
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        pqxx::read_transaction tx(*lease);
        const auto r = tx.exec1("SELECT count(*), floor(extract(epoch FROM now() - min(created_at)))::bigint "
                                "FROM activity_queue WHERE processed = false");
        QueueStats s;
        s.queueDepth = r[0].as<int>();
        if (!r[1].is_null())
            s.oldestSeconds = r[1].as<qint64>();
        return s;
    });
}

DrainResult AdminService::drain(std::optional<int> tenantId)
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        return Drainer::drainQueue(*lease, tenantId, QStringLiteral("desktop"), &m_pool);
    });
}

std::vector<PreviewRow> AdminService::previewDrain(std::optional<int> tenantId)
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        auto out = Drainer::previewDrain(*lease, tenantId);
        QHash<int, QString> names;
        for (const Tenant &t : Tenants::list(*lease))
            names.insert(t.id, t.name);
        for (PreviewRow &row : out) {
            const EventTypeInfo *info = Catalogue::type(row.eventType);
            row.tenantName = names.value(row.tenantId);
            row.icon = info ? info->icon : QString();
        }
        return out;
    });
}

std::vector<DrainRun> AdminService::drainLog(int limit)
{
    const int n = limit <= 0 ? 50 : std::min(limit, 1000);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        pqxx::read_transaction tx(*lease);
        std::vector<DrainRun> runs;
        for (const auto &r : tx.exec_params(
                 "SELECT id, af_ts(started_at), af_ts(finished_at), trigger, tenant_id, processed, "
                 "inserted, error, updated, removed FROM drain_runs ORDER BY id DESC LIMIT $1::int", n)) {
            DrainRun run;
            run.id = r[0].as<qint64>();
            run.startedAt = text(r[1]);
            run.finishedAt = text(r[2]);
            run.trigger = text(r[3]);
            if (!r[4].is_null())
                run.tenantId = r[4].as<int>();
            run.result.processed = r[5].is_null() ? 0 : r[5].as<int>();
            run.result.inserted = r[6].is_null() ? 0 : r[6].as<int>();
            run.error = text(r[7]);
            run.result.updated = r[8].as<int>();
            run.result.removed = r[9].as<int>();
            runs.push_back(std::move(run));
        }
        return runs;
    });
}

std::vector<TenantSummary> AdminService::tenants()
{
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        pqxx::read_transaction tx(*lease);
        std::vector<TenantSummary> out;
        for (const auto &r : tx.exec("SELECT id, name, af_ts(created_at) FROM tenants ORDER BY id"))
            out.push_back(TenantSummary{r[0].as<int>(), text(r[1]), text(r[2]), {}});
        // Tokens in one query, both lists in id order: each token finds its tenant by a walk.
        size_t at = 0;
        for (const auto &r : tx.exec("SELECT tenant_id, id, label, af_ts(created_at), af_ts(revoked_at) "
                                     "FROM api_tokens ORDER BY tenant_id, id")) {
            const int tenant = r[0].as<int>();
            while (at < out.size() && out[at].id < tenant)
                ++at;
            if (at < out.size() && out[at].id == tenant)
                out[at].tokens.push_back(TokenSummary{r[1].as<int>(), text(r[2]), text(r[3]), text(r[4])});
        }
        return out;
    });
}

IssuedToken AdminService::createTenant(const QString &name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        throw BadInput("name must not be empty");
    if (trimmed.contains(QChar(0)))
        throw BadInput("name must not contain NUL characters");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        return Tenants::add(*lease, trimmed);
    });
}

IssuedToken AdminService::issueToken(int tenantId, const QString &label)
{
    if (label.contains(QChar(0)))
        throw BadInput("label must not contain NUL characters");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        return Tenants::issueToken(*lease, tenantId, label);
    });
}

void AdminService::revokeToken(int tokenId)
{
    PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        if (!Tenants::revokeToken(*lease, tokenId))
            throw NotFound("no such active token");
    });
}

QString AdminService::emitEvent(int tenantId, const QString &type, const QJsonObject &payload)
{
    const QueuedEvent event = EventQueue::validate(tenantId, type, payload);
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        return EventQueue::enqueue(*lease, {event}).front();
    });
}

int AdminService::purgeProcessed(int days)
{
    if (days < 0)
        throw BadInput("days must be zero or more");
    return PgErrors::guard([&] {
        auto lease = m_pool.acquire();
        pqxx::work tx(*lease);
        // A processed row carries the event it made: the row goes, the event (with its
        // count and samples in its payload) stays in the feed.
        const auto r = tx.exec_params1(R"SQL(
WITH gone AS (
    DELETE FROM activity_queue
     WHERE processed AND created_at < now() - make_interval(days => $1::int) RETURNING 1
)
SELECT count(*) FROM gone
)SQL", days);
        tx.commit();
        return r[0].as<int>();
    });
}

} // namespace af
