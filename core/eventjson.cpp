#include "eventjson.h"
#include "catalogue.h"
#include "cursor.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

namespace af {

namespace {

QString str(const QJsonObject &o, const char *k)
{
    return o.value(QLatin1String(k)).toString();
}

/// The compact text of the object under `payload_json`.
QByteArray payloadOf(const QJsonObject &o)
{
    return QJsonDocument(o.value(QLatin1String("payload_json")).toObject()).toJson(QJsonDocument::Compact);
}

/// The fields every stored row has (events, comments, source rows): nullopt unless it
/// has an id and a timestamp, because a row without them cannot be placed or paged.
template <typename T>
std::optional<T> readRow(const QJsonObject &o)
{
    T row;
    row.id = str(o, "id");
    const auto created = EventJson::readTimestamp(str(o, "created_at"));
    if (row.id.isEmpty() || !created)
        return std::nullopt;
    row.createdAtMicros = *created;
    row.tenantId = o.value(QLatin1String("tenant_id")).toInt();
    return row;
}

/// @brief Writes one JSON object field by field (`{` now, the commas between, `}` on
/// close()), so that each writer below only lists its fields in wire order.
class ObjectWriter
{
public:
    explicit ObjectWriter(QByteArray &out) : m_out(out) { m_out.append('{'); }
    /// Writes into a buffer of its own, handed out by done().
    ObjectWriter() : ObjectWriter(m_own) {}
    ObjectWriter(const ObjectWriter &) = delete;
    ObjectWriter &operator=(const ObjectWriter &) = delete;

    ObjectWriter &text(const char *key, const QString &v)
    {
        EventJson::writeString(name(key), v);
        return *this;
    }
    ObjectWriter &number(const char *key, qint64 v)
    {
        name(key).append(QByteArray::number(v));
        return *this;
    }
    ObjectWriter &flag(const char *key, bool v)
    {
        name(key).append(v ? "true" : "false");
        return *this;
    }
    ObjectWriter &time(const char *key, qint64 micros)
    {
        name(key).append('"').append(Cursor::isoFromMicros(micros).toLatin1()).append('"');
        return *this;
    }
    /// Compact JSON text that is already an object; empty means `{}`.
    ObjectWriter &null(const char *key)
    {
        name(key).append("null");
        return *this;
    }
    ObjectWriter &json(const char *key, const QByteArray &object)
    {
        name(key).append(object.isEmpty() ? QByteArrayLiteral("{}") : object);
        return *this;
    }
    ObjectWriter &cursor(const char *key, const QString &cursor)
    {
        if (cursor.isEmpty())
            name(key).append("null");
        else
            EventJson::writeString(name(key), cursor);
        return *this;
    }
    template <typename T>
    ObjectWriter &object(const char *key, const T &v)
    {
        EventJson::write(name(key), v);
        return *this;
    }
    template <typename List>
    ObjectWriter &objects(const char *key, const List &items)
    {
        name(key).append('[');
        for (size_t i = 0; i < size_t(items.size()); ++i) {
            if (i)
                m_out.append(',');
            EventJson::write(m_out, items[i]);
        }
        m_out.append(']');
        return *this;
    }
    ObjectWriter &texts(const char *key, const QStringList &items)
    {
        name(key).append('[');
        for (qsizetype i = 0; i < items.size(); ++i) {
            if (i)
                m_out.append(',');
            EventJson::writeString(m_out, items[i]);
        }
        m_out.append(']');
        return *this;
    }
    void close() { m_out.append('}'); }
    [[nodiscard]] QByteArray done()
    {
        close();
        return std::move(m_own);
    }

private:
    QByteArray &name(const char *key)
    {
        m_out.append(m_first ? "\"" : ",\"").append(key).append("\":");
        m_first = false;
        return m_out;
    }

