#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "cursor.h"
#include "feedservice.h"
#include "jsonbody.h"

#include "db/dberror.h"

namespace af {

void ApiRoutes::registerEvents(Router &router, ApiContext &ctx)
{
    router.get(QStringLiteral("/api/activity/events"),
               guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                   // The token is checked in the page's own statement (one round trip).
                   const QString token = ApiAuth::requestToken(req);
                   try {
                       const QString limitText = req.queryValue(QStringLiteral("limit"));
                       const auto limit = limitText.isNull()
                           ? std::optional<int>(FeedService::kFeedDefaultLimit)
                           : (limitText.isEmpty()
                                  ? std::nullopt
                                  : Cursor::parseLimit(limitText, FeedService::kFeedDefaultLimit,
                                                       FeedService::kFeedMaxLimit));
                       if (!limit)
                           throw BadInput("limit must be a positive integer");
                       std::optional<int> tenant;
                       const QString tenantText = req.queryValue(QStringLiteral("tenantId"));
                       if (!tenantText.isNull())
                           tenant = JsonBody::positiveQueryInt(tenantText,
                                                               QStringLiteral("tenantId"));
                       const QString cursor = req.queryValue(QStringLiteral("cursor"));
                       auto page = ctx.feed.eventsPageForToken(token, cursor, *limit, tenant);
                       if (!page)
                           throw ApiAuth::invalidToken();
                       return HttpResponse::json(200, *page);
                   } catch (const BadInput &) {
                       // As ever, an unknown or revoked token answers 401 before a bad
                       // parameter answers 400.
                       ApiAuth::requireTenant(ctx, req);
                       throw;
                   }
               }));

    router.get(QStringLiteral("/api/activity/events/:id/sources"),
               guarded([&ctx](const HttpRequest &req, const RouteParams &params) {
                   ApiAuth::requireTenant(ctx, req);
                   return HttpResponse::json(200, ctx.feed.eventSources(params.value("id")));
               }));
}

} // namespace af
