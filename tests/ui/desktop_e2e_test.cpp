// The desktop app end to end against real parts (issue 5, "Must show" 1–4): a real
// PostgreSQL (tests/support), the real embedded backend (BackendRuntime), the real
// `activityfeed serve` process for remote mode, and the real Main.qml. No doubles.
//
//  - EmbeddedFeed: paging over real rows, a drain that reaches row 0 through NOTIFY /
//    LISTEN, a reaction and a comment, every model under QAbstractItemModelTester.
//  - EmbeddedWindow: Main.qml as runDesktop loads it; "Drain now" clicked in the scene.
//  - RemoteFeed: the stream reconnects by itself after `serve` is restarted and fills
//    the gap in order, without duplicates; more than 1 000 missed events is a resync.
//  - GuiThread: a table lock held by another connection stalls a page load and a drain
//    for 2 s while the GUI event loop keeps turning.
#include "desktopbackend.h"
#include "mainscene.h"
#include "pgharness.h"
#include "qtwarnings.h"
#include "sceneitems.h"
#include "testprocess.h"

#include "adminmodel.h"
#include "commentsmodel.h"
#include "embeddedadminbackend.h"
#include "embeddedfeedsource.h"
#include "feedmodel.h"
#include "reactioncount.h"
#include "remotefeedsource.h"

#include "feed/adminservice.h"
#include "feed/notifylistener.h"
#include "http/httpserver.h"
#include "runtime/backendruntime.h"
#include "runtime/serverpanel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSettings>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <functional>
#include <unistd.h>

Q_IMPORT_QML_PLUGIN(ActivityFeedPlugin)
Q_IMPORT_QML_PLUGIN(ActivityFeed_ModelsPlugin)

