// emit: 1 000 000 emitEvent calls from 4 threads (rows/s to commit, call latency) against a
// raw COPY of the same rows into activity_queue in the same run.
// drain: 100 000 / 1 000 000 queued rows of the realistic mix through Drainer::drainQueue
// against a raw COPY of the rows the drain wrote (events + sources).
#include "benchdata.h"
#include "benchutil.h"
#include "sections.h"

#include "db/connectionpool.h"
#include "feed/drainer.h"
#include "feed/eventemitter.h"
#include "feed/grouping.h"
#include "feed/tenants.h"
#include "pgharness.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>

#include <pqxx/pqxx>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sstream>
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

void settle(pqxx::connection_base &conn)
{
    pqxx::nontransaction(conn).exec("CHECKPOINT");
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// @p rows into activity_queue in one COPY, one transaction.
void copyIntoQueue(pqxx::connection &conn, const std::vector<QueueTuple> &rows)
{
    pqxx::work tx(conn);
    pqxx::stream_to copy(tx, "activity_queue",
                         std::vector<std::string>{"tenant_id", "event_type", "payload_json", "created_at", "id"});
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
    const af::Micros now = af::Micros(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch()).count());
    for (int i = 0; i < total; ++i)
        same.push_back(queueRow(1 + i % 20, eventTypes()[size_t(i % 6)], payloadFor(i % 6, i % 6), now));

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
    double copyFkSecs = 0; ///< the same raw COPY with the events' tenant foreign key
    int processed = 0, inserted = 0, updated = 0, removed = 0;
};

/// The physical limit of what the drains on @p conn wrote: the events they left and one
/// (event, queue row) pair per source row, COPYed into tables of the same shape. Also
/// (@p withFk) that COPY's time with its events written into a table that has their
/// tenant foreign key, as activity_events does (reported beside the limit: what the
/// reference schema's key costs any writer of these rows).
double copyWritten(pqxx::connection &conn, double *withFk)
{
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
        // One (event, queue row) pair per source row, shaped as 0001 stored them (without
        // foreign keys, like LIKE): the same limit before and after 0012 moved them.
        tx.exec("CREATE TABLE bench_sources (event_id uuid NOT NULL, queue_id uuid NOT NULL UNIQUE)");
        tx.exec("CREATE INDEX ON bench_sources (event_id)");
        tx.exec("CREATE TABLE bench_events_fk (LIKE activity_events INCLUDING ALL, "
                "FOREIGN KEY (tenant_id) REFERENCES tenants (id))");
        tx.commit();
    }
    const auto copyEvents = [&events](pqxx::work &tx, const std::string &table) {
        pqxx::stream_to ev(tx, table,
                           std::vector<std::string>{"id", "tenant_id", "event_type", "display_name",
                                                    "description", "icon", "payload_json", "created_at"});
        for (const EventTuple &e : events)
            ev << e;
        ev.complete();
    };
    settle(conn);
    const std::int64_t c0 = nowNs();
    std::int64_t eventsNs = 0;
    {
        pqxx::work tx(conn);
        copyEvents(tx, "bench_events");
        eventsNs = nowNs() - c0;
        pqxx::stream_to src(tx, "bench_sources", std::vector<std::string>{"event_id", "queue_id"});
        for (const auto &s : sources)
            src << s;
        src.complete();
        tx.commit();
    }
    const double secs = double(nowNs() - c0) / 1e9;
    settle(conn);
    const std::int64_t f0 = nowNs();
    {
        pqxx::work tx(conn);
        copyEvents(tx, "bench_events_fk");
        tx.commit();
    }
    // The same raw COPY, its events written into the table with the foreign key.
    *withFk = secs - double(eventsNs) / 1e9 + double(nowNs() - f0) / 1e9;
    return secs;
}

