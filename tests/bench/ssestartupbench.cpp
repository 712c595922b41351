// SSE fan-out: af_bench_server (BackendRuntime, client cap raised, per-tenant cap as it is)
// + af_sse_load holding N clients over N / cap tenants; server RSS before and with the
// clients; then ../shared/tools/ssefloor.c (built by CMake) under the same load generator,
// the floor the p99 is judged against. Start-up: `activityfeed serve` on an
// initialised managed data directory, to the first feed page served; idle RSS.
#include "benchutil.h"
#include "sections.h"

#include "feed/tenants.h"
#include "runtime/backendruntime.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryFile>
#include <QThread>

#include <pqxx/pqxx>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sys/stat.h>

namespace afbench {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void stop(QProcess &p)
{
    if (p.state() == QProcess::NotRunning)
        return;
    p.terminate();
    if (!p.waitForFinished(20000)) {
        p.kill();
        p.waitForFinished();
    }
}

QByteArray readLineWait(QProcess &p, int timeoutMs)
{
    const std::int64_t deadline = nowNs() + std::int64_t(timeoutMs) * 1'000'000;
    while (!p.canReadLine()) {
        if (nowNs() > deadline || p.state() == QProcess::NotRunning)
            return {};
        p.waitForReadyRead(200);
    }
    return p.readLine().trimmed();
}

/// @brief Runs af_sse_load with @p n clients against @p server on @p port (plus @p args)
/// and answers its JSON line, with the server's RSS before, connected and after the rounds.
QJsonObject runLoad(const BenchEnv &env, const QProcess &server, int port, int n, int rounds,
                    const QString &logName, const QStringList &args)
{
    QThread::msleep(500); // settle before the memory sample (bench, asserts nothing)
    const long before = rssKiB(server.processId());
    QProcess load;
    load.setStandardErrorFile(env.outDir + QLatin1Char('/') + logName + QStringLiteral(".log"));
    load.start(env.binDir + QStringLiteral("/af_sse_load"),
               QStringList{QStringLiteral("--port"), QString::number(port), QStringLiteral("--clients"),
                           QString::number(n), QStringLiteral("--procs"), QString::number(n >= 4000 ? 4 : 1),
                           QStringLiteral("--rounds"), QString::number(rounds)} + args);
    const std::int64_t c0 = nowNs();
    const QByteArray connectedLine = readLineWait(load, 240000);
    const double connectSecs = double(nowNs() - c0) / 1e9;
    const int connected = connectedLine.split(' ').value(1).toInt();
    QThread::msleep(1000); // settle before the memory sample (bench, asserts nothing)
    const long withClients = rssKiB(server.processId());
    load.write("GO\n");
    const QByteArray resultLine = readLineWait(load, 600000);
    const long afterRounds = rssKiB(server.processId());
    load.write("QUIT\n");
    load.closeWriteChannel();
    if (!load.waitForFinished(60000))
        stop(load);
    QJsonObject r = QJsonDocument::fromJson(resultLine).object();
    const double perClient = connected > 0 ? double(std::max(withClients, afterRounds) - before) / connected : 0;
    r.insert("server_rss_before_kib", double(before));
    r.insert("server_rss_connected_kib", double(withClients));
    r.insert("server_rss_after_rounds_kib", double(afterRounds));
    r.insert("kib_per_client", perClient);
    r.insert("connect_s", connectSecs);
    std::printf("  %s: connected %d in %.1f s; %s\n", qPrintable(logName), connected, connectSecs,
                resultLine.constData());
    return r;
}

} // namespace

