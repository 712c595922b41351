#include "remotefeedsource.h"

#include "core/eventjson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QUrlQuery>

#include <algorithm>

namespace {
constexpr int kMaxBackoffMs = 30000;
}

RemoteFeedSource::RemoteFeedSource(const QUrl &baseUrl, const QString &token, QObject *parent)
    : FeedSource(parent),
      m_baseUrl(baseUrl),
      m_authorization("Bearer " + token.toUtf8()),
      m_parser([this](const QString &event, const QByteArray &data, const QString &) {
          dispatchStreamEvent(event, data);
      })
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RemoteFeedSource::connectStream);
    m_stallTimer.setSingleShot(true);
    connect(&m_stallTimer, &QTimer::timeout, this, [this] {
        if (m_stream)
            m_stream->abort(); // finished() then schedules the reconnect
    });
}

RemoteFeedSource::~RemoteFeedSource()
{
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
    }
}

QString RemoteFeedSource::location() const
{
    return m_baseUrl.toString(QUrl::RemoveUserInfo);
}

QNetworkRequest RemoteFeedSource::request(const QString &path,
                                          const QList<std::pair<QString, QString>> &query) const
{
    QUrl url = m_baseUrl;
    QString basePath = url.path();
    if (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + path);
    QUrlQuery q;
    for (const auto &[key, value] : query)
        q.addQueryItem(key, QString::fromUtf8(QUrl::toPercentEncoding(value)));
    url.setQuery(q);
    QNetworkRequest req(url);
    req.setRawHeader("Authorization", m_authorization);
    req.setRawHeader("Accept", "application/json");
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    req.setTransferTimeout(30000);
    return req;
}

namespace {

/// The one reading of an HTTP failure on the desktop's side: the status as an error kind,
/// the server's own sentence when it sent one.
template <typename T>
Reply<T> failure(int status, const QByteArray &body, const QString &transportError, int retryAfter)
{
    using K = af::Error::Kind;
    if (status == 0)
        return Reply<T>::failure(K::Unavailable,
                                 transportError.isEmpty()
                                     ? FeedSource::tr("The server could not be reached.")
                                     : FeedSource::tr("The server could not be reached: %1").arg(transportError));
    QString message = QJsonDocument::fromJson(body).object().value(QLatin1String("error")).toString();
    if (message.isEmpty())
        message = FeedSource::tr("The server answered with status %1.").arg(status);
    const K kind = status == 400 ? K::BadInput
        : status == 401          ? K::Unauthenticated
        : status == 403          ? K::Forbidden
        : status == 404          ? K::NotFound
        : status == 409          ? K::Conflict
        : status == 429          ? K::RateLimited
                                 : K::Unavailable;
    return Reply<T>::failure(kind, message, retryAfter);
}

std::optional<af::PostedComment> readPosted(const QJsonObject &o)
{
    const auto c = af::EventJson::readComment(o.value(QLatin1String("comment")).toObject());
    if (!c)
        return std::nullopt;
    return af::PostedComment{*c, -1};
}

} // namespace

template <typename T>
void RemoteFeedSource::send(QNetworkReply *reply, QObject *context,
                            std::function<std::optional<T>(const QJsonObject &)> parse,
                            Callback<T> done)
{
    connect(reply, &QNetworkReply::finished, context,
            [reply, parse = std::move(parse), done = std::move(done)] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        if (status >= 200 && status < 300) {
            const QJsonDocument doc = QJsonDocument::fromJson(body);
            if (auto value = doc.isObject() ? parse(doc.object()) : std::nullopt) {
                done(Reply<T>::success(std::move(*value)));
                return;
            }
            done(Reply<T>::failure(af::Error::Kind::Unavailable,
                                   FeedSource::tr("The server sent an answer this app cannot read.")));
            return;
        }
        done(failure<T>(status, body, status == 0 ? reply->errorString() : QString(),
                        reply->rawHeader("Retry-After").toInt()));
    });
}

void RemoteFeedSource::loadEvents(const QString &cursor, int limit, QObject *context,
                                  Callback<af::FeedPage> done)
{
    loadEvents(cursor, limit, FeedFilter{}, context, std::move(done));
}