/// The connections a server drains with: a pool with two open and idle (a running
/// server's pool is warm), the drain on one lease, its reads ahead on the other.
struct ServerPool {
    explicit ServerPool(const std::string &cs) : pool(cs, 2)
    {
        auto a = pool.acquire();
        auto b = pool.acquire();
    }
    af::DrainResult drain(const QString &trigger)
    {
        auto lease = pool.acquire();
        return af::Drainer::drainQueue(*lease, {}, trigger, &pool);
    }
    af::ConnectionPool pool;
};

void addResult(DrainRun &out, const af::DrainResult &r)
{
    out.processed += r.processed;
    out.inserted += r.inserted;
    out.updated += r.updated;
    out.removed += r.removed;
}

DrainRun drainOnce(int rows)
{
    const std::string cs = databaseWithTenants("drain");
    const std::vector<QueueTuple> mix = drainMix(rows);
    pqxx::connection conn(cs);
    copyIntoQueue(conn, mix);
    pqxx::nontransaction(conn).exec("VACUUM ANALYZE activity_queue");
    settle(conn);
    ServerPool server(cs);
    DrainRun out;
    const std::int64_t t0 = nowNs();
    addResult(out, server.drain(QStringLiteral("bench")));
    out.drainSecs = double(nowNs() - t0) / 1e9;
    out.copySecs = copyWritten(conn, &out.copyFkSecs);
    return out;
}

/// Where to end each of @p slices slices of @p mix: near each equal share, moved on to the
/// middle of a burst (a run of rows of one tenant and type), the way an interval drain
/// fires while a burst is arriving. Every other cut comes after a burst's second row (the
/// next drain makes one tile of the rest and those two published singles: one of them
/// becomes the tile, the other folds into it) or after its third (the next drain grows
/// that published tile).
std::vector<size_t> sliceEnds(const std::vector<QueueTuple> &mix, int slices)
{
    const auto sameKey = [&mix](size_t a, size_t b) {
        return std::get<0>(mix[a]) == std::get<0>(mix[b]) && std::get<1>(mix[a]) == std::get<1>(mix[b]);
    };
    std::vector<size_t> ends;
    for (int k = 1; k < slices; ++k) {
        const size_t before = k % 2 ? 2 : 3; // rows of the burst in the earlier slice
        size_t p = mix.size() * size_t(k) / size_t(slices);
        for (; p + 1 < mix.size(); ++p) {
            if (p < before + 1)
                continue;
            const size_t first = p - before;
            bool cut = !sameKey(first - 1, first) && sameKey(p - 1, p);
            for (size_t i = first; cut && i + 1 < p; ++i)
                cut = sameKey(i, i + 1);
            if (cut)
                break;
        }
        ends.push_back(p);
    }
    ends.push_back(mix.size());
    return ends;
}

/// The same rows as drainOnce, queued and drained in @p slices parts, each part its own
/// drainQueue (as the admin's auto-drain interval runs them): windows continue across
/// drains, so published tiles grow and published singles fold. Only the drains are timed.
DrainRun drainSliced(int rows, int slices)
{
    const std::string cs = databaseWithTenants("drainsliced");
    const std::vector<QueueTuple> mix = drainMix(rows);
    pqxx::connection conn(cs);
    ServerPool server(cs);
    DrainRun out;
    size_t from = 0;
    for (const size_t to : sliceEnds(mix, slices)) {
        copyIntoQueue(conn, {mix.begin() + long(from), mix.begin() + long(to)});
        from = to;
        settle(conn);
        const std::int64_t t0 = nowNs();
        addResult(out, server.drain(QStringLiteral("bench-sliced")));
        out.drainSecs += double(nowNs() - t0) / 1e9;
    }
    out.copySecs = copyWritten(conn, &out.copyFkSecs);
    return out;
}

} // namespace

