#include "notifier.h"
#include "appsettings.h"
#include "feedmodel.h"
#include "rebind.h"

#include "core/catalogue.h"
#include "core/logcategories.h"
#include "core/text.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>

namespace {

const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");
const QString kInterface = QStringLiteral("org.freedesktop.Notifications");
// The service keeps its own list; ours only maps clicks back to events, so old ids go.
constexpr int kMaxOpen = 200;
// A notification is a glance: a long comment is cut, never the whole of it.
constexpr int kBodyMax = 200;

} // namespace

Notifier::Notifier(QObject *parent) : QObject(parent) {}

void Notifier::setSource(FeedSource *source)
{
    if (!rebind(this, m_source, source))
        return;
    if (m_source) {
        connect(m_source, &FeedSource::eventCreated, this, &Notifier::onEventCreated);
        connect(m_source, &FeedSource::commentCreated, this, &Notifier::onCommentCreated);
    }
    Q_EMIT sourceChanged();
}

void Notifier::setFeedModel(FeedModel *model)
{
    if (!rebind(this, m_model, model))
        return;
    if (m_model)
        connect(m_model, &FeedModel::reactionsRose, this, &Notifier::onReactionsRose);
    Q_EMIT feedModelChanged();
}

void Notifier::setWindowActive(bool active)
{
    if (m_windowActive == active)
        return;
    m_windowActive = active;
    Q_EMIT windowActiveChanged();
}

bool Notifier::wanted(const QString &eventType) const
{
    return !m_windowActive && AppSettings::notifies(eventType);
}

void Notifier::onEventCreated(const af::Event &event)
{
    // One's own events are news to nobody; a hidden type is not news either.
    if (!m_source || event.tenantId == m_source->actingTenantId() || !wanted(event.eventType) ||
        !AppSettings::shownInFeed(event.eventType))
        return;
    notify(QStringLiteral("%1 %2 · %3").arg(event.icon, event.displayName, event.tenantName),
           event.description, event.id);
}

void Notifier::onReactionsRose(int row, const QStringList &types)
{
    if (!m_source || !m_model || m_source->actingTenantId() < 0)
        return;
    const QModelIndex idx = m_model->index(row);
    if (idx.data(FeedModel::TenantIdRole).toInt() != m_source->actingTenantId())
        return; // only reactions to the acting tenant's own events
    const QString type = idx.data(FeedModel::EventTypeRole).toString();
    if (!wanted(type))
        return;
    QStringList given;
    for (const QString &name : types) {
        const int i = af::Catalogue::reactionIndex(name);
        if (i >= 0) {
            const af::ReactionInfo &r = af::Catalogue::reactions().at(size_t(i));
            given.append(QStringLiteral("%1 %2").arg(r.glyph, r.label));
        }
    }
    notify(tr("%1 on your %2").arg(given.join(QStringLiteral(", ")),
                                   idx.data(FeedModel::DisplayNameRole).toString()),
           idx.data(FeedModel::DescriptionRole).toString(), idx.data(FeedModel::IdRole).toString());
}

void Notifier::onCommentCreated(const af::PostedComment &posted)
{
    if (!m_source || !m_model || m_source->actingTenantId() < 0 ||
        posted.comment.tenantId == m_source->actingTenantId())
        return;
    const int row = m_model->rowOf(posted.comment.eventId);
    if (row < 0)
        return;
    const QModelIndex idx = m_model->index(row);
    if (idx.data(FeedModel::TenantIdRole).toInt() != m_source->actingTenantId() ||
        !wanted(idx.data(FeedModel::EventTypeRole).toString()))
        return;
    QString body = af::Text::truncated(posted.comment.body, kBodyMax);
    if (body.size() < posted.comment.body.size())
        body += QStringLiteral("…");
    notify(tr("%1 commented on your %2").arg(posted.comment.tenantName,
                                             idx.data(FeedModel::DisplayNameRole).toString()),
           body, posted.comment.eventId);
}

void Notifier::reportUnavailable(const QString &why)
{
    if (std::exchange(m_reported, true))
        return;
    qCInfo(lcDesktop).noquote() << "desktop notifications are off:" << why;
}

void Notifier::watchService()
{
    if (std::exchange(m_watching, true))
        return;
    // With the service name, QtDBus delivers only signals sent by its current owner.
    QDBusConnection bus = QDBusConnection::sessionBus();
    bus.connect(kService, kPath, kInterface, QStringLiteral("ActionInvoked"), this,
                SLOT(onActionInvoked(uint,QString)));
    bus.connect(kService, kPath, kInterface, QStringLiteral("NotificationClosed"), this,
                SLOT(onNotificationClosed(uint,uint)));
}

void Notifier::notify(const QString &summary, const QString &body, const QString &eventId)
{
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        reportUnavailable(tr("there is no D-Bus session bus"));
        return;
    }
    watchService();
    QDBusMessage call = QDBusMessage::createMethodCall(kService, kPath, kInterface,
                                                       QStringLiteral("Notify"));
    // The body is plain text: the freedesktop spec lets a service read markup in it.
    QString plain = body.toHtmlEscaped();
    call << QStringLiteral("Activity Feed") << uint(0)
         << QStringLiteral("activityfeed") << summary << plain
         << QStringList{QStringLiteral("default"), tr("Show")}
         << QVariantMap{{QStringLiteral("desktop-entry"), QStringLiteral("activityfeed")},
                        {QStringLiteral("category"), QStringLiteral("im.received")}}
         << int(-1);
    // Asynchronous: the GUI thread never waits on the bus.
    auto *watcher = new QDBusPendingCallWatcher(bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, eventId](QDBusPendingCallWatcher *w) {
        w->deleteLater();
        const QDBusPendingReply<uint> reply = *w;
        ++m_replied;
        if (reply.isError()) {
            reportUnavailable(tr("no notification service on the session bus (%1)")
                                  .arg(reply.error().name()));
            Q_EMIT sentCountChanged();
            return;
        }
        if (m_open.size() >= kMaxOpen)
            m_open.erase(m_open.begin());
        m_open.insert(reply.value(), eventId);
        ++m_sent;
        Q_EMIT sentCountChanged();
    });
}

void Notifier::onActionInvoked(uint id, const QString &actionKey)
{
    // Ids of other programs' notifications, and keys we never offered, mean nothing here.
    const auto it = m_open.constFind(id);
    if (it == m_open.constEnd() || actionKey != QLatin1String("default"))
        return;
    const QString eventId = *it;
    m_open.remove(id);
    Q_EMIT activated(eventId);
}

void Notifier::onNotificationClosed(uint id, uint)
{
    m_open.remove(id);
}
