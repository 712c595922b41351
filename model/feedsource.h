#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QtQml/qqmlregistration.h>

#include <functional>

/// @brief The answer to one FeedSource call: an HTTP-like status and the JSON body.
struct FeedReply {
    int status = 0;      ///< HTTP status; 0 when the server could not be reached
    QByteArray body;     ///< JSON text as the HTTP route answers it
    QString errorString; ///< a sentence for the user when !ok()
    int retryAfter = 0;  ///< seconds, from Retry-After on a 429

    [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
    /// @brief A reply from a status and body; the error sentence comes from {"error": …}.
    static FeedReply fromHttp(int status, const QByteArray &body, const QString &transportError = {});
};

/// @brief Everything the models need from the backend, asynchronous only (CONTRACT §7).
///
/// Every call returns at once. Its callback runs later on the thread of @p context (the
/// GUI thread) and never after @p context is destroyed. Live updates arrive as signals.
class FeedSource : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("FeedSource is made by the application")
    Q_PROPERTY(ConnectionState connectionState READ connectionState NOTIFY connectionStateChanged)
    Q_PROPERTY(QString connectionError READ connectionError NOTIFY connectionStateChanged)
    Q_PROPERTY(bool embedded READ isEmbedded CONSTANT)
    Q_PROPERTY(QString location READ location CONSTANT)
    Q_PROPERTY(int actingTenantId READ actingTenantId WRITE setActingTenantId NOTIFY actingTenantChanged)

public:
    enum ConnectionState { Connecting, Live, Reconnecting, Offline };
    Q_ENUM(ConnectionState)

    using Callback = std::function<void(const FeedReply &)>;

    explicit FeedSource(QObject *parent = nullptr);

    /// @brief One page of `GET /api/activity/events`; an empty cursor is the newest page.
    virtual void loadEvents(const QString &cursor, int limit, QObject *context, Callback done) = 0;
    /// @brief `GET /api/activity/events/:id/sources`.
    virtual void loadEventSources(const QString &eventId, QObject *context, Callback done) = 0;
    /// @brief `POST` (add) or `DELETE` (remove) `/api/activity/reactions`.
    virtual void setReaction(const QString &eventId, const QString &type, bool add,
                             QObject *context, Callback done) = 0;
    /// @brief One page of `GET /api/activity/comments`.
    virtual void loadComments(const QString &eventId, const QString &cursor, int limit,
                              QObject *context, Callback done) = 0;
    /// @brief `POST /api/activity/comments`.
    virtual void addComment(const QString &eventId, const QString &body, QObject *context,
                            Callback done) = 0;
    /// @brief Opens the live stream; it then reconnects by itself until destroyed.
    Q_INVOKABLE virtual void start() = 0;

    [[nodiscard]] ConnectionState connectionState() const { return m_state; }
    [[nodiscard]] QString connectionError() const { return m_error; }
    [[nodiscard]] virtual bool isEmbedded() const { return false; }
    /// @brief Where the data comes from, for the status line ("local database", a URL).
    [[nodiscard]] virtual QString location() const { return {}; }
    /// @brief The tenant that reacts and comments; -1 when the server decides (remote).
    [[nodiscard]] virtual int actingTenantId() const { return -1; }
    virtual void setActingTenantId(int tenantId) { Q_UNUSED(tenantId) }

Q_SIGNALS:
    void eventCreated(const QJsonObject &event);
    void reactionUpdated(const QString &eventId, const QJsonObject &counts);
    void commentCreated(const QJsonObject &comment);
    /// @brief The stream lost more than it can replay, or the viewer changed: reload.
    void resync();
    void connectionStateChanged();
    void actingTenantChanged();

protected:
    void setConnectionState(ConnectionState state, const QString &error = {});
    /// @brief Turns one parsed SSE event into the signals above.
    void dispatchStreamEvent(const QString &name, const QByteArray &data);

private:
    ConnectionState m_state = Connecting;
    QString m_error;
};