namespace
{

using Tester = QAbstractItemModelTester;

// ---------------------------------------------------------------- helpers

/// Inserts @p n queue rows, alternating between two tenants, 10 minutes apart (so the
/// drain's 5-minute grouping window keeps them apart: one event each), the newest an
/// hour ago. Test-side setup, not the app's code path.
void seedQueue(const std::string &cs, int tenantA, int tenantB, int n, const char *label)
{
    pqxx::connection conn(cs);
    pqxx::work tx(conn);
    tx.exec_params0(
        "INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at) "
        "SELECT CASE WHEN i % 2 = 0 THEN $1::int ELSE $2::int END, 'badge_earned', "
        "       jsonb_build_object('badgeName', $4::text || ' ' || i, 'xpAwarded', 10), "
        "       now() - interval '1 hour' - i * interval '10 minutes' "
        "FROM generate_series(1, $3::int) AS i",
        tenantA, tenantB, n, std::string(label));
    tx.commit();
}

QJsonObject json(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

/// Every id of the model, top to bottom.
QStringList ids(const QAbstractItemModel &m)
{
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out.append(m.index(r, 0).data(FeedModel::IdRole).toString());
    return out;
}

bool strictlyNewestFirst(const QAbstractItemModel &m)
{
    for (int r = 1; r < m.rowCount(); ++r) {
        const QDateTime a = m.index(r - 1, 0).data(FeedModel::CreatedAtRole).toDateTime();
        const QDateTime b = m.index(r, 0).data(FeedModel::CreatedAtRole).toDateTime();
        const qint64 sa = m.index(r - 1, 0).data(FeedModel::SeqRole).toLongLong();
        const qint64 sb = m.index(r, 0).data(FeedModel::SeqRole).toLongLong();
        if (a < b || (a == b && sa <= sb))
            return false;
    }
    return true;
}

bool hasDuplicates(const QStringList &list)
{
    return QSet<QString>(list.begin(), list.end()).size() != list.size();
}

/// Waits for an asynchronous admin reply while the event loop runs.
template <typename T>
struct AdminAnswer {
    bool done = false;
    Reply<T> reply;
    AdminBackend::Callback<T> callback()
    {
        return [this](const Reply<T> &r) {
            reply = r;
            done = true;
        };
    }
    bool wait(int ms = 30000)
    {
        return QTest::qWaitFor([this] { return done; }, ms);
    }
};

/// The embedded backend on a fresh database, as app/desktoplaunch.cpp wires it.
class EmbeddedBackend : public aftest::DesktopBackend
{
public:
    EmbeddedBackend() : DesktopBackend("desk") {}
    /// A drain only reaches the window through LISTEN: it must be up first.
    [[nodiscard]] bool listening() const
    {
        return QTest::qWaitFor([this] { return runtime->listener().connected(); }, 15000);
    }
};

// ---------------------------------------------------------------- 1. embedded models

TEST(EmbeddedFeed, PagesLiveDrainReactionAndComment)
{
    EmbeddedBackend be;
    ASSERT_GT(be.acme, 0);
    ASSERT_GT(be.globex, 0);
    seedQueue(be.cs, be.acme, be.globex, 25, "Seed");
    EXPECT_EQ(be.runtime->admin().drain().inserted, 25);
    ASSERT_TRUE(be.listening());
    // The drain's NOTIFY reaches the listener in its own time; the source starts after the
    // listener has passed those events, so that they come from the pages alone (under load
    // they also arrived live while the pages loaded, and the count of pages below was off).
    const long long newest = aftest::queryNumber(be.cs, "SELECT max(seq) FROM activity_events");
    ASSERT_TRUE(QTest::qWaitFor([&] { return be.runtime->listener().lastSeq() >= newest; }, 15000))
        << "the listener never passed seq " << newest;

    // Globex is the viewer; Acme's events are the ones it may react to.
    EmbeddedFeedSource source(be.runtime->feed(), be.runtime->broadcaster(), be.globex);
    FeedModel model;
    model.setPageSize(10);
    Tester tester(&model, Tester::FailureReportingMode::Fatal);
    tester.setUseFetchMore(true);
    QSignalSpy pageInserts(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy pageResets(&model, &QAbstractItemModel::modelReset);
    model.setSource(&source);
    source.start();
    EXPECT_EQ(source.connectionState(), FeedSource::Live);

    // Paging: the first page, then fetchMore until the cursor runs out. (The tester itself
    // calls fetchMore after every insert, so it walks the pages too.)
    ASSERT_TRUE(QTest::qWaitFor([&] { return model.rowCount() >= 10; }, 30000));
    EXPECT_TRUE(model.errorString().isEmpty()) << model.errorString().toStdString();
    EXPECT_EQ(model.index(0).data(FeedModel::PayloadRole).toMap().value("badgeName").toString(),
              "Seed 1");
    for (int i = 0; i < 10 && !model.atEnd(); ++i) {
        ASSERT_TRUE(
            QTest::qWaitFor([&] { return model.canFetchMore({}) || model.atEnd(); }, 30000));
        model.fetchMore({});
    }
    ASSERT_TRUE(QTest::qWaitFor([&] { return model.atEnd() && !model.isLoading(); }, 30000));
    ASSERT_EQ(model.rowCount(), 25);
    EXPECT_FALSE(hasDuplicates(ids(model)));
    EXPECT_TRUE(strictlyNewestFirst(model));
    EXPECT_EQ(model.index(24).data(FeedModel::PayloadRole).toMap().value("badgeName").toString(),
              "Seed 25");
    EXPECT_FALSE(model.canFetchMore({}));
    // Every page was appended at the end, at most a page at a time, never a reset.
    const int pages = int(pageInserts.count());
    EXPECT_EQ(pages, 3);
    int expectedFirst = 0;
    for (const QList<QVariant> &args : std::as_const(pageInserts)) {
        EXPECT_EQ(args.at(1).toInt(), expectedFirst);
        EXPECT_LE(args.at(2).toInt() - args.at(1).toInt() + 1, 10);
        expectedFirst = args.at(2).toInt() + 1;
    }
    EXPECT_EQ(pageResets.count(), 0);
    std::printf("embedded paging: 25 real rows in %d pages of 10\n", pages);

    // Live: a queued event drained through the admin backend arrives at row 0, through
    // NOTIFY → LISTEN thread → broadcaster → the source's stream client.
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    be.runtime->admin().emitEvent(
        be.acme, QStringLiteral("challenge_completed"),
        {{"challengeId", 7}, {"challengeName", "Live one"}, {"xpAwarded", 50}});
    AdminAnswer<af::DrainResult> drained;
    QElapsedTimer t;
    t.start();
    be.admin->drain(std::nullopt, &model, drained.callback());
    ASSERT_TRUE(drained.wait());
    ASSERT_TRUE(drained.reply.ok()) << drained.reply.errorString.toStdString();
    EXPECT_EQ(drained.reply.value->processed, 1);
    EXPECT_EQ(drained.reply.value->inserted, 1);
    const qint64 drainMs = t.elapsed();
    ASSERT_TRUE(QTest::qWaitFor([&] { return model.rowCount() == 26; }, 15000));
    const qint64 liveMs = t.elapsed();
    ASSERT_EQ(inserted.count(), 1);
    EXPECT_EQ(inserted.at(0).at(1).toInt(), 0);
    EXPECT_EQ(inserted.at(0).at(2).toInt(), 0);
    EXPECT_EQ(reset.count(), 0);
    const QModelIndex top = model.index(0);
    EXPECT_EQ(top.data(FeedModel::EventTypeRole).toString(), "challenge_completed");
    EXPECT_EQ(top.data(FeedModel::TenantNameRole).toString(), "Acme");
    EXPECT_EQ(top.data(FeedModel::DisplayNameRole).toString(), "Challenge completed");
    EXPECT_FALSE(top.data(FeedModel::IsMineRole).toBool());
    EXPECT_GT(top.data(FeedModel::SeqRole).toLongLong(),
              model.index(1).data(FeedModel::SeqRole).toLongLong());
    // "No second copy of the event comes later" is checked below, once the stream has
    // delivered the comments made after it (a positive marker), not after a sleep.
    std::printf("embedded live: drain answered in %lld ms, row 0 inserted after %lld ms\n",
                static_cast<long long>(drainMs), static_cast<long long>(liveMs));

    // A reaction through the model: the count changes with dataChanged naming the role.
    const QString liveId = top.data(FeedModel::IdRole).toString();
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.toggleReaction(0, QStringLiteral("hype"));
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return reactionCount(model.index(0), "hype") == 1; }, 15000));
    EXPECT_TRUE(model.index(0).data(FeedModel::MyReactionsRole).toStringList().contains("hype"));
    bool countSignal = false;
    for (const QList<QVariant> &args : std::as_const(changed)) {
        const auto roles = args.at(2).value<QList<int>>();
        EXPECT_EQ(args.at(0).toModelIndex().row(), 0);
        EXPECT_EQ(args.at(1).toModelIndex().row(), 0);
        EXPECT_FALSE(roles.isEmpty()) << "dataChanged must name its roles";
        // The counts, and the card's spoken words that carry them.
        if (roles.contains(FeedModel::ReactionCountsRole))
            countSignal = true;
    }
    EXPECT_TRUE(countSignal);
    EXPECT_TRUE(model.errorString().isEmpty()) << model.errorString().toStdString();
    changed.clear();
    model.toggleReaction(0, QStringLiteral("hype")); // toggles back off
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return reactionCount(model.index(0), "hype") == 0; }, 15000));
    EXPECT_FALSE(model.index(0).data(FeedModel::MyReactionsRole).toStringList().contains("hype"));

    // Comments: posted through CommentsModel, listed in order, persisted, counted.
    CommentsModel comments;
    Tester commentsTester(&comments, Tester::FailureReportingMode::Fatal);
    commentsTester.setUseFetchMore(true);
    comments.setSource(&source);
    comments.setEventId(liveId);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !comments.isLoading() && !comments.canFetchMore({}); },
                                15000));
    EXPECT_EQ(comments.rowCount(), 0);
    QSignalSpy feedChanged(&model, &QAbstractItemModel::dataChanged);
    comments.post(QStringLiteral("  First! 🎉 <b>not bold</b>  "));
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return comments.rowCount() == 1 && !comments.isPosting(); }, 15000));
    comments.post(QStringLiteral("Second comment"));
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return comments.rowCount() == 2 && !comments.isPosting(); }, 15000));
    ASSERT_EQ(comments.rowCount(), 2);
    EXPECT_TRUE(comments.errorString().isEmpty()) << comments.errorString().toStdString();
    EXPECT_EQ(comments.index(0).data(CommentsModel::BodyRole).toString(),
              "First! 🎉 <b>not bold</b>");
    EXPECT_EQ(comments.index(1).data(CommentsModel::BodyRole).toString(), "Second comment");
    EXPECT_EQ(comments.index(0).data(CommentsModel::TenantNameRole).toString(), "Globex");
    EXPECT_TRUE(comments.index(0).data(CommentsModel::IsMineRole).toBool());
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return model.index(0).data(FeedModel::CommentCountRole).toInt() == 2; }, 15000));
    bool commentCountSignal = false;
    for (const QList<QVariant> &args : std::as_const(feedChanged))
        if (args.at(2).value<QList<int>>().contains(FeedModel::CommentCountRole))
            commentCountSignal = true;
    EXPECT_TRUE(commentCountSignal);
    // Positive marker: the feed's count came from the stream's copies of both comments,
    // which follow the drain's NOTIFY. By now any second copy of the event, or of a
    // comment, would have arrived.
    EXPECT_EQ(comments.rowCount(), 2) << "the stream's copies of the comments were added again";
    EXPECT_EQ(model.rowCount(), 26) << "a second copy of the live event came later";
    EXPECT_FALSE(hasDuplicates(ids(model)));

    CommentsModel reread; // a fresh model reads them back from the database, oldest first
    Tester rereadTester(&reread, Tester::FailureReportingMode::Fatal);
    rereadTester.setUseFetchMore(true);
    reread.setSource(&source);
    reread.setEventId(liveId);
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return reread.rowCount() == 2 && !reread.isLoading(); }, 15000));
    EXPECT_EQ(reread.index(0).data(CommentsModel::BodyRole).toString(), "First! 🎉 <b>not bold</b>");
    EXPECT_EQ(reread.index(1).data(CommentsModel::BodyRole).toString(), "Second comment");
}

