// GET /metrics on the backend exactly as `serve` wires it (BackendRuntime: pool, emitter,
// LISTEN thread, HTTP server) against a real PostgreSQL, over real sockets: promtool
// accepts the text, the queue gauges equal what the database holds, a drain moves the
// drain counters, request counters carry route patterns (never raw paths), SSE clients
// are counted per tenant, and a caller that is not 127.0.0.1/::1 needs the drain secret.
#include "feed/eventemitter.h"
#include "feed/tenants.h"
#include "http/httpserver.h"
#include "runtime/backendruntime.h"
#include "pgharness.h"
#include "testhttpclient.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QThread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <functional>
#include <memory>

using namespace af;

namespace {

constexpr const char *kSecret = "metrics-s3cret";

/// Every sample of one exposition, keyed by `name{labels}` as written.
QMap<QString, double> parseSamples(const QByteArray &text)
{
    QMap<QString, double> out;
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype space = line.lastIndexOf(' ');
        out.insert(QString::fromUtf8(line.left(space)), line.mid(space + 1).toDouble());
    }
    return out;
}

class MetricsHttp : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_cs = aftest::freshDatabase("metrics");
        qputenv("MC_API_SECRET", kSecret);
        BackendRuntime::Config c;
        c.databaseUrl = QString::fromStdString(m_cs);
        c.listenHost = QStringLiteral("127.0.0.1");
        c.listenPort = 0;
        m_runtime = std::make_unique<BackendRuntime>(c);
        ASSERT_NO_THROW(m_runtime->start());
        m_port = m_runtime->server().serverPort();
        ASSERT_GT(m_port, 0);
        pqxx::connection conn(m_cs);
        for (const char *name : {"Acme", "Beta"}) {
            const IssuedToken t = Tenants::add(conn, QString::fromLatin1(name));
            m_tenant.append(t.tenantId);
            m_token.append(t.token.toUtf8());
        }
    }
    void TearDown() override
    {
        if (m_runtime)
            m_runtime->stop();
        qunsetenv("MC_API_SECRET");
    }

    aftest::HttpReply get(const QByteArray &target, const QByteArray &headers = {},
                          const QHostAddress &from = {})
    {
        aftest::TestHttpClient client(m_port, from);
        EXPECT_TRUE(client.connected());
        client.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n");
        return client.response(5000).value_or(aftest::HttpReply{});
    }
    QMap<QString, double> scrape()
    {
        const aftest::HttpReply r = get("/metrics");
        EXPECT_EQ(r.status, 200) << r.body.constData();
        return parseSamples(r.body);
    }
    /// Scrapes until @p pred holds or 10 s have passed; returns the last scrape.
    QMap<QString, double> scrapeUntil(const std::function<bool(const QMap<QString, double> &)> &pred,
                                      const char *what)
    {
        QElapsedTimer t;
        t.start();
        QMap<QString, double> m = scrape();
        while (!pred(m) && t.elapsed() < 10000) {
            QThread::msleep(20); // polling interval; the deadline and the assertion follow
            m = scrape();
        }
        EXPECT_TRUE(pred(m)) << "not seen within 10 s: " << what;
        return m;
    }
    long long scalar(const std::string &sql)
    {
        pqxx::connection c(m_cs);
        pqxx::nontransaction tx(c);
        return tx.exec1(sql)[0].as<long long>();
    }
    void run(const std::string &sql)
    {
        pqxx::connection c(m_cs);
        pqxx::work tx(c);
        tx.exec(sql);
        tx.commit();
    }
    void queueRows(int tenantIndex, int n, const std::string &age)
    {
        run("INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at) "
            "SELECT " + std::to_string(m_tenant[tenantIndex]) + ", 'badge_earned', "
            "jsonb_build_object('badgeName', 'B' || g), now() - interval '" + age + "' "
            "FROM generate_series(1, " + std::to_string(n) + ") g");
    }

    std::string m_cs;
    std::unique_ptr<BackendRuntime> m_runtime;
    quint16 m_port = 0;
    QList<int> m_tenant;
    QList<QByteArray> m_token;
};

