#include "remotefeedsource.h"

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

void RemoteFeedSource::send(QNetworkReply *reply, QObject *context, Callback done)
{
    connect(reply, &QNetworkReply::finished, context, [reply, done = std::move(done)] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        FeedReply result = FeedReply::fromHttp(status, reply->readAll(),
                                               status == 0 ? reply->errorString() : QString());
        if (status == 429)
            result.retryAfter = reply->rawHeader("Retry-After").toInt();
        done(result);
    });
}

void RemoteFeedSource::loadEvents(const QString &cursor, int limit, QObject *context, Callback done)
{
    QList<std::pair<QString, QString>> query{{QStringLiteral("limit"), QString::number(limit)}};
    if (!cursor.isEmpty())
        query.append({QStringLiteral("cursor"), cursor});
    send(m_network.get(request(QStringLiteral("/api/activity/events"), query)), context,
         std::move(done));
}

void RemoteFeedSource::loadEventSources(const QString &eventId, QObject *context, Callback done)
{
    const QString path = QStringLiteral("/api/activity/events/%1/sources")
                             .arg(QString::fromUtf8(QUrl::toPercentEncoding(eventId)));
    send(m_network.get(request(path)), context, std::move(done));
}

void RemoteFeedSource::setReaction(const QString &eventId, const QString &type, bool add,
                                   QObject *context, Callback done)
{
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("eventId"), eventId},
                                                      {QStringLiteral("reactionType"), type}})
                                .toJson(QJsonDocument::Compact);
    const QNetworkRequest req = request(QStringLiteral("/api/activity/reactions"));
    QNetworkReply *reply = add ? m_network.post(req, body)
                               : m_network.sendCustomRequest(req, "DELETE", body);
    send(reply, context, std::move(done));
}

void RemoteFeedSource::loadComments(const QString &eventId, const QString &cursor, int limit,
                                    QObject *context, Callback done)
{
    QList<std::pair<QString, QString>> query{{QStringLiteral("eventId"), eventId},
                                             {QStringLiteral("limit"), QString::number(limit)}};
    if (!cursor.isEmpty())
        query.append({QStringLiteral("cursor"), cursor});
    send(m_network.get(request(QStringLiteral("/api/activity/comments"), query)), context,
         std::move(done));
}

void RemoteFeedSource::addComment(const QString &eventId, const QString &body, QObject *context,
                                  Callback done)
{
    const QByteArray json = QJsonDocument(QJsonObject{{QStringLiteral("eventId"), eventId},
                                                      {QStringLiteral("body"), body}})
                                .toJson(QJsonDocument::Compact);
    send(m_network.post(request(QStringLiteral("/api/activity/comments")), json), context,
         std::move(done));
}

void RemoteFeedSource::start()
{
    if (m_actingTenantId < 0) {
        // Which tenant the token is: own events are then marked, their reactions disabled.
        send(m_network.get(request(QStringLiteral("/api/me"))), this, [this](const FeedReply &r) {
            const int id = QJsonDocument::fromJson(r.body).object().value(QStringLiteral("tenantId")).toInt(-1);
            if (r.ok() && id > 0 && id != m_actingTenantId) {
                m_actingTenantId = id;
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
        const FeedReply error = FeedReply::fromHttp(status, reply->readAll());
        if (status == 401 || status == 403) {
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
