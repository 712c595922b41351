#pragma once
#include "core/cursor.h"
#include "core/event.h"
#include "feedpagecache.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <variant>
#include <utility>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace af {

class ConnectionPool;

/// @brief What a feed page asks for.
struct FeedQuery {
    // A constructor rather than an aggregate, so that the callers that name only the first
    // fields stay free of missing-initializer warnings as fields are added.
    FeedQuery(QString cursor_ = {}, int limit_ = 0, std::optional<int> tenantId_ = {},
              QStringList eventTypes_ = {})
        : cursor(std::move(cursor_)), limit(limit_), tenantId(tenantId_),
          eventTypes(std::move(eventTypes_))
    {
    }

    QString cursor;             ///< a previous nextCursor or an ISO timestamp; empty: newest
    int limit = 0;              ///< <= 0: the default page size
    std::optional<int> tenantId; ///< only this tenant's events
    /// Only events of these types (catalogue names, else BadInput); empty: every type.
    QStringList eventTypes;
};

/// @brief One change of the feed in stream order: an event published or grown (its current
/// state), or a single folded into a tile.
struct FeedChange {
    std::variant<Event, EventRemoved> value;
    bool updated = false; ///< an event published before and changed since (a tile that grew)
    [[nodiscard]] qint64 seq() const
    {
        return std::holds_alternative<Event>(value) ? std::get<Event>(value).seq
                                                    : std::get<EventRemoved>(value).seq;
    }
};

/// @brief The feed's reads and writes as blocking calls for worker threads, shared by the
/// HTTP routes and the desktop's embedded source. Answers are domain values; failures
/// throw af::Error (BadInput, NotFound, Forbidden, RateLimited, Unavailable).
class FeedService
{
public:
    /// @brief The advisory lock class of a comment thread's order lock (its key is
    /// hashtext(event id)): posting a comment holds it, and so does a drain that folds.
    static constexpr int kCommentOrderLockClass = 1129270606;
    /// The hot path of an HTTP feed read: the token's holder and the feed version, in one
    /// cheap statement ($1: the token's SHA-256 as bytea). No row when the token is not
    /// active, so a revocation applies at once. Run by a worker or by FeedCheckPipe.
    static constexpr const char *kTokenAndVersionSql =
        "SELECT k.tenant_id, (SELECT f.v FROM feed_version f) FROM api_tokens k "
        "WHERE k.token_sha256 = $1::bytea AND k.revoked_at IS NULL";

    /// @param reactionLimitPerHour reactions per tenant per sliding hour; <= 0 disables it.
    explicit FeedService(ConnectionPool &pool, int reactionLimitPerHour = 10);

    /// @brief One page, newest first, as @p viewerTenantId sees it (myReactions).
    FeedPage eventsPage(int viewerTenantId, const FeedQuery &query);
    /// @brief A page as tokenPage answers it: the JSON and the tenant it was read for.
    struct TokenPage {
        int viewerTenantId = 0;
        QByteArray json;
    };
    /// @brief eventsPage as its JSON (EventJson::page) for the holder of the active API
    /// token @p token, with that holder's tenant; nothing when the token is not active (a
    /// revocation applies at once). One cheap statement checks the token and reads the
    /// feed version; a page rendered at that version is answered as kept, else it is read
    /// and kept. Exact on every instance: the version lives in the database. Throws
    /// BadInput for a bad cursor first.
    std::optional<TokenPage> eventsPageJsonForToken(const QString &token, const FeedQuery &query);
    /// @brief What a kept page of @p query is found by, apart from its viewer (the checked
    /// query, never its raw text). Throws BadInput for a bad query, as eventsPageJsonForToken.
    [[nodiscard]] static std::string keptPageQuery(const FeedQuery &query);
    /// @brief The page kept for @p viewerTenantId and the query keptPageQuery() gave, at
    /// exactly @p version (a version its caller just read with the token check), else
    /// nothing; no database call.
    [[nodiscard]] std::optional<QByteArray> keptPage(int viewerTenantId, const std::string &query,
                                                     qint64 version) const;
    /// @brief Changes with seq > @p afterSeq in seq order, at most @p limit: the replay and
    /// the live path read the same.
    std::vector<FeedChange> changesAfter(qint64 afterSeq, int limit);
    /// @brief The same on a connection of the caller's own (the LISTEN thread's).
    static std::vector<FeedChange> changesAfter(pqxx::connection_base &conn, qint64 afterSeq, int limit);
    /// @brief The queue rows behind one event, oldest first.
    std::vector<SourceRow> eventSources(const QString &eventId);
    /// @brief Adds (@p add) or removes the caller's reaction; the counts after it.
    ReactionChange react(int tenantId, const QString &eventId, const QString &type, bool add);
    /// @brief One page of comments, oldest first; @p limit <= 0 means the default.
    CommentPage comments(const QString &eventId, const QString &cursor, int limit);
    /// @brief Posts a comment (trimmed, 1 to the catalogue's limit of code points).
    PostedComment addComment(int tenantId, const QString &eventId, const QString &body);

    [[nodiscard]] int reactionLimitPerHour() const { return m_reactionLimit; }

    /// @brief Defines this service's prepared statements on @p conn (idempotent).
    static void prepare(pqxx::connection_base &conn);

private:
    ConnectionPool &m_pool;
    int m_reactionLimit;
    FeedPageCache m_pages;
};

} // namespace af