// ---------------------------------------------------------------- 2. the real window

QQuickItem *findItem(QQuickItem *root, const QString &name)
{
    return aftest::findItem(root, name, /*visibleOnly=*/true);
}

using aftest::click;

TEST(EmbeddedWindow, DrainNowInTheAdminPageShowsTheEventInTheFeed)
{
    EmbeddedBackend be;
    seedQueue(be.cs, be.acme, be.globex, 6, "Window seed");
    ASSERT_EQ(be.runtime->admin().drain().inserted, 6);
    ASSERT_TRUE(be.listening());

    QCoreApplication::setOrganizationName(QStringLiteral("ActivityFeedTest"));
    QCoreApplication::setApplicationName(QStringLiteral("desktop_e2e_test"));
    QSettings().clear();
    QQuickStyle::setStyle(QStringLiteral("Fusion")); // as runDesktop does

    aftest::QtWarnings warnings;
    {
        // As runDesktop() builds it for embedded mode.
        EmbeddedFeedSource source(be.runtime->feed(), be.runtime->broadcaster(), be.globex);
        QQmlApplicationEngine engine;
        QQuickWindow *window = aftest::showMainWindow(engine, &source, be.admin.get());
        ASSERT_TRUE(window);
        auto *feedModel = window->findChild<FeedModel *>(QStringLiteral("feedModel"));
        auto *adminModel = window->findChild<AdminModel *>(QStringLiteral("adminModel"));
        ASSERT_TRUE(feedModel);
        ASSERT_TRUE(adminModel);
        QQuickItem *list = findItem(window->contentItem(), QStringLiteral("feedList"));
        ASSERT_TRUE(list);
        ASSERT_TRUE(QTest::qWaitFor([&] { return list->property("count").toInt() == 6; }, 30000));
        EXPECT_EQ(source.connectionState(), FeedSource::Live);

        // A reaction clicked in the scene reaches the database and comes back as a count.
        const int firstAcmeRow =
            feedModel->index(0).data(FeedModel::TenantIdRole).toInt() == be.acme ? 0 : 1;
        QQuickItem *card = findItem(list, QStringLiteral("eventCard_%1").arg(firstAcmeRow));
        ASSERT_TRUE(card);
        QQuickItem *respect = findItem(card, QStringLiteral("reaction_respect"));
        ASSERT_TRUE(respect);
        EXPECT_EQ(respect->property("count").toInt(), 0);
        ASSERT_TRUE(click(window, respect));
        // The count may come first by the stream's push, the mark with the reply: wait for both.
        ASSERT_TRUE(QTest::qWaitFor([&] { return respect->property("count").toInt() == 1 && respect->property("mine").toBool(); }, 15000))
            << "count " << respect->property("count").toInt() << ", mine " << respect->property("mine").toBool();

        // The admin tab: queue an event, then "Drain now" in the scene.
        ASSERT_TRUE(click(window, findItem(window->contentItem(), QStringLiteral("tab_1"))));
        QQuickItem *drainButton = nullptr;
        ASSERT_TRUE(QTest::qWaitFor(
            [&] {
                drainButton = findItem(window->contentItem(), QStringLiteral("drainButton"));
                return drainButton != nullptr;
            },
            10000));
        be.runtime->admin().emitEvent(be.acme, QStringLiteral("badge_earned"),
                                      {{"badgeName", "Drained from the scene"}, {"xpAwarded", 75}});
        QQuickItem *depth = findItem(window->contentItem(), QStringLiteral("queueDepth"));
        ASSERT_TRUE(depth);
        adminModel->refreshStats();
        ASSERT_TRUE(
            QTest::qWaitFor([&] { return depth->property("text").toString() == "1"; }, 15000));

        QSignalSpy inserted(feedModel, &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(feedModel, &QAbstractItemModel::modelReset);
        QElapsedTimer t;
        t.start();
        ASSERT_TRUE(click(window, drainButton));
        ASSERT_TRUE(QTest::qWaitFor([&] { return feedModel->rowCount() == 7; }, 15000));
        const qint64 liveMs = t.elapsed();
        QQuickItem *lastDrain = nullptr;
        ASSERT_TRUE(QTest::qWaitFor(
            [&] {
                lastDrain = findItem(window->contentItem(), QStringLiteral("lastDrain"));
                return lastDrain && lastDrain->property("text").toString().contains("→");
            },
            15000));
        EXPECT_EQ(lastDrain->property("text").toString(), "1 queue row → 1 event");
        ASSERT_TRUE(
            QTest::qWaitFor([&] { return depth->property("text").toString() == "0"; }, 15000));
        ASSERT_EQ(inserted.count(), 1);
        EXPECT_EQ(inserted.at(0).at(1).toInt(), 0);
        EXPECT_EQ(inserted.at(0).at(2).toInt(), 0);
        EXPECT_EQ(reset.count(), 0);
        EXPECT_EQ(
            feedModel->index(0).data(FeedModel::PayloadRole).toMap().value("badgeName").toString(),
            "Drained from the scene");

        // Back on the feed, the new card is on top of the list.
        ASSERT_TRUE(click(window, findItem(window->contentItem(), QStringLiteral("tab_0"))));
        ASSERT_TRUE(QTest::qWaitFor([&] { return list->property("count").toInt() == 7; }, 5000));
        QMetaObject::invokeMethod(list, "positionViewAtBeginning");
        QQuickItem *newCard = nullptr;
        ASSERT_TRUE(QTest::qWaitFor(
            [&] {
                newCard = findItem(list, QStringLiteral("eventCard_0"));
                return newCard != nullptr;
            },
            5000));
        QStringList texts;
        std::function<void(QQuickItem *)> collect = [&](QQuickItem *item) {
            if (item->property("text").isValid())
                texts.append(item->property("text").toString());
            for (QQuickItem *child : item->childItems())
                collect(child);
        };
        collect(newCard);
        EXPECT_TRUE(texts.join('|').contains("Drained from the scene"))
            << texts.join('|').toStdString();
        std::printf("window: Drain now clicked → card at row 0 after %lld ms\n",
                    static_cast<long long>(liveMs));
    }
    EXPECT_TRUE(warnings.messages().isEmpty()) << warnings.text();
}

// ---------------------------------------------------------------- 3. remote mode

using aftest::freePort;
using aftest::runCli;

/// One `activityfeed serve` process; stopped with SIGTERM by its own pid.
class ServeProcess
{
public:
    ServeProcess(QString cs, quint16 port) : m_cs(std::move(cs)), m_port(port) {}
    ~ServeProcess() { stop(); }

    bool start()
    {
        for (int attempt = 0; attempt < 10; ++attempt) { // the port may still be held
            m_output.clear();
            m_process = std::make_unique<QProcess>();
            m_process->setProcessChannelMode(QProcess::MergedChannels);
            QObject::connect(m_process.get(), &QProcess::readyRead,
                             [this] { m_output += m_process->readAll(); });
            m_process->start(QStringLiteral(AF_BINARY_PATH),
                             {"serve", "--database-url", m_cs, "--listen",
                              QStringLiteral("127.0.0.1:%1").arg(m_port)});
            if (!m_process->waitForStarted(10000))
                return false;
            const bool up = QTest::qWaitFor(
                [this] {
                    return m_output.contains("listening on") ||
                           m_process->state() == QProcess::NotRunning;
                },
                30000);
            if (up && m_output.contains("listening on"))
                return true;
            stop();
            QTest::qWait(500); // retry back-off: the port may still be held; asserts nothing
        }
        return false;
    }
    void stop()
    {
        if (!m_process)
            return;
        if (m_process->state() != QProcess::NotRunning) {
            ::kill(pid_t(m_process->processId()), SIGTERM);
            if (!m_process->waitForFinished(15000))
                m_process->kill();
            m_process->waitForFinished(5000);
        }
        m_process.reset();
    }
    [[nodiscard]] QByteArray output() const { return m_output; }

private:
    QString m_cs;
    quint16 m_port;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
};

TEST(RemoteFeed, LiveEventsAndReconnectAfterServeRestartFillsTheGap)
{
    const QString cs = QString::fromStdString(aftest::freshDatabase("remote"));
    int rc = 0;
    const QJsonObject acme = json(runCli(cs, {"tenant", "add", "Acme", "--json"}, &rc));
    ASSERT_EQ(rc, 0);
    const QJsonObject globex = json(runCli(cs, {"tenant", "add", "Globex", "--json"}, &rc));
    ASSERT_EQ(rc, 0);
    const QString token = globex.value("token").toString();
    ASSERT_TRUE(token.startsWith("aft_"));
    seedQueue(cs.toStdString(), acme.value("id").toInt(), globex.value("id").toInt(), 4,
              "Remote seed");
    ASSERT_EQ(json(runCli(cs, {"drain", "--json"}, &rc)).value("inserted").toInt(), 4);

    const quint16 port = freePort();
    ServeProcess serve(cs, port);
    ASSERT_TRUE(serve.start()) << serve.output().constData();

    RemoteFeedSource source(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), token);
    FeedModel model;
    Tester tester(&model, Tester::FailureReportingMode::Fatal);
    tester.setUseFetchMore(true);
    QSignalSpy created(&source, &FeedSource::eventCreated);
    QSignalSpy resynced(&source, &FeedSource::resync);
    model.setSource(&source);
    source.start();
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return model.rowCount() == 4 && source.connectionState() == FeedSource::Live; },
        30000))
        << model.errorString().toStdString() << source.connectionError().toStdString();
    EXPECT_TRUE(model.atEnd());
    EXPECT_EQ(model.index(0).data(FeedModel::PayloadRole).toMap().value("badgeName").toString(),
              "Remote seed 1");

    // Live: emit + drain by the CLI (another process) reach the stream through NOTIFY.
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QElapsedTimer t;
    t.start();
    runCli(cs,
           {"emit", "Acme", "challenge_completed",
            R"({"challengeId":1,"challengeName":"Live over HTTP","xpAwarded":50})"},
           &rc);
    ASSERT_EQ(rc, 0);
    runCli(cs, {"drain"}, &rc);
    ASSERT_EQ(rc, 0);
    ASSERT_TRUE(QTest::qWaitFor([&] { return model.rowCount() == 5; }, 15000));
    std::printf("remote live: CLI emit + drain → row 0 in %lld ms (two processes included)\n",
                static_cast<long long>(t.elapsed()));
    EXPECT_EQ(model.index(0).data(FeedModel::PayloadRole).toMap().value("challengeName").toString(),
              "Live over HTTP");
    ASSERT_EQ(created.count(), 1);
    const qint64 liveSeq = model.index(0).data(FeedModel::SeqRole).toLongLong();

    // The server goes away; two events are emitted and drained while it is down.
    serve.stop();
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return source.connectionState() != FeedSource::Live; }, 15000));
    runCli(cs, {"emit", "Acme", "streak_milestone", R"({"days":7})"}, &rc);
    ASSERT_EQ(rc, 0);
    runCli(cs, {"drain"}, &rc);
    ASSERT_EQ(rc, 0);
    runCli(cs, {"emit", "Globex", "tasks_burst", R"({"count":12})"}, &rc);
    ASSERT_EQ(rc, 0);
    runCli(cs, {"drain"}, &rc);
    ASSERT_EQ(rc, 0);
    // serve is down: there is no path for these two to arrive but the replay below.
    EXPECT_EQ(model.rowCount(), 5);

    // Same port again: the stream comes back by itself and replays what it missed.
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    t.restart();
    ASSERT_TRUE(QTest::qWaitFor([&] { return model.rowCount() >= 7; }, 60000))
        << source.connectionError().toStdString();
    const qint64 gapMs = t.elapsed();
    EXPECT_EQ(source.connectionState(), FeedSource::Live);
    // Positive marker: one more event, emitted and drained after the replay; once it is
    // in, a second copy of a replayed one would be too.
    runCli(cs, {"emit", "Acme", "badge_earned", R"({"badgeName":"Marker"})"}, &rc);
    ASSERT_EQ(rc, 0);
    runCli(cs, {"drain"}, &rc);
    ASSERT_EQ(rc, 0);
    ASSERT_TRUE(QTest::qWaitFor([&] { return model.rowCount() >= 8; }, 30000));
    ASSERT_EQ(model.rowCount(), 8) << "a replayed event arrived twice";
    EXPECT_FALSE(hasDuplicates(ids(model)));
    EXPECT_EQ(reset.count(), 0);
    EXPECT_EQ(resynced.count(), 0);
    EXPECT_EQ(model.index(0).data(FeedModel::EventTypeRole).toString(), "badge_earned");
    EXPECT_EQ(model.index(1).data(FeedModel::EventTypeRole).toString(), "tasks_burst");
    EXPECT_EQ(model.index(1).data(FeedModel::TenantNameRole).toString(), "Globex");
    // (IsMineRole is not checked here: in remote mode the client cannot know its own
    // tenant — no route names the token's tenant — so own events are not marked.)
    EXPECT_EQ(model.index(2).data(FeedModel::EventTypeRole).toString(), "streak_milestone");
    EXPECT_EQ(model.index(3).data(FeedModel::SeqRole).toLongLong(), liveSeq);
    for (const QList<QVariant> &args : std::as_const(inserted))
        EXPECT_EQ(args.at(1).toInt(), 0) << "live rows go in at the top";
    // The stream delivered exactly the live event, the two missed ones and the marker, in
    // seq order.
    ASSERT_EQ(created.count(), 4);
    QList<qint64> seqs;
    for (const QList<QVariant> &args : std::as_const(created))
        seqs.append(args.at(0).value<af::Event>().seq);
    EXPECT_EQ(seqs.at(0), liveSeq);
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()) &&
                std::adjacent_find(seqs.begin(), seqs.end()) == seqs.end())
        << "seqs " << seqs.at(0) << ", " << seqs.at(1) << ", " << seqs.at(2) << ", " << seqs.at(3);
    std::printf("remote reconnect: serve restarted → 2 missed events in the model after %lld ms\n",
                static_cast<long long>(gapMs));

    // More than 1 000 missed: one activity.resync, and the feed reloads (a reset is right).
    serve.stop();
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return source.connectionState() != FeedSource::Live; }, 15000));
    seedQueue(cs.toStdString(), acme.value("id").toInt(), globex.value("id").toInt(), 1001,
              "Flood");
    ASSERT_EQ(json(runCli(cs, {"drain", "--json"}, &rc)).value("inserted").toInt(), 1001);
    const int createdBefore = int(created.count());
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    t.restart();
    ASSERT_TRUE(QTest::qWaitFor([&] { return resynced.count() >= 1; }, 60000))
        << source.connectionError().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return reset.count() >= 1; }, 30000));
    const qint64 resyncMs = t.elapsed();
    EXPECT_EQ(model.index(0).data(FeedModel::EventTypeRole).toString(), "badge_earned");
    // The tester keeps calling fetchMore, so the reloaded feed is walked to its end:
    // 1 009 events over 51 keyset pages, none skipped or repeated.
    ASSERT_TRUE(QTest::qWaitFor([&] { return model.atEnd() && !model.isLoading(); }, 60000));
    EXPECT_EQ(resynced.count(), 1);
    EXPECT_EQ(reset.count(), 1);
    EXPECT_EQ(created.count(), createdBefore) << "a resync replaces the replay";
    EXPECT_EQ(model.rowCount(), 8 + 1001);
    EXPECT_FALSE(hasDuplicates(ids(model)));
    EXPECT_TRUE(strictlyNewestFirst(model));
    EXPECT_TRUE(model.errorString().isEmpty()) << model.errorString().toStdString();
    std::printf("remote resync: 1001 missed → activity.resync → feed reloaded after %lld ms\n",
                static_cast<long long>(resyncMs));
}

