#include "relativetime.h"

#include <QCoreApplication>
#include <QLocale>

QString relativeTime(const QDateTime &then, const QDateTime &now)
{
    if (!then.isValid())
        return {};
    const qint64 secs = then.secsTo(now);
    if (secs < 45)
        return QCoreApplication::translate("relativeTime", "just now");
    if (secs < 3600)
        return QCoreApplication::translate("relativeTime", "%1 min ago").arg(std::max<qint64>(1, (secs + 30) / 60));
    if (secs < 24 * 3600)
        return QCoreApplication::translate("relativeTime", "%1 h ago").arg(secs / 3600);
    const qint64 days = then.toLocalTime().date().daysTo(now.toLocalTime().date());
    if (days <= 1)
        return QCoreApplication::translate("relativeTime", "yesterday");
    if (days < 7)
        return QCoreApplication::translate("relativeTime", "%1 days ago").arg(days);
    const QDate date = then.toLocalTime().date();
    const QString format = date.year() == now.toLocalTime().date().year()
                               ? QStringLiteral("d MMM")
                               : QStringLiteral("d MMM yyyy");
    return QLocale().toString(date, format);
}

QDateTime parseTimestamp(const QString &iso)
{
    QDateTime dt = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!dt.isValid())
        dt = QDateTime::fromString(iso, Qt::ISODate);
    return dt;
}
