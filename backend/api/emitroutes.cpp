#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "jsonbody.h"
#include "core/catalogue.h"
#include "core/errors.h"
#include "db/connectionpool.h"
#include "feed/eventqueue.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>


namespace af {

namespace {

QueuedEvent readItem(const QJsonValue &value, const QString &where)
{
    if (!value.isObject())
        throw BadInput((where + QStringLiteral(" must be an object {tenantId, eventType, payload}"))
                           .toStdString());
    const QJsonObject o = value.toObject();
    const qint64 tenant = JsonBody::requireInteger(o, QStringLiteral("tenantId"), 1, 2147483647, where);
    const QString type = JsonBody::requireString(o, QStringLiteral("eventType"), where);
    QJsonObject payload;
    const auto it = o.constFind(QStringLiteral("payload"));
    if (it != o.constEnd() && !it->isNull()) {
        if (!it->isObject())
            throw BadInput(((where.isEmpty() ? QString() : where + QLatin1Char('.'))
                            + QStringLiteral("payload must be a JSON object"))
                               .toStdString());
        payload = it->toObject();
    }
    return EventQueue::validate(int(tenant), type, payload, where);
}

} // namespace

void ApiRoutes::registerEmit(Router &router, ApiContext &ctx)
{
    router.post(QStringLiteral("/api/activity/emit"),
                guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                    ApiAuth::requireDrainSecret(ctx, req);
                    const QJsonValue body = JsonBody::parse(req);
                    std::vector<QueuedEvent> events;
                    if (body.isArray()) {
                        const QJsonArray items = body.toArray();
                        const int max = Catalogue::limits().emitBatchMax;
                        if (items.isEmpty() || items.size() > max)
                            throw BadInput("the array must hold 1 to " + std::to_string(max)
                                           + " events");
                        for (int i = 0; i < items.size(); ++i)
                            events.push_back(readItem(items.at(i), QStringLiteral("events[%1]").arg(i)));
                    } else {
                        events.push_back(readItem(body, {}));
                    }
                    auto lease = ctx.pool.acquire();
                    const int queued = int(EventQueue::enqueue(*lease, events).size());
                    return HttpResponse::json(
                        202, QByteArrayLiteral("{\"ok\":true,\"queued\":") + QByteArray::number(queued) + '}');
                }));
}

} // namespace af
