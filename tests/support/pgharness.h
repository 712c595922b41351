#pragma once
#include <QString>

#include <memory>
#include <string>

namespace af {
class ManagedPostgres;
}

namespace aftest {

/// @brief One throwaway PostgreSQL cluster per test process (temporary directory, fsync
/// off, Unix socket only), started on first use and removed at exit — also when the test
/// process crashes: a reaper child waits for our end of a pipe to close.
class PgCluster
{
public:
    static PgCluster &instance();

    /// @brief A fresh, empty database; returns its connection string.
    std::string createDatabase(const std::string &prefix = "t");
    /// @brief A fresh database with every migration applied.
    std::string createMigratedDatabase(const std::string &prefix = "t");

    /// @brief For fault tests: stop (immediate) and start the server again.
    void stopServer();
    void startServer();

    [[nodiscard]] QString dataDir() const { return m_dir; }
    [[nodiscard]] std::string adminConnectionString() const;

    ~PgCluster();

private:
    PgCluster();
    void startReaper();

    QString m_dir;
    std::unique_ptr<af::ManagedPostgres> m_pg;
    int m_counter = 0;
};

/// @brief Connection string of a fresh migrated database, one per call.
std::string freshDatabase(const std::string &prefix = "t");
/// @brief Runs @p sql on a connection of its own and commits; returns the first column of
/// its one row as text ("" for NULL). Throws unless exactly one row comes back.
std::string queryValue(const std::string &connString, const std::string &sql);
/// @brief queryValue() read as a number, 0 for NULL (counts, sums, ids).
long long queryNumber(const std::string &connString, const std::string &sql);
/// @brief Runs @p sql on a connection of its own and commits.
void execute(const std::string &connString, const std::string &sql);

} // namespace aftest
