#include "feedsource.h"

#include <QJsonDocument>
#include <QJsonParseError>

FeedReply FeedReply::fromHttp(int status, const QByteArray &body, const QString &transportError)
{
    FeedReply reply;
    reply.status = status;
    reply.body = body;
    if (reply.ok())
        return reply;
    if (status == 0) {
        reply.errorString = transportError.isEmpty()
                                ? FeedSource::tr("The server could not be reached.")
                                : FeedSource::tr("The server could not be reached: %1").arg(transportError);
        return reply;
    }
    const QJsonObject error = QJsonDocument::fromJson(body).object();
    reply.errorString = error.value(QLatin1String("error")).toString();
    if (reply.errorString.isEmpty())
        reply.errorString = FeedSource::tr("The server answered with status %1.").arg(status);
    return reply;
}

FeedSource::FeedSource(QObject *parent) : QObject(parent) {}

void FeedSource::setConnectionState(ConnectionState state, const QString &error)
{
    if (m_state == state && m_error == error)
        return;
    m_state = state;
    m_error = error;
    Q_EMIT connectionStateChanged();
}

void FeedSource::dispatchStreamEvent(const QString &name, const QByteArray &data)
{
    if (name == QLatin1String("activity.resync")) {
        Q_EMIT resync();
        return;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return;
    const QJsonObject object = doc.object();
    if (name == QLatin1String("activity.event.created"))
        Q_EMIT eventCreated(object);
    else if (name == QLatin1String("activity.reaction.updated"))
        Q_EMIT reactionUpdated(object.value(QLatin1String("eventId")).toString(),
                               object.value(QLatin1String("counts")).toObject());
    else if (name == QLatin1String("activity.comment.created"))
        Q_EMIT commentCreated(object);
}
