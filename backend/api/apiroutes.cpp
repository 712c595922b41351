#include "apiroutes.h"

#include "apierror.h"

namespace af {

void ApiRoutes::registerAll(Router &router, ApiContext &ctx)
{
    registerEvents(router, ctx);
    registerStream(router, ctx);
    registerDrain(router, ctx);
    registerEmit(router, ctx);
    registerReactions(router, ctx);
    registerComments(router, ctx);
    registerHealth(router, ctx);
    registerMe(router, ctx);
    registerStatic(router);
}

RouteHandler ApiRoutes::guarded(RouteHandler handler)
{
    return [handler = std::move(handler)](const HttpRequest &request, const RouteParams &params) {
        try {
            return handler(request, params);
        } catch (const ApiError &e) {
            HttpResponse r = HttpResponse::error(e.status(), QString::fromUtf8(e.what()));
            if (e.status() == 429)
                r.setHeader("Retry-After", QByteArray::number(qMax(1, e.retryAfter())));
            if (e.status() == 401)
                r.setHeader("WWW-Authenticate", "Bearer");
            return r;
        }
    };
}

} // namespace af