TEST_F(MetricsHttp, PromtoolAcceptsTheExposition)
{
    // Something in every family: queued rows, an SSE client, a 404, a drain.
    queueRows(0, 3, "5 seconds");
    get("/no/such/route");
    aftest::TestHttpClient sse(m_port);
    sse.send("GET /api/activity/stream?access_token=" + m_token[1] + " HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(sse.readUntil([](const QByteArray &b) { return b.contains("retry: 3000"); }, 5000));
    scrapeUntil([](const auto &m) { return m.value(QStringLiteral("activityfeed_sse_clients")) >= 1; },
                "the SSE client in the gauge");

    const aftest::HttpReply r = get("/metrics");
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.headers.value("content-type").startsWith("text/plain; version=0.0.4")) << r.headers.value("content-type").constData();
    for (const char *family : {"activityfeed_queue_depth", "activityfeed_queue_oldest_unprocessed_age_seconds",
                               "activityfeed_drain_runs_total", "activityfeed_drain_rows_total",
                               "activityfeed_drain_events_total", "activityfeed_drain_duration_seconds",
                               "activityfeed_emitter_buffered_events", "activityfeed_emitter_dropped_total",
                               "activityfeed_sse_clients", "activityfeed_sse_tenant_clients",
                               "activityfeed_http_requests_total", "activityfeed_db_pool_connections_in_use"}) {
        EXPECT_TRUE(r.body.contains(QByteArray("# TYPE ") + family + ' ')) << family;
        EXPECT_TRUE(r.body.contains(QByteArray("# HELP ") + family + ' ')) << family;
    }

    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    ASSERT_FALSE(promtool.isEmpty()) << "promtool is missing: bash scripts/deps.sh --test installs "
                                        "Debian's prometheus package";
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    ASSERT_TRUE(p.waitForStarted(10000));
    p.write(r.body);
    p.closeWriteChannel();
    ASSERT_TRUE(p.waitForFinished(60000));
    const QByteArray said = p.readAll();
    EXPECT_EQ(p.exitCode(), 0) << said.constData() << "\n" << r.body.constData();
    EXPECT_TRUE(said.trimmed().isEmpty()) << "promtool lint: " << said.constData();
    std::printf("[ metrics  ] %lld bytes, %d samples; promtool check metrics: exit %d\n",
                static_cast<long long>(r.body.size()), int(parseSamples(r.body).size()), p.exitCode());
}