void benchSse(BenchEnv &env)
{
    const std::vector<int> levels = env.smoke ? std::vector<int>{200} : std::vector<int>{1000, 5000, 10000, 19000};
    const int rounds = env.smoke ? 5 : 15;
    const std::string cs = databaseWithTenants("sse");
    // The server keeps its per-tenant stream cap: the clients are spread over enough
    // tenants that none holds more than the cap (every tenant's clients get every event).
    const int perTenant = af::BackendRuntime::Config{}.streamLimitPerTenant;
    std::vector<QString> tokens;
    {
        pqxx::connection conn(cs);
        const int most = *std::max_element(levels.begin(), levels.end());
        for (int t = 0; t < (most + perTenant - 1) / perTenant; ++t)
            tokens.push_back(af::Tenants::add(conn, QStringLiteral("SSE bench %1").arg(t + 1)).token);
    }
    const QString floorExe = env.binDir + QStringLiteral("/ssefloor");
    QJsonObject section;
    int emitter = 2; // the tenant of the next round's event (tenant 1 warms the server up)
    for (const int n : levels) {
        QTemporaryFile tokenFile; // the tokens of as many tenants as n clients need
        tokenFile.open();
        for (int t = 0; t < (n + perTenant - 1) / perTenant; ++t)
            tokenFile.write(tokens[size_t(t)].toUtf8() + '\n');
        tokenFile.flush();
        std::printf("SSE fan-out: %d clients over %d tenants, %d rounds\n", n,
                    (n + perTenant - 1) / perTenant, rounds);
        QJsonObject r;
        {
            pqxx::connection conn(cs);
            settle(conn);
        }
        const double loadOurs = loadAverage();
        {
            const int port = freePort();
            QProcess server;
            QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
            pe.insert(QStringLiteral("MC_API_SECRET"), QStringLiteral("bench-secret"));
            pe.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("*.info=false"));
            server.setProcessEnvironment(pe);
            server.setStandardErrorFile(env.outDir + QStringLiteral("/sse-server-%1.log").arg(n));
            server.start(env.binDir + QStringLiteral("/af_bench_server"),
                         {QStringLiteral("--database-url"), QString::fromStdString(cs), QStringLiteral("--port"),
                          QString::number(port), QStringLiteral("--max-sse"), QString::number(n + 100)});
            if (readLineWait(server, 60000).isEmpty()) {
                std::printf("  af_bench_server did not start\n");
                continue;
            }
            // Warm the server (pool connections, prepared statements, allocator) before the baseline.
            {
                HttpClient c(port);
                const QList<QPair<QByteArray, QByteArray>> secret{{"x-drain-secret", "bench-secret"}};
                for (int i = 0; i < 3; ++i) {
                    c.request("POST", "/api/activity/emit", secret,
                              "{\"tenantId\":1,\"eventType\":\"badge_earned\",\"payload\":{\"badgeName\":\"warm\"}}");
                    c.request("POST", "/api/activity/drain", secret);
                }
            }
            r = runLoad(env, server, port, n, rounds, QStringLiteral("sse-load-%1").arg(n),
                        {QStringLiteral("--tokens-file"), tokenFile.fileName(), QStringLiteral("--secret"),
                         QStringLiteral("bench-secret"), QStringLiteral("--tenant"), QString::number(emitter)});
            emitter += rounds;
            stop(server);
        }
        // The floor: the same load generator, the same clients, against ssefloor.
        QJsonObject floor;
        const double loadFloor = loadAverage();
        if (QFile::exists(floorExe)) {
            const int port = freePort();
            QProcess server;
            server.setProcessChannelMode(QProcess::MergedChannels);
            server.start(floorExe, {QString::number(port)});
            if (readLineWait(server, 10000).isEmpty()) {
                std::printf("  ssefloor did not start\n");
            } else {
                floor = runLoad(env, server, port, n, rounds, QStringLiteral("sse-floor-load-%1").arg(n),
                                {QStringLiteral("--floor"), QStringLiteral("1")});
            }
            stop(server);
        } else {
            std::printf("  ssefloor not built (its source %s is missing): no floor figures\n", AF_SSEFLOOR_SOURCE);
        }
        const double p99 = r.value("p99_ms").toDouble();
        const double floorP99 = floor.value("p99_ms").toDouble(kNaN);
        const double ratio = floorP99 > 0 ? p99 / floorP99 : kNaN;
        r.insert("floor", floor);
        r.insert("p99_over_floor_p99", ratio);
        section.insert(QString::number(n), r);
        std::printf("  ours p99 %.1f ms, floor p99 %.1f ms: %.2f× (load average before each: %.2f, %.2f)\n",
                    p99, floorP99, ratio, loadOurs, loadFloor);
        const QString what = QStringLiteral("SSE %1").arg(n);
        const bool judged = n == 5000 || n == 10000;
        env.add(what, "clients held", r.value("connected").toDouble(), n, kNaN);
        env.add(what, "trigger→receipt p50 ms", r.value("p50_ms").toDouble(), kNaN, kNaN);
        env.add(what, "trigger→receipt p99 ms", p99, kNaN, kNaN);
        env.add(what, "ssefloor p99 ms (same run)", floorP99, kNaN, kNaN);
        env.add(what, "p99 ÷ ssefloor p99", ratio, kNaN, judged ? 1.25 : kNaN);
        env.add(what, "load average before ours", loadOurs, kNaN, kNaN);
        env.add(what, "load average before the floor", loadFloor, kNaN, kNaN);
        // Where a miss comes from: the first receipt (the trigger's own path) and the
        // spread after it (the fan-out), each beside the floor's.
        env.add(what, "first receipt ms", r.value("first_receipt_ms").toDouble(), kNaN, kNaN);
        env.add(what, "first receipt ms, floor", floor.value("first_receipt_ms").toDouble(kNaN), kNaN, kNaN);
        const double floorSpread = floor.value("fanout_p99_ms").toDouble(kNaN);
        env.add(what, "fan-out (p99 − first receipt) ÷ floor's", floorSpread > 0
                ? r.value("fanout_p99_ms").toDouble() / floorSpread : kNaN, kNaN, kNaN);
        env.add(what, "missed receipts", r.value("missed_receipts").toDouble(), kNaN, 1);
        env.add(what, "server KiB per client", r.value("kib_per_client").toDouble(), kNaN, 2);
    }
    env.note("sse", section);
}

