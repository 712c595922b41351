// The real desktop binary (offscreen) on its own managed PostgreSQL, ended by a signal as a
// logout or `kill` ends it: it must shut down as when its window is closed — the events
// still in its emitter's buffer reach the queue, and its PostgreSQL is stopped.
#include "db/managedpostgres.h"
#include "testhttpclient.h"
#include "testprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <csignal>
#include <cstdlib>
#include <sys/stat.h>

namespace {

using aftest::freePort;

af::ManagedPostgres::Options clusterOptions(const QString &dir)
{
    af::ManagedPostgres::Options o;
    o.dataDir = dir;
    o.quiet = true;
    return o;
}

/// The test's own connections are not "activityfeed" ones: the desktop must not count
/// them as another instance using its database.
std::string testConnection(const af::ManagedPostgres &pg)
{
    return pg.connectionString() + " application_name=aftest";
}

aftest::HttpReply call(quint16 port, const QByteArray &method, const QByteArray &target, const QByteArray &token,
                       const QByteArray &body = {})
{
    return aftest::roundTrip(port, aftest::requestBytes(method, target, token, body));
}

class DesktopSignal : public ::testing::TestWithParam<int>
{
};

TEST_P(DesktopSignal, FlushesItsBufferAndStopsItsDatabase)
{
    const int sig = GetParam();
    QTemporaryDir tmp(QStringLiteral("/tmp/afsig-XXXXXX"));
    ASSERT_TRUE(tmp.isValid());
    ::chmod(tmp.path().toLocal8Bit().constData(), 0755); // the postgres user must reach it when we are root
    const QString dataDir = tmp.path() + QStringLiteral("/data");
    const quint16 port = freePort();

    const QProcessEnvironment env = aftest::desktopEnvironment(tmp.path() + QStringLiteral("/config"));
    QProcess desktop;
    desktop.setProcessEnvironment(env);
    desktop.setProcessChannelMode(QProcess::MergedChannels);
    QByteArray output;
    QObject::connect(&desktop, &QProcess::readyRead, [&] { output += desktop.readAll(); });
    desktop.start(QStringLiteral(AF_BINARY_PATH),
                  {QStringLiteral("--data-dir"), dataDir, QStringLiteral("--listen"),
                   QStringLiteral("127.0.0.1:%1").arg(port)});
    ASSERT_TRUE(desktop.waitForStarted(10000));
    const auto cleanup = qScopeGuard([&] {
        if (desktop.state() != QProcess::NotRunning) {
            desktop.kill();
            desktop.waitForFinished(10000);
        }
        af::ManagedPostgres pg(clusterOptions(dataDir));
        if (pg.isRunning())
            pg.stop(true);
    });
    // Up: the window's backend answers on its port (first start: initdb included).
    ASSERT_TRUE(QTest::qWaitFor([&] { return call(port, "GET", "/healthz", {}).status == 200 ||
                                             desktop.state() == QProcess::NotRunning; },
                                120000))
        << output.toStdString();
    ASSERT_EQ(desktop.state(), QProcess::Running) << output.toStdString();

    QProcess cli;
    cli.setProcessEnvironment(env);
    cli.start(QStringLiteral(AF_BINARY_PATH),
              {QStringLiteral("tenant"), QStringLiteral("add"), QStringLiteral("Acme"), QStringLiteral("--json"),
               QStringLiteral("--data-dir"), dataDir});
    ASSERT_TRUE(cli.waitForFinished(60000));
    const QByteArray token = QJsonDocument::fromJson(cli.readAllStandardOutput()).object().value("token").toString().toUtf8();
    ASSERT_FALSE(token.isEmpty()) << cli.readAllStandardError().toStdString();

    // The queue locked by the test: what the desktop emits stays in its buffer.
    af::ManagedPostgres pg(clusterOptions(dataDir));
    pqxx::connection locker(testConnection(pg));
    pqxx::work lock(locker);
    // SHARE blocks the writer's INSERT but not the admin's queue-depth reads, which would
    // otherwise hold the shutdown until their statement timeout.
    lock.exec0("LOCK TABLE activity_queue IN SHARE MODE");

    const auto created = call(port, "POST", "/api/gamification/challenges", token, R"({"title":"Ship it","xpReward":40})");
    ASSERT_EQ(created.status, 201) << created.body.toStdString();
    const QByteArray id = QByteArray::number(created.json().value("challenge").toObject().value("id").toInteger());
    const auto done = call(port, "POST", "/api/gamification/challenges/" + id + "/complete", token, "{}");
    ASSERT_EQ(done.status, 200) << done.body.toStdString();
    {
        // Positive marker: the desktop's writer waits behind the test's lock.
        pqxx::connection monitor(testConnection(pg));
        ASSERT_TRUE(QTest::qWaitFor(
            [&] {
                pqxx::nontransaction tx(monitor);
                return !tx.exec_params("SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                                       locker.backendpid())
                            .empty();
            },
            30000))
            << "the desktop never tried to write its event";
    }

    ASSERT_EQ(::kill(pid_t(desktop.processId()), sig), 0);
    // The server closes first (shutdown has begun); then the lock goes and the flush can end.
    ASSERT_TRUE(QTest::qWaitFor([&] { return !aftest::TestHttpClient(port).connected(); }, 30000))
        << "the desktop did not begin to shut down on signal " << sig;
    lock.abort();
    ASSERT_TRUE(desktop.waitForFinished(60000)) << output.toStdString();
    EXPECT_EQ(desktop.exitStatus(), QProcess::NormalExit) << "killed by the signal instead of ending";
    EXPECT_EQ(desktop.exitCode(), 0) << output.toStdString();

    // Its PostgreSQL was stopped (the test's own connection did not count as a user).
    EXPECT_FALSE(pg.isRunning()) << "the desktop left its PostgreSQL running";
    EXPECT_FALSE(QFileInfo::exists(pg.pgdata() + QStringLiteral("/postmaster.pid")));

    // And the buffered event is in the queue.
    pg.ensureRunning();
    pqxx::connection check(testConnection(pg));
    pqxx::nontransaction tx(check);
    EXPECT_EQ(1, tx.exec1("SELECT count(*) FROM activity_queue WHERE event_type = 'challenge_completed'")[0].as<int>())
        << output.toStdString();
}

INSTANTIATE_TEST_SUITE_P(Signals, DesktopSignal, ::testing::Values(SIGTERM, SIGINT, SIGHUP),
                         [](const ::testing::TestParamInfo<int> &info) {
                             return std::string(info.param == SIGTERM ? "SIGTERM"
                                                : info.param == SIGINT ? "SIGINT"
                                                                        : "SIGHUP");
                         });

} // namespace