TEST_F(MetricsHttp, QueueGaugesAreTheDatabaseAndADrainMovesTheCounters)
{
    queueRows(0, 4, "90 seconds");
    queueRows(1, 3, "10 seconds");
    run("UPDATE activity_queue SET processed = true WHERE id IN "
        "(SELECT id FROM activity_queue ORDER BY created_at DESC LIMIT 2)");
    const long long unprocessed = scalar("SELECT count(*) FROM activity_queue WHERE NOT processed");
    ASSERT_EQ(unprocessed, 5);

    const QMap<QString, double> before = scrape();
    EXPECT_EQ(before.value(QStringLiteral("activityfeed_queue_depth"), -1), double(unprocessed));
    const double age = before.value(QStringLiteral("activityfeed_queue_oldest_unprocessed_age_seconds"), -1);
    EXPECT_GE(age, 90.0);
    EXPECT_LT(age, 150.0);
    EXPECT_EQ(before.value(QStringLiteral("activityfeed_database_up")), 1);

    aftest::TestHttpClient client(m_port);
    client.send(QByteArray("POST /api/activity/drain HTTP/1.1\r\nHost: x\r\nx-drain-secret: ") + kSecret +
                "\r\nContent-Length: 0\r\n\r\n");
    const auto drained = client.response(30000);
    ASSERT_TRUE(drained.has_value());
    ASSERT_EQ(drained->status, 200) << drained->body.constData();
    const int inserted = drained->json().value(QStringLiteral("inserted")).toInt();
    EXPECT_EQ(drained->json().value(QStringLiteral("processed")).toInt(), unprocessed);
    ASSERT_GT(inserted, 0);

    const QMap<QString, double> after = scrape();
    const auto delta = [&](const char *key) {
        return after.value(QString::fromLatin1(key)) - before.value(QString::fromLatin1(key));
    };
    EXPECT_EQ(after.value(QStringLiteral("activityfeed_queue_depth"), -1),
              double(scalar("SELECT count(*) FROM activity_queue WHERE NOT processed")));
    EXPECT_EQ(after.value(QStringLiteral("activityfeed_queue_depth"), -1), 0);
    EXPECT_EQ(after.value(QStringLiteral("activityfeed_queue_oldest_unprocessed_age_seconds"), -1), 0);
    EXPECT_EQ(delta("activityfeed_drain_runs_total"), 1);
    EXPECT_EQ(delta("activityfeed_drain_rows_total"), double(unprocessed));
    EXPECT_EQ(delta("activityfeed_drain_events_total"), double(inserted));
    EXPECT_EQ(delta("activityfeed_drain_duration_seconds_count"), 1);
    EXPECT_EQ(delta("activityfeed_drain_duration_seconds_bucket{le=\"+Inf\"}"), 1);
    EXPECT_GT(delta("activityfeed_drain_duration_seconds_sum"), 0);
    EXPECT_EQ(delta("activityfeed_drain_failures_total"), 0);
    EXPECT_EQ(delta("activityfeed_http_requests_total{route=\"/api/activity/drain\",code=\"200\"}"), 1);
    std::printf("[ metrics  ] drain of %lld rows -> %d events; duration sum moved %.4f s\n", unprocessed,
                inserted, delta("activityfeed_drain_duration_seconds_sum"));

    // The emitter's counters are the runtime's emitter.
    m_runtime->emitter().emitEvent(m_tenant[0], QStringLiteral("streak_milestone"), QJsonObject{{QStringLiteral("days"), 7}});
    ASSERT_TRUE(m_runtime->emitter().flush(std::chrono::seconds(10)));
    const QMap<QString, double> emitted = scrape();
    EXPECT_EQ(emitted.value(QStringLiteral("activityfeed_emitter_written_total")) -
                  after.value(QStringLiteral("activityfeed_emitter_written_total")),
              1);
    EXPECT_EQ(emitted.value(QStringLiteral("activityfeed_emitter_buffered_events"), -1), 0);
    EXPECT_EQ(emitted.value(QStringLiteral("activityfeed_queue_depth")), 1);
}

