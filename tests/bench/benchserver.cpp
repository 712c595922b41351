// af_bench_server: the backend exactly as `activityfeed serve` runs it (BackendRuntime),
// with the SSE client cap raised for the fan-out benchmark (the per-tenant cap is not).
// The CLI has no flag for the cap on purpose; this benchmark-only binary sets
// BackendRuntime::Config::maxSseClients.
//   af_bench_server --database-url URL --port P --max-sse N
#include "runtime/backendruntime.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {
int g_fds[2] = {-1, -1};
void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_fds[0], &c, 1);
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    std::signal(SIGPIPE, SIG_IGN);
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_fds) == 0) {
        auto *n = new QSocketNotifier(g_fds[1], QSocketNotifier::Read, &app);
        QObject::connect(n, &QSocketNotifier::activated, &app, [] { QCoreApplication::quit(); });
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
    }
    af::BackendRuntime::Config c;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--database-url"))
            c.databaseUrl = args[i + 1];
        else if (args[i] == QLatin1String("--port"))
            c.listenPort = quint16(args[i + 1].toUInt());
        else if (args[i] == QLatin1String("--max-sse"))
            c.maxSseClients = args[i + 1].toInt();
    }
    c.reactionLimit = 0;
    // The per-tenant stream cap stays as in production: the fan-out benchmark spreads its
    // clients over enough tenants.
    af::BackendRuntime runtime(c);
    try {
        runtime.start();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "af_bench_server: %s\n", e.what());
        return 1;
    }
    std::printf("LISTENING %u\n", unsigned(c.listenPort));
    std::fflush(stdout);
    const int rc = app.exec();
    runtime.stop();
    return rc;
}
