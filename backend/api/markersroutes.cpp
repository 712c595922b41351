#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "core/eventjson.h"
#include "feed/markerservice.h"
#include "jsonbody.h"

namespace af {

namespace {
constexpr qint64 kMaxExactJsonInteger = 9007199254740991;
}

void ApiRoutes::registerMarkers(Router &router, ApiContext &ctx)
{
    // The marker is always the caller's own tenant's, taken from the token: no route
    // names a tenant, so nobody can read or move another tenant's marker.
    router.get(QStringLiteral("/api/activity/markers"),
               guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                   const int tenant = ApiAuth::requireTenant(ctx, req);
                   return HttpResponse::json(200, EventJson::marker(MarkerService(ctx.pool).marker(tenant)));
               }));
    router.post(QStringLiteral("/api/activity/markers"),
                guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                    const int tenant = ApiAuth::requireTenant(ctx, req);
                    const QJsonObject body = JsonBody::parseObject(req);
                    // Up to 2^53 - 1: every integer a JSON number (and the page's
                    // JavaScript) holds exactly.
                    const qint64 seq = JsonBody::requireInteger(
                        body, QStringLiteral("lastReadSeq"), 0, kMaxExactJsonInteger);
                    return HttpResponse::json(
                        200, EventJson::marker(MarkerService(ctx.pool).advance(tenant, seq)));
                }));
}

} // namespace af