TEST_F(MetricsHttp, RequestsCountByRoutePatternAndSseByTenant)
{
    const QString uuid = QStringLiteral("0b9f2f4e-5d7c-4a55-9a4f-2f1d7f1e3a11");
    const QMap<QString, double> before = scrape();
    EXPECT_EQ(get("/api/activity/events/" + uuid.toUtf8() + "/sources", "Authorization: Bearer " + m_token[0] + "\r\n").status, 404);
    EXPECT_EQ(get("/api/activity/events/" + uuid.toUtf8() + "/sources").status, 401);
    EXPECT_EQ(get("/completely/unknown/" + uuid.toUtf8()).status, 404);
    const aftest::HttpReply metrics = get("/metrics");
    const QMap<QString, double> after = parseSamples(metrics.body);
    const auto delta = [&](const QString &key) { return after.value(key) - before.value(key); };
    const QString sources = QStringLiteral("activityfeed_http_requests_total{route=\"/api/activity/events/:id/sources\",code=\"%1\"}");
    EXPECT_EQ(delta(sources.arg(404)), 1) << metrics.body.constData();
    EXPECT_EQ(delta(sources.arg(401)), 1);
    EXPECT_EQ(delta(QStringLiteral("activityfeed_http_requests_total{route=\"unmatched\",code=\"404\"}")), 1);
    EXPECT_FALSE(metrics.body.contains(uuid.toUtf8())) << "a raw path became a label value";
    EXPECT_FALSE(metrics.body.contains("/completely"));

    // Two streams of Beta, one of Acme.
    std::vector<std::unique_ptr<aftest::TestHttpClient>> streams;
    for (int who : {1, 1, 0}) {
        streams.push_back(std::make_unique<aftest::TestHttpClient>(m_port));
        streams.back()->send("GET /api/activity/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                             m_token[who] + "\r\n\r\n");
        ASSERT_TRUE(streams.back()->readUntil([](const QByteArray &b) { return b.contains("retry: 3000"); }, 5000));
    }
    const QString acme = QStringLiteral("activityfeed_sse_tenant_clients{tenant_id=\"%1\"}").arg(m_tenant[0]);
    const QString beta = QStringLiteral("activityfeed_sse_tenant_clients{tenant_id=\"%1\"}").arg(m_tenant[1]);
    QMap<QString, double> m = scrapeUntil(
        [&](const auto &s) { return s.value(acme) == 1 && s.value(beta) == 2; }, "1 Acme and 2 Beta streams");
    EXPECT_EQ(m.value(QStringLiteral("activityfeed_sse_clients")), 3);
    streams.erase(streams.begin()); // one Beta stream goes away
    m = scrapeUntil([&](const auto &s) { return s.value(beta) == 1; }, "the closed Beta stream gone");
    EXPECT_EQ(m.value(QStringLiteral("activityfeed_sse_clients")), 2);
    EXPECT_EQ(m.value(acme), 1);
    EXPECT_GE(m.value(QStringLiteral("activityfeed_db_pool_connections_max")), 1);
}

TEST_F(MetricsHttp, AnotherAddressNeedsTheDrainSecret)
{
    // 127.0.0.2 is a loopback address but not one of the two the rule trusts: the server
    // sees exactly what it would see from a LAN neighbour's address.
    const QHostAddress neighbour(QStringLiteral("127.0.0.2"));
    const aftest::HttpReply none = get("/metrics", {}, neighbour);
    EXPECT_EQ(none.status, 401) << none.body.constData();
    EXPECT_FALSE(none.error().isEmpty());
    EXPECT_EQ(none.headers.value("www-authenticate"), "Bearer");
    EXPECT_FALSE(none.body.contains("activityfeed_"));
    EXPECT_EQ(get("/metrics", "Authorization: Bearer wrong\r\n", neighbour).status, 401);
    EXPECT_EQ(get("/metrics", "Authorization: Bearer " + m_token[0] + "\r\n", neighbour).status, 401)
        << "a tenant token is not the drain secret";
    EXPECT_EQ(get("/metrics", QByteArray("x-drain-secret: ") + kSecret + "\r\n", neighbour).status, 401)
        << "only the Authorization header carries it here";
    const aftest::HttpReply ok = get("/metrics", QByteArray("Authorization: Bearer ") + kSecret + "\r\n", neighbour);
    EXPECT_EQ(ok.status, 200);
    EXPECT_TRUE(ok.body.contains("activityfeed_queue_depth "));
    // From 127.0.0.1 nothing is needed.
    EXPECT_EQ(get("/metrics").status, 200);
}

TEST_F(MetricsHttp, WithTheDatabaseDownTheRestIsStillServed)
{
    ASSERT_EQ(scrape().value(QStringLiteral("activityfeed_database_up")), 1);
    aftest::PgCluster::instance().stopServer();
    QElapsedTimer t;
    t.start();
    const aftest::HttpReply down = get("/metrics");
    const qint64 ms = t.elapsed();
    aftest::PgCluster::instance().startServer();
    EXPECT_EQ(down.status, 200) << down.body.constData();
    const QMap<QString, double> m = parseSamples(down.body);
    EXPECT_EQ(m.value(QStringLiteral("activityfeed_database_up"), -1), 0);
    EXPECT_FALSE(m.contains(QStringLiteral("activityfeed_queue_depth"))) << "no made-up queue depth";
    EXPECT_TRUE(m.contains(QStringLiteral("activityfeed_drain_runs_total")));
    EXPECT_TRUE(m.contains(QStringLiteral("activityfeed_sse_clients")));
    EXPECT_LT(ms, 5000) << "a scrape waited on the dead database";
    std::printf("[ metrics  ] scrape with the database down: %lld ms\n", static_cast<long long>(ms));
    scrapeUntil([](const auto &s) { return s.value(QStringLiteral("activityfeed_database_up")) == 1; },
                "the database back in the scrape");
}

} // namespace
