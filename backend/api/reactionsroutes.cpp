#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "core/eventjson.h"
#include "feed/feedservice.h"
#include "jsonbody.h"

namespace af {

namespace {

HttpResponse react(ApiContext &ctx, const HttpRequest &req, bool add)
{
    const int tenant = ApiAuth::requireTenant(ctx, req);
    const QJsonObject body = JsonBody::parseObject(req);
    const QString eventId = JsonBody::requireString(body, QStringLiteral("eventId"));
    const QString type = JsonBody::requireString(body, QStringLiteral("reactionType"));
    return HttpResponse::json(200, EventJson::reactionAnswer(ctx.feed.react(tenant, eventId, type, add)));
}

} // namespace

void ApiRoutes::registerReactions(Router &router, ApiContext &ctx)
{
    router.post(QStringLiteral("/api/activity/reactions"),
                guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                    return react(ctx, req, true);
                }));
    router.del(QStringLiteral("/api/activity/reactions"),
               guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                   return react(ctx, req, false);
               }));
}

} // namespace af
