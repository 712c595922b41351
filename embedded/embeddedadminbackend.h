#pragma once
#include "adminbackend.h"

#include <QThreadPool>

#include <functional>

namespace af {
class AdminService;
}

/// @brief AdminBackend over the in-process af::AdminService on worker threads. The server
/// panel comes from the HTTP server through ServerHooks; without them it reads "not running".
class EmbeddedAdminBackend : public AdminBackend
{
    Q_OBJECT
public:
    /// Blocking calls (run on a worker thread) answering serverStatus()'s JSON.
    struct ServerHooks {
        std::function<QByteArray()> status;
        std::function<QByteArray(bool open)> setLanOpen;
        std::function<QByteArray(const QString &clientId)> disconnectClient;
    };

    /// @param service must outlive this object.
    explicit EmbeddedAdminBackend(af::AdminService &service, ServerHooks hooks = {},
                                  QObject *parent = nullptr);
    ~EmbeddedAdminBackend() override;

    void stats(QObject *context, Callback done) override;
    void drain(std::optional<int> tenantId, QObject *context, Callback done) override;
    void previewDrain(QObject *context, Callback done) override;
    void drainLog(int limit, QObject *context, Callback done) override;
    void tenants(QObject *context, Callback done) override;
    void createTenant(const QString &name, QObject *context, Callback done) override;
    void issueToken(int tenantId, const QString &label, QObject *context, Callback done) override;
    void revokeToken(int tokenId, QObject *context, Callback done) override;
    void emitEvent(int tenantId, const QString &type, const QJsonObject &payload,
                   QObject *context, Callback done) override;
    void purgeProcessed(int days, QObject *context, Callback done) override;
    void serverStatus(QObject *context, Callback done) override;
    void setLanOpen(bool open, QObject *context, Callback done) override;
    void disconnectClient(const QString &clientId, QObject *context, Callback done) override;

private:
    void run(QObject *context, std::function<QByteArray()> work, Callback done);

    af::AdminService &m_service;
    ServerHooks m_hooks;
    QThreadPool m_pool;
};
