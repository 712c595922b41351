// The real desktop binary in remote mode (offscreen), given its token by $ACTIVITYFEED_TOKEN,
// by --token-file or by --token: once it has used the token (a request with it reached the
// test's own listening socket), the token is in no process's /proc/PID/cmdline and not in
// the settings file, and a token an older version left in the settings file is gone too.
// This machine has no keychain service: the desktop says so in one clear line.
#include "testprocess.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include <csignal>

namespace {

enum class Via { Environment, File, CommandLine };

/// Every /proc/PID/cmdline that holds @p needle.
QStringList cmdlinesHolding(const QByteArray &needle)
{
    QStringList out;
    for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile f(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            out << pid;
    }
    return out;
}

class DesktopToken : public ::testing::TestWithParam<Via>
{
};

TEST_P(DesktopToken, NeverInTheCommandLineNorInTheSettingsFile)
{
    const Via via = GetParam();
    QTemporaryDir tmp;
    ASSERT_TRUE(tmp.isValid());
    const QByteArray token = "aft_" + QByteArray::number(qint64(::getpid())) + "_" +
                             QByteArray::number(int(via)) + "_sekrit";
    const QByteArray legacy = "aft_legacy_plaintext_token";

    // The remote instance: a socket of the test that records what arrives.
    QTcpServer remote;
    ASSERT_TRUE(remote.listen(QHostAddress::LocalHost, 0));
    QByteArray received;
    QObject::connect(&remote, &QTcpServer::newConnection, [&] {
        while (QTcpSocket *s = remote.nextPendingConnection()) {
            QObject::connect(s, &QTcpSocket::readyRead, s, [&received, s] {
                received += s->readAll();
                s->write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                s->disconnectFromHost();
            });
        }
    });
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(remote.serverPort());

    // An older version's settings file, the token in plain text.
    const QString config = tmp.path() + QStringLiteral("/config");
    const QString settingsFile = config + QStringLiteral("/ActivityFeed/activityfeed.conf");
    QDir().mkpath(config + QStringLiteral("/ActivityFeed"));
    {
        QFile f(settingsFile);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("[remote]\nurl=http://elsewhere:8787\ntoken=" + legacy + "\n");
    }

    QProcessEnvironment env = aftest::desktopEnvironment(config);
    env.remove(QStringLiteral("ACTIVITYFEED_TOKEN"));
    QStringList args{QStringLiteral("--remote"), url};
    if (via == Via::Environment) {
        env.insert(QStringLiteral("ACTIVITYFEED_TOKEN"), QString::fromLatin1(token));
    } else if (via == Via::File) {
        const QString path = tmp.path() + QStringLiteral("/token");
        QFile f(path);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(token + "\n");
        f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        args << QStringLiteral("--token-file") << path;
    } else {
        args << QStringLiteral("--token") << QString::fromLatin1(token);
    }
    QProcess desktop;
    desktop.setProcessEnvironment(env);
    QByteArray stderrText;
    QObject::connect(&desktop, &QProcess::readyReadStandardError, [&] { stderrText += desktop.readAllStandardError(); });
    desktop.start(QStringLiteral(AF_BINARY_PATH), args);
    ASSERT_TRUE(desktop.waitForStarted(10000));
    const auto stop = qScopeGuard([&] {
        if (desktop.state() != QProcess::NotRunning) {
            ::kill(pid_t(desktop.processId()), SIGTERM);
            if (!desktop.waitForFinished(20000))
                desktop.kill();
        }
    });

    // Positive marker: the desktop has used the token against the remote.
    ASSERT_TRUE(QTest::qWaitFor([&] { return received.contains("Bearer " + token) ||
                                             desktop.state() == QProcess::NotRunning; },
                                60000))
        << stderrText.toStdString();
    ASSERT_EQ(desktop.state(), QProcess::Running) << stderrText.toStdString();

    EXPECT_EQ(cmdlinesHolding(token), QStringList()) << "the token is in these processes' command lines";
    QFile settings(settingsFile);
    ASSERT_TRUE(settings.open(QIODevice::ReadOnly));
    const QByteArray saved = settings.readAll();
    EXPECT_FALSE(saved.contains(token)) << saved.toStdString();
    EXPECT_FALSE(saved.contains(legacy)) << "the older plain-text token stayed: " << saved.toStdString();
    EXPECT_TRUE(saved.contains(url.toUtf8())) << saved.toStdString();
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")) {
        EXPECT_TRUE(stderrText.contains("no system keychain is available")) << stderrText.toStdString();
    }
}

INSTANTIATE_TEST_SUITE_P(Token, DesktopToken, ::testing::Values(Via::Environment, Via::File, Via::CommandLine),
                         [](const ::testing::TestParamInfo<Via> &info) {
                             return std::string(info.param == Via::Environment ? "Environment"
                                                : info.param == Via::File      ? "File"
                                                                               : "CommandLine");
                         });

} // namespace
