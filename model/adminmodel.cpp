#include "adminmodel.h"

#include "core/catalogue.h"
#include "core/text.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>

namespace {
/// English plurals without a translator loaded: %1 is the number.
QString plural(int n, const QString &one, const QString &many)
{
    return (n == 1 ? one : many).arg(n);
}
} // namespace

AdminModel::AdminModel(QObject *parent) : QObject(parent)
{
    // Queue depth and age stay current while the page is shown.
    m_pollTimer.setInterval(2000);
    connect(&m_pollTimer, &QTimer::timeout, this, [this] {
        refreshStats();
        refreshServer();
    });
    connect(&m_autoDrainTimer, &QTimer::timeout, this, [this] {
        if (!m_draining && m_queueDepth != 0)
            drainNow();
    });
}

void AdminModel::setBackend(AdminBackend *backend)
{
    if (m_backend == backend)
        return;
    m_backend = backend;
    Q_EMIT backendChanged();
    if (m_backend && m_active)
        refresh();
    setAutoDrainSeconds(m_autoDrainSeconds); // (re)arms the timer for the new backend
}

void AdminModel::setActive(bool active)
{
    if (m_active == active)
        return;
    m_active = active;
    if (m_active) {
        m_pollTimer.start();
        refresh();
    } else {
        m_pollTimer.stop();
    }
    Q_EMIT activeChanged();
}

QString AdminModel::oldestAgeText() const
{
    if (m_oldestSeconds < 0)
        return tr("nothing waiting");
    if (m_oldestSeconds < 60)
        return plural(int(m_oldestSeconds), tr("%1 second"), tr("%1 seconds"));
    if (m_oldestSeconds < 3600)
        return plural(int(m_oldestSeconds / 60), tr("%1 minute"), tr("%1 minutes"));
    if (m_oldestSeconds < 2 * 86400)
        return plural(int(m_oldestSeconds / 3600), tr("%1 hour"), tr("%1 hours"));
    return plural(int(m_oldestSeconds / 86400), tr("%1 day"), tr("%1 days"));
}

void AdminModel::setAutoDrainSeconds(int seconds)
{
    seconds = std::max(0, seconds);
    if (seconds > 0 && m_backend)
        m_autoDrainTimer.start(seconds * 1000);
    else
        m_autoDrainTimer.stop();
    if (m_autoDrainSeconds == seconds)
        return;
    m_autoDrainSeconds = seconds;
    Q_EMIT autoDrainSecondsChanged();
}

AdminBackend::Callback AdminModel::handle(const QString &what, JsonHandler ok)
{
    return [this, what, ok = std::move(ok)](const Reply<QJsonObject> &reply) {
        if (!reply.ok()) {
            setError(tr("%1: %2").arg(what, reply.errorString));
            return;
        }
        ok(*reply.value);
    };
}

void AdminModel::refresh()
{
    refreshStats();
    refreshPreview();
    refreshLog();
    refreshTenants();
    refreshServer();
}

void AdminModel::refreshStats()
{
    if (!m_backend)
        return;
    m_backend->stats(this, handle(tr("Queue stats failed"), [this](const QJsonObject &o) {
        m_queueDepth = o.value(QLatin1String("queueDepth")).toInt();
        const QJsonValue age = o.value(QLatin1String("oldestUnprocessedSeconds"));
        m_oldestSeconds = age.isDouble() ? qint64(age.toDouble()) : -1;
        Q_EMIT statsChanged();
    }));
}

void AdminModel::drainNow(int tenantId)
{
    if (!m_backend || m_draining)
        return;
    m_draining = true;
    Q_EMIT drainingChanged();
    const std::optional<int> tenant = tenantId < 0 ? std::nullopt : std::optional<int>(tenantId);
    m_backend->drain(tenant, this, [this](const Reply<QJsonObject> &reply) {
        m_draining = false;
        Q_EMIT drainingChanged();
        if (!reply.ok()) {
            setError(tr("The drain failed: %1").arg(reply.errorString));
            return;
        }
        const QJsonObject &o = *reply.value;
        const int processed = o.value(QLatin1String("processed")).toInt();
        const int inserted = o.value(QLatin1String("inserted")).toInt();
        m_lastDrainText = af::Text::drainSummary(processed, inserted);
        Q_EMIT lastDrainTextChanged();
        refreshStats();
        refreshPreview();
        refreshLog();
    });
}

void AdminModel::refreshPreview()
{
    if (!m_backend)
        return;
    m_backend->previewDrain(this, handle(tr("Drain preview failed"), [this](const QJsonObject &o) {
        m_preview = o.value(QLatin1String("tiles")).toArray().toVariantList();
        Q_EMIT previewChanged();
    }));
}

