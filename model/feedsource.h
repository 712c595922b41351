#pragma once
#include "core/errors.h"
#include "core/event.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QtQml/qqmlregistration.h>

#include <functional>
#include <optional>
#include <vector>

/// @brief The answer to one FeedSource call: the value, or why there is none.
template <typename T>
struct Reply {
    std::optional<T> value;
    af::Error::Kind errorKind = af::Error::Kind::Unavailable;
    QString errorString; ///< a sentence for the user when !ok()
    int retryAfter = 0;  ///< seconds, for RateLimited

    [[nodiscard]] bool ok() const { return value.has_value(); }
    [[nodiscard]] static Reply success(T v)
    {
        Reply r;
        r.value = std::move(v);
        return r;
    }
    [[nodiscard]] static Reply failure(af::Error::Kind kind, const QString &error, int retryAfter = 0)
    {
        Reply r;
        r.errorKind = kind;
        r.errorString = error;
        r.retryAfter = retryAfter;
        return r;
    }
};

Q_DECLARE_METATYPE(af::Event)
Q_DECLARE_METATYPE(af::ReactionChange)
Q_DECLARE_METATYPE(af::PostedComment)
Q_DECLARE_METATYPE(af::EventRemoved)
Q_DECLARE_METATYPE(af::Marker)

/// @brief Which events a feed page holds: both parts combine, and an empty filter is the
/// whole feed. The server applies it (`eventType`, `tenantId`), so paging stays exact.
struct FeedFilter {
    QStringList eventTypes; ///< only these types; empty: every type
    int tenantId = -1;      ///< only this tenant's events; -1: every tenant

    [[nodiscard]] bool isEmpty() const { return eventTypes.isEmpty() && tenantId < 0; }
    /// @brief Whether @p event belongs in a feed filtered like this (live events).
    [[nodiscard]] bool matches(const af::Event &event) const
    {
        return (eventTypes.isEmpty() || eventTypes.contains(event.eventType)) &&
               (tenantId < 0 || event.tenantId == tenantId);
    }
    bool operator==(const FeedFilter &o) const
    {
        return eventTypes == o.eventTypes && tenantId == o.tenantId;
    }
};

/// @brief Everything the models need from the backend, asynchronous only, in domain types.
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

    template <typename T>
    using Callback = std::function<void(const Reply<T> &)>;

    explicit FeedSource(QObject *parent = nullptr);

    /// @brief One page of the feed; an empty cursor is the newest page.
    virtual void loadEvents(const QString &cursor, int limit, QObject *context,
                            Callback<af::FeedPage> done) = 0;
    /// @brief One page of the feed limited by @p filter. Sources that cannot filter answer
    /// the unfiltered page for an empty filter and BadInput otherwise.
    virtual void loadEvents(const QString &cursor, int limit, const FeedFilter &filter,
                            QObject *context, Callback<af::FeedPage> done);
    /// @brief The acting tenant's read marker and its unread count.
    virtual void loadMarker(QObject *context, Callback<af::Marker> done);
    /// @brief Moves the acting tenant's marker forward to @p lastReadSeq (never back).
    virtual void advanceMarker(qint64 lastReadSeq, QObject *context, Callback<af::Marker> done);
    /// @brief The queue rows a tile was made of.
    virtual void loadEventSources(const QString &eventId, QObject *context,
                                  Callback<std::vector<af::SourceRow>> done) = 0;
    /// @brief Adds or removes the acting tenant's reaction.
    virtual void setReaction(const QString &eventId, const QString &type, bool add,
                             QObject *context, Callback<af::ReactionChange> done) = 0;
    /// @brief One page of an event's comments.
    virtual void loadComments(const QString &eventId, const QString &cursor, int limit,
                              QObject *context, Callback<af::CommentPage> done) = 0;
    /// @brief Posts a comment by the acting tenant.
    virtual void addComment(const QString &eventId, const QString &body, QObject *context,
                            Callback<af::PostedComment> done) = 0;
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
    void eventCreated(const af::Event &event);
    /// @brief A published event changed (a tile grew): replace it and move it by its new
    /// created_at. Sources that cannot tell the two apart may send eventCreated for both.
    void eventUpdated(const af::Event &event);
    /// @brief A single was folded into the tile @p mergedInto: drop it.
    void eventRemoved(const af::EventRemoved &removed);
    void reactionUpdated(const af::ReactionChange &change);
    void commentCreated(const af::PostedComment &comment);
    /// @brief The acting tenant's marker moved (here or on another device).
    void markerUpdated(const af::Marker &marker);
    /// @brief The stream lost more than it can replay, or the viewer changed: reload.
    void resync();
    void connectionStateChanged();
    void actingTenantChanged();

protected:
    void setConnectionState(ConnectionState state, const QString &error = {});

private:
    ConnectionState m_state = Connecting;
    QString m_error;
};