void benchStartup(BenchEnv &env)
{
    const int runs = env.smoke ? 1 : 5;
    char tmpl[] = "/tmp/afbench-startup-XXXXXX";
    if (!::mkdtemp(tmpl))
        return;
    ::chmod(tmpl, 0755);
    const QString dir = QString::fromLocal8Bit(tmpl);
    std::printf("start-up: activityfeed serve --data-dir %s, %d runs\n", tmpl, runs);
    // Initialise the managed database and make a tenant (the CLI stops the cluster after).
    QProcess init;
    init.start(env.activityfeed, {QStringLiteral("tenant"), QStringLiteral("add"), QStringLiteral("Bench"),
                                  QStringLiteral("--json"), QStringLiteral("--data-dir"), dir});
    init.waitForFinished(180000);
    const QByteArray token = QJsonDocument::fromJson(init.readAllStandardOutput())
                                 .object().value("token").toString().toUtf8();
    if (token.isEmpty()) {
        std::printf("  could not initialise: %s\n", init.readAllStandardError().constData());
        return;
    }
    std::vector<double> times, rss;
    for (int run = 0; run < runs; ++run) {
        const int port = freePort();
        QProcess serve;
        serve.setStandardOutputFile(env.outDir + QStringLiteral("/serve-startup.log"), QIODevice::Append);
        serve.setStandardErrorFile(env.outDir + QStringLiteral("/serve-startup.log"), QIODevice::Append);
        const std::int64_t t0 = nowNs();
        serve.start(env.activityfeed, {QStringLiteral("serve"), QStringLiteral("--data-dir"), dir,
                                       QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port)});
        double secs = -1;
        while (nowNs() - t0 < 30'000'000'000LL && serve.state() != QProcess::NotRunning) {
            HttpClient c(port);
            if (c.request("GET", "/api/activity/events?limit=20", {{"Authorization", "Bearer " + token}}).status == 200) {
                secs = double(nowNs() - t0) / 1e9;
                break;
            }
            QThread::msleep(5); // polling interval until the first page answers
        }
        QThread::msleep(3000); // idle phase whose CPU the bench measures; asserts nothing
        const long kib = rssKiB(serve.processId());
        stop(serve);
        std::printf("  run %d: first page after %.3f s; idle RSS %ld KiB\n", run + 1, secs, kib);
        if (secs > 0) {
            times.push_back(secs);
            rss.push_back(kib / 1024.0);
        }
    }
    env.add("start-up", "serve → first page s (median)", median(times), kNaN, 1);
    env.add("start-up", "serve idle RSS MiB (median)", median(rss), kNaN, 40);
    env.note("startup", QJsonObject{{"runs", runs}, {"first_page_s", median(times)},
                                    {"idle_rss_mib", median(rss)}});
    QDir(dir).removeRecursively();
}

void benchModel(BenchEnv &env)
{
    const QString exe = env.binDir + QStringLiteral("/af_bench_model");
    if (!QFile::exists(exe)) {
        std::printf("desktop model: af_bench_model not built (AF_BUILD_GUI off)\n");
        return;
    }
    // Tiles that grow move to the top from anywhere in the tile window: 300 rows down (a
    // quiet feed) and 30 000 (the window at 100 inserts/s); folds remove rows as deep.
    QJsonObject section;
    for (const int depth : {300, 30000}) {
        std::printf("desktop model: FeedModel with 100 000 rows, 100 inserts/s + 100 count updates/s, "
                    "50 tile moves/s and 10 folds/s up to %d rows deep\n", depth);
        QProcess p;
        QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
        pe.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        p.setProcessEnvironment(pe);
        QStringList args{QStringLiteral("--join-depth"), QString::number(depth)};
        if (env.smoke)
            args << QStringLiteral("--seconds") << QStringLiteral("3");
        p.start(exe, args);
        p.waitForFinished(300000);
        const QByteArray out = p.readAllStandardOutput().trimmed();
        const QJsonObject r = QJsonDocument::fromJson(out.split('\n').last()).object();
        section.insert(QString::number(depth), r);
        std::printf("  %s\n", out.split('\n').last().constData());
        const QString what = QStringLiteral("desktop model, moves ≤ %1 deep").arg(depth);
        env.add(what, "GUI time per frame p50 ms", r.value("frame_p50_ms").toDouble(), kNaN, kNaN);
        env.add(what, "GUI time per frame p99 ms", r.value("frame_p99_ms").toDouble(kNaN), kNaN,
                r.value("target_p99_ms").toDouble(kNaN)); // the target af_bench_model judges by
    }
    env.note("model", section);
}

} // namespace afbench
