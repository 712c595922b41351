#pragma once
#include "feedsource.h"
#include "sseparser.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QTimer>
#include <QUrl>

class QNetworkReply;

/// @brief FeedSource over another instance's HTTP API and SSE stream (remote mode).
///
/// The bearer token decides the acting tenant. The stream reconnects by itself with
/// exponential backoff and resumes with `Last-Event-ID`.
class RemoteFeedSource : public FeedSource
{
    Q_OBJECT
public:
    RemoteFeedSource(const QUrl &baseUrl, const QString &token, QObject *parent = nullptr);
    ~RemoteFeedSource() override;

    void loadEvents(const QString &cursor, int limit, QObject *context,
                    Callback<af::FeedPage> done) override;
    void loadEvents(const QString &cursor, int limit, const FeedFilter &filter,
                    QObject *context, Callback<af::FeedPage> done) override;
    void loadMarker(QObject *context, Callback<af::Marker> done) override;
    void advanceMarker(qint64 lastReadSeq, QObject *context, Callback<af::Marker> done) override;
    void loadEventSources(const QString &eventId, QObject *context,
                          Callback<std::vector<af::SourceRow>> done) override;
    void setReaction(const QString &eventId, const QString &type, bool add, QObject *context,
                     Callback<af::ReactionChange> done) override;
    void loadComments(const QString &eventId, const QString &cursor, int limit,
                      QObject *context, Callback<af::CommentPage> done) override;
    void addComment(const QString &eventId, const QString &body, QObject *context,
                    Callback<af::PostedComment> done) override;
    void start() override;
    [[nodiscard]] int actingTenantId() const override { return m_actingTenantId; }

    [[nodiscard]] QString location() const override;

    /// @brief Silence after which a stream counts as dead (keepalives come every 25 s).
    void setStallTimeout(int ms) { m_stallTimeoutMs = ms; }

private:
    QNetworkRequest request(const QString &path, const QList<std::pair<QString, QString>> &query = {}) const;
    /// Reads the answer of @p reply with @p parse (JSON object → value; nullopt when it
    /// does not read) and hands it to @p done, or the failure the status stands for.
    template <typename T>
    void send(QNetworkReply *reply, QObject *context,
              std::function<std::optional<T>(const QJsonObject &)> parse, Callback<T> done);
    void dispatchStreamEvent(const QString &name, const QByteArray &data);
    void connectStream();
    void onStreamData();
    void onStreamFinished();
    void scheduleReconnect(const QString &error);

    QUrl m_baseUrl;
    QByteArray m_authorization;
    QNetworkAccessManager m_network;
    QPointer<QNetworkReply> m_stream;
    SseParser m_parser;
    QTimer m_reconnectTimer;
    QTimer m_stallTimer;
    int m_attempt = 0;
    int m_actingTenantId = -1; ///< the token's tenant, from GET /api/me
    int m_stallTimeoutMs = 60000;
    bool m_streamOpen = false;
    bool m_everLive = false;
};
