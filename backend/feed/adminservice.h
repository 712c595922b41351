#pragma once
#include "core/admin.h"

#include <QJsonObject>
#include <QString>

#include <optional>
#include <vector>

namespace af {

class ConnectionPool;

/// @brief The desktop's local admin (queue drains, tenants and tokens) as blocking calls
/// for worker threads, answering domain values. Failures throw BadInput, NotFound or
/// Unavailable.
class AdminService
{
public:
    explicit AdminService(ConnectionPool &pool);

    [[nodiscard]] QueueStats stats();
    /// @brief Runs the drain with trigger "desktop".
    DrainResult drain(std::optional<int> tenantId = {});
    /// @brief What a drain would make now, without writing.
    [[nodiscard]] std::vector<PreviewRow> previewDrain(std::optional<int> tenantId = {});
    /// @brief The last @p limit drain runs (50 when not positive, at most 1 000), newest first.
    [[nodiscard]] std::vector<DrainRun> drainLog(int limit = 50);
    /// @brief Every tenant with its tokens, oldest first.
    [[nodiscard]] std::vector<TenantSummary> tenants();
    /// @brief A tenant named @p name (trimmed) with its first token.
    IssuedToken createTenant(const QString &name);
    IssuedToken issueToken(int tenantId, const QString &label = {});
    /// @brief NotFound when there is no such active token.
    void revokeToken(int tokenId);
    /// @brief Queues one event through EventQueue, committed on return; the new row's id.
    QString emitEvent(int tenantId, const QString &type, const QJsonObject &payload);
    /// @brief Deletes processed queue rows older than @p days (the events they made
    /// stay); how many rows went.
    int purgeProcessed(int days);

private:
    ConnectionPool &m_pool;
};

} // namespace af
