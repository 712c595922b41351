#include "desktoplaunch.h"

#ifdef AF_HAVE_GUI
#include "desktop.h"
#include "embeddedadminbackend.h"
#include "http/httpserver.h"
#include "runtime/backendruntime.h"
#include "runtime/serverpanel.h"
#include "servecommand.h"
#include "signalquit.h"

#include <QGuiApplication>
#include <QUrl>
#include <QWindow>

#include <cstdio>
#include <memory>

int launchDesktop(int argc, char **argv, const AppOptions &o)
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("activityfeed"));
    QGuiApplication::setOrganizationName(QStringLiteral("ActivityFeed"));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Activity Feed"));
    // A signal ends the desktop as closing its window does (the window saves its state,
    // the loop ends, then the buffer is flushed, the server and the managed database
    // stop below). It lives until the end, so a second signal cannot cut that short.
    const SignalQuit quitOnSignals([] {
        for (QWindow *w : QGuiApplication::topLevelWindows())
            w->close();
        QCoreApplication::quit();
    });
    DesktopOptions d;
    std::unique_ptr<af::BackendRuntime> runtime;
    std::unique_ptr<af::ServerPanel> panel;
    std::unique_ptr<EmbeddedAdminBackend> admin;
    if (!o.remoteUrl.isEmpty()) {
        d.remoteUrl = QUrl(o.remoteUrl);
        d.token = o.token;
    } else {
        runtime = std::make_unique<af::BackendRuntime>(runtimeConfig(o));
        try {
            // Before the window exists and the event loop runs: nothing to freeze yet.
            runtime->start();
        } catch (const std::exception &e) {
            std::fprintf(stderr, "activityfeed: %s\n", e.what());
            return runStartupError(app, QString::fromUtf8(e.what()).trimmed());
        }
        d.feedService = &runtime->feed();
        d.broadcaster = &runtime->broadcaster();
        d.markerService = &runtime->markers();
        panel = std::make_unique<af::ServerPanel>(runtime->server(), runtime->pool(), o.listenPort);
        admin = std::make_unique<EmbeddedAdminBackend>(runtime->admin(),
                                                       EmbeddedAdminBackend::ServerHooks::of(*panel));
        d.adminBackend = admin.get();
    }
    const int rc = runDesktop(app, d);
    admin.reset();
    if (runtime)
        runtime->stop();
    return rc;
}
#else
#include <cstdio>
int launchDesktop(int, char **, const AppOptions &)
{
    std::fprintf(stderr, "activityfeed: this build has no desktop app; use 'activityfeed serve'\n");
    return 1;
}
#endif
