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

/// QML tests `!!value`: an absent time or error is null, not "".
QVariant orNull(const QString &text)
{
    return text.isEmpty() ? QVariant() : QVariant(text);
}

// The admin page reads plain maps; these are the domain values under the names it uses.
QVariantMap toMap(const af::PreviewRow &t)
{
    return {{QStringLiteral("tenantId"), t.tenantId},       {QStringLiteral("tenantName"), t.tenantName},
            {QStringLiteral("eventType"), t.eventType},     {QStringLiteral("icon"), t.icon},
            {QStringLiteral("description"), t.description}, {QStringLiteral("rows"), t.rows},
            {QStringLiteral("firstAt"), t.firstAt},         {QStringLiteral("lastAt"), t.lastAt},
            {QStringLiteral("newRows"), t.newRows},         {QStringLiteral("joins"), t.joins},
            {QStringLiteral("folds"), t.folds},
            {QStringLiteral("summary"), af::Text::previewSummary(t.rows, t.newRows, t.joins, t.folds)}};
}

QVariantMap toMap(const af::DrainRun &r)
{
    return {{QStringLiteral("id"), r.id},
            {QStringLiteral("started_at"), orNull(r.startedAt)},
            {QStringLiteral("finished_at"), orNull(r.finishedAt)},
            {QStringLiteral("trigger"), r.trigger},
            {QStringLiteral("tenant_id"), r.tenantId ? QVariant(*r.tenantId) : QVariant()},
            {QStringLiteral("processed"), r.result.processed},
            {QStringLiteral("inserted"), r.result.inserted},
            {QStringLiteral("updated"), r.result.updated},
            {QStringLiteral("removed"), r.result.removed},
            {QStringLiteral("error"), orNull(r.error)},
            {QStringLiteral("summary"), af::Text::drainSummary(r.result.processed, r.result.inserted,
                                                               r.result.updated, r.result.removed)}};
}

QVariantMap toMap(const af::TenantSummary &t)
{
    QVariantList tokens;
    for (const af::TokenSummary &k : t.tokens)
        tokens.append(QVariantMap{{QStringLiteral("id"), k.id},
                                  {QStringLiteral("label"), k.label},
                                  {QStringLiteral("created_at"), orNull(k.createdAt)},
                                  {QStringLiteral("revoked_at"), orNull(k.revokedAt)}});
    return {{QStringLiteral("id"), t.id}, {QStringLiteral("name"), t.name},
            {QStringLiteral("created_at"), orNull(t.createdAt)}, {QStringLiteral("tokens"), tokens}};
}

template <typename T>
QVariantList toList(const std::vector<T> &items)
{
    QVariantList out;
    for (const T &item : items)
        out.append(toMap(item));
    return out;
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

template <typename T, typename Ok>
AdminBackend::Callback<T> AdminModel::handle(const QString &what, Ok ok)
{
    return [this, what, ok = std::move(ok)](const Reply<T> &reply) {
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
    m_backend->stats(this, handle<af::QueueStats>(tr("Queue stats failed"), [this](const af::QueueStats &s) {
        m_queueDepth = s.queueDepth;
        m_oldestSeconds = s.oldestSeconds.value_or(-1);
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
    m_backend->drain(tenant, this, [this](const Reply<af::DrainResult> &reply) {
        m_draining = false;
        Q_EMIT drainingChanged();
        if (!reply.ok()) {
            setError(tr("The drain failed: %1").arg(reply.errorString));
            return;
        }
        m_lastDrainText = af::Text::drainSummary(reply.value->processed, reply.value->inserted,
                                                 reply.value->updated, reply.value->removed);
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
    m_backend->previewDrain(this, handle<std::vector<af::PreviewRow>>(tr("Drain preview failed"),
                                                                      [this](const auto &rows) {
        m_preview = toList(rows);
        Q_EMIT previewChanged();
    }));
}

void AdminModel::refreshLog()
{
    if (!m_backend)
        return;
    m_backend->drainLog(50, this, handle<std::vector<af::DrainRun>>(tr("Drain log failed"),
                                                                    [this](const auto &runs) {
        m_drainLog = toList(runs);
        Q_EMIT drainLogChanged();
    }));
}

void AdminModel::refreshTenants()
{
    if (!m_backend)
        return;
    m_backend->tenants(this, handle<std::vector<af::TenantSummary>>(tr("Loading tenants failed"),
                                                                    [this](const auto &tenants) {
        m_tenants = toList(tenants);
        Q_EMIT tenantsChanged();
    }));
}

void AdminModel::refreshServer()
{
    if (!m_backend)
        return;
    m_backend->serverStatus(this, handle<QJsonObject>(tr("Server status failed"), [this](const QJsonObject &o) {
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
    const QString trimmed = name.trimmed();
    m_backend->createTenant(trimmed, this, handle<af::IssuedToken>(tr("Creating the tenant failed"),
                                                                   [this, trimmed](const af::IssuedToken &t) {
        revealToken(t.token, trimmed);
        setStatus(tr("Tenant “%1” created.").arg(trimmed));
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
                          handle<af::IssuedToken>(tr("Issuing the token failed"),
                                                  [this, tenantName](const af::IssuedToken &t) {
        revealToken(t.token, tenantName);
        refreshTenants();
    }));
}

void AdminModel::revokeToken(int tokenId)
{
    if (!m_backend)
        return;
    m_backend->revokeToken(tokenId, this, handle<bool>(tr("Revoking the token failed"), [this](bool) {
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

void AdminModel::emitTestEvent(int tenantId, const QString &type)
{
    if (!m_backend)
        return;
    const af::EventTypeInfo *info = af::Catalogue::type(type);
    const QJsonObject payload = info ? info->example : QJsonObject();
    m_backend->emitEvent(tenantId, type, payload, this,
                         handle<QString>(tr("Emitting the test event failed"), [this](const QString &) {
        setStatus(tr("Test event queued; drain to publish it."));
        refreshStats();
        refreshPreview();
    }));
}

void AdminModel::purgeProcessed(int days)
{
    if (!m_backend)
        return;
    m_backend->purgeProcessed(days, this, handle<int>(tr("Purging failed"), [this](int deleted) {
        setStatus(plural(deleted,
                         tr("%1 processed queue row purged."), tr("%1 processed queue rows purged.")));
        refreshStats();
    }));
}

void AdminModel::setLanOpen(bool open)
{
    if (!m_backend)
        return;
    m_backend->setLanOpen(open, this, handle<QJsonObject>(tr("Changing the listen address failed"),
                                                          [this](const QJsonObject &o) {
        m_server = o.toVariantMap();
        Q_EMIT serverChanged();
    }));
}

void AdminModel::disconnectClient(const QString &clientId)
{
    if (!m_backend)
        return;
    m_backend->disconnectClient(clientId, this, handle<bool>(tr("Disconnecting the client failed"),
                                                             [this](bool) {
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
