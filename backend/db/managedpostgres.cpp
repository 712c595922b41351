#include "managedpostgres.h"

#include "core/logcategories.h"
#include "filelock.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>

#include <pqxx/connection>
#include <pqxx/nontransaction>

#include <fcntl.h>
#include <pwd.h>
#include <stdexcept>
#include <thread>
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

/// A value for postgresql.conf: single-quoted, a quote inside doubled.
QString confQuote(const QString &v)
{
    QString out = v;
    out.replace(QLatin1Char('\''), QLatin1String("''"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

QString randomPassword()
{
    QString out;
    for (int i = 0; i < 4; ++i)
        out += QString::number(QRandomGenerator::system()->generate64(), 36);
    return out;
}

/// Creates @p path anew with mode 0600 (never through a link), holding @p text.
void writePrivateFile(const QString &path, const QByteArray &text)
{
    const QByteArray p = path.toLocal8Bit();
    ::unlink(p.constData());
    const int fd = ::open(p.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        throw std::runtime_error("cannot create " + path.toStdString());
    const bool ok = ::write(fd, text.constData(), size_t(text.size())) == text.size();
    ::close(fd);
    if (!ok)
        throw std::runtime_error("cannot write " + path.toStdString());
}

uid_t uidOf(const QString &user)
{
    if (!isRoot())
        return ::geteuid();
    const passwd *pw = ::getpwnam(user.toLocal8Bit().constData());
    return pw ? pw->pw_uid : uid_t(-1);
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

ManagedPostgres::~ManagedPostgres() = default;

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

QString ManagedPostgres::passwordFile() const
{
    return m_options.dataDir + QStringLiteral("/pgpass");
}

std::string ManagedPostgres::connectionString(const QString &database) const
{
    const QString db = database.isEmpty() ? m_options.databaseName : database;
    // The password stays in its file: the string itself holds no secret.
    return "host=" + quoteConnValue(socketDir()) + " port=" + std::to_string(kPort) +
           " user=postgres dbname=" + quoteConnValue(db) + " passfile=" + quoteConnValue(passwordFile()) +
           " application_name=activityfeed connect_timeout=10";
}

void ManagedPostgres::handToServer(const QString &path) const
{
    if (isRoot())
        chownTo(path, serverUser());
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
    // pg_ctl hands the data directory to /bin/sh inside double quotes; these characters
    // would still be interpreted there (a newline would also break postgresql.conf).
    for (const QChar c : m_options.dataDir) {
        if (c == QLatin1Char('"') || c == QLatin1Char('`') || c == QLatin1Char('$') ||
            c == QLatin1Char('\\') || c == QLatin1Char('\n') || c == QLatin1Char('\r'))
            throw std::runtime_error("the data directory path " + m_options.dataDir.toStdString() +
                                     " contains a character PostgreSQL's pg_ctl cannot pass on (\" ` $ \\ or a "
                                     "line break); choose another --data-dir");
    }
    QDir().mkpath(m_options.dataDir);
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
        if (QProcess::execute(QStringLiteral("runuser"),
                              {QStringLiteral("-u"), serverUser(), QStringLiteral("--"),
                               QStringLiteral("test"), QStringLiteral("-w"), m_options.dataDir}) != 0)
            throw std::runtime_error(
                "the '" + serverUser().toStdString() + "' user cannot write to " + m_options.dataDir.toStdString() +
                " (a parent directory is private); choose a --data-dir it can reach, "
                "e.g. /var/lib/activityfeed");
    }
}

void ManagedPostgres::checkSocketDirectory() const
{
    // Called under the start lock: as root the directory is made by us and handed to the
    // server's user a moment later, and another instance must not judge it in between.
    const QByteArray run = socketDir().toLocal8Bit();
    if (::mkdir(run.constData(), 0700) == 0)
        handToServer(socketDir());
    // Whoever owns or can write the socket directory can put their own socket there and
    // collect our password, or reach our server: it must be the server's alone.
    struct stat st {};
    if (::lstat(socketDir().toLocal8Bit().constData(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::runtime_error("the socket directory " + socketDir().toStdString() +
                                 " is missing or not a directory");
    const uid_t serverUid = uidOf(serverUser());
    if (st.st_uid != serverUid)
        throw std::runtime_error("the socket directory " + socketDir().toStdString() + " belongs to uid " +
                                 std::to_string(st.st_uid) + ", not to the database's own user (uid " +
                                 std::to_string(serverUid) + "); remove it or choose another --data-dir");
    if ((st.st_mode & 077) != 0)
        throw std::runtime_error("the socket directory " + socketDir().toStdString() +
                                 " is open to other users (mode " + QString::number(st.st_mode & 0777, 8).toStdString() +
                                 "); run 'chmod 700 " + socketDir().toStdString() + "' or remove it");
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
    // One process at a time creates, starts, secures or stops the cluster.
    FileLock startLock(m_options.dataDir + QStringLiteral("/.start.lock"));
    startLock.lock(true, std::chrono::minutes(3));
    checkSocketDirectory();
    bool secure = false;
    if (!QFileInfo::exists(pgdata() + QStringLiteral("/PG_VERSION")))
        initCluster();
    else
        secure = !QFileInfo::exists(passwordFile()); // made by an older version, with trust
    writeSettings();
    if (!isRunning()) {
        QString out;
        const int rc = run(QStringLiteral("pg_ctl"),
                           {QStringLiteral("start"), QStringLiteral("-w"), QStringLiteral("-t"),
                            QStringLiteral("60"), QStringLiteral("-D"), pgdata(), QStringLiteral("-l"),
                            pgdata() + QStringLiteral("/server.log")},
                           &out);
        if (rc != 0 && !isRunning())
            throw std::runtime_error("the local PostgreSQL server did not start (see " +
                                     pgdata().toStdString() + "/server.log): " +
                                     out.trimmed().toStdString());
        m_startedHere = rc == 0;
    }
    if (secure)
        secureTrustCluster();
    createDatabase();
    if (!m_users)
        m_users = std::make_unique<FileLock>(m_options.dataDir + QStringLiteral("/.users.lock"));
    m_users->lock(false, std::chrono::minutes(3));
}

void ManagedPostgres::initCluster()
{
    if (!m_options.quiet)
        qCInfo(lcDb, "creating the local database cluster in %s", qPrintable(pgdata()));
    const QString password = randomPassword();
    // initdb (the server's user) reads the password from a file of its own, gone after.
    const QString pwfile = m_options.dataDir + QStringLiteral("/.initdb-password");
    writePrivateFile(pwfile, password.toUtf8() + '\n');
    handToServer(pwfile);
    QString out;
    const int rc = run(QStringLiteral("initdb"),
                       {QStringLiteral("-D"), pgdata(), QStringLiteral("-U"), QStringLiteral("postgres"),
                        QStringLiteral("-A"), QStringLiteral("scram-sha-256"),
                        QStringLiteral("--pwfile=") + pwfile, QStringLiteral("-E"), QStringLiteral("UTF8"),
                        QStringLiteral("--no-locale"), QStringLiteral("--no-sync")},
                       &out);
    QFile::remove(pwfile);
    if (rc != 0)
        throw std::runtime_error("initdb failed: " + out.trimmed().toStdString());
    writePrivateFile(passwordFile(), "*:*:*:postgres:" + password.toUtf8() + '\n');
}

void ManagedPostgres::secureTrustCluster()
{
    // Earlier versions ran initdb -A trust: any process of the server's uid (under root,
    // any process of the system cluster's 'postgres' user) got in as superuser. Give the
    // role a password and make every connection prove it.
    qCInfo(lcDb, "securing the local database: connections now need the password in %s",
           qPrintable(passwordFile()));
    const QString password = randomPassword();
    writePrivateFile(passwordFile(), "*:*:*:postgres:" + password.toUtf8() + '\n');
    pqxx::connection conn(connectionString(QStringLiteral("postgres")));
    pqxx::nontransaction tx(conn);
    tx.exec0("SET password_encryption = 'scram-sha-256'");
    tx.exec0("ALTER ROLE postgres PASSWORD " + tx.quote(password.toStdString()));
    const QString hba = pgdata() + QStringLiteral("/pg_hba.conf");
    QFile f(hba);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        throw std::runtime_error("cannot rewrite " + hba.toStdString());
    f.write("# Written by activityfeed: every connection proves the password kept beside the cluster.\n"
            "local all all scram-sha-256\n");
    f.close();
    handToServer(hba);
    tx.exec("SELECT pg_reload_conf()");
}

void ManagedPostgres::writeSettings() const
{
    // Read by the server from a file rather than through pg_ctl -o, which goes through
    // /bin/sh and broke on a path with a quote in it.
    QStringList lines{QStringLiteral("listen_addresses = ''"),
                      QStringLiteral("unix_socket_directories = %1").arg(confQuote(socketDir())),
                      QStringLiteral("port = %1").arg(kPort), QStringLiteral("max_connections = 300"),
                      QStringLiteral("shared_buffers = 128MB")};
    lines += m_options.extraSettings;
    const QString path = pgdata() + QStringLiteral("/activityfeed.conf");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        throw std::runtime_error("cannot write " + path.toStdString());
    f.write("# Written by activityfeed at each start.\n" + lines.join(QLatin1Char('\n')).toUtf8() + '\n');
    f.close();
    handToServer(path);
    const QString conf = pgdata() + QStringLiteral("/postgresql.conf");
    QFile main(conf);
    if (!main.open(QIODevice::ReadWrite))
        throw std::runtime_error("cannot read " + conf.toStdString());
    const QByteArray include = "include_if_exists = 'activityfeed.conf'";
    if (!main.readAll().contains(include)) {
        main.seek(main.size());
        main.write("\n" + include + "\n");
    }
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
    // Under the start lock: no instance can be between its start and its first use.
    FileLock startLock(m_options.dataDir + QStringLiteral("/.start.lock"));
    try {
        startLock.lock(true, std::chrono::seconds(30));
    } catch (const std::exception &) {
        return; // another instance is starting it: it is in use
    }
    if (m_users)
        m_users->unlock();
    FileLock users(m_options.dataDir + QStringLiteral("/.users.lock"));
    if (!users.tryLock(true))
        return; // another activityfeed instance on this data directory
    try {
        // Instances of older versions hold no file lock: their connections tell. This
        // process's own connections, closed just now, may still be listed while their
        // backends exit (seen in CI: the server kept running after `migrate` ended), so an
        // "in use" is looked at again until it has lasted kInUseSettle.
        pqxx::connection conn(connectionString(QStringLiteral("postgres")));
        const auto deadline = std::chrono::steady_clock::now() + kInUseSettle;
        for (;;) {
            pqxx::nontransaction tx(conn);
            const auto r = tx.exec1("SELECT count(*) FROM pg_stat_activity "
                                    "WHERE application_name = 'activityfeed' "
                                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
            tx.commit();
            if (r[0].as<int>() == 0)
                break;
            if (std::chrono::steady_clock::now() >= deadline)
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
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
