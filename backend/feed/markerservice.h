#pragma once
#include "core/event.h"

namespace pqxx {
class connection_base;
}

namespace af {

class ConnectionPool;

/// @brief Each tenant's read marker in the shared feed, as blocking calls for worker
/// threads (the HTTP routes and the desktop's embedded source). A marker only moves
/// forward; every move is pushed as activity.marker.updated to that tenant's clients on
/// every instance (through NOTIFY, as reactions and comments are). Failures throw
/// af::Error (BadInput, Unavailable).
class MarkerService
{
public:
    explicit MarkerService(ConnectionPool &pool);

    /// @brief @p tenantId's marker and its unread count (other tenants' events past it,
    /// at most Marker::kUnreadCap).
    [[nodiscard]] Marker marker(int tenantId);
    /// @brief Moves @p tenantId's marker to @p lastReadSeq when that is further on; a
    /// lower or equal value changes nothing. Answers the marker after it. Throws BadInput
    /// for a negative seq or one above the newest event's.
    Marker advance(int tenantId, qint64 lastReadSeq);

    /// @brief Defines this service's prepared statements on @p conn (idempotent).
    static void prepare(pqxx::connection_base &conn);

private:
    ConnectionPool &m_pool;
};

} // namespace af
