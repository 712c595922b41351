#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "jsonbody.h"
#include "pgerrors.h"

#include "db/connectionpool.h"
#include "db/dberror.h"
#include "feed/eventtypes.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <pqxx/pqxx>

namespace af {

namespace {

constexpr int kMaxEmitBatch = 1000;
constexpr int kMaxPayloadBytes = 16 * 1024;

bool containsNul(const QJsonValue &v)
{
    if (v.isString())
        return v.toString().contains(QChar(0));
    if (v.isArray()) {
        for (const auto &x : v.toArray()) {
            if (containsNul(x))
                return true;
        }
    } else if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it.key().contains(QChar(0)) || containsNul(it.value()))
                return true;
        }
    }
    return false;
}

// One element of a PostgreSQL array literal, quoted so that any text survives.
void appendQuoted(std::string &out, const QByteArray &text)
{
    out += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
}

struct Batch {
    std::string tenants = "{";
    std::string types = "{";
    std::string payloads = "{";
    int size = 0;
};

void addItem(Batch &batch, const QJsonValue &value, const QString &where)
{
    if (!value.isObject())
        throw BadInput((where + QStringLiteral(" must be an object {tenantId, eventType, payload}"))
                           .toStdString());
    const QJsonObject o = value.toObject();
    const qint64 tenant = JsonBody::requireInteger(o, QStringLiteral("tenantId"), 1, 2147483647, where);
    const QString type = JsonBody::requireString(o, QStringLiteral("eventType"), where);
    const QString prefix = where.isEmpty() ? QString() : where + QLatin1Char('.');
    if (!EventTypes::isKnown(type))
        throw BadInput((prefix + QStringLiteral("eventType must be one of ")
                        + EventTypes::all().join(QStringLiteral(", ")))
                           .toStdString());
    QJsonObject payload;
    const auto it = o.constFind(QStringLiteral("payload"));
    if (it != o.constEnd() && !it->isNull()) {
        if (!it->isObject())
            throw BadInput((prefix + QStringLiteral("payload must be a JSON object")).toStdString());
        payload = it->toObject();
    }
    if (containsNul(payload))
        throw BadInput((prefix + QStringLiteral("payload must not contain NUL characters")).toStdString());
    const QByteArray json = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    if (json.size() > kMaxPayloadBytes)
        throw BadInput((prefix + QStringLiteral("payload must be at most 16 KiB")).toStdString());
    if (batch.size > 0) {
        batch.tenants += ',';
        batch.types += ',';
        batch.payloads += ',';
    }
    batch.tenants += std::to_string(tenant);
    appendQuoted(batch.types, type.toUtf8());
    appendQuoted(batch.payloads, json);
    ++batch.size;
}

} // namespace

void ApiRoutes::registerEmit(Router &router, ApiContext &ctx)
{
    router.post(QStringLiteral("/api/activity/emit"),
                guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                    ApiAuth::requireDrainSecret(ctx, req);
                    const QJsonValue body = JsonBody::parse(req);
                    Batch batch;
                    if (body.isArray()) {
                        const QJsonArray items = body.toArray();
                        if (items.isEmpty() || items.size() > kMaxEmitBatch)
                            throw BadInput("the array must hold 1 to 1000 events");
                        for (int i = 0; i < items.size(); ++i)
                            addItem(batch, items.at(i), QStringLiteral("events[%1]").arg(i));
                    } else {
                        addItem(batch, body, {});
                    }
                    batch.tenants += '}';
                    batch.types += '}';
                    batch.payloads += '}';
                    const int queued = PgErrors::guard([&] {
                        auto lease = ctx.pool.acquire();
                        pqxx::work tx(*lease);
                        const pqxx::result unknown = tx.exec_params(
                            "SELECT x FROM unnest($1::int[]) x "
                            "WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = x) LIMIT 1",
                            batch.tenants);
                        if (!unknown.empty())
                            throw BadInput("tenantId " + std::string(unknown[0][0].c_str())
                                           + " is not a known tenant");
                        const pqxx::result r = tx.exec_params(
                            "INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at) "
                            "SELECT t, e, p, clock_timestamp() "
                            "  FROM unnest($1::int[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS u(t, e, p, n) "
                            " ORDER BY n",
                            batch.tenants, batch.types, batch.payloads);
                        tx.commit();
                        return int(r.affected_rows());
                    });
                    return HttpResponse::json(
                        202, QByteArrayLiteral("{\"ok\":true,\"queued\":") + QByteArray::number(queued) + '}');
                }));
}

} // namespace af
