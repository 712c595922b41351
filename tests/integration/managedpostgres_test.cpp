// The managed PostgreSQL as a second local user or a second instance meets it: two
// processes starting together on an empty data directory make one cluster and both work;
// no other process gets in without the generated password (another uid cannot even reach
// the socket, the server's own uid is asked for the password); a socket directory that is
// not the server's alone is refused before anything starts; a data directory whose path
// holds a quote works.
#include "db/managedpostgres.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

af::ManagedPostgres::Options options(const QString &dir)
{
    af::ManagedPostgres::Options o;
    o.dataDir = dir;
    o.quiet = true;
    return o;
}

/// A temporary directory the postgres user can reach when we are root; any cluster left
/// running in it by a failed test is stopped.
struct ClusterDir {
    QTemporaryDir tmp{QStringLiteral("/tmp/afmp-XXXXXX")};
    QString path;
    explicit ClusterDir(const QString &sub = QStringLiteral("data"))
    {
        ::chmod(tmp.path().toLocal8Bit().constData(), 0755);
        path = tmp.path() + QLatin1Char('/') + sub;
    }
    ~ClusterDir()
    {
        if (QFileInfo::exists(path + QStringLiteral("/pgdata/postmaster.pid"))) {
            try {
                af::ManagedPostgres(options(path)).stop(true);
            } catch (...) {
            }
        }
    }
};

struct ProcessRun {
    int code = -1;
    QString out, err;
};

ProcessRun runProcess(const QString &program, const QStringList &args, int timeoutMs = 120000)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("ACTIVITYFEED_DATABASE_URL"));
    env.remove(QStringLiteral("DATABASE_URL"));
    env.remove(QStringLiteral("PGPASSWORD"));
    env.remove(QStringLiteral("PGPASSFILE"));
    p.setProcessEnvironment(env);
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs))
        p.kill();
    p.waitForFinished(5000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromLocal8Bit(p.readAllStandardOutput()), QString::fromLocal8Bit(p.readAllStandardError())};
}

TEST(ManagedPostgres, TwoInstancesStartTogetherOnAnEmptyDataDir)
{
    ClusterDir dir;
    const QStringList args{QStringLiteral("migrate"), QStringLiteral("--data-dir"), dir.path};
    QProcess a, b;
    for (QProcess *p : {&a, &b})
        p->start(QStringLiteral(AF_BINARY_PATH), args);
    ASSERT_TRUE(a.waitForStarted(10000) && b.waitForStarted(10000));
    ASSERT_TRUE(a.waitForFinished(180000) && b.waitForFinished(180000));
    const QString errA = QString::fromLocal8Bit(a.readAllStandardError());
    const QString errB = QString::fromLocal8Bit(b.readAllStandardError());
    EXPECT_EQ(a.exitCode(), 0) << errA.toStdString();
    EXPECT_EQ(b.exitCode(), 0) << errB.toStdString();
    EXPECT_EQ(int(errA.contains(QLatin1String("creating the local database cluster"))) +
                  int(errB.contains(QLatin1String("creating the local database cluster"))),
              1)
        << "exactly one of them runs initdb\n" << errA.toStdString() << errB.toStdString();
    EXPECT_FALSE(QFileInfo::exists(dir.path + QStringLiteral("/pgdata/postmaster.pid")))
        << "the last one to finish stops the server";
}

