#pragma once
// An in-memory FeedSource for model and Qt Quick tests: keeps canned data in the API's
// JSON shapes and answers with the domain values read from it, asynchronously (next
// event-loop turn) like a real source.
#include "feedsource.h"
#include "reactioncount.h"

#include "core/catalogue.h"
#include "core/eventjson.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QUuid>

#include <optional>

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

    template <typename T>
    void answer(QObject *context, Callback<T> done, std::optional<T> value)
    {
        const Reply<T> r = value ? Reply<T>::success(std::move(*value))
                                 : Reply<T>::failure(af::Error::Kind::NotFound, "event not found");
        QTimer::singleShot(delayMs, context, [done, r] { done(r); });
    }
    template <typename T>
    void refuse(QObject *context, Callback<T> done, af::Error::Kind kind, const QString &error,
                int retryAfter = 0)
    {
        const Reply<T> r = Reply<T>::failure(kind, error, retryAfter);
        QTimer::singleShot(delayMs, context, [done, r] { done(r); });
    }
    static af::Event typed(const QJsonObject &e) { return *af::EventJson::readEvent(e); }
    static af::PostedComment posted(const QJsonObject &c)
    {
        af::PostedComment p;
        p.comment.id = c.value("id").toString();
        p.comment.eventId = c.value(c.contains("eventId") ? "eventId" : "event_id").toString();
        p.comment.tenantId = c.value("tenant_id").toInt();
        p.comment.tenantName = c.value("tenantName").toString();
        p.comment.body = c.value("body").toString();
        p.comment.createdAtMicros = af::EventJson::readTimestamp(c.value("created_at").toString()).value_or(0);
        p.commentCount = c.value("commentCount").toInt(-1);
        return p;
    }
    int indexOf(const QString &id) const
    {
        for (int i = 0; i < events.size(); ++i)
            if (events[i].value("id").toString() == id)
                return i;
        return -1;
    }

    void loadEvents(const QString &cursor, int limit, QObject *context,
                    Callback<af::FeedPage> done) override
    {
        ++eventLoads;
        const int start = cursor.isEmpty() ? 0 : cursor.toInt();
        af::FeedPage page;
        for (int i = start; i < std::min<int>(start + limit, events.size()); ++i)
            page.events.push_back(typed(events[i]));
        const int next = start + limit;
        page.nextCursor = next < events.size() ? QString::number(next) : QString();
        answer<af::FeedPage>(context, done, page);
    }
    void loadEventSources(const QString &eventId, QObject *context,
                          Callback<std::vector<af::SourceRow>> done) override
    {
        const int i = indexOf(eventId);
        if (i < 0)
            return answer<std::vector<af::SourceRow>>(context, done, std::nullopt);
        std::vector<af::SourceRow> sources;
        const QJsonObject payload = events[i].value("payload_json").toObject();
        const int n = payload.value("count").toInt(1);
        const qint64 now = QDateTime::currentMSecsSinceEpoch() * 1000;
        for (int k = 0; k < n; ++k)
            sources.push_back({QUuid::createUuid().toString(QUuid::WithoutBraces), 1,
                               events[i].value("event_type").toString(),
                               QJsonDocument(QJsonObject{{"badgeName", QString("Badge %1").arg(k + 1)},
                                                         {"xpAwarded", 50}})
                                   .toJson(QJsonDocument::Compact),
                               now - (600 - k * 30) * 1000000LL});
        answer<std::vector<af::SourceRow>>(context, done, sources);
    }
    void setReaction(const QString &eventId, const QString &type, bool add, QObject *context,
                     Callback<af::ReactionChange> done) override
    {
        const int i = indexOf(eventId);
        if (i < 0)
            return answer<af::ReactionChange>(context, done, std::nullopt);
        if (add && ++reactionsMade > reactionLimit)
            return refuse<af::ReactionChange>(context, done, af::Error::Kind::RateLimited,
                                              "reaction limit reached", 1800);
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
        const af::ReactionChange change{eventId, af::EventJson::readCounts(counts)};
        answer<af::ReactionChange>(context, done, change);
        QTimer::singleShot(0, this, [this, change] { Q_EMIT reactionUpdated(change); });
    }
    void loadComments(const QString &eventId, const QString &cursor, int limit, QObject *context,
                      Callback<af::CommentPage> done) override
    {
        const QList<QJsonObject> list = comments.value(eventId);
        const int start = cursor.isEmpty() ? 0 : cursor.toInt();
        af::CommentPage page;
        for (int i = start; i < std::min<int>(start + limit, list.size()); ++i)
            page.comments.push_back(*af::EventJson::readComment(list[i]));
        const int next = start + limit;
        page.nextCursor = next < list.size() ? QString::number(next) : QString();
        answer<af::CommentPage>(context, done, page);
    }
    QJsonObject makeComment(const QString &eventId, int tenantId, const QString &tenantName,
                            const QString &body, qint64 secondsAgo = 0)
    {
        return {{"id", QUuid::createUuid().toString(QUuid::WithoutBraces)}, {"event_id", eventId},
                {"tenant_id", tenantId}, {"tenantName", tenantName}, {"body", body},
                {"created_at", ts(secondsAgo)}};
    }
    void addComment(const QString &eventId, const QString &body, QObject *context,
                    Callback<af::PostedComment> done) override
    {
        const int i = indexOf(eventId);
        if (i < 0)
            return answer<af::PostedComment>(context, done, std::nullopt);
        QJsonObject comment = makeComment(eventId, viewerTenant, "Acme Robotics", body);
        comments[eventId].append(comment);
        events[i]["commentCount"] = int(comments[eventId].size());
        comment["commentCount"] = int(comments[eventId].size());
        const af::PostedComment p = posted(comment);
        answer<af::PostedComment>(context, done, p);
        QTimer::singleShot(0, this, [this, p] { Q_EMIT commentCreated(p); });
    }
    void start() override { setConnectionState(Live); }
    [[nodiscard]] bool isEmbedded() const override { return true; }
    [[nodiscard]] int actingTenantId() const override { return viewerTenant; }
    [[nodiscard]] QString location() const override { return QStringLiteral("canned data"); }

    /// Publishes @p e as the stream would: stored at the top, then announced.
    void publish(const QJsonObject &e)
    {
        events.prepend(e);
        Q_EMIT eventCreated(typed(e));
    }
    /// Replaces the stored event of the same id by @p e and announces it as updated, as a
    /// drain that grew a tile does.
    void publishUpdate(const QJsonObject &e)
    {
        if (const int i = indexOf(e.value("id").toString()); i >= 0)
            events[i] = e;
        pushStreamEvent("activity.event.updated", QJsonDocument(e).toJson(QJsonDocument::Compact));
    }
    /// Folds the stored single @p id into @p tileId (its comments go along) and announces
    /// the removal.
    void fold(const QString &id, const QString &tileId)
    {
        if (const int i = indexOf(id); i >= 0)
            events.removeAt(i);
        for (QJsonObject c : comments.take(id)) {
            c["event_id"] = tileId;
            comments[tileId].append(c);
        }
        pushStreamEvent("activity.event.removed",
                        QJsonDocument(QJsonObject{{"id", id}, {"mergedInto", tileId}}).toJson(QJsonDocument::Compact));
    }
    /// Announces @p name with JSON @p data as the stream would, without storing it.
    void pushStreamEvent(const QString &name, const QByteArray &data)
    {
        const QJsonObject o = QJsonDocument::fromJson(data).object();
        if (name == QLatin1String("activity.resync"))
            Q_EMIT resync();
        else if (name == QLatin1String("activity.event.created"))
            Q_EMIT eventCreated(typed(o));
        else if (name == QLatin1String("activity.event.updated"))
            Q_EMIT eventUpdated(typed(o));
        else if (name == QLatin1String("activity.event.removed"))
            Q_EMIT eventRemoved(*af::EventJson::readRemoved(o));
        else if (name == QLatin1String("activity.reaction.updated"))
            Q_EMIT reactionUpdated({o.value("eventId").toString(),
                                    af::EventJson::readCounts(o.value("counts").toObject())});
        else if (name == QLatin1String("activity.comment.created"))
            Q_EMIT commentCreated(posted(o));
    }
};