// ---------------------------------------------------------------- 4. GUI thread

/// The calling thread's kernel accounting (/proc/thread-self/schedstat): nanoseconds on a
/// CPU and nanoseconds runnable but waiting for one. A GUI thread that waits on the
/// database shows a gap that is neither; a loaded machine (other builds on 2 cores) shows
/// gaps that are run-queue wait, which is not the app's doing.
struct SchedStat {
    qint64 cpuNs = 0;
    qint64 waitNs = 0;
    static SchedStat now()
    {
        SchedStat s;
        if (FILE *f = std::fopen("/proc/thread-self/schedstat", "r")) {
            long long cpu = 0, wait = 0;
            if (std::fscanf(f, "%lld %lld", &cpu, &wait) == 2) {
                s.cpuNs = cpu;
                s.waitNs = wait;
            }
            std::fclose(f);
        }
        return s;
    }
};

/// One turn of the GUI event loop as the 5 ms timer saw it.
struct Tick {
    qint64 gapNs = 0;     ///< since the previous tick
    qint64 cpuNs = 0;     ///< the GUI thread ran this long in the gap
    qint64 runWaitNs = 0; ///< and waited this long for a CPU
    /// Time the GUI thread was neither sleeping in its event loop's poll for the next
    /// timer nor waiting for a CPU: blocked, or busy. Bounded by the gap.
    [[nodiscard]] qint64 ownNs() const { return gapNs - runWaitNs; }
};