TEST(ManagedPostgres, NoOtherProcessGetsInWithoutThePassword)
{
    ClusterDir dir;
    af::ManagedPostgres pg(options(dir.path));
    pg.ensureRunning();
    const QString psql = af::ManagedPostgres::findBinDir() + QStringLiteral("/psql");
    const QString target = QStringLiteral("host=%1 port=5432 user=postgres dbname=postgres").arg(pg.socketDir());

    // Ours: the password file is 0600 and the string names it.
    struct stat st {};
    ASSERT_EQ(::stat(pg.passwordFile().toLocal8Bit().constData(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    pqxx::connection ours(pg.connectionString(QStringLiteral("postgres")));
    EXPECT_TRUE(ours.is_open());
    EXPECT_EQ(pg.connectionString().find("password="), std::string::npos) << "a password in the string";

    // The server's own uid without the password (as root: any process of the system
    // cluster's 'postgres' user; otherwise: any other program of ours) is refused.
    const QStringList noPassword{QStringLiteral("-w"), QStringLiteral("-X"), QStringLiteral("-c"),
                                 QStringLiteral("SELECT 1"), target};
    const ProcessRun sameUid = ::geteuid() == 0
                            ? runProcess(QStringLiteral("runuser"),
                                         QStringList{QStringLiteral("-u"), QStringLiteral("postgres"),
                                                     QStringLiteral("--"), psql} << noPassword)
                            : runProcess(psql, noPassword);
    EXPECT_NE(sameUid.code, 0) << sameUid.out.toStdString();
    EXPECT_TRUE(sameUid.err.contains(QLatin1String("password"))) << sameUid.err.toStdString();

    if (::geteuid() != 0) {
        GTEST_SKIP() << "the second-uid half needs root (to run psql as 'nobody')";
    }
    const ProcessRun nobody = runProcess(QStringLiteral("runuser"),
                                  QStringList{QStringLiteral("-u"), QStringLiteral("nobody"), QStringLiteral("--"),
                                              psql} << noPassword);
    EXPECT_NE(nobody.code, 0) << nobody.out.toStdString();
    EXPECT_FALSE(nobody.err.isEmpty());
    // Even with our password file's content it could not: the socket directory is closed.
    ASSERT_EQ(::stat(pg.socketDir().toLocal8Bit().constData(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u);
    pg.stop(true);
}

TEST(ManagedPostgres, SocketDirectoryNotTheServersAloneIsRefused)
{
    ClusterDir dir;
    QDir().mkpath(dir.path + QStringLiteral("/run"));
    ::chmod((dir.path + QStringLiteral("/run")).toLocal8Bit().constData(), 0777);
    if (::geteuid() == 0) { // the server's user's own, only too open
        const passwd *pg = ::getpwnam("postgres");
        ASSERT_NE(pg, nullptr);
        ASSERT_EQ(::chown(dir.path.toLocal8Bit().constData(), pg->pw_uid, pg->pw_gid), 0);
        ASSERT_EQ(::chown((dir.path + QStringLiteral("/run")).toLocal8Bit().constData(), pg->pw_uid, pg->pw_gid), 0);
    }
    {
        af::ManagedPostgres pg(options(dir.path));
        try {
            pg.ensureRunning();
            FAIL() << "started with a world-writable socket directory";
        } catch (const std::runtime_error &e) {
            EXPECT_NE(std::string(e.what()).find("open to other users"), std::string::npos) << e.what();
        }
        EXPECT_FALSE(QFileInfo::exists(dir.path + QStringLiteral("/pgdata"))) << "initdb ran anyway";
    }
    if (::geteuid() == 0) {
        // Closed, but another user's.
        const passwd *pw = ::getpwnam("nobody");
        ASSERT_NE(pw, nullptr);
        ::chmod((dir.path + QStringLiteral("/run")).toLocal8Bit().constData(), 0700);
        ASSERT_EQ(::chown((dir.path + QStringLiteral("/run")).toLocal8Bit().constData(), pw->pw_uid, pw->pw_gid), 0);
        af::ManagedPostgres pg(options(dir.path));
        try {
            pg.ensureRunning();
            FAIL() << "started with a socket directory owned by another user";
        } catch (const std::runtime_error &e) {
            EXPECT_NE(std::string(e.what()).find("belongs to uid"), std::string::npos) << e.what();
        }
    }
}

TEST(ManagedPostgres, DataDirWithAQuoteInItsPathStarts)
{
    ClusterDir dir(QStringLiteral("it's here"));
    af::ManagedPostgres pg(options(dir.path));
    pg.ensureRunning();
    pqxx::connection c(pg.connectionString(QStringLiteral("postgres")));
    pqxx::nontransaction tx(c);
    EXPECT_EQ(tx.exec1("SHOW unix_socket_directories")[0].as<std::string>(), pg.socketDir().toStdString());
    EXPECT_EQ(tx.exec1("SHOW listen_addresses")[0].as<std::string>(), "");
    pg.stop(true);
}

} // namespace
