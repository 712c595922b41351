#pragma once
#include <QByteArray>

namespace af {

class ConnectionPool;
class FeedService;

/// @brief What the API routes share; must outlive the Router they are registered on.
struct ApiContext {
    ConnectionPool &pool;
    FeedService &feed;
    /// MC_API_SECRET, else DEPLOY_WEBHOOK_SECRET; empty: drain and emit answer 403.
    QByteArray drainSecret;

    /// @brief The drain secret from the environment: MC_API_SECRET, else DEPLOY_WEBHOOK_SECRET; empty when neither is set, and then drain and emit answer 403.
    [[nodiscard]] static QByteArray drainSecretFromEnvironment()
    {
        const QByteArray mc = qgetenv("MC_API_SECRET");
        return mc.isEmpty() ? qgetenv("DEPLOY_WEBHOOK_SECRET") : mc;
    }
};

} // namespace af
