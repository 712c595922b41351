#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "core/catalogue.h"
#include "core/eventjson.h"
#include "feed/feedservice.h"
#include "jsonbody.h"

#include "core/errors.h"

namespace af {

void ApiRoutes::registerComments(Router &router, ApiContext &ctx)
{
    router.get(QStringLiteral("/api/activity/comments"),
               guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                   ApiAuth::requireTenant(ctx, req);
                   const QString eventId = req.queryValue(QStringLiteral("eventId"));
                   if (eventId.isEmpty())
                       throw BadInput("eventId is required");
                   const QString limitText = req.queryValue(QStringLiteral("limit"));
                   const Limits &l = Catalogue::limits();
                   const int limit = JsonBody::limitQuery(req, l.commentsPageDefault,
                                                          l.commentsPageMax);
                   return HttpResponse::json(
                       200, EventJson::page(ctx.feed.comments(
                                eventId, req.queryValue(QStringLiteral("cursor")), limit)));
               }));
    router.post(QStringLiteral("/api/activity/comments"),
                guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                    const int tenant = ApiAuth::requireTenant(ctx, req);
                    const QJsonObject body = JsonBody::parseObject(req);
                    const QString eventId = JsonBody::requireString(body, QStringLiteral("eventId"));
                    const QString text = JsonBody::requireString(body, QStringLiteral("body"));
                    return HttpResponse::json(
                        201, EventJson::commentAnswer(ctx.feed.addComment(tenant, eventId, text)));
                }));
}

} // namespace af
