#include "appsettings.h"

#include "core/catalogue.h"

namespace {

QString key(const char *what, const QString &eventType)
{
    return QStringLiteral("types/%1/%2").arg(eventType, QLatin1String(what));
}

} // namespace

QVariant AppSettings::value(const QString &key, const QVariant &fallback) const
{
    return m_settings.value(key, fallback);
}

void AppSettings::setValue(const QString &key, const QVariant &value)
{
    m_settings.setValue(key, value);
}

// QSettings objects of one process share their values, so a fresh one reads what any
// other has just written.
bool AppSettings::shownInFeed(const QString &eventType)
{
    return QSettings().value(key("show", eventType), true).toBool();
}

void AppSettings::setShownInFeed(const QString &eventType, bool shown)
{
    QSettings().setValue(key("show", eventType), shown);
}

bool AppSettings::notifies(const QString &eventType)
{
    return QSettings().value(key("notify", eventType), true).toBool();
}

void AppSettings::setNotifies(const QString &eventType, bool notify)
{
    QSettings().setValue(key("notify", eventType), notify);
}

QStringList AppSettings::shownTypes()
{
    QStringList shown;
    for (const QString &type : af::Catalogue::eventTypeNames())
        if (shownInFeed(type))
            shown.append(type);
    return shown;
}
