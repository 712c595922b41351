#include "pgharness.h"

#include "db/managedpostgres.h"
#include "db/migrator.h"

#include <QDir>
#include <QProcess>

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace aftest {

PgCluster &PgCluster::instance()
{
    static PgCluster cluster;
    return cluster;
}

PgCluster::PgCluster()
{
    char tmpl[] = "/tmp/afpg-XXXXXX";
    if (!::mkdtemp(tmpl))
        throw std::runtime_error("cannot create a temporary directory");
    m_dir = QString::fromLocal8Bit(tmpl);
    ::chmod(tmpl, 0755);
    startReaper();
    af::ManagedPostgres::Options o;
    o.dataDir = m_dir;
    o.databaseName = QStringLiteral("postgres");
    o.quiet = true;
    o.extraSettings = {QStringLiteral("fsync=off"), QStringLiteral("synchronous_commit=off"),
                       QStringLiteral("full_page_writes=off"),
                       QStringLiteral("log_min_messages=fatal")};
    m_pg = std::make_unique<af::ManagedPostgres>(o);
    m_pg->ensureRunning();
}

PgCluster::~PgCluster()
{
    try {
        m_pg->stop(true);
    } catch (...) {
    }
    QDir(m_dir).removeRecursively();
}

void PgCluster::startReaper()
{
    // The reaper holds the read end; our write end is close-on-exec and closes when this
    // process exits for any reason, which wakes the reaper to stop the server and clean up.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return;
    const QString binDir = af::ManagedPostgres::findBinDir();
    const QString stopCmd =
        (::geteuid() == 0 ? QStringLiteral("runuser -u postgres -- ") : QString()) + binDir +
        QStringLiteral("/pg_ctl stop -D '%1/pgdata' -m immediate >/dev/null 2>&1; rm -rf '%1'")
            .arg(m_dir);
    const QByteArray script = (QStringLiteral("cat >/dev/null; ") + stopCmd).toLocal8Bit();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setsid();
        ::dup2(fds[0], 0);
        const int devnull = ::open("/dev/null", O_WRONLY);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
        ::execl("/bin/sh", "sh", "-c", script.constData(), static_cast<char *>(nullptr));
        ::_exit(127);
    }
    ::close(fds[0]);
    // Keep fds[1] open for the life of the process (deliberately leaked).
}

std::string PgCluster::adminConnectionString() const
{
    return m_pg->connectionString(QStringLiteral("postgres"));
}

std::string PgCluster::createDatabase(const std::string &prefix)
{
    const std::string name = prefix + "_" + std::to_string(::getpid()) + "_" +
                             std::to_string(++m_counter);
    pqxx::connection conn(adminConnectionString());
    pqxx::nontransaction tx(conn);
    tx.exec0("CREATE DATABASE " + tx.quote_name(name));
    return m_pg->connectionString(QString::fromStdString(name));
}

std::string PgCluster::createMigratedDatabase(const std::string &prefix)
{
    const std::string cs = createDatabase(prefix);
    pqxx::connection conn(cs);
    af::Migrator::migrate(conn);
    return cs;
}

void PgCluster::stopServer()
{
    // The cluster runs with synchronous_commit=off and an immediate stop is a crash: WAL
    // still in memory would be lost, taking recently committed rows with it. A
    // checkpoint first writes it out, so only the server goes away, not committed data.
    try {
        pqxx::connection conn(adminConnectionString());
        pqxx::nontransaction tx(conn);
        tx.exec0("CHECKPOINT");
    } catch (const std::exception &) {
        // not running: nothing to keep
    }
    m_pg->stop(true);
}

void PgCluster::startServer()
{
    m_pg->ensureRunning();
}

std::string freshDatabase(const std::string &prefix)
{
    return PgCluster::instance().createMigratedDatabase(prefix);
}

std::string queryValue(const std::string &connString, const std::string &sql)
{
    pqxx::connection c(connString);
    pqxx::work tx(c);
    const auto r = tx.exec1(sql);
    tx.commit();
    return r[0].is_null() ? std::string() : r[0].c_str();
}

long long queryNumber(const std::string &connString, const std::string &sql)
{
    const std::string value = queryValue(connString, sql);
    return value.empty() ? 0 : std::stoll(value);
}

void execute(const std::string &connString, const std::string &sql)
{
    // Autocommit, so that statements that refuse a transaction block (VACUUM) run too;
    // several statements in one string still commit or fail together.
    pqxx::connection c(connString);
    pqxx::nontransaction tx(c);
    tx.exec(sql);
}

} // namespace aftest
