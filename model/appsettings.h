#pragma once
#include <QObject>
#include <QSettings>
#include <QVariant>
#include <QtQml/qqmlregistration.h>

/// @brief QSettings for QML (window geometry, last tab, acting tenant, auto-drain…).
class AppSettings : public QObject
{
    Q_OBJECT
    QML_ELEMENT
public:
    using QObject::QObject;

    /// @brief The stored value of @p key, or @p fallback.
    Q_INVOKABLE QVariant value(const QString &key, const QVariant &fallback = {}) const;
    Q_INVOKABLE void setValue(const QString &key, const QVariant &value);

private:
    QSettings m_settings;
};
