#pragma once
#include "admin.h"
#include "event.h"

#include <QByteArray>
#include <QJsonObject>

#include <optional>

namespace af {

/// @brief The wire form of the domain types: the field names of the HTTP API (table
/// columns in snake_case, computed fields in camelCase). The server writes it, the remote
/// desktop reads it; nothing else turns events into JSON or back.
class EventJson
{
public:
    static void write(QByteArray &out, const Event &e);
    static void write(QByteArray &out, const Comment &c);
    static void write(QByteArray &out, const ReactionCounts &r);
    static void write(QByteArray &out, const SourceRow &s);
    /// @brief `{"events":[…],"nextCursor":…}`
    [[nodiscard]] static QByteArray page(const FeedPage &page);
    /// @brief `{"comments":[…],"nextCursor":…}`
    [[nodiscard]] static QByteArray page(const CommentPage &page);
    [[nodiscard]] static QByteArray event(const Event &e);
    /// @brief `{"sources":[…]}`
    [[nodiscard]] static QByteArray sources(const std::vector<SourceRow> &rows);
    /// @brief The answer to a reaction: `{"ok":true,"counts":{…}}`
    [[nodiscard]] static QByteArray reactionAnswer(const ReactionChange &r);
    /// @brief The answer to a posted comment: `{"ok":true,"comment":{…}}`
    [[nodiscard]] static QByteArray commentAnswer(const PostedComment &c);
    /// @brief The comment object plus `eventId` and `commentCount` (the stream's shape).
    [[nodiscard]] static QByteArray posted(const PostedComment &c);
    /// @brief `{"id":…,"mergedInto":…}`
    [[nodiscard]] static QByteArray removed(const EventRemoved &r);
    /// @brief `{"eventId":…,"counts":{…}}`
    [[nodiscard]] static QByteArray reactionChange(const ReactionChange &r);
    /// @brief The answer to a drain (the route and `drain --json`): `{"ok":true,"processed":…,"inserted":…}`
    [[nodiscard]] static QByteArray drain(const DrainResult &r);
    /// @brief `{"lastReadSeq":…,"unreadCount":…,"updatedAt":… or null}`: the markers
    /// routes' answer and the data of activity.marker.updated.
    [[nodiscard]] static QByteArray marker(const Marker &m);

    /// @brief A JSON string literal, quotes included, escaped for JSON and for one SSE line.
    static void writeString(QByteArray &out, const QString &s);

    [[nodiscard]] static std::optional<Event> readEvent(const QJsonObject &o);
    [[nodiscard]] static std::optional<Comment> readComment(const QJsonObject &o);
    [[nodiscard]] static ReactionCounts readCounts(const QJsonObject &o);
    [[nodiscard]] static std::optional<SourceRow> readSource(const QJsonObject &o);
    /// @brief The inverses of page() and sources(); items that do not read are left out.
    [[nodiscard]] static std::optional<FeedPage> readFeedPage(const QJsonObject &o);
    [[nodiscard]] static std::optional<CommentPage> readCommentPage(const QJsonObject &o);
    [[nodiscard]] static std::optional<std::vector<SourceRow>> readSources(const QJsonObject &o);
    /// @brief nullopt unless both ids are there.
    [[nodiscard]] static std::optional<EventRemoved> readRemoved(const QJsonObject &o);
    /// @brief nullopt unless lastReadSeq is a non-negative integer and unreadCount is
    /// within 0 and Marker::kUnreadCap (updatedAt may be missing or null).
    [[nodiscard]] static std::optional<Marker> readMarker(const QJsonObject &o);
    /// @brief µs since the epoch of an ISO 8601 timestamp; nullopt when it is not one.
    [[nodiscard]] static std::optional<qint64> readTimestamp(const QString &iso);
};

} // namespace af
