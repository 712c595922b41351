#include "streammessage.h"
#include "broadcaster.h"

#include "core/eventjson.h"

namespace af {

StreamMessage StreamMessage::of(const Event &e, const QString &name)
{
    StreamMessage m{name, e.seq, e, {}};
    m.frame = Broadcaster::frame(name, EventJson::event(e), e.seq);
    return m;
}

StreamMessage StreamMessage::of(const ReactionChange &r)
{
    const QString name = QStringLiteral("activity.reaction.updated");
    StreamMessage m{name, -1, r, {}};
    m.frame = Broadcaster::frame(name, EventJson::reactionChange(r));
    return m;
}

StreamMessage StreamMessage::of(const PostedComment &c)
{
    const QString name = QStringLiteral("activity.comment.created");
    StreamMessage m{name, -1, c, {}};
    m.frame = Broadcaster::frame(name, EventJson::posted(c));
    return m;
}

StreamMessage StreamMessage::of(const EventRemoved &r)
{
    const QString name = QStringLiteral("activity.event.removed");
    StreamMessage m{name, r.seq, r, {}};
    m.frame = Broadcaster::frame(name, EventJson::removed(r), r.seq);
    return m;
}

StreamMessage StreamMessage::of(const Marker &mk)
{
    const QString name = QStringLiteral("activity.marker.updated");
    StreamMessage m{name, -1, mk, {}};
    m.frame = Broadcaster::frame(name, EventJson::marker(mk));
    return m;
}

StreamMessage StreamMessage::plain(const QString &name, const QByteArray &data, qint64 id)
{
    return StreamMessage{name, id, std::monostate{}, Broadcaster::frame(name, data, id)};
}

} // namespace af
