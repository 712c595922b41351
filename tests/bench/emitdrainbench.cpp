// emit: 1 000 000 emitEvent calls from 4 threads (rows/s to commit, call latency) against a
// raw COPY of the same rows into activity_queue in the same run.
// drain: 100 000 / 1 000 000 queued rows of the realistic mix through Drainer::drainQueue
// against a raw COPY of the rows the drain wrote (events + sources).
#include "benchdata.h"
#include "benchutil.h"
#include "sections.h"

#include "feed/drainer.h"
#include "feed/eventemitter.h"
#include "feed/grouping.h"
#include "feed/tenants.h"
#include "pgharness.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>

#include <pqxx/pqxx>

#include <cmath>
#include <cstdio>
#include <thread>

namespace afbench {

std::string databaseWithTenants(const std::string &prefix)
{
    const std::string cs = aftest::freshDatabase(prefix);
    pqxx::connection conn(cs);
    for (int i = 1; i <= 20; ++i)
        af::Tenants::add(conn, QStringLiteral("Tenant %1").arg(i));
    return cs;
}

int freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// @p rows into activity_queue in one COPY, one transaction.
void copyIntoQueue(pqxx::connection &conn, const std::vector<QueueTuple> &rows)
{
    pqxx::work tx(conn);
    pqxx::stream_to copy(tx, "activity_queue",
                         std::vector<std::string>{"tenant_id", "event_type", "payload_json", "created_at"});
    for (const QueueTuple &r : rows)
        copy << r;
    copy.complete();
    tx.commit();
}

double copyQueueRows(const std::string &cs, const std::vector<QueueTuple> &rows)
{
    pqxx::connection conn(cs);
    pqxx::nontransaction(conn).exec("TRUNCATE activity_queue CASCADE");
    const std::int64_t t0 = nowNs();
    copyIntoQueue(conn, rows);
    return double(nowNs() - t0) / 1e9;
}

} // namespace

void benchEmit(BenchEnv &env)
{
    const int total = env.smoke ? 40'000 : 1'000'000;
    const int threads = 4;
    const int runs = env.smoke ? 1 : 3;
    std::printf("emit: %d calls from %d threads, %d runs\n", total, threads, runs);
    const std::string cs = databaseWithTenants("emit");
    // The payloads a caller would pass: built once, shared (QJsonObject is implicitly shared).
    std::vector<QJsonObject> payloads;
    for (int t = 0; t < 6; ++t)
        payloads.push_back(QJsonDocument::fromJson(QByteArray::fromStdString(payloadFor(t, t))).object());
    std::vector<QString> types;
    for (const std::string &t : eventTypes())
        types.push_back(QString::fromStdString(t));
    // The same rows for the raw COPY.
    std::vector<QueueTuple> same;
    same.reserve(size_t(total));
    const QString now = af::isoMicros(af::Micros(std::chrono::duration_cast<std::chrono::microseconds>(
                                                     std::chrono::system_clock::now().time_since_epoch()).count()));
    for (int i = 0; i < total; ++i)
        same.emplace_back(1 + i % 20, eventTypes()[size_t(i % 6)], payloadFor(i % 6, i % 6), now.toStdString());

    std::vector<double> rates, copyRates, ratios, p50s, p99s, p999s, emitPhase;
    quint64 dropped = 0;
    for (int run = 0; run < runs; ++run) {
        {
            pqxx::connection conn(cs);
            pqxx::nontransaction(conn).exec("TRUNCATE activity_queue CASCADE");
        }
        af::EventEmitter::Options o;
        o.capacity = size_t(total) + 1; // measure the writer's rate, not the drop policy
        af::EventEmitter emitter(cs, o);
        std::vector<std::vector<float>> lat(threads);
        const std::int64_t t0 = nowNs();
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t) {
            ts.emplace_back([&, t] {
                auto &l = lat[size_t(t)];
                l.reserve(size_t(total / threads));
                for (int i = t; i < total; i += threads) {
                    const std::int64_t a = nowNs();
                    emitter.emitEvent(1 + i % 20, types[size_t(i % 6)], payloads[size_t(i % 6)]);
                    l.push_back(float(nowNs() - a));
                }
            });
        }
        for (auto &t : ts)
            t.join();
        const std::int64_t tEmitted = nowNs();
        emitter.flush(std::chrono::minutes(5));
        const double secs = double(nowNs() - t0) / 1e9;
        dropped += emitter.dropped();
        std::vector<double> all;
        all.reserve(size_t(total));
        for (auto &l : lat)
            all.insert(all.end(), l.begin(), l.end());
        p50s.push_back(quantile(all, 0.50) / 1000);
        p99s.push_back(quantile(all, 0.99) / 1000);
        p999s.push_back(quantile(all, 0.999) / 1000);
        emitPhase.push_back(double(tEmitted - t0) / 1e9);
        const double rate = double(emitter.written()) / secs;
        const double copySecs = copyQueueRows(cs, same);
        const double copyRate = total / copySecs;
        rates.push_back(rate);
        copyRates.push_back(copyRate);
        ratios.push_back(rate / copyRate);
        std::printf("  run %d: %.0f rows/s (calls done in %.2f s), COPY %.0f rows/s, p50 %.2f µs p99 %.2f µs\n",
                    run + 1, rate, emitPhase.back(), copyRate, p50s.back(), p99s.back());
    }
    env.add("emit", "rows/s to committed (median)", median(rates), 50'000, kNaN);
    env.add("emit", "call latency p50 µs", median(p50s), kNaN, kNaN);
    env.add("emit", "call latency p99 µs", median(p99s), kNaN, 10);
    env.add("emit", "raw COPY rows/s (same run)", median(copyRates), kNaN, kNaN);
    env.add("emit", "% of raw COPY", 100 * median(ratios), 25, kNaN);
    env.note("emit", QJsonObject{{"calls", total}, {"threads", threads}, {"runs", runs},
                                 {"rows_per_s", median(rates)}, {"copy_rows_per_s", median(copyRates)},
                                 {"ratio_to_copy", median(ratios)}, {"p50_us", median(p50s)},
                                 {"p99_us", median(p99s)}, {"p999_us", median(p999s)},
                                 {"calls_phase_s", median(emitPhase)},
                                 {"dropped", double(dropped)}});
}

