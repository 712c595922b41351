#pragma once
#include "feedsource.h"

#include <QJsonObject>
#include <QObject>
#include <QtQml/qqmlregistration.h>

#include <optional>

/// @brief The local admin's operations (queue drains, tenants and tokens), asynchronous like FeedSource: each
/// call returns at once and answers with the JSON object noted below.
/// The embedded app implements it over the backend's admin service; remote mode has none.
class AdminBackend : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("AdminBackend is made by the application")
public:
    using Callback = FeedSource::Callback<QJsonObject>;
    using QObject::QObject;

    /// @brief `{"queueDepth":n,"oldestUnprocessedSeconds":s|null}`
    virtual void stats(QObject *context, Callback done) = 0;
    /// @brief `{"processed":rows,"inserted":events}`
    virtual void drain(std::optional<int> tenantId, QObject *context, Callback done) = 0;
    /// @brief `{"tiles":[{"tenantId","tenantName","eventType","icon","description","rows",
    /// "firstAt","lastAt"}]}` — what a drain would make now, without writing.
    virtual void previewDrain(QObject *context, Callback done) = 0;
    /// @brief `{"runs":[{"id","started_at","finished_at","trigger","tenant_id","processed",
    /// "inserted","error"}]}`, newest first.
    virtual void drainLog(int limit, QObject *context, Callback done) = 0;
    /// @brief `{"tenants":[{"id","name","created_at","tokens":[{"id","label","created_at",
    /// "revoked_at"}]}]}`
    virtual void tenants(QObject *context, Callback done) = 0;
    /// @brief `{"id","name","token"}` — the token is shown once.
    virtual void createTenant(const QString &name, QObject *context, Callback done) = 0;
    /// @brief `{"id","tenantId","token"}`
    virtual void issueToken(int tenantId, const QString &label, QObject *context,
                            Callback done) = 0;
    /// @brief `{"ok":true}`; 404 when no such active token.
    virtual void revokeToken(int tokenId, QObject *context, Callback done) = 0;
    /// @brief Queues one event through the event library; `{"ok":true}`.
    virtual void emitEvent(int tenantId, const QString &type, const QJsonObject &payload,
                           QObject *context, Callback done) = 0;
    /// @brief Deletes processed queue rows older than @p days; `{"deleted":n}`.
    virtual void purgeProcessed(int days, QObject *context, Callback done) = 0;
    /// @brief `{"listen":"host:port","lanOpen":bool,"lanUrls":[…],"clients":[{"id",
    /// "tenantId","tenantName","address","since","lastEventId"}]}`
    virtual void serverStatus(QObject *context, Callback done) = 0;
    /// @brief Rebinds the server to all interfaces (true) or 127.0.0.1; answers as
    /// serverStatus().
    virtual void setLanOpen(bool open, QObject *context, Callback done) = 0;
    /// @brief Closes one SSE client's connection; `{"ok":true}`.
    virtual void disconnectClient(const QString &clientId, QObject *context, Callback done) = 0;
};