namespace {

/// Collects what the server sends as notices: auto_explain's plans, raised to NOTICE.
class PlanCollector : public pqxx::errorhandler
{
public:
    explicit PlanCollector(pqxx::connection_base &conn) : pqxx::errorhandler(conn) {}
    bool operator()(const char msg[]) noexcept override
    {
        try {
            plans.emplace_back(msg);
        } catch (...) {
        }
        return false;
    }
    std::vector<std::string> plans;
};

/// One more drain of @p rows, untimed, with auto_explain (ANALYZE, BUFFERS) on every
/// statement it runs: the plans of its second and last batches and the time each kind of
/// statement took over the whole drain go to explain-drain-<rows>.txt.
void explainDrain(BenchEnv &env, int rows)
{
    const std::string cs = databaseWithTenants("drainplan");
    pqxx::connection conn(cs);
    copyIntoQueue(conn, drainMix(rows));
    pqxx::nontransaction(conn).exec("VACUUM ANALYZE activity_queue");
    {
        pqxx::nontransaction tx(conn);
        tx.exec("LOAD 'auto_explain'");
        tx.exec("SET auto_explain.log_min_duration = 0");
        tx.exec("SET auto_explain.log_analyze = on");
        tx.exec("SET auto_explain.log_buffers = on");
        tx.exec("SET auto_explain.log_level = notice");
        tx.exec("SET client_min_messages = notice");
    }
    PlanCollector plans(conn);
    af::Drainer::drainQueue(conn, {}, QStringLiteral("bench-explain"));
    // Split into batches at each batch's first statement (its drain lock).
    std::vector<std::vector<const std::string *>> batches;
    std::map<std::string, std::pair<int, double>> cost; // statement → calls, total ms
    for (const std::string &p : plans.plans) {
        const size_t q = p.find("Query Text: ");
        std::string text = q == std::string::npos ? p : p.substr(q + 12);
        text = text.substr(text.find_first_not_of("\n "));
        text = text.substr(0, text.find('\n'));
        if (text.find("pg_advisory_xact_lock($1)") != std::string::npos)
            batches.emplace_back();
        if (!batches.empty())
            batches.back().push_back(&p);
        const size_t d = p.find("duration: ");
        // A statement sent with its arrays as literals (the marking UPDATE) is one kind.
        auto &c = cost[text.substr(0, std::min<size_t>(110, text.find("'{")))];
        ++c.first;
        if (d != std::string::npos)
            c.second += std::atof(p.c_str() + d + 10);
    }
    std::ostringstream out;
    out << "Drain of " << rows << " queued rows (bench mix), auto_explain ANALYZE BUFFERS.\n\n"
        << "Time per statement over the whole drain (" << batches.size() << " batches):\n";
    std::vector<std::pair<double, std::string>> byCost;
    for (const auto &[text, c] : cost) {
        char line[64];
        std::snprintf(line, sizeof line, "%10.1f ms %6d calls  ", c.second, c.first);
        byCost.emplace_back(c.second, line + text);
    }
    std::sort(byCost.rbegin(), byCost.rend());
    for (const auto &[ms, line] : byCost)
        out << line << "\n";
    for (const size_t b : {size_t(1), batches.size() - 1}) {
        if (b >= batches.size())
            continue;
        out << "\n===== batch " << b + 1 << " of " << batches.size() << " =====\n";
        std::set<std::string> seen;
        for (const std::string *p : batches[b]) {
            // The per-row foreign-key checks are counted above; one plan of each is enough.
            const size_t q = p->find("Query Text: ");
            if (p->find("FOR KEY SHARE OF x") != std::string::npos
                && !seen.insert(p->substr(q, p->find('\n', q) - q)).second)
                continue;
            // Arrays of 5 000 ids say nothing: the first 300 characters of each line.
            std::istringstream lines(*p);
            for (std::string line; std::getline(lines, line);)
                out << (line.size() > 300 ? line.substr(0, 300) + "…" : line) << "\n";
        }
    }
    QFile f(env.outDir + QStringLiteral("/explain-drain-%1.txt").arg(rows));
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(QByteArray::fromStdString(out.str()));
    std::printf("  EXPLAIN of every drain statement: %s\n", qPrintable(f.fileName()));
}

} // namespace