double ms(qint64 ns)
{
    return double(ns) / 1e6;
}

qint64 percentile(QList<qint64> values, int pct)
{
    std::sort(values.begin(), values.end());
    return values.at(std::min<qsizetype>(values.size() - 1, values.size() * pct / 100));
}

/// Runs the event loop for @p durationMs with a 5 ms timer and records every turn.
/// @p atMs / @p inject: something to run on the GUI thread during it (the self-check).
QList<Tick> measureEventLoop(int durationMs, int atMs = -1,
                             const std::function<void()> &inject = {})
{
    QList<Tick> ticks;
    QElapsedTimer clock;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(5);
    qint64 last = 0;
    SchedStat lastStat;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        const SchedStat stat = SchedStat::now();
        ticks.append(Tick{now - last, stat.cpuNs - lastStat.cpuNs, stat.waitNs - lastStat.waitNs});
        last = now;
        lastStat = stat;
    });
    QEventLoop loop;
    QTimer::singleShot(durationMs, &loop, &QEventLoop::quit);
    if (inject)
        QTimer::singleShot(atMs, &loop, inject);
    lastStat = SchedStat::now();
    clock.start();
    tick.start();
    loop.exec();
    tick.stop();
    return ticks;
}

qint64 maxOwnNs(const QList<Tick> &ticks)
{
    qint64 m = 0;
    for (const Tick &t : ticks)
        m = std::max(m, t.ownNs());
    return m;
}

