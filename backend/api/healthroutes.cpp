#include "apicontext.h"
#include "apiroutes.h"

#include "db/connectionpool.h"
#include "core/logcategories.h"

#include <pqxx/pqxx>

namespace af {

void ApiRoutes::registerHealth(Router &router, ApiContext &ctx)
{
    router.get(QStringLiteral("/healthz"), [&ctx](const HttpRequest &, const RouteParams &) {
        try {
            auto lease = ctx.pool.acquire(std::chrono::milliseconds(2000));
            pqxx::nontransaction tx(*lease);
            tx.exec("SELECT 1");
            return HttpResponse::json(200, QByteArrayLiteral("{\"ok\":true,\"db\":\"up\"}"));
        } catch (const std::exception &e) {
            qCWarning(lcApi) << "health check: database down:" << e.what();
            HttpResponse r = HttpResponse::json(503, QByteArrayLiteral("{\"ok\":false,\"db\":\"down\"}"));
            r.setHeader("Cache-Control", "no-store");
            return r;
        }
    });
}

} // namespace af
