#include "apiroutes.h"

#include "db/pgerrors.h"

namespace af {

void ApiRoutes::registerAll(Router &router, ApiContext &ctx)
{
    registerEvents(router, ctx);
    registerStream(router, ctx);
    registerDrain(router, ctx);
    registerEmit(router, ctx);
    registerReactions(router, ctx);
    registerComments(router, ctx);
    registerMarkers(router, ctx);
    registerHealth(router, ctx);
    registerMe(router, ctx);
    registerStatic(router);
}

RouteHandler ApiRoutes::guarded(RouteHandler handler)
{
    // Every route's database failures become typed errors here; the router maps those.
    return [handler = std::move(handler)](const HttpRequest &request, const RouteParams &params) {
        return PgErrors::guard([&] { return handler(request, params); });
    };
}

} // namespace af
