#pragma once
#include <QObject>
#include <QSettings>
#include <QStringList>
#include <QVariant>
#include <QtQml/qqmlregistration.h>

/// @brief QSettings for QML (window geometry, last tab, acting tenant, auto-drain…), and
/// the two switches each event type has: "show in feed" and "notify".
class AppSettings : public QObject
{
    Q_OBJECT
    QML_ELEMENT
public:
    using QObject::QObject;

    /// @brief The stored value of @p key, or @p fallback.
    Q_INVOKABLE QVariant value(const QString &key, const QVariant &fallback = {}) const;
    Q_INVOKABLE void setValue(const QString &key, const QVariant &value);

    /// @brief Whether events of @p eventType are shown in the feed (on unless switched off).
    Q_INVOKABLE static bool shownInFeed(const QString &eventType);
    Q_INVOKABLE static void setShownInFeed(const QString &eventType, bool shown);
    /// @brief Whether events of @p eventType, and reactions and comments on them, notify.
    Q_INVOKABLE static bool notifies(const QString &eventType);
    Q_INVOKABLE static void setNotifies(const QString &eventType, bool notify);
    /// @brief The catalogue's types that are shown; every type when none is hidden.
    Q_INVOKABLE static QStringList shownTypes();

private:
    QSettings m_settings;
};
