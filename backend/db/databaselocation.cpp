#include "databaselocation.h"

#include <QStandardPaths>

#include <unistd.h>

namespace af {

DatabaseLocation::DatabaseLocation(QString url, QString dataDir)
    : m_url(std::move(url)), m_dataDir(dataDir.isEmpty() ? defaultDataDir() : std::move(dataDir))
{
}

DatabaseLocation::~DatabaseLocation()
{
    if (m_pg) {
        try {
            m_pg->stopIfUnused();
        } catch (...) {
        }
    }
}

QString DatabaseLocation::urlFromEnvironment()
{
    for (const char *name : {"ACTIVITYFEED_DATABASE_URL", "DATABASE_URL"}) {
        const QString v = qEnvironmentVariable(name).trimmed();
        if (!v.isEmpty())
            return v;
    }
    return {};
}

QString DatabaseLocation::defaultDataDir()
{
    if (::geteuid() == 0)
        return QStringLiteral("/var/lib/activityfeed");
    const QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return base + QStringLiteral("/activityfeed");
}

std::string DatabaseLocation::open()
{
    if (!m_url.isEmpty())
        return m_url.toStdString();
    if (!m_pg) {
        ManagedPostgres::Options o;
        o.dataDir = m_dataDir;
        m_pg = std::make_unique<ManagedPostgres>(o);
    }
    m_pg->ensureRunning();
    return m_pg->connectionString();
}

QString DatabaseLocation::describe() const
{
    if (!m_url.isEmpty())
        return QStringLiteral("database from URL");
    return QStringLiteral("local database in %1/pgdata").arg(m_dataDir);
}

} // namespace af