void RemoteFeedSource::loadEvents(const QString &cursor, int limit, const FeedFilter &filter,
                                  QObject *context, Callback<af::FeedPage> done)
{
    QList<std::pair<QString, QString>> query{{QStringLiteral("limit"), QString::number(limit)}};
    if (!cursor.isEmpty())
        query.append({QStringLiteral("cursor"), cursor});
    if (!filter.eventTypes.isEmpty())
        query.append({QStringLiteral("eventType"), filter.eventTypes.join(QLatin1Char(','))});
    if (filter.tenantId > 0)
        query.append({QStringLiteral("tenantId"), QString::number(filter.tenantId)});
    send<af::FeedPage>(m_network.get(request(QStringLiteral("/api/activity/events"), query)),
                       context, af::EventJson::readFeedPage, std::move(done));
}

void RemoteFeedSource::loadMarker(QObject *context, Callback<af::Marker> done)
{
    send<af::Marker>(m_network.get(request(QStringLiteral("/api/activity/markers"))), context,
                     af::EventJson::readMarker, std::move(done));
}

void RemoteFeedSource::advanceMarker(qint64 lastReadSeq, QObject *context,
                                     Callback<af::Marker> done)
{
    const QByteArray body =
        QJsonDocument(QJsonObject{{QStringLiteral("lastReadSeq"), lastReadSeq}}).toJson(QJsonDocument::Compact);
    send<af::Marker>(m_network.post(request(QStringLiteral("/api/activity/markers")), body),
                     context, af::EventJson::readMarker, std::move(done));
}

void RemoteFeedSource::loadEventSources(const QString &eventId, QObject *context,
                                        Callback<std::vector<af::SourceRow>> done)
{
    const QString path = QStringLiteral("/api/activity/events/%1/sources")
                             .arg(QString::fromUtf8(QUrl::toPercentEncoding(eventId)));
    send<std::vector<af::SourceRow>>(m_network.get(request(path)), context,
                                     af::EventJson::readSources, std::move(done));
}

void RemoteFeedSource::setReaction(const QString &eventId, const QString &type, bool add,
                                   QObject *context, Callback<af::ReactionChange> done)
{
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("eventId"), eventId},
                                                      {QStringLiteral("reactionType"), type}})
                                .toJson(QJsonDocument::Compact);
    const QNetworkRequest req = request(QStringLiteral("/api/activity/reactions"));
    QNetworkReply *reply = add ? m_network.post(req, body)
                               : m_network.sendCustomRequest(req, "DELETE", body);
    send<af::ReactionChange>(reply, context, [eventId](const QJsonObject &o) {
        return std::optional<af::ReactionChange>(af::ReactionChange{
            eventId, af::EventJson::readCounts(o.value(QLatin1String("counts")).toObject())});
    }, std::move(done));
}

void RemoteFeedSource::loadComments(const QString &eventId, const QString &cursor, int limit,
                                    QObject *context, Callback<af::CommentPage> done)
{
    QList<std::pair<QString, QString>> query{{QStringLiteral("eventId"), eventId},
                                             {QStringLiteral("limit"), QString::number(limit)}};
    if (!cursor.isEmpty())
        query.append({QStringLiteral("cursor"), cursor});
    send<af::CommentPage>(m_network.get(request(QStringLiteral("/api/activity/comments"), query)),
                          context, af::EventJson::readCommentPage, std::move(done));
}

void RemoteFeedSource::addComment(const QString &eventId, const QString &body, QObject *context,
                                  Callback<af::PostedComment> done)
{
    const QByteArray json = QJsonDocument(QJsonObject{{QStringLiteral("eventId"), eventId},
                                                      {QStringLiteral("body"), body}})
                                .toJson(QJsonDocument::Compact);
    send<af::PostedComment>(m_network.post(request(QStringLiteral("/api/activity/comments")), json),
                            context, readPosted, std::move(done));
}

