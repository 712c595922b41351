#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"
#include "jsonbody.h"
#include "db/pgerrors.h"

#include "db/connectionpool.h"
#include "core/errors.h"
#include "core/eventjson.h"
#include "feed/drainer.h"

#include <pqxx/pqxx>

namespace af {

void ApiRoutes::registerDrain(Router &router, ApiContext &ctx)
{
    router.post(QStringLiteral("/api/activity/drain"),
                guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                    ApiAuth::requireDrainSecret(ctx, req);
                    std::optional<int> tenant;
                    const QString tenantText = req.queryValue(QStringLiteral("tenantId"));
                    if (!tenantText.isNull())
                        tenant = JsonBody::positiveQueryInt(tenantText, QStringLiteral("tenantId"));
                    const DrainResult r = PgErrors::guard([&] {
                        auto lease = ctx.pool.acquire();
                        if (tenant) {
                            pqxx::read_transaction tx(*lease);
                            if (tx.exec_params("SELECT 1 FROM tenants WHERE id = $1", *tenant).empty())
                                throw NotFound("unknown tenant " + std::to_string(*tenant));
                        }
                        return Drainer::drainQueue(*lease, tenant, QStringLiteral("api"), &ctx.pool);
                    });
                    return HttpResponse::json(200, EventJson::drain(r));
                }));
}

} // namespace af
