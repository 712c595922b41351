#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <array>
#include <vector>

namespace af {

/// @brief How many of each reaction an event has, in the catalogue's reaction order.
struct ReactionCounts {
    std::array<int, 3> counts{};
    [[nodiscard]] int of(int reactionIndex) const { return counts.at(size_t(reactionIndex)); }
    bool operator==(const ReactionCounts &o) const { return counts == o.counts; }
};

/// @brief One published feed event: a single queue row or a tile of several.
struct Event {
    QString id;               ///< uuid
    int tenantId = 0;
    QString tenantName;
    QString eventType;
    QString displayName;
    QString description;
    QString icon;
    QByteArray payloadJson;   ///< the stored payload, a JSON object as text
    qint64 createdAtMicros = 0; ///< µs since the epoch, UTC
    qint64 seq = 0;
    ReactionCounts reactions;
    QStringList myReactions;  ///< the viewer's reactions on it
    int commentCount = 0;

    /// @brief The payload as an object (empty when it is not one).
    [[nodiscard]] QJsonObject payload() const;
};

/// @brief One page of the feed, newest first.
struct FeedPage {
    std::vector<Event> events;
    QString nextCursor; ///< empty when there is no further event
};

/// @brief One comment on an event.
struct Comment {
    QString id;
    QString eventId;
    int tenantId = 0;
    QString tenantName;
    QString body;
    qint64 createdAtMicros = 0;
};

/// @brief One page of an event's comments, oldest first.
struct CommentPage {
    std::vector<Comment> comments;
    QString nextCursor;
};

/// @brief A comment just posted, with the thread's new size.
struct PostedComment {
    Comment comment;
    int commentCount = 0;
};

/// @brief An event's reactions after a change.
struct ReactionChange {
    QString eventId;
    ReactionCounts counts;
};

/// @brief A single event folded into a tile: it leaves the feed, its tile stays.
struct EventRemoved {
    QString id;         ///< the removed event
    QString mergedInto; ///< the tile that now holds its rows, reactions and comments
    qint64 seq = 0;     ///< the tombstone's place in the stream's seq order
};

/// @brief A tenant's read position in the shared feed and what is unread past it.
struct Marker {
    qint64 lastReadSeq = 0;     ///< the newest seq read; 0: nothing read yet
    int unreadCount = 0;        ///< other tenants' events past it, capped at kUnreadCap
    qint64 updatedAtMicros = 0; ///< µs since the epoch, UTC; 0: never moved

    /// "1 000 or more": counting stops there, so a long-unread feed costs no more.
    static constexpr int kUnreadCap = 1000;
    bool operator==(const Marker &o) const
    {
        return lastReadSeq == o.lastReadSeq && unreadCount == o.unreadCount
            && updatedAtMicros == o.updatedAtMicros;
    }
};

/// @brief One queue row behind an event, as a tile opens to show it.
struct SourceRow {
    QString id;
    int tenantId = 0;
    QString eventType;
    QByteArray payloadJson;
    qint64 createdAtMicros = 0;
};

} // namespace af
