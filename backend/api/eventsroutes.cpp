#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "http/callerkeys.h"
#include "core/catalogue.h"
#include "core/eventjson.h"
#include "feed/feedservice.h"
#include "jsonbody.h"

#include "core/errors.h"

namespace af {

void ApiRoutes::registerEvents(Router &router, ApiContext &ctx)
{
    router.get(QStringLiteral("/api/activity/events"),
               guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                   // The token is checked with the feed version (one cheap round trip).
                   const QString token = ApiAuth::requestToken(req);
                   try {
                       FeedQuery query;
                       const Limits &l = Catalogue::limits();
                       query.limit = JsonBody::limitQuery(req, l.feedPageDefault, l.feedPageMax);
                       const QString tenantText = req.queryValue(QStringLiteral("tenantId"));
                       if (!tenantText.isNull())
                           query.tenantId = JsonBody::positiveQueryInt(tenantText,
                                                                       QStringLiteral("tenantId"));
                       query.cursor = req.queryValue(QStringLiteral("cursor"));
                       // `eventType=a,b`; present but empty names no type, which is a 400.
                       const QString types = req.queryValue(QStringLiteral("eventType"));
                       if (!types.isNull())
                           query.eventTypes = types.split(QLatin1Char(','));
                       const auto page = ctx.feed.eventsPageJsonForToken(token, query);
                       if (!page)
                           throw ApiAuth::invalidToken();
                       // The statement proved the token without naming its tenant: the
                       // token itself is the caller from now on.
                       req.setVerifiedCaller(CallerKeys::credentialKey(req));
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
                   return HttpResponse::json(
                       200, EventJson::sources(ctx.feed.eventSources(params.value("id"))));
               }));
}

} // namespace af
