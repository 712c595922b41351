#pragma once
#include "http/router.h"
#include "http/streamtypes.h"

namespace af {

struct ApiContext;
class EventEmitter;
class HttpServer;

/// @brief The HTTP routes of the feed API except tasks, challenges, arena and profile.
/// One .cpp per resource; every handler runs on the server's worker pool.
class ApiRoutes
{
public:
    /// @brief Registers every route below on @p router; @p ctx must outlive the router.
    static void registerAll(Router &router, ApiContext &ctx);

    static void registerEvents(Router &router, ApiContext &ctx);    ///< events, sources
    static void registerStream(Router &router, ApiContext &ctx);    ///< SSE stream
    static void registerDrain(Router &router, ApiContext &ctx);     ///< POST drain
    static void registerEmit(Router &router, ApiContext &ctx);      ///< POST emit
    static void registerReactions(Router &router, ApiContext &ctx); ///< POST/DELETE reactions
    static void registerComments(Router &router, ApiContext &ctx);  ///< GET/POST comments
    static void registerMarkers(Router &router, ApiContext &ctx);   ///< GET/POST markers
    static void registerHealth(Router &router, ApiContext &ctx);    ///< /healthz
    static void registerMe(Router &router, ApiContext &ctx);        ///< GET /api/me
    static void registerStatic(Router &router);                     ///< / and :/web/*
    /// @brief GET /metrics (Prometheus text); @p emitter and @p server may be null and
    /// must outlive the router.
    static void registerMetrics(Router &router, ApiContext &ctx, const EventEmitter *emitter,
                                const HttpServer *server);

    /// @brief The server's replay provider: every activity.event.created after a
    /// Last-Event-ID in seq order, or a resync past the catalogue's replayMax events.
    [[nodiscard]] static ReplayProvider replayProvider(ApiContext &ctx);
    /// @brief Which stream tokens are still active, in one query (for HttpServer).
    [[nodiscard]] static StreamTokenCheck streamTokenCheck(ApiContext &ctx);

    /// @brief Wraps @p handler so that its database failures become typed errors
    /// (PgErrors::guard); the Router maps every af::Error to its answer.
    [[nodiscard]] static RouteHandler guarded(RouteHandler handler);
};

/// @brief The entry point the runtime calls: ApiRoutes::registerAll.
inline void registerApiRoutes(Router &router, ApiContext &ctx)
{
    ApiRoutes::registerAll(router, ctx);
}

} // namespace af
