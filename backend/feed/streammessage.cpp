#include "streammessage.h"
#include "broadcaster.h"

#include "core/eventjson.h"

namespace af {

namespace {

/// The typed value and its frame, made together so that the two always agree.
template <typename T>
StreamMessage message(const QString &name, qint64 id, const T &value, const QByteArray &data)
{
    return StreamMessage{name, id, value, Broadcaster::frame(name, data, id)};
}

} // namespace

StreamMessage StreamMessage::of(const Event &e, const QString &name)
{
    return message(name, e.seq, e, EventJson::event(e));
}

StreamMessage StreamMessage::of(const ReactionChange &r)
{
    return message(QStringLiteral("activity.reaction.updated"), -1, r, EventJson::reactionChange(r));
}

StreamMessage StreamMessage::of(const PostedComment &c)
{
    return message(QStringLiteral("activity.comment.created"), -1, c, EventJson::posted(c));
}

StreamMessage StreamMessage::of(const EventRemoved &r)
{
    return message(QStringLiteral("activity.event.removed"), r.seq, r, EventJson::removed(r));
}

StreamMessage StreamMessage::of(const Marker &mk)
{
    return message(QStringLiteral("activity.marker.updated"), -1, mk, EventJson::marker(mk));
}

StreamMessage StreamMessage::plain(const QString &name, const QByteArray &data, qint64 id)
{
    return message(name, id, std::monostate{}, data);
}

} // namespace af
