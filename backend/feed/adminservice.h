#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace af {

class ConnectionPool;

/// @brief The desktop's local admin (queue drains, tenants and tokens) as blocking calls for worker threads.
/// Each answer is the JSON body that model/AdminBackend documents for the same call.
/// Failures throw BadInput, NotFound or Unavailable.
class AdminService
{
public:
    explicit AdminService(ConnectionPool &pool);

    /// @brief `{"queueDepth":n,"oldestUnprocessedSeconds":s|null}`
    QByteArray stats();
    /// @brief Runs the drain with trigger "desktop"; `{"processed":rows,"inserted":events}`.
    QByteArray drain(std::optional<int> tenantId = {});
    /// @brief `{"tiles":[{tenantId,tenantName,eventType,icon,description,rows,firstAt,lastAt}]}`
    QByteArray previewDrain(std::optional<int> tenantId = {});
    /// @brief The last @p limit drain_runs, newest first: `{"runs":[…]}`.
    QByteArray drainLog(int limit = 50);
    /// @brief `{"tenants":[{id,name,created_at,tokens:[{id,label,created_at,revoked_at}]}]}`
    QByteArray tenants();
    /// @brief `{"id","name","token"}`; the token is shown once.
    QByteArray createTenant(const QString &name);
    /// @brief `{"id","tenantId","token"}`
    QByteArray issueToken(int tenantId, const QString &label = {});
    /// @brief `{"ok":true}`; NotFound when no such active token.
    QByteArray revokeToken(int tokenId);
    /// @brief Inserts one row into activity_queue, committed on return; `{"ok":true,"id":…}`.
    QByteArray emitEvent(int tenantId, const QString &type, const QJsonObject &payload);
    /// @brief Deletes processed queue rows older than @p days together with their
    /// activity_event_sources rows (the events stay); `{"deleted":n}`.
    QByteArray purgeProcessed(int days);

private:
    ConnectionPool &m_pool;
};

} // namespace af
