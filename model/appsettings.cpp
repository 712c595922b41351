#include "appsettings.h"

QVariant AppSettings::value(const QString &key, const QVariant &fallback) const
{
    return m_settings.value(key, fallback);
}

void AppSettings::setValue(const QString &key, const QVariant &value)
{
    m_settings.setValue(key, value);
}
