#include "apiauth.h"
#include "apicontext.h"
#include "apiroutes.h"

#include "db/connectionpool.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <pqxx/pqxx>

namespace af {

// Which tenant a token acts as, so that clients can mark their own events (a tenant
// cannot react to them) without waiting for a 403.
void ApiRoutes::registerMe(Router &router, ApiContext &ctx)
{
    router.get(QStringLiteral("/api/me"), guarded([&ctx](const HttpRequest &req, const RouteParams &) {
                   const int tenant = ApiAuth::requireTenant(ctx, req);
                   auto lease = ctx.pool.acquire();
                   pqxx::nontransaction tx(*lease);
                   const auto r = tx.exec_params("SELECT name FROM tenants WHERE id = $1", tenant);
                   const QString name = r.empty() ? QString() : QString::fromStdString(r[0][0].as<std::string>());
                   return HttpResponse::json(
                       200, QJsonDocument(QJsonObject{{QStringLiteral("tenantId"), tenant},
                                                      {QStringLiteral("tenantName"), name}})
                                .toJson(QJsonDocument::Compact));
               }));
}

} // namespace af