// The probe itself: a GUI thread that does wait on the database (an 80 ms query run on
// it) is caught, however loaded the machine is.
TEST(GuiThread, ProbeCatchesAGuiThreadThatWaitsOnTheDatabase)
{
    const std::string cs = aftest::freshDatabase("probe");
    pqxx::connection conn(cs);
    const QList<Tick> ticks = measureEventLoop(
        400, 150, [&conn] { pqxx::nontransaction(conn).exec("SELECT pg_sleep(0.08)"); });
    std::printf("probe self-check: an 80 ms query on the GUI thread shows as %.2f ms of the "
                "thread's own time\n",
                ms(maxOwnNs(ticks)));
    EXPECT_GT(ms(maxOwnNs(ticks)), 50.0);
}

/// Backends of this database waiting for a lock (a second, test-side connection).
int lockWaiters(const std::string &cs)
{
    pqxx::connection conn(cs);
    pqxx::nontransaction tx(conn);
    return tx
        .exec1("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND wait_event_type = 'Lock'")[0]
        .as<int>();
}

TEST(GuiThread, NeverWaitsWhileAPageLoadAndADrainAreStuckOnALock)
{
    EmbeddedBackend be;
    seedQueue(be.cs, be.acme, be.globex, 5, "Lock seed");
    ASSERT_EQ(be.runtime->admin().drain().inserted, 5);
    ASSERT_TRUE(be.listening());

    EmbeddedFeedSource source(be.runtime->feed(), be.runtime->broadcaster(), be.globex);
    FeedModel model;
    Tester tester(&model, Tester::FailureReportingMode::Fatal);
    tester.setUseFetchMore(true);
    model.setSource(&source);
    source.start();
    AdminModel admin;
    admin.setBackend(be.admin.get());
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return model.rowCount() == 5 && !model.isLoading(); }, 30000));
    be.runtime->admin().emitEvent(
        be.acme, QStringLiteral("xp_rank_up"),
        {{"rank", "Adept"}, {"previousRank", "Apprentice"}, {"totalXp", 510}});

    // Another connection takes the feed table; the page load and the drain both need it.
    pqxx::connection lockConn(be.cs);
    auto lockTx = std::make_unique<pqxx::work>(lockConn);
    lockTx->exec0("LOCK TABLE activity_events IN ACCESS EXCLUSIVE MODE");

    model.reload();
    admin.drainNow();
    ASSERT_TRUE(model.isLoading());
    ASSERT_TRUE(admin.isDraining());
    ASSERT_TRUE(QTest::qWaitFor([&] { return lockWaiters(be.cs) >= 2; }, 15000))
        << "the page load and the drain should both wait on the lock";

    // The measurement: a 5 ms timer on the GUI thread for 2 s while both are pending.
    const QList<Tick> ticks = measureEventLoop(2000);
    const bool stillPending = model.isLoading() && admin.isDraining() && lockWaiters(be.cs) >= 2;

    // Release: both complete.
    QElapsedTimer release;
    release.start();
    lockTx->commit();
    lockTx.reset();
    ASSERT_TRUE(QTest::qWaitFor([&] { return !model.isLoading() && !admin.isDraining(); }, 30000));
    const qint64 releaseMs = release.elapsed();
    EXPECT_TRUE(admin.errorString().isEmpty()) << admin.errorString().toStdString();
    EXPECT_TRUE(model.errorString().isEmpty()) << model.errorString().toStdString();
    EXPECT_EQ(admin.lastDrainText(), "1 queue row → 1 event");
    ASSERT_TRUE(QTest::qWaitFor([&] { return model.rowCount() == 6; }, 15000));
    EXPECT_EQ(model.index(0).data(FeedModel::EventTypeRole).toString(), "xp_rank_up");
    EXPECT_FALSE(hasDuplicates(ids(model)));

    ASSERT_GT(ticks.size(), 10);
    QList<qint64> gaps, own;
    const Tick *worst = &ticks.first();
    for (const Tick &t : std::as_const(ticks)) {
        gaps.append(t.gapNs);
        own.append(t.ownNs());
        if (t.gapNs > worst->gapNs)
            worst = &t;
    }
    const qint64 maxOwn = *std::max_element(own.begin(), own.end());
    std::printf("GUI thread, 2 s with a page load and a drain blocked on a lock: %lld turns of a "
                "5 ms timer; gap p50 %.2f ms, p99 %.2f ms, max %.2f ms (the longest: %.2f ms on "
                "a CPU, %.2f ms waiting for one); excluding run-queue wait: p99 %.2f ms, max "
                "%.2f ms. Both done %lld ms after the lock was released.\n",
                static_cast<long long>(ticks.size()), ms(percentile(gaps, 50)),
                ms(percentile(gaps, 99)), ms(worst->gapNs), ms(worst->cpuNs), ms(worst->runWaitNs),
                ms(percentile(own, 99)), ms(maxOwn), static_cast<long long>(releaseMs));
    EXPECT_TRUE(stillPending) << "both requests must still have been waiting at the end";
    EXPECT_GT(ticks.size(), 100) << "the event loop kept turning";
    // No turn of the loop took over 50 ms of the GUI thread's own time. A raw gap over
    // 50 ms is accepted only when the kernel accounts for the excess as waiting for a CPU.
    EXPECT_LT(ms(maxOwn), 50.0);
}

} // namespace
