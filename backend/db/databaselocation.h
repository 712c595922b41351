#pragma once
#include "managedpostgres.h"

#include <QString>

#include <memory>
#include <string>

namespace af {

/// @brief Where the database is: --database-url, else
/// ACTIVITYFEED_DATABASE_URL, else DATABASE_URL, else the managed local cluster under
/// the data directory, which is started on open() and stopped when unused at the end.
class DatabaseLocation
{
public:
    DatabaseLocation(QString url, QString dataDir);
    ~DatabaseLocation();

    /// @brief The URL from the environment, or empty.
    [[nodiscard]] static QString urlFromEnvironment();
    /// @brief ~/.local/share/activityfeed, or /var/lib/activityfeed for root (the
    /// unprivileged server account cannot enter /root).
    [[nodiscard]] static QString defaultDataDir();

    /// @brief Blocking: starts the managed cluster if needed; throws with a sentence.
    std::string open();
    [[nodiscard]] bool managed() const { return m_url.isEmpty(); }
    [[nodiscard]] QString dataDir() const { return m_dataDir; }
    [[nodiscard]] QString describe() const;

private:
    QString m_url;
    QString m_dataDir;
    std::unique_ptr<ManagedPostgres> m_pg;
};

} // namespace af
