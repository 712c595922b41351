#pragma once
#include "core/event.h"

#include <QByteArray>
#include <QString>

#include <memory>
#include <variant>

namespace af {

/// @brief One push on the live stream, made once for every receiver: the typed value for
/// in-process receivers (the desktop's models) and the SSE frame for sockets, both built
/// when the message is made, never per client.
struct StreamMessage {
    QString name;   ///< "activity.event.created", "activity.event.updated", …
    qint64 id = -1; ///< the SSE `id:` (an event's seq); -1 for none
    std::variant<std::monostate, Event, ReactionChange, PostedComment, EventRemoved, Marker> value;
    QByteArray frame; ///< "event: …\nid: …\ndata: …\n\n"

    /// @brief A message carrying @p value, its frame's data serialised from it.
    [[nodiscard]] static StreamMessage of(const Event &e, const QString &name);
    [[nodiscard]] static StreamMessage of(const ReactionChange &r);
    [[nodiscard]] static StreamMessage of(const PostedComment &c);
    /// @brief `activity.event.removed`, its `id:` the tombstone's seq.
    [[nodiscard]] static StreamMessage of(const EventRemoved &r);
    /// @brief `activity.marker.updated`, for the marker's own tenant only.
    [[nodiscard]] static StreamMessage of(const Marker &m);
    /// @brief A message with no typed value (activity.resync, a test's frame).
    [[nodiscard]] static StreamMessage plain(const QString &name, const QByteArray &data,
                                             qint64 id = -1);
};

} // namespace af
