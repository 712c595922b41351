#pragma once
#include "httprequest.h"
#include "httpresponse.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QSet>
#include <QString>

#include <functional>

namespace af {

/// @brief What a stream route's handler decided: reject with an HTTP answer, or accept
/// the client for @p tenantId, replaying events after @p lastEventId (-1: no replay).
/// @p tokenId (0: none) names the credential the stream was opened with; the stream is
/// closed once the token check says that credential is no longer valid.
struct StreamResult
{
    bool accepted = false;
    int tenantId = 0;
    qint64 lastEventId = -1;
    int tokenId = 0;
    HttpResponse rejection;

    [[nodiscard]] static StreamResult accept(int tenantId, qint64 lastEventId = -1,
                                             int tokenId = 0)
    {
        StreamResult r;
        r.accepted = true;
        r.tenantId = tenantId;
        r.lastEventId = lastEventId;
        r.tokenId = tokenId;
        return r;
    }
    [[nodiscard]] static StreamResult reject(const HttpResponse &response)
    {
        StreamResult r;
        r.rejection = response;
        return r;
    }
};

/// @brief One `activity.event.created` frame of a replay, with its seq.
struct ReplayFrame
{
    qint64 seq = 0;
    QByteArray frame;
};

/// @brief The answer of the replay provider: the frames after a Last-Event-ID in order,
/// or resync=true when there are too many (the client then gets one `activity.resync`).
struct Replay
{
    QList<ReplayFrame> frames;
    bool resync = false;
};

/// @brief Runs on the worker pool; may throw (the stream is then closed, the client
/// reconnects with the same Last-Event-ID).
using ReplayProvider = std::function<Replay(qint64 lastEventId)>;

/// @brief Runs on the worker pool with the token ids of open streams; returns the ones
/// still valid. May throw (the streams are then kept until the next check succeeds:
/// a database outage must not cut every client).
using StreamTokenCheck = std::function<QSet<int>(const QList<int> &tokenIds)>;

/// @brief One connected SSE client, for the admin panel.
struct SseClientInfo
{
    quint64 id = 0;
    int tenantId = 0;
    QString peerAddress;
    QDateTime connectedSince;
    qint64 lastEventId = -1; ///< id of the last frame with an `id:` sent, -1 if none
};

/// @brief The client's Last-Event-ID: the header, else `?lastEventId=`; -1 when absent
/// or not a non-negative integer.
[[nodiscard]] inline qint64 lastEventIdOf(const HttpRequest &request)
{
    QByteArray text = request.header("last-event-id").trimmed();
    if (text.isEmpty())
        text = request.queryValue(QStringLiteral("lastEventId")).trimmed().toLatin1();
    bool ok = false;
    const qint64 id = text.toLongLong(&ok);
    return ok && id >= 0 ? id : -1;
}

} // namespace af
