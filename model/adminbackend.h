#pragma once
#include "feedsource.h"

#include "core/admin.h"

#include <QJsonObject>
#include <QObject>
#include <QtQml/qqmlregistration.h>

#include <optional>
#include <vector>

/// @brief The local admin's operations (queue drains, tenants and tokens), asynchronous like
/// FeedSource: each call returns at once and answers later, on the GUI thread, with domain
/// values or the typed error. The embedded app implements it over the backend's admin
/// service; remote mode has none.
class AdminBackend : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("AdminBackend is made by the application")
public:
    template <typename T>
    using Callback = FeedSource::Callback<T>;
    using QObject::QObject;

    virtual void stats(QObject *context, Callback<af::QueueStats> done) = 0;
    virtual void drain(std::optional<int> tenantId, QObject *context, Callback<af::DrainResult> done) = 0;
    /// @brief What a drain would make now, without writing.
    virtual void previewDrain(QObject *context, Callback<std::vector<af::PreviewRow>> done) = 0;
    /// @brief The last @p limit drain runs, newest first.
    virtual void drainLog(int limit, QObject *context, Callback<std::vector<af::DrainRun>> done) = 0;
    virtual void tenants(QObject *context, Callback<std::vector<af::TenantSummary>> done) = 0;
    /// @brief The new tenant's first token, shown once.
    virtual void createTenant(const QString &name, QObject *context, Callback<af::IssuedToken> done) = 0;
    virtual void issueToken(int tenantId, const QString &label, QObject *context,
                            Callback<af::IssuedToken> done) = 0;
    /// @brief NotFound when there is no such active token; the value is always true.
    virtual void revokeToken(int tokenId, QObject *context, Callback<bool> done) = 0;
    /// @brief Queues one event through the event library; the queue row's id.
    virtual void emitEvent(int tenantId, const QString &type, const QJsonObject &payload,
                           QObject *context, Callback<QString> done) = 0;
    /// @brief Deletes processed queue rows older than @p days; how many went.
    virtual void purgeProcessed(int days, QObject *context, Callback<int> done) = 0;
    /// @brief The HTTP server panel's state, which QML reads as it is: `{"listen":"host:port",
    /// "lanOpen":bool,"lanUrls":[…],"clients":[{"id","tenantId","tenantName","address",
    /// "since","lastEventId"}]}`
    virtual void serverStatus(QObject *context, Callback<QJsonObject> done) = 0;
    /// @brief Rebinds the server to all interfaces (true) or 127.0.0.1; answers as
    /// serverStatus().
    virtual void setLanOpen(bool open, QObject *context, Callback<QJsonObject> done) = 0;
    /// @brief Closes one SSE client's connection; the value is always true.
    virtual void disconnectClient(const QString &clientId, QObject *context, Callback<bool> done) = 0;
};
