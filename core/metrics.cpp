#include "metrics.h"

#include <algorithm>
#include <cmath>

namespace af {

namespace {

QByteArray number(double value)
{
    if (std::isinf(value))
        return value > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    return QByteArray::number(value, 'g', 15);
}

} // namespace

Metrics &Metrics::instance()
{
    static Metrics metrics;
    return metrics;
}

int Metrics::routeIndex(const QString &pattern)
{
    std::lock_guard<std::mutex> lock(m_routesMutex);
    const int count = m_routeCount.load();
    for (int i = 2; i < count; ++i) {
        if (m_routes[size_t(i)].pattern == pattern)
            return i;
    }
    // Past the table (far more routes than the server has) requests count as unmatched
    // rather than growing the label set.
    if (count >= kMaxRoutes)
        return kUnmatchedRoute;
    m_routes[size_t(count)].pattern = pattern;
    m_routeCount.store(count + 1);
    return count;
}

void Metrics::countRequest(int routeIndex, int status) noexcept
{
    if (routeIndex < 0 || routeIndex >= kMaxRoutes || status <= 0)
        routeIndex = kUnmatchedRoute;
    Route &route = m_routes[size_t(routeIndex)];
    for (StatusSlot &slot : route.slots) {
        int seen = slot.status.load(std::memory_order_relaxed);
        if (seen == 0 && slot.status.compare_exchange_strong(seen, status, std::memory_order_relaxed))
            seen = status;
        if (seen == status) {
            slot.count.fetch_add(1, std::memory_order_relaxed);
            return;
        }
    }
    route.otherStatuses.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::countDrain(qint64 rows, qint64 events, double seconds, bool failed) noexcept
{
    m_drainRuns.fetch_add(1, std::memory_order_relaxed);
    if (failed)
        m_drainFailures.fetch_add(1, std::memory_order_relaxed);
    m_drainRows.fetch_add(quint64(std::max<qint64>(rows, 0)), std::memory_order_relaxed);
    m_drainEvents.fetch_add(quint64(std::max<qint64>(events, 0)), std::memory_order_relaxed);
    m_drainMicros.fetch_add(quint64(std::max(0.0, seconds) * 1e6), std::memory_order_relaxed);
    // Each drain counts in the first bucket that holds it; writeCounters accumulates.
    for (size_t i = 0; i < kDrainBuckets.size(); ++i) {
        if (seconds <= kDrainBuckets[i]) {
            m_drainBucketCounts[i].fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
}

void Metrics::countDrainReadAgain() noexcept
{
    m_drainReadsAgain.fetch_add(1, std::memory_order_relaxed);
}

quint64 Metrics::drainReadsAgain() const noexcept
{
    return m_drainReadsAgain.load(std::memory_order_relaxed);
}

void Metrics::countNetworkThreadAnswer() noexcept
{
    m_networkThreadAnswers.fetch_add(1, std::memory_order_relaxed);
}

quint64 Metrics::networkThreadAnswers() const noexcept
{
    return m_networkThreadAnswers.load(std::memory_order_relaxed);
}

void Metrics::countFeedCheckStatement(int checks) noexcept
{
    m_feedCheckStatements.fetch_add(1, std::memory_order_relaxed);
    if (checks > 1)
        m_feedChecksShared.fetch_add(quint64(checks - 1), std::memory_order_relaxed);
}

quint64 Metrics::feedCheckStatements() const noexcept
{
    return m_feedCheckStatements.load(std::memory_order_relaxed);
}

quint64 Metrics::feedChecksShared() const noexcept
{
    return m_feedChecksShared.load(std::memory_order_relaxed);
}

void Metrics::family(QByteArray &out, const char *name, const char *type, const char *help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void Metrics::sample(QByteArray &out, const char *name, const QByteArray &labels, double value)
{
    out += name;
    if (!labels.isEmpty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    out += number(value);
    out += '\n';
}

QByteArray Metrics::label(const char *name, const QString &value)
{
    QByteArray escaped;
    const QByteArray utf8 = value.toUtf8();
    escaped.reserve(utf8.size() + 8);
    for (const char c : utf8) {
        if (c == '\\')
            escaped += "\\\\";
        else if (c == '"')
            escaped += "\\\"";
        else if (c == '\n')
            escaped += "\\n";
        else
            escaped += c;
    }
    return QByteArray(name) + "=\"" + escaped + '"';
}

void Metrics::writeCounters(QByteArray &out) const
{
    family(out, "activityfeed_http_requests_total", "counter",
           "HTTP requests answered, by route pattern and status code.");
    const int routes = m_routeCount.load();
    for (int i = 0; i < routes; ++i) {
        const Route &route = m_routes[size_t(i)];
        const QString name = i == kUnmatchedRoute   ? QStringLiteral("unmatched")
                             : i == kUnparsedRoute ? QStringLiteral("unparsed")
                                                    : route.pattern;
        const QByteArray routeLabel = label("route", name);
        for (const StatusSlot &slot : route.slots) {
            const int status = slot.status.load(std::memory_order_relaxed);
            const quint64 count = slot.count.load(std::memory_order_relaxed);
            if (status != 0 && count > 0)
                sample(out, "activityfeed_http_requests_total",
                       routeLabel + ',' + label("code", QString::number(status)), double(count));
        }
        if (const quint64 other = route.otherStatuses.load(std::memory_order_relaxed))
            sample(out, "activityfeed_http_requests_total",
                   routeLabel + ',' + label("code", QStringLiteral("other")), double(other));
    }
    family(out, "activityfeed_http_network_thread_answers_total", "counter",
           "Feed reads answered from a kept page on the network thread, without a worker.");
    sample(out, "activityfeed_http_network_thread_answers_total", {}, double(networkThreadAnswers()));
    family(out, "activityfeed_feed_check_statements_total", "counter",
           "Token-and-version statements the network threads' feed checks ran.");
    sample(out, "activityfeed_feed_check_statements_total", {}, double(feedCheckStatements()));
    family(out, "activityfeed_feed_checks_shared_total", "counter",
           "Feed checks answered by a statement that another waiting check of the same token had queued.");
    sample(out, "activityfeed_feed_checks_shared_total", {}, double(feedChecksShared()));

    const quint64 runs = m_drainRuns.load(std::memory_order_relaxed);
    family(out, "activityfeed_drain_runs_total", "counter", "Queue drains run by this process.");
    sample(out, "activityfeed_drain_runs_total", {}, double(runs));
    family(out, "activityfeed_drain_failures_total", "counter",
           "Queue drains that stopped with an error (their committed batches stay).");
    sample(out, "activityfeed_drain_failures_total", {}, double(m_drainFailures.load()));
    family(out, "activityfeed_drain_batches_read_again_total", "counter",
           "Drain batches that read their rows again because another drain took rows read ahead.");
    sample(out, "activityfeed_drain_batches_read_again_total", {}, double(drainReadsAgain()));
    family(out, "activityfeed_drain_rows_total", "counter", "Queue rows the drains processed.");
    sample(out, "activityfeed_drain_rows_total", {}, double(m_drainRows.load()));
    family(out, "activityfeed_drain_events_total", "counter", "Feed events the drains inserted.");
    sample(out, "activityfeed_drain_events_total", {}, double(m_drainEvents.load()));

    family(out, "activityfeed_drain_duration_seconds", "histogram",
           "Wall time of one drain, all of its batches.");
    quint64 cumulative = 0;
    for (size_t i = 0; i < kDrainBuckets.size(); ++i) {
        cumulative += m_drainBucketCounts[i].load(std::memory_order_relaxed);
        sample(out, "activityfeed_drain_duration_seconds_bucket", "le=\"" + number(kDrainBuckets[i]) + '"',
               double(cumulative));
    }
    // Read after the buckets: a drain counted meanwhile shows in +Inf and _count only,
    // which keeps +Inf >= every bucket.
    sample(out, "activityfeed_drain_duration_seconds_bucket", "le=\"+Inf\"",
           double(std::max(runs, cumulative)));
    sample(out, "activityfeed_drain_duration_seconds_sum", {},
           double(m_drainMicros.load(std::memory_order_relaxed)) / 1e6);
    sample(out, "activityfeed_drain_duration_seconds_count", {}, double(std::max(runs, cumulative)));
}

} // namespace af
