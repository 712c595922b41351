#include "notifylistener.h"

#include "broadcaster.h"
#include "db/logcategories.h"

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
        const QString event = msg.value(QStringLiteral("event")).toString();
        const QByteArray data =
            QJsonDocument(msg.value(QStringLiteral("data")).toObject()).toJson(QJsonDocument::Compact);
        QSet<int> seen;
        for (const QJsonValue &t : msg.value(QStringLiteral("tenants")).toArray()) {
            const int id = t.toInt();
            if (!seen.contains(id)) {
                seen.insert(id);
                m_broadcaster.broadcastFeedUpdate(id, event, data);
            }
        }
        return;
    }
    qCWarning(lcFeed, "ignored a notification of unknown kind");
}

namespace {
void deliverNewEvents(pqxx::connection &conn, Broadcaster &b, std::atomic<long long> &lastSeq)
{
    for (;;) {
        pqxx::read_transaction tx(conn);
        const auto r = tx.exec_params("SELECT e.seq, af_event_json(e, 0)::text FROM activity_events e "
                                      "WHERE e.seq > $1 ORDER BY e.seq LIMIT 2000",
                                      lastSeq.load());
        tx.commit();
        for (const auto &row : r) {
            const long long seq = row[0].as<long long>();
            b.broadcastAll(QStringLiteral("activity.event.created"),
                           QByteArray::fromStdString(row[1].as<std::string>()), seq);
            lastSeq = seq;
        }
        if (r.size() < 2000)
            return;
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
                m_lastSeq = tx.exec1("SELECT coalesce(max(seq), 0) FROM activity_events")[0]
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
