#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "core/catalogue.h"
#include "core/eventjson.h"
#include "core/metrics.h"
#include "db/connectionpool.h"
#include "feed/feedcheckpipe.h"
#include "feed/feedservice.h"
#include "feed/tenants.h"
#include "jsonbody.h"

#include "core/errors.h"

namespace af {

namespace {

/// The feed page a request asks for (limit, tenantId, cursor, eventType); throws BadInput.
FeedQuery feedQuery(const HttpRequest &req)
{
    FeedQuery query;
    const Limits &l = Catalogue::limits();
    query.limit = JsonBody::limitQuery(req, l.feedPageDefault, l.feedPageMax);
    const QString tenantText = req.queryValue(QStringLiteral("tenantId"));
    if (!tenantText.isNull())
        query.tenantId = JsonBody::positiveQueryInt(tenantText, QStringLiteral("tenantId"));
    query.cursor = req.queryValue(QStringLiteral("cursor"));
    // `eventType=a,b`; present but empty names no type, which is a 400.
    const QString types = req.queryValue(QStringLiteral("eventType"));
    if (!types.isNull())
        query.eventTypes = types.split(QLatin1Char(','));
    return query;
}

} // namespace

void ApiRoutes::registerEvents(Router &router, ApiContext &ctx)
{
    router.get(QStringLiteral("/api/activity/events"),
               guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                   // The token is checked with the feed version (one cheap round trip).
                   const QString token = ApiAuth::requestToken(req);
                   try {
                       const auto page = ctx.feed.eventsPageJsonForToken(token, feedQuery(req));
                       if (!page)
                           throw ApiAuth::invalidToken();
                       // The statement that proved the token named its tenant: the token's
                       // requests take the tenant's turn from now on, as on every route.
                       ApiAuth::markVerified(req, page->viewerTenantId);
                       return HttpResponse::json(200, page->json);
                   } catch (const BadInput &) {
                       // As ever, an unknown or revoked token answers 401 before a bad
                       // parameter answers 400.
                       ApiAuth::requireTenant(ctx, req);
                       throw;
                   }
               }));
    // A page kept at the version the token check reads is answered from the network
    // thread: the check goes out on that thread's pipelined connection, so the read costs
    // one statement and no handoff. Anything unusual (a bad query, an inactive token, a
    // page not kept, a check that failed) falls back to the handler above, which answers
    // it exactly as before.
    router.getFast(QStringLiteral("/api/activity/events"),
                   [&ctx](const HttpRequest &req, const QByteArray &caller, FastAnswer answer) -> bool {
                       try {
                           const QString token = ApiAuth::requestToken(req);
                           std::string query = FeedService::keptPageQuery(feedQuery(req));
                           FeedCheckPipe &pipe = FeedCheckPipe::forThisThread(ctx.pool.connectionString());
                           return pipe.check(caller, Tenants::sha256(token),
                                       // The request outlives the check: the connection keeps
                                       // it until this answer.
                                       [&ctx, &req, query = std::move(query), answer = std::move(answer)](
                                           const FeedCheckPipe::Outcome &o) {
                                           std::optional<QByteArray> kept;
                                           if (o.kind == FeedCheckPipe::Outcome::Kind::Active) {
                                               ApiAuth::markVerified(req, o.tenantId);
                                               kept = ctx.feed.keptPage(o.tenantId, query, o.version);
                                           }
                                           if (!kept) {
                                               answer(std::nullopt);
                                               return;
                                           }
                                           Metrics::instance().countNetworkThreadAnswer();
                                           answer(HttpResponse::json(200, *kept));
                                       });
                       } catch (const std::exception &) {
                           return false; // the handler gives the error its answer
                       }
                   });

    router.get(QStringLiteral("/api/activity/events/:id/sources"),
               guarded([&ctx](const HttpRequest &req, const RouteParams &params) {
                   ApiAuth::requireTenant(ctx, req);
                   return HttpResponse::json(
                       200, EventJson::sources(ctx.feed.eventSources(params.value("id"))));
               }));
}

} // namespace af
