#pragma once
#include "feedsource.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

class FeedModel;

/// @brief Desktop notifications through the freedesktop Notifications service on the
/// session bus, while the window is not active: new events of other tenants, and
/// reactions and comments on the acting tenant's events, for the types whose "notify"
/// switch is on. Clicking one asks the window to show that event (activated()).
///
/// Only the service's own ActionInvoked and NotificationClosed signals are listened to,
/// and only for ids it gave this process; nothing else on the bus is trusted.
class Notifier : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(FeedSource *source READ source WRITE setSource NOTIFY sourceChanged)
    Q_PROPERTY(FeedModel *feedModel READ feedModel WRITE setFeedModel NOTIFY feedModelChanged)
    Q_PROPERTY(bool windowActive READ windowActive WRITE setWindowActive NOTIFY windowActiveChanged)
    /// How many notifications were handed to the service and accepted (tests wait on it).
    Q_PROPERTY(int sentCount READ sentCount NOTIFY sentCountChanged)
    /// How many Notify calls were answered, accepted or not (tests wait on it).
    Q_PROPERTY(int repliedCount READ repliedCount NOTIFY sentCountChanged)

public:
    explicit Notifier(QObject *parent = nullptr);

    [[nodiscard]] FeedSource *source() const { return m_source; }
    void setSource(FeedSource *source);
    [[nodiscard]] FeedModel *feedModel() const { return m_model; }
    void setFeedModel(FeedModel *model);
    [[nodiscard]] bool windowActive() const { return m_windowActive; }
    void setWindowActive(bool active);
    [[nodiscard]] int sentCount() const { return m_sent; }
    [[nodiscard]] int repliedCount() const { return m_replied; }

Q_SIGNALS:
    void sourceChanged();
    void feedModelChanged();
    void windowActiveChanged();
    void sentCountChanged();
    /// @brief The person clicked the notification of @p eventId.
    void activated(const QString &eventId);

private Q_SLOTS:
    // Slots by name: QDBusConnection::connect() matches the D-Bus signal to them.
    void onActionInvoked(uint id, const QString &actionKey);
    void onNotificationClosed(uint id, uint reason);

private:
    void onEventCreated(const af::Event &event);
    void onReactionsRose(int row, const QStringList &types);
    void onCommentCreated(const af::PostedComment &posted);
    [[nodiscard]] bool wanted(const QString &eventType) const;
    void notify(const QString &summary, const QString &body, const QString &eventId);
    void watchService();
    void reportUnavailable(const QString &why);

    QPointer<FeedSource> m_source;
    QPointer<FeedModel> m_model;
    QHash<uint, QString> m_open; ///< our notification ids → the event each one shows
    bool m_windowActive = false;
    bool m_watching = false;
    bool m_reported = false;
    int m_sent = 0;
    int m_replied = 0;
};