void RemoteFeedSource::dispatchStreamEvent(const QString &name, const QByteArray &data)
{
    if (name == QLatin1String("activity.resync")) {
        Q_EMIT resync();
        return;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return;
    const QJsonObject o = doc.object();
    if (name == QLatin1String("activity.event.created")) {
        if (auto e = af::EventJson::readEvent(o))
            Q_EMIT eventCreated(*e);
    } else if (name == QLatin1String("activity.event.updated")) {
        if (auto e = af::EventJson::readEvent(o))
            Q_EMIT eventUpdated(*e);
    } else if (name == QLatin1String("activity.event.removed")) {
        if (auto r = af::EventJson::readRemoved(o))
            Q_EMIT eventRemoved(*r);
    } else if (name == QLatin1String("activity.reaction.updated")) {
        Q_EMIT reactionUpdated(af::ReactionChange{
            o.value(QLatin1String("eventId")).toString(),
            af::EventJson::readCounts(o.value(QLatin1String("counts")).toObject())});
    } else if (name == QLatin1String("activity.marker.updated")) {
        if (auto m = af::EventJson::readMarker(o))
            Q_EMIT markerUpdated(*m);
    } else if (name == QLatin1String("activity.comment.created")) {
        if (auto c = af::EventJson::readComment(o))
            Q_EMIT commentCreated(af::PostedComment{*c, o.value(QLatin1String("commentCount")).toInt(-1)});
    }
}

void RemoteFeedSource::start()
{
    if (m_actingTenantId < 0) {
        // Which tenant the token is: own events are then marked, their reactions disabled.
        send<int>(m_network.get(request(QStringLiteral("/api/me"))), this,
                  [](const QJsonObject &o) {
                      const int id = o.value(QStringLiteral("tenantId")).toInt(-1);
                      return id > 0 ? std::optional<int>(id) : std::nullopt;
                  },
                  [this](const Reply<int> &r) {
                      if (r.ok() && *r.value != m_actingTenantId) {
                          m_actingTenantId = *r.value;
                          Q_EMIT actingTenantChanged();
                      }
                  });
    }
    if (!m_stream && !m_reconnectTimer.isActive())
        connectStream();
}

void RemoteFeedSource::connectStream()
{
    m_parser.reset();
    m_streamOpen = false;
    QNetworkRequest req = request(QStringLiteral("/api/activity/stream"));
    req.setRawHeader("Accept", "text/event-stream");
    req.setRawHeader("Cache-Control", "no-cache");
    req.setTransferTimeout(0); // a stream has no end; the stall timer watches it instead
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (!m_parser.lastEventId().isEmpty())
        req.setRawHeader("Last-Event-ID", m_parser.lastEventId().toUtf8());
    m_stream = m_network.get(req);
    setConnectionState(m_everLive ? Reconnecting : Connecting, connectionError());
    connect(m_stream, &QNetworkReply::readyRead, this, &RemoteFeedSource::onStreamData);
    connect(m_stream, &QNetworkReply::finished, this, &RemoteFeedSource::onStreamFinished);
    m_stallTimer.start(m_stallTimeoutMs);
}

void RemoteFeedSource::onStreamData()
{
    if (!m_stream)
        return;
    const int status = m_stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return; // the error body is read in onStreamFinished
    if (!m_streamOpen) {
        m_streamOpen = true;
        m_everLive = true;
        m_attempt = 0;
        setConnectionState(Live);
    }
    m_stallTimer.start(m_stallTimeoutMs);
    m_parser.feed(m_stream->readAll());
}

void RemoteFeedSource::onStreamFinished()
{
    QNetworkReply *reply = m_stream;
    m_stream = nullptr;
    m_stallTimer.stop();
    if (!reply)
        return;
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 0 && status != 200) {
        const auto error = failure<int>(status, reply->readAll(), {}, 0);
        if (error.errorKind == af::Error::Kind::Unauthenticated
            || error.errorKind == af::Error::Kind::Forbidden) {
            // Retrying a refused token quickly helps nobody; keep trying slowly.
            m_attempt = 10;
            setConnectionState(Offline, tr("The server refused the token: %1").arg(error.errorString));
            m_reconnectTimer.start(kMaxBackoffMs);
            return;
        }
        scheduleReconnect(error.errorString);
        return;
    }
    scheduleReconnect(m_streamOpen ? tr("The live stream was interrupted.")
                                   : tr("The server could not be reached: %1").arg(reply->errorString()));
}

void RemoteFeedSource::scheduleReconnect(const QString &error)
{
    m_streamOpen = false;
    const int base = m_parser.retryMs() > 0 ? m_parser.retryMs() : 1000;
    const int delay = std::min(kMaxBackoffMs, base << std::min(m_attempt, 5));
    ++m_attempt;
    setConnectionState(m_attempt > 5 ? Offline : Reconnecting, error);
    m_reconnectTimer.start(delay);
}
