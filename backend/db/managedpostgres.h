#pragma once
#include <QString>
#include <QStringList>

#include <chrono>
#include <memory>
#include <string>

namespace af {

class FileLock;

/// @brief A private PostgreSQL cluster under a data directory, so that the desktop needs no server set up: initdb on
/// first use, a server that listens only on a Unix socket inside the data directory, run
/// as an unprivileged system user when we are root, reused by a second instance.
/// Every connection authenticates (scram) with a generated password kept in a 0600 file
/// beside the cluster; the socket directory must be ours and closed to others; initdb,
/// start and stop run under a file lock, so instances starting together do not race.
/// Every method blocks (initdb, pg_ctl): never call it on the GUI thread.
class ManagedPostgres
{
public:
    struct Options {
        QString dataDir;              ///< the cluster lives in <dataDir>/pgdata
        QStringList extraSettings;    ///< extra "-c name=value" settings, e.g. fsync=off
        QString databaseName = QStringLiteral("activityfeed");
        bool quiet = false;           ///< no progress lines on stderr
    };

    explicit ManagedPostgres(Options options);
    ~ManagedPostgres();

    /// @brief initdb if needed, start if not running, create the database; throws
    /// std::runtime_error with a sentence for the user.
    void ensureRunning();

    /// @brief Stops the server if we started it or nobody else uses it (other
    /// activityfeed connections keep it running).
    void stopIfUnused();
    /// How long another activityfeed connection must stay listed before stopIfUnused
    /// takes the server as in use (a connection closed a moment ago is still listed
    /// until its backend has exited).
    static constexpr std::chrono::milliseconds kInUseSettle{2000};
    /// @brief Stops the server now (fast, or immediate: no shutdown checkpoint).
    void stop(bool immediate = false);
    /// @brief Is a server running on this data directory?
    [[nodiscard]] bool isRunning() const;

    [[nodiscard]] std::string connectionString(const QString &database = {}) const;
    [[nodiscard]] QString socketDir() const;
    [[nodiscard]] QString pgdata() const;
    /// @brief The libpq password file (pgpass format) that connectionString() names.
    [[nodiscard]] QString passwordFile() const;
    [[nodiscard]] bool startedHere() const { return m_startedHere; }

    /// @brief The PostgreSQL server binaries directory; throws with an install hint.
    [[nodiscard]] static QString findBinDir();
    /// @brief When running as root: the unprivileged account that runs the server — the
    /// owner of an existing cluster (the service's `activityfeed`), else `postgres`.
    [[nodiscard]] QString serverUser() const;

private:
    int run(const QString &program, const QStringList &args, QString *output = nullptr,
            int timeoutMs = 120000) const;
    void prepareDirectories() const;
    /// Makes the socket directory if missing and refuses one the server does not own alone.
    void checkSocketDirectory() const;
    void initCluster();
    void secureTrustCluster();
    void writeSettings() const;
    void createDatabase();
    void handToServer(const QString &path) const;

    Options m_options;
    QString m_binDir;
    bool m_startedHere = false;
    /// Held shared while this object uses the cluster: a stop happens only when nobody does.
    std::unique_ptr<FileLock> m_users;
};

} // namespace af
