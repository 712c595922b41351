#pragma once
#include "adminbackend.h"

#include <QThreadPool>

#include <functional>

namespace af {
class AdminService;
class ServerPanel;
} // namespace af

/// @brief AdminBackend over the in-process af::AdminService on worker threads: its domain
/// values reach the model as they are. The server panel comes from the HTTP server through
/// ServerHooks; without them it reads "not running".
class EmbeddedAdminBackend : public AdminBackend
{
    Q_OBJECT
public:
    /// Blocking calls (run on a worker thread): the panel's JSON, and whether a client was
    /// there to disconnect.
    struct ServerHooks {
        std::function<QByteArray()> status;
        std::function<QByteArray(bool open)> setLanOpen;
        std::function<bool(const QString &clientId)> disconnectClient;

        /// @brief The hooks of the running server's panel, which must outlive them.
        [[nodiscard]] static ServerHooks of(af::ServerPanel &panel);
    };

    /// @param service must outlive this object.
    explicit EmbeddedAdminBackend(af::AdminService &service, ServerHooks hooks = {},
                                  QObject *parent = nullptr);
    ~EmbeddedAdminBackend() override;

    void stats(QObject *context, Callback<af::QueueStats> done) override;
    void drain(std::optional<int> tenantId, QObject *context, Callback<af::DrainResult> done) override;
    void previewDrain(QObject *context, Callback<std::vector<af::PreviewRow>> done) override;
    void drainLog(int limit, QObject *context, Callback<std::vector<af::DrainRun>> done) override;
    void tenants(QObject *context, Callback<std::vector<af::TenantSummary>> done) override;
    void createTenant(const QString &name, QObject *context, Callback<af::IssuedToken> done) override;
    void issueToken(int tenantId, const QString &label, QObject *context,
                    Callback<af::IssuedToken> done) override;
    void revokeToken(int tokenId, QObject *context, Callback<bool> done) override;
    void emitEvent(int tenantId, const QString &type, const QJsonObject &payload,
                   QObject *context, Callback<QString> done) override;
    void purgeProcessed(int days, QObject *context, Callback<int> done) override;
    void serverStatus(QObject *context, Callback<QJsonObject> done) override;
    void setLanOpen(bool open, QObject *context, Callback<QJsonObject> done) override;
    void disconnectClient(const QString &clientId, QObject *context, Callback<bool> done) override;

private:
    template <typename T>
    void run(QObject *context, std::function<T()> work, Callback<T> done);
    void runPanel(QObject *context, std::function<QByteArray()> work, Callback<QJsonObject> done);

    af::AdminService &m_service;
    ServerHooks m_hooks;
    QThreadPool m_pool;
};
