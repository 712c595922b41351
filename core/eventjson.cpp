#include "eventjson.h"
#include "catalogue.h"
#include "cursor.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

namespace af {

namespace {

void number(QByteArray &out, qint64 n)
{
    out.append(QByteArray::number(n));
}

void timestamp(QByteArray &out, qint64 micros)
{
    out.append('"').append(Cursor::isoFromMicros(micros).toLatin1()).append('"');
}

void cursorOrNull(QByteArray &out, const QString &cursor)
{
    if (cursor.isEmpty())
        out.append("null");
    else
        EventJson::writeString(out, cursor);
}

QString str(const QJsonObject &o, const char *k)
{
    return o.value(QLatin1String(k)).toString();
}

} // namespace

QJsonObject Event::payload() const
{
    return QJsonDocument::fromJson(payloadJson).object();
}

void EventJson::writeString(QByteArray &out, const QString &s)
{
    static const char hex[] = "0123456789abcdef";
    const QByteArray utf8 = s.toUtf8();
    out.reserve(out.size() + utf8.size() + 2);
    out.append('"');
    for (const char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
            if (c < 0x20) {
                out.append("\\u00").append(hex[c >> 4]).append(hex[c & 15]);
            } else {
                out.append(ch);
            }
        }
    }
    out.append('"');
}

void EventJson::write(QByteArray &out, const ReactionCounts &r)
{
    out.append('{');
    const auto &reactions = Catalogue::reactions();
    for (size_t i = 0; i < reactions.size(); ++i) {
        if (i)
            out.append(',');
        writeString(out, reactions[i].name);
        out.append(':');
        number(out, r.of(int(i)));
    }
    out.append('}');
}

void EventJson::write(QByteArray &out, const Event &e)
{
    out.append("{\"id\":");
    writeString(out, e.id);
    out.append(",\"tenant_id\":");
    number(out, e.tenantId);
    out.append(",\"tenantName\":");
    writeString(out, e.tenantName);
    out.append(",\"event_type\":");
    writeString(out, e.eventType);
    out.append(",\"display_name\":");
    writeString(out, e.displayName);
    out.append(",\"description\":");
    writeString(out, e.description);
    out.append(",\"icon\":");
    writeString(out, e.icon);
    out.append(",\"payload_json\":");
    out.append(e.payloadJson.isEmpty() ? QByteArrayLiteral("{}") : e.payloadJson);
    out.append(",\"created_at\":");
    timestamp(out, e.createdAtMicros);
    out.append(",\"seq\":");
    number(out, e.seq);
    out.append(",\"reactions\":");
    write(out, e.reactions);
    out.append(",\"myReactions\":[");
    for (qsizetype i = 0; i < e.myReactions.size(); ++i) {
        if (i)
            out.append(',');
        writeString(out, e.myReactions[i]);
    }
    out.append("],\"commentCount\":");
    number(out, e.commentCount);
    out.append('}');
}

void EventJson::write(QByteArray &out, const Comment &c)
{
    out.append("{\"id\":");
    writeString(out, c.id);
    out.append(",\"event_id\":");
    writeString(out, c.eventId);
    out.append(",\"tenant_id\":");
    number(out, c.tenantId);
    out.append(",\"tenantName\":");
    writeString(out, c.tenantName);
    out.append(",\"body\":");
    writeString(out, c.body);
    out.append(",\"created_at\":");
    timestamp(out, c.createdAtMicros);
    out.append('}');
}

void EventJson::write(QByteArray &out, const SourceRow &s)
{
    out.append("{\"id\":");
    writeString(out, s.id);
    out.append(",\"tenant_id\":");
    number(out, s.tenantId);
    out.append(",\"event_type\":");
    writeString(out, s.eventType);
    out.append(",\"payload_json\":");
    out.append(s.payloadJson.isEmpty() ? QByteArrayLiteral("{}") : s.payloadJson);
    out.append(",\"created_at\":");
    timestamp(out, s.createdAtMicros);
    out.append('}');
}

namespace {

/// `{"<key>":[…]` and, with a cursor, `,"nextCursor":…`, then `}`.
template <typename T>
QByteArray list(const char *key, const std::vector<T> &items, const QString *cursor, int sizeHint)
{
    QByteArray out;
    out.reserve(int(items.size()) * sizeHint + 64);
    out.append("{\"").append(key).append("\":[");
    for (size_t i = 0; i < items.size(); ++i) {
        if (i)
            out.append(',');
        EventJson::write(out, items[i]);
    }
    out.append(']');
    if (cursor) {
        out.append(",\"nextCursor\":");
        cursorOrNull(out, *cursor);
    }
    out.append('}');
    return out;
}

} // namespace

QByteArray EventJson::page(const FeedPage &page)
{
    return list("events", page.events, &page.nextCursor, 700);
}

QByteArray EventJson::page(const CommentPage &page)
{
    return list("comments", page.comments, &page.nextCursor, 300);
}

QByteArray EventJson::sources(const std::vector<SourceRow> &rows)
{
    return list("sources", rows, nullptr, 300);
}

QByteArray EventJson::reactionAnswer(const ReactionChange &r)
{
    QByteArray out("{\"ok\":true,\"counts\":");
    write(out, r.counts);
    out.append('}');
    return out;
}

QByteArray EventJson::commentAnswer(const PostedComment &c)
{
    QByteArray out("{\"ok\":true,\"comment\":");
    write(out, c.comment);
    out.append('}');
    return out;
}

QByteArray EventJson::event(const Event &e)
{
    QByteArray out;
    out.reserve(700);
    write(out, e);
    return out;
}

