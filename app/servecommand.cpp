#include "servecommand.h"
#include "signalquit.h"

#include "http/httpserver.h"
#include "runtime/backendruntime.h"
#include "runtime/serverpanel.h"

#include <QCoreApplication>
#include <QHostAddress>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>

namespace {

// Thousands of SSE clients need thousands of descriptors.
rlim_t raiseOpenFileLimit()
{
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
        ::getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

} // namespace

af::BackendRuntime::Config runtimeConfig(const AppOptions &o)
{
    af::BackendRuntime::Config c;
    c.databaseUrl = o.databaseUrl;
    c.dataDir = o.dataDir;
    c.listenHost = o.listenHost;
    c.listenPort = o.listenPort;
    c.reactionLimit = o.reactionLimit;
    c.streamLimitPerTenant = o.streamLimitPerTenant;
    return c;
}

int runServe(int argc, char **argv, const AppOptions &o)
{
    QCoreApplication app(argc, argv);
    const rlim_t files = raiseOpenFileLimit();
    const SignalQuit quitOnSignals([] { QCoreApplication::quit(); });
    std::signal(SIGPIPE, SIG_IGN);

    af::BackendRuntime runtime(runtimeConfig(o));
    try {
        runtime.start();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "activityfeed: %s\n", QString::fromUtf8(e.what()).trimmed().toUtf8().constData());
        return 1;
    }
    const quint16 port = runtime.server().serverPort();
    std::fprintf(stdout, "activityfeed serve: listening on http://%s:%u/ (%s; open-file limit %llu)\n",
                 o.listenHost.toUtf8().constData(), unsigned(port),
                 runtime.databaseDescription().toUtf8().constData(),
                 static_cast<unsigned long long>(files));
    const QHostAddress host(o.listenHost);
    if (host == QHostAddress::AnyIPv4 || host == QHostAddress::Any || o.listenHost == QLatin1String("*")) {
        for (const QString &url : af::ServerPanel::lanUrls(port))
            std::fprintf(stdout, "  on the LAN: %s\n", url.toUtf8().constData());
    }
    std::fflush(stdout);
    const int rc = app.exec();
    runtime.stop();
    return rc;
}