    QByteArray m_own; // before m_out, which may refer to it
    QByteArray &m_out;
    bool m_first = true;
};

/// A comment's fields, shared by the comment object and the stream's comment message.
ObjectWriter &commentFields(ObjectWriter &&w, const Comment &c)
{
    return w.text("id", c.id).text("event_id", c.eventId).number("tenant_id", c.tenantId)
        .text("tenantName", c.tenantName).text("body", c.body).time("created_at", c.createdAtMicros);
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
    ObjectWriter w(out);
    const auto &reactions = Catalogue::reactions();
    for (size_t i = 0; i < reactions.size(); ++i)
        w.number(reactions[i].name.toUtf8().constData(), r.of(int(i)));
    w.close();
}

void EventJson::write(QByteArray &out, const Event &e)
{
    ObjectWriter(out)
        .text("id", e.id).number("tenant_id", e.tenantId).text("tenantName", e.tenantName)
        .text("event_type", e.eventType).text("display_name", e.displayName)
        .text("description", e.description).text("icon", e.icon).json("payload_json", e.payloadJson)
        .time("created_at", e.createdAtMicros).number("seq", e.seq).object("reactions", e.reactions)
        .texts("myReactions", e.myReactions).number("commentCount", e.commentCount)
        .close();
}

void EventJson::write(QByteArray &out, const Comment &c)
{
    commentFields(ObjectWriter(out), c).close();
}

void EventJson::write(QByteArray &out, const SourceRow &s)
{
    ObjectWriter(out)
        .text("id", s.id).number("tenant_id", s.tenantId).text("event_type", s.eventType)
        .json("payload_json", s.payloadJson).time("created_at", s.createdAtMicros)
        .close();
}

namespace {

/// `{"<key>":[…]` and, with a cursor, `,"nextCursor":…`, then `}`.
template <typename T>
QByteArray list(const char *key, const std::vector<T> &items, const QString *cursor, int sizeHint)
{
    QByteArray out;
    out.reserve(int(items.size()) * sizeHint + 64);
    ObjectWriter w(out);
    w.objects(key, items);
    if (cursor)
        w.cursor("nextCursor", *cursor);
    w.close();
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
    return ObjectWriter().flag("ok", true).object("counts", r.counts).done();
}

QByteArray EventJson::commentAnswer(const PostedComment &c)
{
    return ObjectWriter().flag("ok", true).object("comment", c.comment).done();
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
    // The comment object with the stream's two extra fields.
    return commentFields(ObjectWriter(), c.comment)
        .text("eventId", c.comment.eventId).number("commentCount", c.commentCount)
        .done();
}

QByteArray EventJson::removed(const EventRemoved &r)
{
    return ObjectWriter().text("id", r.id).text("mergedInto", r.mergedInto).done();
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
    return ObjectWriter().text("eventId", r.eventId).object("counts", r.counts).done();
}

QByteArray EventJson::drain(const DrainResult &r)
{
    return ObjectWriter()
        .flag("ok", true)
        .number("processed", r.processed)
        .number("inserted", r.inserted)
        .number("updated", r.updated)
        .number("removed", r.removed)
        .done();
}

QByteArray EventJson::marker(const Marker &m)
{
    ObjectWriter w;
    w.number("lastReadSeq", m.lastReadSeq).number("unreadCount", m.unreadCount);
    if (m.updatedAtMicros == 0)
        w.null("updatedAt"); // a marker never moved has no time
    else
        w.time("updatedAt", m.updatedAtMicros);
    return w.done();
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
    auto e = readRow<Event>(o);
    if (!e)
        return std::nullopt;
    e->tenantName = str(o, "tenantName");
    e->eventType = str(o, "event_type");
    e->displayName = str(o, "display_name");
    e->description = str(o, "description");
    e->icon = str(o, "icon");
    e->payloadJson = payloadOf(o);
    e->seq = o.value(QLatin1String("seq")).toVariant().toLongLong();
    e->reactions = readCounts(o.value(QLatin1String("reactions")).toObject());
    for (const QJsonValue &v : o.value(QLatin1String("myReactions")).toArray())
        e->myReactions.append(v.toString());
    e->commentCount = o.value(QLatin1String("commentCount")).toInt();
    return e;
}

std::optional<Comment> EventJson::readComment(const QJsonObject &o)
{
    auto c = readRow<Comment>(o);
    if (!c)
        return std::nullopt;
    // The page writes `event_id`, the stream's comment message `eventId`.
    c->eventId = str(o, "event_id");
    if (c->eventId.isEmpty())
        c->eventId = str(o, "eventId");
    c->tenantName = str(o, "tenantName");
    c->body = str(o, "body");
    return c;
}

std::optional<SourceRow> EventJson::readSource(const QJsonObject &o)
{
    auto s = readRow<SourceRow>(o);
    if (s) {
        s->eventType = str(o, "event_type");
        s->payloadJson = payloadOf(o);
    }
    return s;
}

namespace {

/// The items of the array under @p key that @p read accepts.
template <typename T>
std::vector<T> readItems(const QJsonObject &o, const char *key,
                         std::optional<T> (*read)(const QJsonObject &))
{
    std::vector<T> items;
    for (const QJsonValue &v : o.value(QLatin1String(key)).toArray()) {
        if (auto item = read(v.toObject()))
            items.push_back(std::move(*item));
    }
    return items;
}

QString cursorOf(const QJsonObject &page)
{
    const QJsonValue next = page.value(QLatin1String("nextCursor"));
    return next.isString() ? next.toString() : QString();
}

} // namespace

std::optional<FeedPage> EventJson::readFeedPage(const QJsonObject &o)
{
    return FeedPage{readItems(o, "events", &EventJson::readEvent), cursorOf(o)};
}

std::optional<CommentPage> EventJson::readCommentPage(const QJsonObject &o)
{
    return CommentPage{readItems(o, "comments", &EventJson::readComment), cursorOf(o)};
}

std::optional<std::vector<SourceRow>> EventJson::readSources(const QJsonObject &o)
{
    return readItems(o, "sources", &EventJson::readSource);
}

} // namespace af
