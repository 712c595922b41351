#include "notifylistener.h"

#include "broadcaster.h"
#include "feedservice.h"

#include "core/cursor.h"
#include "core/eventjson.h"
#include "core/logcategories.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <pqxx/pqxx>

#include <chrono>

namespace af {

class NotifyListenerSession : public pqxx::notification_receiver
{
public:
    NotifyListenerSession(pqxx::connection &conn, NotifyListener &owner)
        : pqxx::notification_receiver(conn, "activity_feed"), m_owner(owner)
    {
    }
    void operator()(const std::string &payload, int) override { m_owner.handle(payload, *this); }
    bool eventsPending = false;

private:
    NotifyListener &m_owner;
};

NotifyListener::NotifyListener(std::string connString, Broadcaster &broadcaster)
    : m_connString(std::move(connString)), m_broadcaster(broadcaster)
{
}

NotifyListener::~NotifyListener()
{
    stop();
}

void NotifyListener::start()
{
    if (m_thread.joinable())
        return;
    m_stop = false;
    m_thread = std::thread([this] { run(); });
}

void NotifyListener::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

namespace {

std::optional<StreamMessage> pushMessage(const QJsonObject &msg)
{
    const QString event = msg.value(QStringLiteral("event")).toString();
    const QJsonValue dataValue = msg.value(QStringLiteral("data"));
    if (!dataValue.isObject())
        return std::nullopt;
    const QJsonObject data = dataValue.toObject();
    if (event == QLatin1String("activity.reaction.updated")) {
        const QString eventId = data.value(QStringLiteral("eventId")).toString();
        if (!Cursor::isUuid(eventId) || !data.value(QStringLiteral("counts")).isObject())
            return std::nullopt;
        return StreamMessage::of(ReactionChange{
            eventId, EventJson::readCounts(data.value(QStringLiteral("counts")).toObject())});
    }
    if (event == QLatin1String("activity.comment.created")) {
        const auto comment = EventJson::readComment(data);
        if (!comment || !Cursor::isUuid(comment->id) || !Cursor::isUuid(comment->eventId))
            return std::nullopt;
        return StreamMessage::of(
            PostedComment{*comment, data.value(QStringLiteral("commentCount")).toInt()});
    }
    if (event == QLatin1String("activity.marker.updated")) {
        const auto marker = EventJson::readMarker(data);
        if (!marker)
            return std::nullopt;
        return StreamMessage::of(*marker);
    }
    return std::nullopt;
}

} // namespace

void NotifyListener::handle(const std::string &payload, NotifyListenerSession &session)
{
    const QJsonObject msg = QJsonDocument::fromJson(QByteArray::fromStdString(payload)).object();
    const QString kind = msg.value(QStringLiteral("k")).toString();
    if (kind == QLatin1String("events")) {
        // Read after the current batch of notifications: one query for many drains.
        session.eventsPending = true;
        return;
    }
    if (kind == QLatin1String("push")) {
        // Anyone who can connect to the database can NOTIFY: a push is only passed on as
        // a known event whose data reads as its domain type, and its frame is written
        // again from that value, so nothing in the payload reaches a stream as it came.
        const std::optional<StreamMessage> message = pushMessage(msg);
        if (!message) {
            qCWarning(lcFeed, "ignored a malformed push notification");
            return;
        }
        QSet<int> seen;
        for (const QJsonValue &t : msg.value(QStringLiteral("tenants")).toArray()) {
            const int id = t.toInt();
            if (id > 0 && !seen.contains(id)) {
                seen.insert(id);
                m_broadcaster.publish(id, *message);
            }
        }
        return;
    }
    qCWarning(lcFeed, "ignored a notification of unknown kind");
}

namespace {
void deliverNewEvents(pqxx::connection &conn, Broadcaster &b, std::atomic<long long> &lastSeq)
{
    // Past the bound (a huge drain, a long outage, rows restored behind our back) a flood
    // would cost every client more than a reload: they get one resync instead. Its id is
    // the newest seq (of an event or a tombstone), so that a reconnect does not ask for the
    // flood as a replay.
    constexpr int kBound = NotifyListener::kMaxLiveBatch;
    const std::vector<FeedChange> changes = FeedService::changesAfter(conn, lastSeq.load(), kBound + 1);
    if (int(changes.size()) > kBound) {
        pqxx::read_transaction tx(conn);
        const long long newest =
            tx.exec1("SELECT greatest((SELECT coalesce(max(seq), 0) FROM activity_events), "
                     "(SELECT coalesce(max(seq), 0) FROM activity_event_tombstones))")[0]
                .as<long long>();
        tx.commit();
        qCInfo(lcFeed, "more than %d new events at once: clients get a resync", kBound);
        lastSeq = newest;
        b.publishAll(StreamMessage::plain(QStringLiteral("activity.resync"), QByteArrayLiteral("{}"),
                                          newest));
        return;
    }
    const QString created = QStringLiteral("activity.event.created");
    const QString updated = QStringLiteral("activity.event.updated");
    for (const FeedChange &c : changes) {
        if (const auto *e = std::get_if<Event>(&c.value))
            b.publishAll(StreamMessage::of(*e, c.updated ? updated : created));
        else
            b.publishAll(StreamMessage::of(std::get<EventRemoved>(c.value)));
        lastSeq = c.seq();
    }
}
} // namespace

void NotifyListener::run()
{
    auto backoff = std::chrono::milliseconds(100);
    while (!m_stop) {
        try {
            pqxx::connection conn(m_connString);
            NotifyListenerSession session(conn, *this);
            if (m_lastSeq < 0) {
                pqxx::read_transaction tx(conn);
                m_lastSeq = tx.exec1("SELECT greatest((SELECT coalesce(max(seq), 0) FROM activity_events), "
                                     "(SELECT coalesce(max(seq), 0) FROM activity_event_tombstones))")[0]
                                .as<long long>();
            } else {
                // Events committed while we were away.
                deliverNewEvents(conn, m_broadcaster, m_lastSeq);
            }
            m_connected = true;
            backoff = std::chrono::milliseconds(100);
            while (!m_stop) {
                conn.await_notification(0, 250000);
                if (session.eventsPending) {
                    session.eventsPending = false;
                    deliverNewEvents(conn, m_broadcaster, m_lastSeq);
                }
                if (!conn.is_open())
                    throw pqxx::broken_connection("listen connection lost");
            }
        } catch (const std::exception &e) {
            if (m_connected)
                qCWarning(lcFeed, "LISTEN connection lost, reconnecting: %s", e.what());
            m_connected = false;
            for (auto waited = std::chrono::milliseconds(0); waited < backoff && !m_stop;
                 waited += std::chrono::milliseconds(50))
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            backoff = std::min(backoff * 2, std::chrono::milliseconds(3000));
        }
    }
    m_connected = false;
}

} // namespace af
