#include "embeddedadminbackend.h"
#include "backendcall.h"

#include <QJsonDocument>

#include "feed/adminservice.h"
#include "runtime/serverpanel.h"

namespace {
const QByteArray kNoServer = R"({"listen":"","lanOpen":false,"lanUrls":[],"clients":[]})";
}

EmbeddedAdminBackend::ServerHooks EmbeddedAdminBackend::ServerHooks::of(af::ServerPanel &panel)
{
    af::ServerPanel *p = &panel;
    ServerHooks hooks;
    hooks.status = [p] { return p->status(); };
    hooks.setLanOpen = [p](bool open) { return p->setLanOpen(open); };
    hooks.disconnectClient = [p](const QString &id) { return p->disconnectClient(id); };
    return hooks;
}

EmbeddedAdminBackend::EmbeddedAdminBackend(af::AdminService &service, ServerHooks hooks,
                                           QObject *parent)
    : AdminBackend(parent), m_service(service), m_hooks(std::move(hooks))
{
    m_pool.setMaxThreadCount(2);
}

EmbeddedAdminBackend::~EmbeddedAdminBackend()
{
    m_pool.waitForDone();
}

template <typename T>
void EmbeddedAdminBackend::run(QObject *context, std::function<T()> work, Callback<T> done)
{
    callBackend<T>(m_pool, this, context, std::move(work), std::move(done));
}

void EmbeddedAdminBackend::runPanel(QObject *context, std::function<QByteArray()> work,
                                    Callback<QJsonObject> done)
{
    run<QJsonObject>(context, [work = std::move(work)] {
        return QJsonDocument::fromJson(work()).object();
    }, std::move(done));
}

void EmbeddedAdminBackend::stats(QObject *context, Callback<af::QueueStats> done)
{
    run<af::QueueStats>(context, [this] { return m_service.stats(); }, std::move(done));
}

void EmbeddedAdminBackend::drain(std::optional<int> tenantId, QObject *context,
                                 Callback<af::DrainResult> done)
{
    run<af::DrainResult>(context, [this, tenantId] { return m_service.drain(tenantId); }, std::move(done));
}

void EmbeddedAdminBackend::previewDrain(QObject *context, Callback<std::vector<af::PreviewRow>> done)
{
    run<std::vector<af::PreviewRow>>(context, [this] { return m_service.previewDrain(); }, std::move(done));
}

void EmbeddedAdminBackend::drainLog(int limit, QObject *context, Callback<std::vector<af::DrainRun>> done)
{
    run<std::vector<af::DrainRun>>(context, [this, limit] { return m_service.drainLog(limit); },
                                   std::move(done));
}

void EmbeddedAdminBackend::tenants(QObject *context, Callback<std::vector<af::TenantSummary>> done)
{
    run<std::vector<af::TenantSummary>>(context, [this] { return m_service.tenants(); }, std::move(done));
}

void EmbeddedAdminBackend::createTenant(const QString &name, QObject *context,
                                        Callback<af::IssuedToken> done)
{
    run<af::IssuedToken>(context, [this, name] { return m_service.createTenant(name); }, std::move(done));
}

void EmbeddedAdminBackend::issueToken(int tenantId, const QString &label, QObject *context,
                                      Callback<af::IssuedToken> done)
{
    run<af::IssuedToken>(context, [this, tenantId, label] { return m_service.issueToken(tenantId, label); },
                         std::move(done));
}

void EmbeddedAdminBackend::revokeToken(int tokenId, QObject *context, Callback<bool> done)
{
    run<bool>(context, [this, tokenId] {
        m_service.revokeToken(tokenId);
        return true;
    }, std::move(done));
}

void EmbeddedAdminBackend::emitEvent(int tenantId, const QString &type, const QJsonObject &payload,
                                     QObject *context, Callback<QString> done)
{
    run<QString>(context, [this, tenantId, type, payload] {
        return m_service.emitEvent(tenantId, type, payload);
    }, std::move(done));
}

void EmbeddedAdminBackend::purgeProcessed(int days, QObject *context, Callback<int> done)
{
    run<int>(context, [this, days] { return m_service.purgeProcessed(days); }, std::move(done));
}

void EmbeddedAdminBackend::serverStatus(QObject *context, Callback<QJsonObject> done)
{
    auto status = m_hooks.status;
    runPanel(context, [status] { return status ? status() : kNoServer; }, std::move(done));
}

void EmbeddedAdminBackend::setLanOpen(bool open, QObject *context, Callback<QJsonObject> done)
{
    auto hook = m_hooks.setLanOpen;
    runPanel(context, [hook, open] { return hook ? hook(open) : kNoServer; }, std::move(done));
}

void EmbeddedAdminBackend::disconnectClient(const QString &clientId, QObject *context, Callback<bool> done)
{
    auto hook = m_hooks.disconnectClient;
    run<bool>(context, [hook, clientId] {
        return hook && hook(clientId);
    }, std::move(done));
}
