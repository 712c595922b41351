// A desktop that cannot start says so in a window, not only on stderr: the real binary
// (offscreen) on a data directory its database cannot use stays up showing the error
// until its window is closed, and the window itself (loaded here) holds the sentence and
// a Quit button, with no QML warning.
#include "qtwarnings.h"
#include "sceneitems.h"
#include "testprocess.h"

#include <QDir>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <gtest/gtest.h>

#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

Q_IMPORT_QML_PLUGIN(ActivityFeedPlugin)
Q_IMPORT_QML_PLUGIN(ActivityFeed_ModelsPlugin)

namespace {

using aftest::findItem;

TEST(StartupError, TheDesktopShowsWhyItCannotStartInAWindow)
{
    QTemporaryDir tmp(QStringLiteral("/tmp/afstart-XXXXXX"));
    ASSERT_TRUE(tmp.isValid());
    QString dataDir;
    QString expected;
    if (::geteuid() == 0) {
        // The case from the field: a data directory under a private home, which the
        // 'postgres' user that runs the server cannot reach.
        ::chmod(tmp.path().toLocal8Bit().constData(), 0700);
        dataDir = tmp.path() + QStringLiteral("/data");
        expected = QStringLiteral("choose a --data-dir it can reach");
    } else {
        // Without root there is no other user to lock out: a socket directory open to all.
        dataDir = tmp.path() + QStringLiteral("/data");
        QDir().mkpath(dataDir + QStringLiteral("/run"));
        ::chmod((dataDir + QStringLiteral("/run")).toLocal8Bit().constData(), 0777);
        expected = QStringLiteral("open to other users");
    }
    QProcess desktop;
    desktop.setProcessEnvironment(aftest::desktopEnvironment(tmp.path() + QStringLiteral("/config")));
    QByteArray err;
    QObject::connect(&desktop, &QProcess::readyReadStandardError, [&] { err += desktop.readAllStandardError(); });
    desktop.start(QStringLiteral(AF_BINARY_PATH), {QStringLiteral("--data-dir"), dataDir, QStringLiteral("--listen"),
                                                   QStringLiteral("127.0.0.1:0")});
    ASSERT_TRUE(desktop.waitForStarted(10000));
    const auto stop = qScopeGuard([&] {
        if (desktop.state() != QProcess::NotRunning) {
            desktop.kill();
            desktop.waitForFinished(10000);
        }
    });
    ASSERT_TRUE(QTest::qWaitFor([&] { return err.contains("the error is shown in a window") ||
                                             desktop.state() == QProcess::NotRunning; },
                                60000))
        << err.toStdString();
    EXPECT_TRUE(err.contains(expected.toUtf8())) << err.toStdString();
    // The window is up (the process waits on it) until it is closed; a signal closes it.
    ASSERT_EQ(desktop.state(), QProcess::Running) << "exited instead of showing the error: " << err.toStdString();
    ASSERT_EQ(::kill(pid_t(desktop.processId()), SIGTERM), 0);
    ASSERT_TRUE(desktop.waitForFinished(30000));
    EXPECT_EQ(desktop.exitStatus(), QProcess::NormalExit);
    EXPECT_EQ(desktop.exitCode(), 1) << "a desktop that could not start exits non-zero";
}

TEST(StartupError, TheWindowHoldsTheSentenceAndAQuitButton)
{
    aftest::QtWarnings warnings;
    QQuickStyle::setStyle(QStringLiteral("Fusion"));
    const QString message = QStringLiteral("the 'postgres' user cannot write to /root/x (a parent directory is "
                                           "private); choose a --data-dir it can reach, e.g. /var/lib/activityfeed");
    {
        QQmlApplicationEngine engine;
        engine.setInitialProperties({{QStringLiteral("message"), message}});
        engine.load(QUrl(QStringLiteral("qrc:/ActivityFeed/StartupError.qml")));
        ASSERT_EQ(engine.rootObjects().size(), 1);
        auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().first());
        ASSERT_NE(window, nullptr);
        ASSERT_TRUE(QTest::qWaitForWindowExposed(window));
        EXPECT_EQ(window->title(), QStringLiteral("Activity Feed cannot start"));
        QQuickItem *banner = findItem(window->contentItem(), QStringLiteral("errorBanner"));
        ASSERT_NE(banner, nullptr);
        EXPECT_EQ(banner->property("text").toString(), message);
        EXPECT_TRUE(banner->isVisible());
        QQuickItem *quit = findItem(window->contentItem(), QStringLiteral("quitButton"));
        ASSERT_NE(quit, nullptr);
        EXPECT_TRUE(quit->isVisible());
        EXPECT_GT(quit->width(), 0);
    }
    EXPECT_TRUE(warnings.messages().isEmpty()) << warnings.text();
}

} // namespace