void AdminModel::refreshLog()
{
    if (!m_backend)
        return;
    m_backend->drainLog(50, this, handle(tr("Drain log failed"), [this](const QJsonObject &o) {
        m_drainLog.clear();
        for (const QJsonValue &v : o.value(QLatin1String("runs")).toArray()) {
            QVariantMap run = v.toObject().toVariantMap();
            run.insert(QStringLiteral("summary"),
                       af::Text::drainSummary(run.value(QStringLiteral("processed")).toInt(),
                                              run.value(QStringLiteral("inserted")).toInt()));
            m_drainLog.append(run);
        }
        Q_EMIT drainLogChanged();
    }));
}

void AdminModel::refreshTenants()
{
    if (!m_backend)
        return;
    m_backend->tenants(this, handle(tr("Loading tenants failed"), [this](const QJsonObject &o) {
        m_tenants = o.value(QLatin1String("tenants")).toArray().toVariantList();
        Q_EMIT tenantsChanged();
    }));
}

void AdminModel::refreshServer()
{
    if (!m_backend)
        return;
    m_backend->serverStatus(this, handle(tr("Server status failed"), [this](const QJsonObject &o) {
        const QVariantMap server = o.toVariantMap();
        if (server != m_server) {
            m_server = server;
            Q_EMIT serverChanged();
        }
    }));
}

void AdminModel::createTenant(const QString &name)
{
    if (!m_backend)
        return;
    m_backend->createTenant(name.trimmed(), this, handle(tr("Creating the tenant failed"),
                                                         [this](const QJsonObject &o) {
        revealToken(o.value(QLatin1String("token")).toString(),
                    o.value(QLatin1String("name")).toString());
        setStatus(tr("Tenant “%1” created.").arg(o.value(QLatin1String("name")).toString()));
        refreshTenants();
    }));
}

void AdminModel::issueToken(int tenantId, const QString &label)
{
    if (!m_backend)
        return;
    QString tenantName;
    for (const QVariant &t : std::as_const(m_tenants))
        if (t.toMap().value(QStringLiteral("id")).toInt() == tenantId)
            tenantName = t.toMap().value(QStringLiteral("name")).toString();
    m_backend->issueToken(tenantId, label.trimmed(), this,
                          handle(tr("Issuing the token failed"), [this, tenantName](const QJsonObject &o) {
        revealToken(o.value(QLatin1String("token")).toString(), tenantName);
        refreshTenants();
    }));
}

void AdminModel::revokeToken(int tokenId)
{
    if (!m_backend)
        return;
    m_backend->revokeToken(tokenId, this, handle(tr("Revoking the token failed"),
                                                 [this](const QJsonObject &) {
        setStatus(tr("Token revoked; it stops working at once."));
        refreshTenants();
    }));
}

void AdminModel::revealToken(const QString &token, const QString &tenant)
{
    m_revealedToken = token;
    m_revealedTokenTenant = tenant;
    Q_EMIT revealedTokenChanged();
}

void AdminModel::dismissToken()
{
    revealToken({}, {});
}

QVariantList AdminModel::eventTypes()
{
    QVariantList out;
    for (const af::EventTypeInfo &t : af::Catalogue::eventTypes())
        out.append(QVariantMap{{QStringLiteral("type"), t.type},
                               {QStringLiteral("name"), t.displayName},
                               {QStringLiteral("icon"), t.icon}});
    return out;
}

void AdminModel::emitTestEvent(int tenantId, const QString &type)
{
    if (!m_backend)
        return;
    const af::EventTypeInfo *info = af::Catalogue::type(type);
    const QJsonObject payload = info ? info->example : QJsonObject();
    m_backend->emitEvent(tenantId, type, payload, this,
                         handle(tr("Emitting the test event failed"), [this](const QJsonObject &) {
        setStatus(tr("Test event queued; drain to publish it."));
        refreshStats();
        refreshPreview();
    }));
}

void AdminModel::purgeProcessed(int days)
{
    if (!m_backend)
        return;
    m_backend->purgeProcessed(days, this, handle(tr("Purging failed"), [this](const QJsonObject &o) {
        setStatus(plural(o.value(QLatin1String("deleted")).toInt(),
                         tr("%1 processed queue row purged."), tr("%1 processed queue rows purged.")));
        refreshStats();
    }));
}

void AdminModel::setLanOpen(bool open)
{
    if (!m_backend)
        return;
    m_backend->setLanOpen(open, this, handle(tr("Changing the listen address failed"),
                                             [this](const QJsonObject &o) {
        m_server = o.toVariantMap();
        Q_EMIT serverChanged();
    }));
}

void AdminModel::disconnectClient(const QString &clientId)
{
    if (!m_backend)
        return;
    m_backend->disconnectClient(clientId, this, handle(tr("Disconnecting the client failed"),
                                                       [this](const QJsonObject &) {
        refreshServer();
    }));
}

void AdminModel::clearError()
{
    setError({});
}

void AdminModel::setError(const QString &error)
{
    if (m_errorString == error)
        return;
    m_errorString = error;
    Q_EMIT errorStringChanged();
}

void AdminModel::setStatus(const QString &status)
{
    m_statusText = status;
    Q_EMIT statusTextChanged();
}
