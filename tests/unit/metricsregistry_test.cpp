// The metrics registry alone: route patterns interned once, statuses per route, the text
// format (HELP/TYPE, escaping, a cumulative histogram), the cost of counting, and the
// access rule of /metrics for any peer address.
#include "api/apiauth.h"
#include "core/metrics.h"

#include <QList>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

using af::Metrics;

namespace {

double sampleValue(const QByteArray &text, const QByteArray &key)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(key + ' '))
            return line.mid(key.size() + 1).toDouble();
    }
    return -1;
}

TEST(MetricsRegistry, RoutePatternsAreInternedOnceAndCountedPerStatus)
{
    Metrics &m = Metrics::instance();
    const int a = m.routeIndex(QStringLiteral("/unit/things/:id"));
    EXPECT_EQ(m.routeIndex(QStringLiteral("/unit/things/:id")), a) << "one index per pattern";
    EXPECT_NE(m.routeIndex(QStringLiteral("/unit/other")), a);
    EXPECT_GT(a, Metrics::kUnparsedRoute);

    for (int i = 0; i < 3; ++i)
        m.countRequest(a, 200);
    m.countRequest(a, 404);
    m.countRequest(Metrics::kUnparsedRoute, 431);
    QByteArray text;
    m.writeCounters(text);
    EXPECT_EQ(sampleValue(text, "activityfeed_http_requests_total{route=\"/unit/things/:id\",code=\"200\"}"), 3)
        << text.constData();
    EXPECT_EQ(sampleValue(text, "activityfeed_http_requests_total{route=\"/unit/things/:id\",code=\"404\"}"), 1);
    EXPECT_GE(sampleValue(text, "activityfeed_http_requests_total{route=\"unparsed\",code=\"431\"}"), 1);
    EXPECT_EQ(text.count("# TYPE activityfeed_http_requests_total counter\n"), 1);

    // More distinct statuses than slots: the rest is counted, under code="other".
    const int b = m.routeIndex(QStringLiteral("/unit/many-statuses"));
    for (int s = 0; s < Metrics::kStatusSlots + 3; ++s)
        m.countRequest(b, 400 + s);
    text.clear();
    m.writeCounters(text);
    EXPECT_EQ(sampleValue(text, "activityfeed_http_requests_total{route=\"/unit/many-statuses\",code=\"other\"}"), 3);
}

TEST(MetricsRegistry, CountingFromManyThreadsLosesNothingAndCostsNanoseconds)
{
    Metrics &m = Metrics::instance();
    const int route = m.routeIndex(QStringLiteral("/unit/hot"));
    constexpr int kThreads = 4;
    constexpr int kPerThread = 250000;
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&m, route, t] {
            for (int i = 0; i < kPerThread; ++i)
                m.countRequest(route, (i + t) % 2 ? 200 : 304);
        });
    for (auto &t : threads)
        t.join();
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
                      (double(kThreads) * kPerThread);
    QByteArray text;
    m.writeCounters(text);
    EXPECT_EQ(sampleValue(text, "activityfeed_http_requests_total{route=\"/unit/hot\",code=\"200\"}") +
                  sampleValue(text, "activityfeed_http_requests_total{route=\"/unit/hot\",code=\"304\"}"),
              double(kThreads) * kPerThread);
    std::printf("[ metrics  ] countRequest: %.1f ns per call (4 threads contending on one counter)\n", ns);
    // Contended atomics on a loaded 2-core machine; a microsecond would still be far
    // below the cost of one HTTP request.
    EXPECT_LT(ns, 1000.0);
}

TEST(MetricsRegistry, DrainHistogramIsCumulativeAndCountsEveryDrain)
{
    Metrics &m = Metrics::instance();
    QByteArray before;
    m.writeCounters(before);
    m.countDrain(10, 3, 0.004, false); // first bucket
    m.countDrain(5, 1, 0.3, false);    // le=0.5
    m.countDrain(2, 0, 120, true);     // only +Inf
    QByteArray after;
    m.writeCounters(after);
    const auto delta = [&](const QByteArray &key) { return sampleValue(after, key) - sampleValue(before, key); };
    EXPECT_EQ(delta("activityfeed_drain_runs_total"), 3);
    EXPECT_EQ(delta("activityfeed_drain_failures_total"), 1);
    EXPECT_EQ(delta("activityfeed_drain_rows_total"), 17);
    EXPECT_EQ(delta("activityfeed_drain_events_total"), 4);
    EXPECT_EQ(delta("activityfeed_drain_duration_seconds_bucket{le=\"0.005\"}"), 1);
    EXPECT_EQ(delta("activityfeed_drain_duration_seconds_bucket{le=\"0.25\"}"), 1);
    EXPECT_EQ(delta("activityfeed_drain_duration_seconds_bucket{le=\"0.5\"}"), 2);
    EXPECT_EQ(delta("activityfeed_drain_duration_seconds_bucket{le=\"60\"}"), 2);
    EXPECT_EQ(delta("activityfeed_drain_duration_seconds_bucket{le=\"+Inf\"}"), 3);
    EXPECT_EQ(delta("activityfeed_drain_duration_seconds_count"), 3);
    EXPECT_NEAR(delta("activityfeed_drain_duration_seconds_sum"), 120.304, 0.001);
    EXPECT_TRUE(after.contains("# TYPE activityfeed_drain_duration_seconds histogram\n"));
    EXPECT_TRUE(after.contains("# HELP activityfeed_drain_duration_seconds "));
}

TEST(MetricsRegistry, LabelValuesAreEscaped)
{
    EXPECT_EQ(Metrics::label("route", QStringLiteral("a\"b\\c\nd")), QByteArray("route=\"a\\\"b\\\\c\\nd\""));
    QByteArray out;
    Metrics::sample(out, "x_total", Metrics::label("k", QStringLiteral("v")), 2.5);
    Metrics::sample(out, "y", {}, 3);
    EXPECT_EQ(out, QByteArray("x_total{k=\"v\"} 2.5\ny 3\n"));
}

TEST(MetricsRegistry, AccessRuleTrustsOnlyTheTwoLoopbackAddresses)
{
    const QByteArray secret("metrics-secret");
    struct Case {
        const char *peer;
        const char *bearer;
        QByteArray configured;
        bool allowed;
    };
    const Case cases[] = {
        {"127.0.0.1", "", secret, true},
        {"::1", "", secret, true},
        {"::ffff:127.0.0.1", "", secret, true}, // 127.0.0.1 as a dual-stack socket shows it
        {"127.0.0.1", "", {}, true},            // no secret configured: loopback still reads
        {"127.0.0.2", "", secret, false},
        {"192.168.1.20", "", secret, false},
        {"192.168.1.20", "wrong", secret, false},
        {"192.168.1.20", "metrics-secret", secret, true},
        {"fe80::1", "metrics-secret", secret, true},
        {"::ffff:10.0.0.7", "", secret, false},
        {"192.168.1.20", "", {}, false},             // nothing configured, nothing to present
        {"192.168.1.20", "metrics-secre", secret, false},
        {"", "", secret, false},                     // unknown peer is not loopback
        {"localhost", "", secret, false},            // a name is not an address
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(std::string(c.peer) + " bearer '" + c.bearer + "'");
        EXPECT_EQ(af::ApiAuth::mayReadMetrics(QString::fromLatin1(c.peer), QString::fromLatin1(c.bearer),
                                              c.configured),
                  c.allowed);
    }
}

} // namespace
