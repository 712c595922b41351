#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "cursor.h"
#include "feedservice.h"
#include "jsonbody.h"

#include "db/dberror.h"

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
                   const auto limit = limitText.isNull()
                       ? std::optional<int>(FeedService::kCommentsDefaultLimit)
                       : (limitText.isEmpty()
                              ? std::nullopt
                              : Cursor::parseLimit(limitText, FeedService::kCommentsDefaultLimit,
                                                   FeedService::kCommentsMaxLimit));
                   if (!limit)
                       throw BadInput("limit must be a positive integer");
                   return HttpResponse::json(
                       200, ctx.feed.comments(eventId, req.queryValue(QStringLiteral("cursor")),
                                              *limit));
               }));
    router.post(QStringLiteral("/api/activity/comments"),
                guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                    const int tenant = ApiAuth::requireTenant(ctx, req);
                    const QJsonObject body = JsonBody::parseObject(req);
                    const QString eventId = JsonBody::requireString(body, QStringLiteral("eventId"));
                    const QString text = JsonBody::requireString(body, QStringLiteral("body"));
                    return HttpResponse::json(201, ctx.feed.addComment(tenant, eventId, text));
                }));
}

} // namespace af
