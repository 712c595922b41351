#include "embeddedadminbackend.h"
#include "backendcall.h"

#include <QJsonDocument>

#include "feed/adminservice.h"

namespace {
const QByteArray kNoServer = R"({"listen":"","lanOpen":false,"lanUrls":[],"clients":[]})";
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

void EmbeddedAdminBackend::run(QObject *context, std::function<QByteArray()> work, Callback done)
{
    callBackend<QJsonObject>(m_pool, this, context, [work = std::move(work)] {
        return QJsonDocument::fromJson(work()).object();
    }, std::move(done));
}

void EmbeddedAdminBackend::stats(QObject *context, Callback done)
{
    run(context, [this] { return m_service.stats(); }, std::move(done));
}

void EmbeddedAdminBackend::drain(std::optional<int> tenantId, QObject *context, Callback done)
{
    run(context, [this, tenantId] { return m_service.drain(tenantId); }, std::move(done));
}

void EmbeddedAdminBackend::previewDrain(QObject *context, Callback done)
{
    run(context, [this] { return m_service.previewDrain(); }, std::move(done));
}

void EmbeddedAdminBackend::drainLog(int limit, QObject *context, Callback done)
{
    run(context, [this, limit] { return m_service.drainLog(limit); }, std::move(done));
}

void EmbeddedAdminBackend::tenants(QObject *context, Callback done)
{
    run(context, [this] { return m_service.tenants(); }, std::move(done));
}

void EmbeddedAdminBackend::createTenant(const QString &name, QObject *context, Callback done)
{
    run(context, [this, name] { return m_service.createTenant(name); }, std::move(done));
}

void EmbeddedAdminBackend::issueToken(int tenantId, const QString &label, QObject *context,
                                      Callback done)
{
    run(context, [this, tenantId, label] { return m_service.issueToken(tenantId, label); },
        std::move(done));
}

void EmbeddedAdminBackend::revokeToken(int tokenId, QObject *context, Callback done)
{
    run(context, [this, tokenId] { return m_service.revokeToken(tokenId); }, std::move(done));
}

void EmbeddedAdminBackend::emitEvent(int tenantId, const QString &type, const QJsonObject &payload,
                                     QObject *context, Callback done)
{
    run(context, [this, tenantId, type, payload] {
        return m_service.emitEvent(tenantId, type, payload);
    }, std::move(done));
}

void EmbeddedAdminBackend::purgeProcessed(int days, QObject *context, Callback done)
{
    run(context, [this, days] { return m_service.purgeProcessed(days); }, std::move(done));
}

void EmbeddedAdminBackend::serverStatus(QObject *context, Callback done)
{
    auto status = m_hooks.status;
    run(context, [status] { return status ? status() : kNoServer; }, std::move(done));
}

void EmbeddedAdminBackend::setLanOpen(bool open, QObject *context, Callback done)
{
    auto hook = m_hooks.setLanOpen;
    run(context, [hook, open] { return hook ? hook(open) : kNoServer; }, std::move(done));
}

void EmbeddedAdminBackend::disconnectClient(const QString &clientId, QObject *context,
                                            Callback done)
{
    auto hook = m_hooks.disconnectClient;
    run(context, [hook, clientId] {
        return hook ? hook(clientId) : QByteArrayLiteral(R"({"ok":false})");
    }, std::move(done));
}
