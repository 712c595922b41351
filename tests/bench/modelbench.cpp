// af_bench_model: FeedModel holding 100 000 rows (loaded page by page through fetchMore,
// as a ListView would), then 100 live inserts/s, 100 count updates/s, tiles that grow
// (activity.event.updated: new created_at and seq, so the row moves to the top) and
// singles folded away (activity.event.removed) for a while, simulated at 60 frames/s on
// an offscreen QGuiApplication. A growing tile is within the last tile window (5 min), and
// at 100 inserts/s that is up to 30 000 rows down: --join-depth (default 30 000) is how
// deep the grown and folded rows are picked. Per frame it measures the GUI
// thread's time: delivering that frame's signals, running due timers (the model's
// once-per-frame insert) and reading the visible rows' roles, as a view does.
// Prints one JSON line: p50, p99 and whether the p99 is under the 2 ms target.
#include "benchutil.h"
#include "feedmodel.h"

#include "core/eventjson.h"
#include "feedsource.h"

#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QUuid>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

namespace {

/// The desktop's frame budget for the model's share (issue 16): well inside a 16.7 ms frame.
constexpr double kTargetP99Ms = 2.0;

QJsonObject makeEvent(qint64 seq, qint64 createdSecs)
{
    const int t = int(seq % 20) + 1;
    const bool tile = seq % 7 == 0;
    QJsonObject payload = tile
        ? QJsonObject{{"count", 5}, {"samples", QJsonArray{QJsonObject{{"badgeName", "A"}, {"xpAwarded", 5}},
                                                           QJsonObject{{"badgeName", "B"}, {"xpAwarded", 5}},
                                                           QJsonObject{{"badgeName", "C"}, {"xpAwarded", 5}}}},
                      {"first_at", "2025-01-01T00:00:00.000000Z"}, {"last_at", "2025-01-01T00:04:00.000000Z"}}
        : QJsonObject{{"badgeName", "Sprint Champion"}, {"xpAwarded", 50}};
    return QJsonObject{
        {"id", QUuid::createUuid().toString(QUuid::WithoutBraces)},
        {"tenant_id", t},
        {"tenantName", QStringLiteral("Tenant %1").arg(t)},
        {"event_type", "badge_earned"},
        {"display_name", "Badge earned"},
        {"description", tile ? QStringLiteral("5 badges earned") : QStringLiteral("Earned Sprint Champion")},
        {"icon", QStringLiteral("🏅")},
        {"payload_json", payload},
        {"created_at", QDateTime::fromSecsSinceEpoch(createdSecs, Qt::UTC).toString(QStringLiteral("yyyy-MM-ddThh:mm:ss.zzz000Z"))},
        {"seq", seq},
        {"reactions", QJsonObject{{"hype", 1}, {"respect", 0}, {"tribute", 2}}},
        {"myReactions", QJsonArray{}},
        {"commentCount", 3}};
}

/// Serves pages of a fixed list of events; live signals are emitted by the benchmark.
class TestSource : public FeedSource
{
public:
    std::vector<QJsonObject> events; ///< newest first
    void loadEvents(const QString &cursor, int limit, QObject *context,
                    Callback<af::FeedPage> done) override
    {
        const int start = cursor.isEmpty() ? 0 : cursor.toInt();
        const int end = std::min<int>(int(events.size()), start + limit);
        af::FeedPage page;
        for (int i = start; i < end; ++i)
            page.events.push_back(*af::EventJson::readEvent(events[size_t(i)]));
        page.nextCursor = end < int(events.size()) ? QString::number(end) : QString();
        const auto r = Reply<af::FeedPage>::success(std::move(page));
        QMetaObject::invokeMethod(context, [done, r] { done(r); }, Qt::QueuedConnection);
    }
    void loadEventSources(const QString &, QObject *, Callback<std::vector<af::SourceRow>>) override {}
    void setReaction(const QString &, const QString &, bool, QObject *, Callback<af::ReactionChange>) override {}
    void loadComments(const QString &, const QString &, int, QObject *, Callback<af::CommentPage>) override {}
    void addComment(const QString &, const QString &, QObject *, Callback<af::PostedComment>) override {}
    void start() override {}
    void live(const QJsonObject &e) { Q_EMIT eventCreated(*af::EventJson::readEvent(e)); }
    void grown(const QJsonObject &e) { Q_EMIT eventUpdated(*af::EventJson::readEvent(e)); }
    void folded(const QString &id, const QString &into) { Q_EMIT eventRemoved({id, into, 0}); }
    void counts(const QString &id, const QJsonObject &c) { Q_EMIT reactionUpdated({id, af::EventJson::readCounts(c)}); }
    void comment(const QJsonObject &c)
    {
        af::PostedComment p;
        p.comment.eventId = c.value("eventId").toString();
        p.commentCount = c.value("commentCount").toInt();
        Q_EMIT commentCreated(p);
    }
};

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    int seconds = 20, rows = 100'000, rate = 100, joinRate = 50, foldRate = 10, joinDepth = 30'000;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--seconds")) seconds = args[i + 1].toInt();
        if (args[i] == QLatin1String("--rows")) rows = args[i + 1].toInt();
        if (args[i] == QLatin1String("--joins")) joinRate = args[i + 1].toInt();
        if (args[i] == QLatin1String("--folds")) foldRate = args[i + 1].toInt();
        if (args[i] == QLatin1String("--join-depth")) joinDepth = args[i + 1].toInt();
    }
    TestSource source;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    for (int i = 0; i < rows; ++i)
        source.events.push_back(makeEvent(rows - i, now - 60 - i * 30));
    FeedModel model;
    model.setPageSize(50);
    // What a ListView does on changes: read the roles of the visible rows it was told about.
    const int visible = 12;
    auto readRows = [&model](int first, int last) {
        for (int r = first; r <= last; ++r) {
            const QModelIndex idx = model.index(r);
            for (int role = FeedModel::IdRole; role <= FeedModel::IsMineRole; ++role)
                (void)model.data(idx, role);
        }
    };
    QObject::connect(&model, &QAbstractItemModel::rowsInserted, &model,
                     [&](const QModelIndex &, int first, int last) {
        if (first < visible)
            readRows(first, std::min(last, visible - 1));
    });
    QObject::connect(&model, &QAbstractItemModel::rowsMoved, &model,
                     [&](const QModelIndex &, int, int, const QModelIndex &, int to) {
        if (to < visible)
            readRows(to, to);
    });
    QObject::connect(&model, &QAbstractItemModel::dataChanged, &model,
                     [&](const QModelIndex &a, const QModelIndex &b) {
        if (a.row() < visible)
            readRows(a.row(), std::min(b.row(), visible - 1));
    });
    const std::int64_t l0 = afbench::nowNs();
    model.setSource(&source);
    while (model.rowCount() < rows) {
        QCoreApplication::processEvents();
        if (model.canFetchMore({}))
            model.fetchMore({});
    }
    const double loadSecs = double(afbench::nowNs() - l0) / 1e9;

    std::mt19937 rng(7);
    std::uniform_int_distribution<int> pick(0, rows - 1);
    const int frames = seconds * 60;
    std::vector<double> frameMs;
    frameMs.reserve(size_t(frames));
    qint64 seq = rows;
    double insertsDue = 0, updatesDue = 0, joinsDue = 0, foldsDue = 0;
    int inserted = 0, updates = 0, joins = 0, folds = 0;
    auto next = std::chrono::steady_clock::now();
    auto last = next;
    for (int f = 0; f < frames; ++f) {
        // Arrivals follow the clock, as a stream's do: a slow frame is followed by one that
        // holds its time's worth of changes (not by a burst of frames catching up).
        next = std::max(next + std::chrono::microseconds(16'667), std::chrono::steady_clock::now());
        std::this_thread::sleep_until(next); // one frame every 16.7 ms, as a display would
        const double frameShare =
            std::chrono::duration<double>(next - last).count() * 60.0; // 1.0 for an on-time frame
        last = next;
        // The events of this frame, built off the clock (in the app they come parsed
        // from the stream on a worker thread).
        insertsDue += rate / 60.0 * frameShare;
        updatesDue += rate / 60.0 * frameShare;
        std::vector<QJsonObject> ins;
        while (insertsDue >= 1) {
            insertsDue -= 1;
            ins.push_back(makeEvent(++seq, QDateTime::currentSecsSinceEpoch()));
        }
        std::vector<std::pair<QString, int>> upd;
        while (updatesDue >= 1) {
            updatesDue -= 1;
            upd.emplace_back(source.events[size_t(pick(rng))].value("id").toString(), updates++);
        }
        // Tiles that grew and singles that folded, somewhere in the last window's rows.
        joinsDue += joinRate / 60.0 * frameShare;
        foldsDue += foldRate / 60.0 * frameShare;
        std::uniform_int_distribution<int> deep(1, std::max(1, std::min(joinDepth, model.rowCount() - 2)));
        std::vector<QJsonObject> grown;
        while (joinsDue >= 1) {
            joinsDue -= 1;
            const int row = deep(rng);
            QJsonObject e = makeEvent(++seq, QDateTime::currentSecsSinceEpoch());
            e.insert("id", model.index(row).data(FeedModel::IdRole).toString());
            grown.push_back(e);
        }
        std::vector<std::pair<QString, QString>> gone;
        while (foldsDue >= 1) {
            foldsDue -= 1;
            const int row = deep(rng);
            gone.emplace_back(model.index(row).data(FeedModel::IdRole).toString(),
                              model.index(row + 1).data(FeedModel::IdRole).toString());
        }
        const std::int64_t t0 = afbench::nowNs();
        for (const QJsonObject &e : ins) {
            source.live(e);
            ++inserted;
        }
        for (const auto &[id, n] : upd) {
            if (n % 2 == 0)
                source.counts(id, QJsonObject{{"hype", 2 + n}, {"respect", 1}, {"tribute", 2}});
            else
                source.comment(QJsonObject{{"eventId", id}, {"commentCount", 4 + n}});
        }
        for (const QJsonObject &e : grown) {
            source.grown(e);
            ++joins;
        }
        for (const auto &[id, into] : gone) {
            source.folded(id, into);
            ++folds;
        }
        QCoreApplication::processEvents();
        frameMs.push_back(double(afbench::nowNs() - t0) / 1e6);
    }
    std::vector<double> sorted = frameMs;
    const double p99 = afbench::quantile(sorted, 0.99);
    const QJsonObject out{{"rows_start", rows},
                          {"rows_end", model.rowCount()},
                          {"load_s", loadSecs},
                          {"frames", frames},
                          {"inserts", inserted},
                          {"updates", updates},
                          {"joins_moved_to_top", joins},
                          {"folds_removed", folds},
                          {"join_depth", joinDepth},
                          {"frame_p50_ms", afbench::quantile(sorted, 0.50)},
                          {"frame_p99_ms", p99},
                          {"frame_max_ms", sorted.empty() ? 0 : sorted.back()},
                          {"target_p99_ms", kTargetP99Ms},
                          {"pass", p99 < kTargetP99Ms}};
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    return 0;
}