void benchDrain(BenchEnv &env)
{
    QJsonObject section;
    std::vector<std::pair<int, int>> plan = env.smoke
        ? std::vector<std::pair<int, int>>{{20'000, 1}}
        : std::vector<std::pair<int, int>>{{100'000, 3}, {1'000'000, 1}};
    // AF_BENCH_DRAIN_ROWS=100000: only that backlog (3 runs), e.g. for a before/after pair.
    if (const char *only = std::getenv("AF_BENCH_DRAIN_ROWS"); only && std::atoi(only) > 0)
        plan = {{std::atoi(only), 3}};
    explainDrain(env, plan.front().first);
    const auto measure = [&env, &section](const QString &what, const QString &key, int runs,
                                          const std::function<DrainRun()> &once) {
        std::vector<double> rates, copyRates, ratios, fkRatios;
        DrainRun last;
        for (int run = 0; run < runs; ++run) {
            last = once();
            rates.push_back(last.processed / last.drainSecs);
            copyRates.push_back(last.processed / last.copySecs);
            ratios.push_back(last.copySecs / last.drainSecs);
            fkRatios.push_back(last.copyFkSecs / last.drainSecs);
            std::printf("  run %d: %d rows -> %d events (%d grown, %d folded) in %.2f s (%.0f rows/s); "
                        "COPY of the written rows %.2f s (%.1f %%), with the events' foreign key %.2f s (%.1f %%)\n",
                        run + 1, last.processed, last.inserted, last.updated, last.removed, last.drainSecs,
                        rates.back(), last.copySecs, 100 * ratios.back(), last.copyFkSecs, 100 * fkRatios.back());
        }
        env.add(what, "queue rows/s (median)", median(rates), 50'000, kNaN);
        // Issue 16: a drain at half the speed of writing its output raw, or better.
        env.add(what, "% of raw COPY of written rows", 100 * median(ratios), 50, kNaN);
        // Beside it, not instead: the same COPY with the tenant foreign key of the events
        // table (the reference schema's), which the drain pays and the limit above does not.
        env.add(what, "% of that COPY with the events' tenant FK", 100 * median(fkRatios), kNaN, kNaN);
        section.insert(key, QJsonObject{{"runs", runs}, {"rows_per_s", median(rates)},
                                        {"copy_equiv_rows_per_s", median(copyRates)},
                                        {"ratio_to_copy", median(ratios)},
                                        {"ratio_to_copy_with_fk", median(fkRatios)}, {"processed", last.processed},
                                        {"inserted", last.inserted}, {"updated", last.updated},
                                        {"removed", last.removed}});
        return last;
    };
    for (const auto &[rows, runs] : plan) {
        std::printf("drain: %d queued rows, %d run(s)\n", rows, runs);
        const QString what = QStringLiteral("drain %1").arg(rows >= 1'000'000 ? QStringLiteral("1M")
                                                            : QStringLiteral("%1k").arg(rows / 1000));
        measure(what, QString::number(rows), runs, [rows = rows] { return drainOnce(rows); });
        if (rows != plan.front().first)
            continue;
        // The grouping issue's part of the goal: the same rows drained as the auto-drain
        // interval drains them, so that tiles continue and singles fold across drains.
        constexpr int kSlices = 10;
        std::printf("drain: the same %d rows queued and drained in %d parts, %d run(s)\n", rows, kSlices,
                    runs);
        const QString sliced = QStringLiteral("%1 in %2 drains").arg(what).arg(kSlices);
        const DrainRun last = measure(sliced, QStringLiteral("%1_in_%2").arg(rows).arg(kSlices), runs,
                                      [rows = rows] { return drainSliced(rows, kSlices); });
        // Continuation and folding must have happened for the figure to mean what it says.
        env.add(sliced, "tiles grown", last.updated, 1, kNaN);
        env.add(sliced, "singles folded", last.removed, 1, kNaN);
    }
    env.note("drain", section);
}

} // namespace afbench
