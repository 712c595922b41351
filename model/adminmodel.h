#pragma once
#include "adminbackend.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

/// @brief The local admin page's state and actions over an AdminBackend: queue stats kept
/// current, drain (busy, then "N queue rows → M events"), preview, log, tenants and
/// tokens, test events, purge, the server panel and auto-drain.
class AdminModel : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(AdminBackend *backend READ backend WRITE setBackend NOTIFY backendChanged)
    Q_PROPERTY(bool available READ isAvailable NOTIFY backendChanged)
    Q_PROPERTY(bool active READ isActive WRITE setActive NOTIFY activeChanged)
    Q_PROPERTY(int queueDepth READ queueDepth NOTIFY statsChanged)
    Q_PROPERTY(QString oldestAgeText READ oldestAgeText NOTIFY statsChanged)
    Q_PROPERTY(bool draining READ isDraining NOTIFY drainingChanged)
    Q_PROPERTY(QString lastDrainText READ lastDrainText NOTIFY lastDrainTextChanged)
    Q_PROPERTY(QVariantList preview READ preview NOTIFY previewChanged)
    Q_PROPERTY(QVariantList drainLog READ drainLog NOTIFY drainLogChanged)
    Q_PROPERTY(QVariantList tenants READ tenants NOTIFY tenantsChanged)
    Q_PROPERTY(QString revealedToken READ revealedToken NOTIFY revealedTokenChanged)
    Q_PROPERTY(QString revealedTokenTenant READ revealedTokenTenant NOTIFY revealedTokenChanged)
    Q_PROPERTY(QVariantMap server READ server NOTIFY serverChanged)
    Q_PROPERTY(int autoDrainSeconds READ autoDrainSeconds WRITE setAutoDrainSeconds NOTIFY autoDrainSecondsChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(QString statusText READ statusText NOTIFY statusTextChanged)

public:
    explicit AdminModel(QObject *parent = nullptr);

    [[nodiscard]] AdminBackend *backend() const { return m_backend; }
    void setBackend(AdminBackend *backend);
    [[nodiscard]] bool isAvailable() const { return m_backend; }
    [[nodiscard]] bool isActive() const { return m_active; }
    void setActive(bool active);
    [[nodiscard]] int queueDepth() const { return m_queueDepth; }
    [[nodiscard]] QString oldestAgeText() const;
    [[nodiscard]] bool isDraining() const { return m_draining; }
    [[nodiscard]] QString lastDrainText() const { return m_lastDrainText; }
    [[nodiscard]] QVariantList preview() const { return m_preview; }
    [[nodiscard]] QVariantList drainLog() const { return m_drainLog; }
    [[nodiscard]] QVariantList tenants() const { return m_tenants; }
    [[nodiscard]] QString revealedToken() const { return m_revealedToken; }
    [[nodiscard]] QString revealedTokenTenant() const { return m_revealedTokenTenant; }
    [[nodiscard]] QVariantMap server() const { return m_server; }
    [[nodiscard]] int autoDrainSeconds() const { return m_autoDrainSeconds; }
    void setAutoDrainSeconds(int seconds);
    [[nodiscard]] QString errorString() const { return m_errorString; }
    [[nodiscard]] QString statusText() const { return m_statusText; }

    /// @brief Reloads stats, preview, log, tenants and the server panel.
    Q_INVOKABLE void refresh();
    Q_INVOKABLE void refreshStats();
    /// @brief Drains every tenant's queue; @p tenantId < 0 means all.
    Q_INVOKABLE void drainNow(int tenantId = -1);
    Q_INVOKABLE void refreshPreview();
    Q_INVOKABLE void createTenant(const QString &name);
    Q_INVOKABLE void issueToken(int tenantId, const QString &label);
    Q_INVOKABLE void revokeToken(int tokenId);
    /// @brief Forgets the token shown once.
    Q_INVOKABLE void dismissToken();
    /// @brief Emits a test event with a plausible payload for @p type.
    Q_INVOKABLE void emitTestEvent(int tenantId, const QString &type);
    Q_INVOKABLE void purgeProcessed(int days);
    Q_INVOKABLE void setLanOpen(bool open);
    Q_INVOKABLE void disconnectClient(const QString &clientId);
    Q_INVOKABLE void clearError();

Q_SIGNALS:
    void backendChanged();
    void activeChanged();
    void statsChanged();
    void drainingChanged();
    void lastDrainTextChanged();
    void previewChanged();
    void drainLogChanged();
    void tenantsChanged();
    void revealedTokenChanged();
    void serverChanged();
    void autoDrainSecondsChanged();
    void errorStringChanged();
    void statusTextChanged();

private:
    /// Runs @p ok with the answer's value, or shows @p what failed as the error.
    template <typename T, typename Ok>
    AdminBackend::Callback<T> handle(const QString &what, Ok ok);
    void refreshLog();
    void refreshTenants();
    void refreshServer();
    void setError(const QString &error);
    void setStatus(const QString &status);
    void revealToken(const QString &token, const QString &tenant);

    QPointer<AdminBackend> m_backend;
    bool m_active = false;
    int m_queueDepth = 0;
    qint64 m_oldestSeconds = -1;
    bool m_draining = false;
    QString m_lastDrainText;
    QVariantList m_preview;
    QVariantList m_drainLog;
    QVariantList m_tenants;
    QString m_revealedToken;
    QString m_revealedTokenTenant;
    QVariantMap m_server;
    int m_autoDrainSeconds = 0;
    QString m_errorString;
    QString m_statusText;
    QTimer m_pollTimer;
    QTimer m_autoDrainTimer;
};
