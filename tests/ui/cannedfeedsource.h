#pragma once
// An in-memory FeedSource for model and Qt Quick tests: serves canned JSON in the shapes
// of CONTRACT §4/§5, answers asynchronously (next event-loop turn) like a real source.
#include "feedsource.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QUuid>

class CannedFeedSource : public FeedSource
{
public:
    QList<QJsonObject> events; ///< newest first
    QHash<QString, QList<QJsonObject>> comments;
    int viewerTenant = 1;
    int reactionLimit = 1000; ///< reactions accepted before answering 429
    int reactionsMade = 0;
    int eventLoads = 0;
    int delayMs = 0; ///< how long each answer takes

    static QString ts(qint64 secondsAgo)
    {
        return QDateTime::currentDateTimeUtc().addSecs(-secondsAgo).toString(Qt::ISODateWithMs);
    }
    static QJsonObject event(const QString &id, int tenantId, const QString &tenantName,
                             const QString &type, const QString &name, const QString &icon,
                             const QString &description, const QJsonObject &payload,
                             qint64 secondsAgo, qint64 seq, QJsonObject reactions = {},
                             int commentCount = 0)
    {
        if (reactions.isEmpty())
            reactions = {{"hype", 0}, {"respect", 0}, {"tribute", 0}};
        return {{"id", id}, {"tenant_id", tenantId}, {"tenantName", tenantName},
                {"event_type", type}, {"display_name", name}, {"icon", icon},
                {"description", description}, {"payload_json", payload},
                {"created_at", ts(secondsAgo)}, {"seq", seq}, {"reactions", reactions},
                {"myReactions", QJsonArray()}, {"commentCount", commentCount}};
    }

    void reply(QObject *context, Callback done, int status, const QJsonObject &body,
               int retryAfter = 0)
    {
        FeedReply r = FeedReply::fromHttp(status, QJsonDocument(body).toJson(QJsonDocument::Compact));
        r.retryAfter = retryAfter;
        QTimer::singleShot(delayMs, context, [done, r] { done(r); });
    }
    int indexOf(const QString &id) const
    {
        for (int i = 0; i < events.size(); ++i)
            if (events[i].value("id").toString() == id)
                return i;
        return -1;
    }

    void loadEvents(const QString &cursor, int limit, QObject *context, Callback done) override
    {
        ++eventLoads;
        const int start = cursor.isEmpty() ? 0 : cursor.toInt();
        QJsonArray page;
        for (int i = start; i < std::min<int>(start + limit, events.size()); ++i)
            page.append(events[i]);
        const int next = start + limit;
        reply(context, done, 200,
              {{"events", page},
               {"nextCursor", next < events.size() ? QJsonValue(QString::number(next)) : QJsonValue()}});
    }
    void loadEventSources(const QString &eventId, QObject *context, Callback done) override
    {
        const int i = indexOf(eventId);
        if (i < 0)
            return reply(context, done, 404, {{"error", "event not found"}});
        QJsonArray sources;
        const QJsonObject payload = events[i].value("payload_json").toObject();
        const int n = payload.value("count").toInt(1);
        for (int k = 0; k < n; ++k)
            sources.append(QJsonObject{{"id", QUuid::createUuid().toString(QUuid::WithoutBraces)},
                                       {"event_type", events[i].value("event_type")},
                                       {"payload_json", QJsonObject{{"badgeName", QString("Badge %1").arg(k + 1)}, {"xpAwarded", 50}}},
                                       {"created_at", ts(600 - k * 30)}});
        reply(context, done, 200, {{"sources", sources}});
    }
    void setReaction(const QString &eventId, const QString &type, bool add, QObject *context,
                     Callback done) override
    {
        const int i = indexOf(eventId);
        if (i < 0)
            return reply(context, done, 404, {{"error", "event not found"}});
        if (add && ++reactionsMade > reactionLimit)
            return reply(context, done, 429, {{"error", "reaction limit reached"}}, 1800);
        QJsonObject &e = events[i];
        QJsonObject counts = e.value("reactions").toObject();
        QStringList mine = e.value("myReactions").toVariant().toStringList();
        if (add && !mine.contains(type)) {
            mine.append(type);
            counts[type] = counts[type].toInt() + 1;
        } else if (!add && mine.contains(type)) {
            mine.removeAll(type);
            counts[type] = counts[type].toInt() - 1;
        }
        e["reactions"] = counts;
        e["myReactions"] = QJsonArray::fromStringList(mine);
        reply(context, done, 200, {{"ok", true}, {"counts", counts}});
        QTimer::singleShot(0, this, [this, eventId, counts] { Q_EMIT reactionUpdated(eventId, counts); });
    }
    void loadComments(const QString &eventId, const QString &cursor, int limit, QObject *context,
                      Callback done) override
    {
        const QList<QJsonObject> list = comments.value(eventId);
        const int start = cursor.isEmpty() ? 0 : cursor.toInt();
        QJsonArray page;
        for (int i = start; i < std::min<int>(start + limit, list.size()); ++i)
            page.append(list[i]);
        const int next = start + limit;
        reply(context, done, 200,
              {{"comments", page},
               {"nextCursor", next < list.size() ? QJsonValue(QString::number(next)) : QJsonValue()}});
    }
    QJsonObject makeComment(const QString &eventId, int tenantId, const QString &tenantName,
                            const QString &body, qint64 secondsAgo = 0)
    {
        return {{"id", QUuid::createUuid().toString(QUuid::WithoutBraces)}, {"event_id", eventId},
                {"tenant_id", tenantId}, {"tenantName", tenantName}, {"body", body},
                {"created_at", ts(secondsAgo)}};
    }
    void addComment(const QString &eventId, const QString &body, QObject *context,
                    Callback done) override
    {
        const int i = indexOf(eventId);
        if (i < 0)
            return reply(context, done, 404, {{"error", "event not found"}});
        const QJsonObject comment = makeComment(eventId, viewerTenant, "Acme Robotics", body);
        comments[eventId].append(comment);
        events[i]["commentCount"] = int(comments[eventId].size());
        reply(context, done, 201, {{"ok", true}, {"comment", comment}});
        QJsonObject pushed = comment;
        pushed["eventId"] = eventId;
        pushed["commentCount"] = int(comments[eventId].size());
        QTimer::singleShot(0, this, [this, pushed] { Q_EMIT commentCreated(pushed); });
    }
    void start() override { setConnectionState(Live); }
    [[nodiscard]] bool isEmbedded() const override { return true; }
    [[nodiscard]] int actingTenantId() const override { return viewerTenant; }
    [[nodiscard]] QString location() const override { return QStringLiteral("canned data"); }

    /// Publishes @p e as the stream would: stored at the top, then announced.
    void publish(const QJsonObject &e)
    {
        events.prepend(e);
        Q_EMIT eventCreated(e);
    }
    /// Feeds raw SSE bytes through the base class's dispatch, as a stream would.
    void pushStreamEvent(const QString &name, const QByteArray &data) { dispatchStreamEvent(name, data); }
};
