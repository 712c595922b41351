#include "managedpostgres.h"

#include "core/logcategories.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include <pwd.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace af {

namespace {
constexpr int kPort = 5432; // only names the socket file: the server has no TCP listener

bool isRoot() { return ::geteuid() == 0; }

std::string quoteConnValue(const QString &v)
{
    QString out = v;
    out.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    out.replace(QLatin1Char('\''), QLatin1String("\\'"));
    return ("'" + out + "'").toStdString();
}

void chownTo(const QString &path, const QString &user)
{
    const passwd *pw = ::getpwnam(user.toLocal8Bit().constData());
    if (!pw)
        throw std::runtime_error("the system user '" + user.toStdString() + "' does not exist");
    if (::chown(path.toLocal8Bit().constData(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("cannot hand " + path.toStdString() + " to user " +
                                 user.toStdString());
}
} // namespace

ManagedPostgres::ManagedPostgres(Options options) : m_options(std::move(options))
{
    m_options.dataDir = QDir(m_options.dataDir).absolutePath();
}

QString ManagedPostgres::findBinDir()
{
    QProcess p;
    p.start(QStringLiteral("pg_config"), {QStringLiteral("--bindir")});
    if (p.waitForFinished(5000) && p.exitCode() == 0) {
        const QString dir = QString::fromLocal8Bit(p.readAllStandardOutput()).trimmed();
        if (QFileInfo::exists(dir + QStringLiteral("/initdb")))
            return dir;
    }
    QDir root(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    std::sort(versions.begin(), versions.end(),
              [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const QString &v : versions) {
        const QString dir = root.filePath(v + QStringLiteral("/bin"));
        if (QFileInfo::exists(dir + QStringLiteral("/initdb")) &&
            QFileInfo::exists(dir + QStringLiteral("/pg_ctl")))
            return dir;
    }
    throw std::runtime_error(
        "PostgreSQL is not installed: install it with 'apt-get install -y postgresql-15' "
        "(or give --database-url for an existing server)");
}

QString ManagedPostgres::serverUser() const
{
    // Root running an admin command on the service's data dir must not hand that cluster
    // to 'postgres': the service's own user would then be locked out of its data.
    struct stat st {};
    if (::stat(pgdata().toLocal8Bit().constData(), &st) == 0 && st.st_uid != 0) {
        if (const passwd *pw = ::getpwuid(st.st_uid))
            return QString::fromLocal8Bit(pw->pw_name);
    }
    return QStringLiteral("postgres");
}

QString ManagedPostgres::pgdata() const
{
    return m_options.dataDir + QStringLiteral("/pgdata");
}

QString ManagedPostgres::socketDir() const
{
    return m_options.dataDir + QStringLiteral("/run");
}

std::string ManagedPostgres::connectionString(const QString &database) const
{
    const QString db = database.isEmpty() ? m_options.databaseName : database;
    return "host=" + quoteConnValue(socketDir()) + " port=" + std::to_string(kPort) +
           " user=postgres dbname=" + quoteConnValue(db) +
           " application_name=activityfeed connect_timeout=10";
}

int ManagedPostgres::run(const QString &program, const QStringList &args, QString *output,
                         int timeoutMs) const
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    const QString exe = m_binDir + QLatin1Char('/') + program;
    if (isRoot()) {
        QStringList full{QStringLiteral("-u"), serverUser(), QStringLiteral("--"), exe};
        full += args;
        p.start(QStringLiteral("runuser"), full);
    } else {
        p.start(exe, args);
    }
    if (!p.waitForStarted(10000))
        throw std::runtime_error("cannot run " + exe.toStdString());
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(2000);
        throw std::runtime_error(exe.toStdString() + " did not finish in time");
    }
    if (output)
        *output = QString::fromLocal8Bit(p.readAll());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

void ManagedPostgres::prepareDirectories() const
{
    QDir().mkpath(m_options.dataDir);
    QDir().mkpath(socketDir());
    const QString socketPath = socketDir() + QStringLiteral("/.s.PGSQL.5432");
    if (socketPath.toLocal8Bit().size() >= 100)
        throw std::runtime_error("the data directory path is too long for a Unix socket (" +
                                 socketPath.toStdString() + "); choose a shorter --data-dir");
    if (isRoot()) {
        // The server runs as an unprivileged user: it must own its directories and be
        // able to reach them.
        const passwd *pw = ::getpwnam(serverUser().toLocal8Bit().constData());
        if (!pw)
            throw std::runtime_error("running as root needs the system user 'postgres' "
                                     "(install the postgresql package) to run the database");
        chownTo(m_options.dataDir, serverUser());
        chownTo(socketDir(), serverUser());
        QString probe;
        if (QProcess::execute(QStringLiteral("runuser"),
                              {QStringLiteral("-u"), serverUser(), QStringLiteral("--"),
                               QStringLiteral("test"), QStringLiteral("-w"), m_options.dataDir}) != 0)
            throw std::runtime_error(
                "the '" + serverUser().toStdString() + "' user cannot write to " + m_options.dataDir.toStdString() +
                " (a parent directory is private); choose a --data-dir it can reach, "
                "e.g. /var/lib/activityfeed");
    }
    ::chmod(socketDir().toLocal8Bit().constData(), 0700);
}

bool ManagedPostgres::isRunning() const
{
    if (!QFileInfo::exists(pgdata() + QStringLiteral("/PG_VERSION")))
        return false;
    QString bin = m_binDir.isEmpty() ? findBinDir() : m_binDir;
    const_cast<ManagedPostgres *>(this)->m_binDir = bin;
    return run(QStringLiteral("pg_ctl"), {QStringLiteral("status"), QStringLiteral("-D"), pgdata()}) == 0;
}

void ManagedPostgres::ensureRunning()
{
    m_binDir = findBinDir();
    prepareDirectories();
    QString out;
    if (!QFileInfo::exists(pgdata() + QStringLiteral("/PG_VERSION"))) {
        if (!m_options.quiet)
            qCInfo(lcDb, "creating the local database cluster in %s", qPrintable(pgdata()));
        const int rc = run(QStringLiteral("initdb"),
                           {QStringLiteral("-D"), pgdata(), QStringLiteral("-U"),
                            QStringLiteral("postgres"), QStringLiteral("-A"), QStringLiteral("trust"),
                            QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--no-locale"),
                            QStringLiteral("--no-sync")},
                           &out);
        if (rc != 0)
            throw std::runtime_error("initdb failed: " + out.trimmed().toStdString());
    }
    if (!isRunning()) {
        QStringList settings{QStringLiteral("listen_addresses=''"),
                             QStringLiteral("unix_socket_directories='%1'").arg(socketDir()),
                             QStringLiteral("max_connections=300"),
                             QStringLiteral("shared_buffers=128MB")};
        settings += m_options.extraSettings;
        QString opts = QStringLiteral("-p %1").arg(kPort);
        for (const QString &s : settings)
            opts += QStringLiteral(" -c ") + s;
        const int rc = run(QStringLiteral("pg_ctl"),
                           {QStringLiteral("start"), QStringLiteral("-w"), QStringLiteral("-t"),
                            QStringLiteral("60"), QStringLiteral("-D"), pgdata(), QStringLiteral("-l"),
                            pgdata() + QStringLiteral("/server.log"), QStringLiteral("-o"), opts},
                           &out);
        if (rc != 0 && !isRunning())
            throw std::runtime_error("the local PostgreSQL server did not start (see " +
                                     pgdata().toStdString() + "/server.log): " +
                                     out.trimmed().toStdString());
        m_startedHere = rc == 0;
    }
    createDatabase();
}

void ManagedPostgres::createDatabase()
{
    pqxx::connection conn(connectionString(QStringLiteral("postgres")));
    pqxx::nontransaction tx(conn);
    const auto r = tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1",
                                  m_options.databaseName.toStdString());
    if (!r.empty())
        return;
    try {
        tx.exec0("CREATE DATABASE " + tx.quote_name(m_options.databaseName.toStdString()));
    } catch (const pqxx::sql_error &) {
        // Another instance created it at the same moment.
        const auto again = tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1",
                                          m_options.databaseName.toStdString());
        if (again.empty())
            throw;
    }
}

void ManagedPostgres::stopIfUnused()
{
    try {
        pqxx::connection conn(connectionString(QStringLiteral("postgres")));
        pqxx::nontransaction tx(conn);
        const auto r = tx.exec1("SELECT count(*) FROM pg_stat_activity "
                                "WHERE application_name = 'activityfeed' "
                                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
        if (r[0].as<int>() > 0)
            return;
    } catch (const std::exception &) {
        return; // not running, nothing to stop
    }
    stop(false);
}

void ManagedPostgres::stop(bool immediate)
{
    if (m_binDir.isEmpty())
        m_binDir = findBinDir();
    run(QStringLiteral("pg_ctl"),
        {QStringLiteral("stop"), QStringLiteral("-w"), QStringLiteral("-D"), pgdata(),
         QStringLiteral("-m"), immediate ? QStringLiteral("immediate") : QStringLiteral("fast")});
}

} // namespace af
