// af_bench: runs the benchmark sections against a throwaway PostgreSQL cluster (the test
// harness: fsync off, so figures are CPU- and protocol-bound, not disk-bound), prints the
// table with each target and writes the figures as JSON.
//   af_bench [--smoke] [--only emit,drain,feed,sse,startup,model] [--out FILE]
#include "benchreport.h"
#include "sections.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSysInfo>
#include <QThread>

#include <cstdio>
#include <csignal>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    afbench::BenchEnv env;
    QStringList only;
    QString out;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--smoke"))
            env.smoke = true;
        else if (args[i] == QLatin1String("--only") && i + 1 < args.size())
            only = args[++i].split(QLatin1Char(','));
        else if (args[i] == QLatin1String("--out") && i + 1 < args.size())
            out = args[++i];
    }
    env.binDir = QCoreApplication::applicationDirPath();
    env.activityfeed = QStringLiteral(AF_BINARY_PATH);
    if (out.isEmpty())
        out = env.binDir + (env.smoke ? QStringLiteral("/bench-smoke.json") : QStringLiteral("/bench-results.json"));
    env.outDir = QFileInfo(out).absolutePath() + QStringLiteral("/bench-artifacts");
    QDir().mkpath(env.outDir);
    env.json.insert("started_at", QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    env.json.insert("host", QSysInfo::machineHostName());
    env.json.insert("cores", QThread::idealThreadCount());

    const std::vector<std::pair<QString, void (*)(afbench::BenchEnv &)>> sections{
        {QStringLiteral("emit"), afbench::benchEmit},       {QStringLiteral("drain"), afbench::benchDrain},
        {QStringLiteral("feed"), afbench::benchFeed},       {QStringLiteral("sse"), afbench::benchSse},
        {QStringLiteral("startup"), afbench::benchStartup}, {QStringLiteral("model"), afbench::benchModel}};
    const std::int64_t t0 = QDateTime::currentMSecsSinceEpoch();
    int errors = 0;
    for (const auto &[name, fn] : sections) {
        if (!only.isEmpty() && !only.contains(name))
            continue;
        const std::int64_t s0 = QDateTime::currentMSecsSinceEpoch();
        try {
            fn(env);
        } catch (const std::exception &e) {
            ++errors;
            std::printf("%s: failed: %s\n", qPrintable(name), e.what());
        }
        std::printf("  (%s took %.0f s)\n", qPrintable(name), (QDateTime::currentMSecsSinceEpoch() - s0) / 1000.0);
        std::fflush(stdout);
    }
    env.json.insert("duration_s", (QDateTime::currentMSecsSinceEpoch() - t0) / 1000.0);
    env.print();
    env.save(out);
    std::printf("JSON: %s\nEXPLAIN plans and logs: %s\n", qPrintable(out), qPrintable(env.outDir));
    return errors == 0 ? 0 : 1;
}
