#pragma once
#include "core/errors.h"

#include "feed/tenants.h"

#include <QByteArray>
#include <QString>

namespace af {

class HttpRequest;
struct ApiContext;

/// @brief Who may call: tenant tokens (SHA-256 lookup on every request, so a revocation
/// applies at once) and the drain secret. Failures throw Unauthenticated or Forbidden.
class ApiAuth
{
public:
    /// @brief The caller's tenant from `Authorization: Bearer`; with @p allowQueryToken
    /// (the stream route only) also from `?access_token=`. Elsewhere that parameter is 401.
    static int requireTenant(ApiContext &ctx, const HttpRequest &request,
                             bool allowQueryToken = false);
    /// @brief As requireTenant, with the id of the token (streams keep checking it).
    static TokenOwner requireToken(ApiContext &ctx, const HttpRequest &request,
                                   bool allowQueryToken = false);
    /// @brief The token the caller presents, checked for presence and size only (the 401s
    /// that need no database); requireTenant looks it up.
    [[nodiscard]] static QString requestToken(const HttpRequest &request,
                                              bool allowQueryToken = false);
    /// @brief The 401 for a token that is unknown or revoked.
    [[nodiscard]] static Unauthenticated invalidToken();
    /// @brief @p request's credential was found to be an active token of @p tenantId.
    static void markVerified(const HttpRequest &request, int tenantId);
    /// @brief `x-drain-secret` against the configured secret, in constant time; a
    /// request that also carries `?access_token=` is refused (401) all the same.
    static void requireDrainSecret(const ApiContext &ctx, const HttpRequest &request);
    /// @brief Whether @p presented is the drain secret (constant time); never when no
    /// secret is configured. The one comparison behind drain, emit and /metrics.
    [[nodiscard]] static bool isDrainSecret(const QByteArray &configured, const QByteArray &presented);
    /// @brief /metrics: a caller on this machine (127.0.0.1, ::1) needs nothing, any other
    /// address `Authorization: Bearer <drain secret>`. Pure, for tests with any peer.
    [[nodiscard]] static bool mayReadMetrics(const QString &peerAddress, const QString &bearer,
                                             const QByteArray &drainSecret);
    /// @brief mayReadMetrics for @p request, else Unauthenticated (401).
    static void requireMetricsAccess(const ApiContext &ctx, const HttpRequest &request);
    /// @brief Compares in time independent of where the inputs differ.
    [[nodiscard]] static bool constantTimeEquals(const QByteArray &a, const QByteArray &b);
};

} // namespace af
