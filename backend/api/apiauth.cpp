#include "apiauth.h"

#include "apicontext.h"
#include "core/errors.h"
#include "db/pgerrors.h"

#include "db/connectionpool.h"
#include "feed/tenants.h"
#include "http/httprequest.h"

#include <QCryptographicHash>
#include <QHostAddress>

namespace af {

QString ApiAuth::requestToken(const HttpRequest &request, bool allowQueryToken)
{
    const QString queryToken = request.queryValue(QStringLiteral("access_token"));
    if (!queryToken.isNull() && !allowQueryToken)
        throw Unauthenticated("access_token is accepted on the stream route only; "
                            "send Authorization: Bearer <token>");
    QString token = request.bearerToken();
    if (token.isEmpty() && allowQueryToken)
        token = queryToken;
    if (token.isEmpty())
        throw Unauthenticated("missing bearer token");
    if (token.size() > 512)
        throw Unauthenticated("invalid or revoked token");
    return token;
}

int ApiAuth::requireTenant(ApiContext &ctx, const HttpRequest &request, bool allowQueryToken)
{
    return requireToken(ctx, request, allowQueryToken).tenantId;
}

TokenOwner ApiAuth::requireToken(ApiContext &ctx, const HttpRequest &request, bool allowQueryToken)
{
    const QString token = requestToken(request, allowQueryToken);
    const std::optional<TokenOwner> owner = PgErrors::guard([&] {
        auto lease = ctx.pool.acquire();
        return Tenants::ownerOfToken(*lease, token);
    });
    if (!owner)
        throw invalidToken();
    markVerified(request, owner->tenantId);
    return *owner;
}

void ApiAuth::markVerified(const HttpRequest &request, int tenantId)
{
    // From now on this credential's requests take the tenant's turn in the worker
    // queue, not its address's (an unverified token is only an address).
    request.setVerifiedCaller("tenant:" + QByteArray::number(tenantId));
}

Unauthenticated ApiAuth::invalidToken()
{
    return Unauthenticated("invalid or revoked token");
}

void ApiAuth::requireDrainSecret(const ApiContext &ctx, const HttpRequest &request)
{
    // A token in the URL ends up in proxy and browser logs; only EventSource, which
    // cannot set headers, is allowed one, and these routes are not for browsers.
    if (!request.queryValue(QStringLiteral("access_token")).isNull())
        throw Unauthenticated("access_token is accepted on the stream route only; "
                              "send x-drain-secret");
    if (ctx.drainSecret.isEmpty())
        throw Forbidden("drain secret not configured");
    if (!request.hasHeader("x-drain-secret"))
        throw Unauthenticated("missing x-drain-secret");
    if (!isDrainSecret(ctx.drainSecret, request.header("x-drain-secret")))
        throw Unauthenticated("wrong x-drain-secret");
    request.setVerifiedCaller("drain-secret");
}

bool ApiAuth::isDrainSecret(const QByteArray &configured, const QByteArray &presented)
{
    return !configured.isEmpty() && constantTimeEquals(presented, configured);
}

bool ApiAuth::mayReadMetrics(const QString &peerAddress, const QString &bearer,
                             const QByteArray &drainSecret)
{
    // Exactly the two loopback addresses (and 127.0.0.1 as an IPv6 server sees it), not
    // all of 127/8: the rule stays the one the contract states, and 127.0.0.2 gives the
    // tests a real "other" peer.
    QHostAddress peer(peerAddress);
    bool mapped = false;
    const quint32 v4 = peer.toIPv4Address(&mapped);
    if (mapped)
        peer = QHostAddress(v4);
    if (peer == QHostAddress(QHostAddress::LocalHost) || peer == QHostAddress(QHostAddress::LocalHostIPv6))
        return true;
    return !bearer.isEmpty() && isDrainSecret(drainSecret, bearer.toUtf8());
}

void ApiAuth::requireMetricsAccess(const ApiContext &ctx, const HttpRequest &request)
{
    if (!mayReadMetrics(request.peerAddress(), request.bearerToken(), ctx.drainSecret))
        throw Unauthenticated("metrics from another machine need Authorization: Bearer <drain secret>");
}

bool ApiAuth::constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Comparing digests makes the time independent of the lengths as well.
    const QByteArray da = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray db = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    unsigned char diff = 0;
    for (int i = 0; i < da.size(); ++i)
        diff |= static_cast<unsigned char>(da[i] ^ db[i]);
    return diff == 0;
}

} // namespace af