QByteArray EventJson::posted(const PostedComment &c)
{
    QByteArray out;
    write(out, c.comment);
    out.chop(1); // the comment object, then the stream's two extra fields
    out.append(",\"eventId\":");
    writeString(out, c.comment.eventId);
    out.append(",\"commentCount\":");
    number(out, c.commentCount);
    out.append('}');
    return out;
}

QByteArray EventJson::removed(const EventRemoved &r)
{
    QByteArray out("{\"id\":");
    writeString(out, r.id);
    out.append(",\"mergedInto\":");
    writeString(out, r.mergedInto);
    out.append('}');
    return out;
}

std::optional<EventRemoved> EventJson::readRemoved(const QJsonObject &o)
{
    EventRemoved r{str(o, "id"), str(o, "mergedInto"), 0};
    if (r.id.isEmpty() || r.mergedInto.isEmpty())
        return std::nullopt;
    return r;
}

QByteArray EventJson::reactionChange(const ReactionChange &r)
{
    QByteArray out("{\"eventId\":");
    writeString(out, r.eventId);
    out.append(",\"counts\":");
    write(out, r.counts);
    out.append('}');
    return out;
}

QByteArray EventJson::marker(const Marker &m)
{
    QByteArray out("{\"lastReadSeq\":");
    number(out, m.lastReadSeq);
    out.append(",\"unreadCount\":");
    number(out, m.unreadCount);
    out.append(",\"updatedAt\":");
    if (m.updatedAtMicros == 0)
        out.append("null");
    else
        timestamp(out, m.updatedAtMicros);
    out.append('}');
    return out;
}

std::optional<Marker> EventJson::readMarker(const QJsonObject &o)
{
    // Integers only: a double such as 1.5 or 1e300 is not a seq.
    const QJsonValue seq = o.value(QLatin1String("lastReadSeq"));
    const QJsonValue unread = o.value(QLatin1String("unreadCount"));
    if (!seq.isDouble() || !unread.isDouble())
        return std::nullopt;
    const double s = seq.toDouble();
    const double u = unread.toDouble();
    if (s < 0 || s > 9007199254740992.0 || s != double(qint64(s)) || u < 0
        || u > Marker::kUnreadCap || u != double(int(u)))
        return std::nullopt;
    Marker m{qint64(s), int(u), 0};
    const QString at = str(o, "updatedAt");
    if (!at.isEmpty()) {
        const auto micros = readTimestamp(at);
        if (!micros)
            return std::nullopt;
        m.updatedAtMicros = *micros;
    }
    return m;
}

std::optional<qint64> EventJson::readTimestamp(const QString &iso)
{
    QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!t.isValid())
        return std::nullopt;
    // Qt keeps milliseconds; the API writes microseconds: take them from the text.
    qint64 micros = t.toMSecsSinceEpoch() * 1000;
    const qsizetype dot = iso.indexOf(QLatin1Char('.'));
    if (dot > 0) {
        QString frac;
        for (qsizetype i = dot + 1; i < iso.size() && iso.at(i).isDigit(); ++i)
            frac.append(iso.at(i));
        if (frac.size() > 3)
            micros += frac.left(6).leftJustified(6, QLatin1Char('0')).mid(3).toLongLong();
    }
    return micros;
}

ReactionCounts EventJson::readCounts(const QJsonObject &o)
{
    ReactionCounts r;
    const auto &reactions = Catalogue::reactions();
    for (size_t i = 0; i < reactions.size() && i < r.counts.size(); ++i)
        r.counts[i] = o.value(reactions[i].name).toInt();
    return r;
}

std::optional<Event> EventJson::readEvent(const QJsonObject &o)
{
    Event e;
    e.id = str(o, "id");
    const auto created = readTimestamp(str(o, "created_at"));
    if (e.id.isEmpty() || !created)
        return std::nullopt;
    e.createdAtMicros = *created;
    e.tenantId = o.value(QLatin1String("tenant_id")).toInt();
    e.tenantName = str(o, "tenantName");
    e.eventType = str(o, "event_type");
    e.displayName = str(o, "display_name");
    e.description = str(o, "description");
    e.icon = str(o, "icon");
    e.payloadJson =
        QJsonDocument(o.value(QLatin1String("payload_json")).toObject()).toJson(QJsonDocument::Compact);
    e.seq = o.value(QLatin1String("seq")).toVariant().toLongLong();
    e.reactions = readCounts(o.value(QLatin1String("reactions")).toObject());
    for (const QJsonValue &v : o.value(QLatin1String("myReactions")).toArray())
        e.myReactions.append(v.toString());
    e.commentCount = o.value(QLatin1String("commentCount")).toInt();
    return e;
}

std::optional<Comment> EventJson::readComment(const QJsonObject &o)
{
    Comment c;
    c.id = str(o, "id");
    const auto created = readTimestamp(str(o, "created_at"));
    if (c.id.isEmpty() || !created)
        return std::nullopt;
    c.createdAtMicros = *created;
    c.eventId = str(o, "event_id");
    if (c.eventId.isEmpty())
        c.eventId = str(o, "eventId");
    c.tenantId = o.value(QLatin1String("tenant_id")).toInt();
    c.tenantName = str(o, "tenantName");
    c.body = str(o, "body");
    return c;
}

std::optional<SourceRow> EventJson::readSource(const QJsonObject &o)
{
    SourceRow s;
    s.id = str(o, "id");
    const auto created = readTimestamp(str(o, "created_at"));
    if (s.id.isEmpty() || !created)
        return std::nullopt;
    s.createdAtMicros = *created;
    s.tenantId = o.value(QLatin1String("tenant_id")).toInt();
    s.eventType = str(o, "event_type");
    s.payloadJson =
        QJsonDocument(o.value(QLatin1String("payload_json")).toObject()).toJson(QJsonDocument::Compact);
    return s;
}

} // namespace af
