#pragma once
#include "http/router.h"

namespace af
{

class Gamification;
struct ApiContext;

/// @brief The task, challenge, profile and arena routes over the
/// Gamification services; every route needs a tenant token and touches only that
/// tenant's rows (another tenant's id answers 404).
class GamificationRoutes
{
public:
    /// @brief Registers every task, challenge, profile and arena route on @p router; @p ctx and @p gamification must
    /// outlive the router.
    static void registerAll(Router &router, ApiContext &ctx, Gamification &gamification);

    /// @brief A path id: 1 to 18 decimal digits, not 0; else BadInput naming @p what.
    [[nodiscard]] static qint64 parseId(const QString &text, const char *what);
};

/// @brief The entry point the runtime calls: GamificationRoutes::registerAll.
inline void registerGamificationRoutes(Router &router, ApiContext &ctx, Gamification &gamification)
{
    GamificationRoutes::registerAll(router, ctx, gamification);
}

} // namespace af
