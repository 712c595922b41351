#pragma once
#include "cursor.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace pqxx {
class connection_base;
}

namespace af {

class ConnectionPool;

/// @brief The feed's reads and writes (CONTRACT §4) as blocking calls for worker threads,
/// shared by the HTTP routes and the desktop app's embedded source. Answers are the JSON
/// bodies of the routes, built by PostgreSQL. Failures throw BadInput (400), NotFound
/// (404), ApiError (403, 429 with retryAfter) or DbUnavailable (503).
class FeedService
{
public:
    static constexpr int kFeedDefaultLimit = 20;
    static constexpr int kFeedMaxLimit = 50;
    static constexpr int kCommentsDefaultLimit = 100;
    static constexpr int kCommentsMaxLimit = 200;
    static constexpr int kCommentMaxCodePoints = 500;

    /// @param reactionLimitPerHour reactions per tenant per sliding hour; <= 0 disables it.
    explicit FeedService(ConnectionPool &pool, int reactionLimitPerHour = 10);

    /// @brief `{"events":[…],"nextCursor":…}`, newest first; @p limit <= 0 means default.
    QByteArray eventsPage(int viewerTenantId, const QString &cursor, int limit,
                          std::optional<int> tenantFilter);
    /// @brief eventsPage for the holder of the active API token @p token, checked in the
    /// same statement as the page is read (one round trip; a revocation applies at once);
    /// nothing when the token is not active. Throws BadInput for a bad cursor first.
    std::optional<QByteArray> eventsPageForToken(const QString &token, const QString &cursor,
                                                 int limit, std::optional<int> tenantFilter);
    /// @brief `{"sources":[…]}`, the queue rows behind one event, oldest first.
    QByteArray eventSources(const QString &eventId);
    /// @brief Adds (@p add) or removes the caller's reaction; `{"ok":true,"counts":{…}}`.
    QByteArray react(int tenantId, const QString &eventId, const QString &type, bool add);
    /// @brief `{"comments":[…],"nextCursor":…}`, oldest first; @p limit <= 0 means default.
    QByteArray comments(const QString &eventId, const QString &cursor, int limit);
    /// @brief `{"ok":true,"comment":{…}}` (the route answers 201).
    QByteArray addComment(int tenantId, const QString &eventId, const QString &body);

    [[nodiscard]] int reactionLimitPerHour() const { return m_reactionLimit; }

    /// @brief Defines this service's prepared statements on @p conn (idempotent).
    static void prepare(pqxx::connection_base &conn);

private:
    /// @brief The keyset position of a feed cursor ("no cursor" for an empty one); throws
    /// BadInput.
    static Cursor::Position feedPosition(const QString &cursor);

    ConnectionPool &m_pool;
    int m_reactionLimit;
};

} // namespace af