namespace {

struct DrainRun {
    double drainSecs = 0, copySecs = 0;
    int processed = 0, inserted = 0;
};

DrainRun drainOnce(int rows)
{
    const std::string cs = databaseWithTenants("drain");
    const std::vector<QueueTuple> mix = drainMix(rows);
    pqxx::connection conn(cs);
    copyIntoQueue(conn, mix);
    pqxx::nontransaction(conn).exec("VACUUM ANALYZE activity_queue");
    DrainRun out;
    const std::int64_t t0 = nowNs();
    const af::DrainResult r = af::Drainer::drainQueue(conn, {}, QStringLiteral("bench"));
    out.drainSecs = double(nowNs() - t0) / 1e9;
    out.processed = r.processed;
    out.inserted = r.inserted;

    // The physical limit: the rows this drain wrote, COPYed into tables of the same shape.
    using EventTuple = std::tuple<std::string, int, std::string, std::string, std::string,
                                  std::string, std::string, std::string>;
    std::vector<EventTuple> events;
    std::vector<std::tuple<std::string, std::string>> sources;
    {
        // (A plain SELECT: libpqxx 6's stream_from trips over some escaped text.)
        pqxx::work tx(conn);
        for (const auto &row : tx.exec("SELECT id::text, tenant_id, event_type, display_name, description, "
                                       "icon, payload_json::text, created_at::text FROM activity_events"))
            events.emplace_back(row[0].as<std::string>(), row[1].as<int>(), row[2].as<std::string>(),
                                row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                                row[6].as<std::string>(), row[7].as<std::string>());
        for (const auto &row : tx.exec("SELECT event_id::text, queue_id::text FROM activity_event_sources"))
            sources.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
        tx.exec("CREATE TABLE bench_events (LIKE activity_events INCLUDING ALL)");
        tx.exec("CREATE TABLE bench_sources (LIKE activity_event_sources INCLUDING ALL)");
        tx.commit();
    }
    const std::int64_t c0 = nowNs();
    {
        pqxx::work tx(conn);
        pqxx::stream_to ev(tx, "bench_events",
                           std::vector<std::string>{"id", "tenant_id", "event_type", "display_name",
                                                    "description", "icon", "payload_json", "created_at"});
        for (const EventTuple &e : events)
            ev << e;
        ev.complete();
        pqxx::stream_to src(tx, "bench_sources", std::vector<std::string>{"event_id", "queue_id"});
        for (const auto &s : sources)
            src << s;
        src.complete();
        tx.commit();
    }
    out.copySecs = double(nowNs() - c0) / 1e9;
    return out;
}

} // namespace

void benchDrain(BenchEnv &env)
{
    QJsonObject section;
    const std::vector<std::pair<int, int>> plan = env.smoke
        ? std::vector<std::pair<int, int>>{{20'000, 1}}
        : std::vector<std::pair<int, int>>{{100'000, 3}, {1'000'000, 1}};
    for (const auto &[rows, runs] : plan) {
        std::printf("drain: %d queued rows, %d run(s)\n", rows, runs);
        std::vector<double> rates, copyRates, ratios;
        DrainRun last;
        for (int run = 0; run < runs; ++run) {
            last = drainOnce(rows);
            rates.push_back(last.processed / last.drainSecs);
            copyRates.push_back(last.processed / last.copySecs);
            ratios.push_back(last.copySecs / last.drainSecs);
            std::printf("  run %d: %d rows -> %d events in %.2f s (%.0f rows/s); COPY of the written rows %.2f s\n",
                        run + 1, last.processed, last.inserted, last.drainSecs, rates.back(), last.copySecs);
        }
        const QString what = QStringLiteral("drain %1").arg(rows >= 1'000'000 ? QStringLiteral("1M")
                                                            : QStringLiteral("%1k").arg(rows / 1000));
        env.add(what, "queue rows/s (median)", median(rates), 50'000, kNaN);
        env.add(what, "% of raw COPY of written rows", 100 * median(ratios), kNaN, kNaN);
        section.insert(QString::number(rows),
                       QJsonObject{{"runs", runs}, {"rows_per_s", median(rates)},
                                   {"copy_equiv_rows_per_s", median(copyRates)},
                                   {"ratio_to_copy", median(ratios)}, {"processed", last.processed},
                                   {"inserted", last.inserted}});
    }
    env.note("drain", section);
}

} // namespace afbench
