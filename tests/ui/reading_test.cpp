// Reading on the desktop (issue 13), against real parts only: a real PostgreSQL
// (tests/support), the real embedded backend (BackendRuntime), the real `activityfeed`
// CLI for emits and drains, the real Main.qml offscreen, and a real D-Bus session bus
// that this binary starts itself (`dbus-daemon --session`, a private address, stopped by
// its PID) with a recording org.freedesktop.Notifications service on it.
//
//  - Notifications: one Notify per event drained while the window is inactive, carrying
//    its text; none for a type whose "notify" is off; a click raises the window at the
//    event; a signal from another peer is ignored; no service on the bus: the app works
//    and the log says so once.
//  - ReadingWindow: the divider sits at the marker and the title carries the count;
//    background arrivals leave the marker, viewing the rows moves it; another device's
//    marker clears the count; a keyboard-only path; screenshots in light and dark.
#include "desktopbackend.h"
#include "mainscene.h"
#include "pgharness.h"
#include "qtwarnings.h"
#include "sceneitems.h"

#include "appsettings.h"
#include "embeddedadminbackend.h"
#include "embeddedfeedsource.h"
#include "feedmodel.h"
#include "notifier.h"
#include "readmarker.h"

#include "feed/adminservice.h"
#include "feed/feedservice.h"
#include "feed/markerservice.h"
#include "feed/notifylistener.h"
#include "http/httpserver.h"
#include "runtime/backendruntime.h"
#include "runtime/serverpanel.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPalette>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSettings>
#include <QSignalSpy>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <memory>
#include <mutex>

Q_IMPORT_QML_PLUGIN(ActivityFeedPlugin)
Q_IMPORT_QML_PLUGIN(ActivityFeed_ModelsPlugin)

namespace {

const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");

// ---------------------------------------------------------------- the session bus

/// A private dbus-daemon for this binary: nothing here ever reaches the user's own bus.
class SessionBus : public ::testing::Environment
{
public:
    void SetUp() override
    {
        m_daemon.setProgram(QStringLiteral("dbus-daemon"));
        m_daemon.setArguments({QStringLiteral("--session"), QStringLiteral("--nofork"),
                               QStringLiteral("--print-address=1"),
                               QStringLiteral("--address=unix:tmpdir=%1").arg(QDir::tempPath())});
        m_daemon.start();
        ASSERT_TRUE(m_daemon.waitForStarted(10000)) << "dbus-daemon did not start";
        ASSERT_TRUE(QTest::qWaitFor([this] { return m_daemon.canReadLine(); }, 10000))
            << "dbus-daemon printed no address";
        s_address = QString::fromUtf8(m_daemon.readLine()).trimmed();
        ASSERT_TRUE(s_address.startsWith(QLatin1String("unix:")));
        // Before anything asks for the session bus: the app's notifier then uses this one.
        qputenv("DBUS_SESSION_BUS_ADDRESS", s_address.toUtf8());
    }
    void TearDown() override
    {
        if (m_daemon.state() == QProcess::NotRunning)
            return;
        m_daemon.terminate(); // SIGTERM to that PID only
        if (!m_daemon.waitForFinished(5000))
            m_daemon.kill();
    }
    static QString address() { return s_address; }

private:
    QProcess m_daemon;
    static inline QString s_address;
};

const auto *g_bus = ::testing::AddGlobalTestEnvironment(new SessionBus);

/// One Notify call as the service received it.
struct Notification {
    uint id = 0;
    QString appName, summary, body;
    QStringList actions;
    QVariantMap hints;
};

} // namespace

/// The notification service on the test bus: records every Notify and answers its id.
class NotificationRecorder : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    QList<Notification> calls;

    /// Registers the service on its own connection to the bus.
    bool serve()
    {
        m_bus = std::make_unique<QDBusConnection>(
            QDBusConnection::connectToBus(SessionBus::address(), QStringLiteral("recorder")));
        return m_bus->isConnected() &&
               m_bus->registerObject(kPath, this, QDBusConnection::ExportAllSlots) &&
               m_bus->registerService(kService);
    }
    void stop()
    {
        if (!m_bus)
            return;
        m_bus->unregisterService(kService);
        m_bus->unregisterObject(kPath);
        QDBusConnection::disconnectFromBus(QStringLiteral("recorder"));
        m_bus.reset();
    }
    ~NotificationRecorder() override { stop(); }
    /// As the service does when the person clicks notification @p id.
    void click(uint id)
    {
        QDBusMessage signal = QDBusMessage::createSignal(kPath, kService, QStringLiteral("ActionInvoked"));
        signal << id << QStringLiteral("default");
        m_bus->send(signal);
    }
    [[nodiscard]] int containing(const QString &text) const
    {
        int n = 0;
        for (const Notification &c : calls)
            n += (c.summary.contains(text) || c.body.contains(text)) ? 1 : 0;
        return n;
    }

public Q_SLOTS:
    uint Notify(const QString &appName, uint, const QString &, const QString &summary,
                const QString &body, const QStringList &actions, const QVariantMap &hints, int)
    {
        calls.append({++m_next, appName, summary, body, actions, hints});
        return m_next;
    }
    QStringList GetCapabilities() { return {QStringLiteral("actions"), QStringLiteral("body")}; }

private:
    std::unique_ptr<QDBusConnection> m_bus;
    uint m_next = 0;
};

namespace {

// ---------------------------------------------------------------- the app

QQuickItem *findItem(QQuickItem *root, const QString &name)
{
    return aftest::findItem(root, name, /*visibleOnly=*/true);
}

/// Runs one admin command of the real binary against @p cs, as a person at a shell would.
void cli(const std::string &cs, QStringList args)
{
    args << QStringLiteral("--database-url") << QString::fromStdString(cs);
    QProcess p;
    p.start(QStringLiteral(AF_BINARY_PATH), args);
    ASSERT_TRUE(p.waitForFinished(60000)) << args.join(' ').toStdString();
    ASSERT_EQ(p.exitCode(), 0) << p.readAllStandardError().constData();
}

void emitAndDrain(const std::string &cs, const QString &tenant, const QString &type,
                  const QJsonObject &payload)
{
    cli(cs, {QStringLiteral("emit"), tenant, type,
             QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact))});
    cli(cs, {QStringLiteral("drain")});
}

std::mutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previous = nullptr;
void collectLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        std::lock_guard lock(g_logMutex);
        g_log.append(message);
    }
    if (g_previous)
        g_previous(type, context, message);
}
int logLines(const QString &text)
{
    std::lock_guard lock(g_logMutex);
    int n = 0;
    for (const QString &line : std::as_const(g_log))
        n += line.contains(text) ? 1 : 0;
    return n;
}

/// The embedded backend with Acme (who acts) and Globex (who reads), and Main.qml on it
/// as runDesktop() builds it; the window starts inactive (another window has the focus).
class App : public aftest::DesktopBackend
{
public:
    App() : DesktopBackend("reading")
    {
        QCoreApplication::setOrganizationName(QStringLiteral("ActivityFeedTest"));
        QCoreApplication::setApplicationName(QStringLiteral("reading_test"));
        QSettings().clear();
        // As runDesktop does; Qt takes it only before the first QML that uses Controls.
        static const bool styled = (QQuickStyle::setStyle(QStringLiteral("Fusion")), true);
        Q_UNUSED(styled)
    }
    ~App()
    {
        engine.reset();
        source.reset();
    }
    /// Loads the window; false (with a gtest failure) when it does not come up.
    bool open()
    {
        if (!QTest::qWaitFor([this] { return runtime->listener().connected(); }, 15000))
            return false;
        source = std::make_unique<EmbeddedFeedSource>(runtime->feed(), runtime->broadcaster(),
                                                      globex, nullptr, &runtime->markers());
        engine = std::make_unique<QQmlApplicationEngine>();
        window = aftest::showMainWindow(*engine, source.get(), admin.get());
        if (!window)
            return false;
        other.resize(100, 100);
        other.show();
        deactivate();
        model = window->findChild<FeedModel *>(QStringLiteral("feedModel"));
        marker = window->findChild<ReadMarker *>(QStringLiteral("readMarker"));
        notifier = window->findChild<Notifier *>(QStringLiteral("notifier"));
        list = findItem(window->contentItem(), QStringLiteral("feedList"));
        return model && marker && notifier && list;
    }
    bool deactivate()
    {
        other.requestActivate();
        return QTest::qWaitFor([this] { return !window->isActive(); }, 10000);
    }
    bool activate()
    {
        window->requestActivate();
        return QTest::qWaitFor([this] { return window->isActive(); }, 10000);
    }
    [[nodiscard]] qint64 serverMarker() const { return runtime->markers().marker(globex).lastReadSeq; }

    std::unique_ptr<EmbeddedFeedSource> source;
    std::unique_ptr<QQmlApplicationEngine> engine;
    QWindow other;
    QQuickWindow *window = nullptr;
    FeedModel *model = nullptr;
    ReadMarker *marker = nullptr;
    Notifier *notifier = nullptr;
    QQuickItem *list = nullptr;
};

// ---------------------------------------------------------------- notifications

TEST(Notifications, OneNotifyPerEventWhileInactiveNoneWhenOffAndAClickRaisesTheWindow)
{
    NotificationRecorder recorder;
    ASSERT_TRUE(recorder.serve());
    App app;
    ASSERT_TRUE(app.open());
    ASSERT_FALSE(app.window->isActive());

    // An event drained from the CLI while the window is inactive: exactly one Notify.
    emitAndDrain(app.cs, QStringLiteral("Acme"), QStringLiteral("badge_earned"),
                 {{"badgeName", "Night Owl"}, {"xpAwarded", 40}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.notifier->sentCount() == 1; }, 30000));
    ASSERT_EQ(recorder.calls.size(), 1);
    const Notification first = recorder.calls.first();
    EXPECT_TRUE(first.summary.contains("Badge earned")) << first.summary.toStdString();
    EXPECT_TRUE(first.summary.contains("Acme"));
    EXPECT_EQ(first.body, QStringLiteral("Earned the “Night Owl” badge (+40 XP)"));
    EXPECT_EQ(first.actions.value(0), QStringLiteral("default"));

    // "notify" off for badges: the next badge gives none. A rank-up after it does, and is
    // the marker that the badge was seen and passed over.
    AppSettings::setNotifies(QStringLiteral("badge_earned"), false);
    emitAndDrain(app.cs, QStringLiteral("Acme"), QStringLiteral("badge_earned"),
                 {{"badgeName", "Muted Badge"}, {"xpAwarded", 5}});
    emitAndDrain(app.cs, QStringLiteral("Acme"), QStringLiteral("xp_rank_up"),
                 {{"rank", "Adept"}, {"previousRank", "Apprentice"}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return recorder.containing("Adept") == 1; }, 30000));
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 3; }, 30000));
    EXPECT_EQ(recorder.containing("Muted Badge"), 0);
    EXPECT_EQ(recorder.containing("Night Owl"), 1);
    EXPECT_EQ(recorder.calls.size(), 2);

    // A peer that is not the service sends ActionInvoked for our id: nothing happens.
    QSignalSpy activated(app.notifier, &Notifier::activated);
    {
        QDBusConnection intruder =
            QDBusConnection::connectToBus(SessionBus::address(), QStringLiteral("intruder"));
        ASSERT_TRUE(intruder.isConnected());
        QDBusMessage spoof = QDBusMessage::createSignal(kPath, kService, QStringLiteral("ActionInvoked"));
        spoof << first.id << QStringLiteral("default");
        ASSERT_TRUE(intruder.send(spoof));
        // A round trip after it: the daemon has routed the spoof before it answers this.
        ASSERT_TRUE(intruder.interface()->isServiceRegistered(kService).value());
        QDBusConnection::disconnectFromBus(QStringLiteral("intruder"));
    }
    // The service's own click on the rank-up's notification raises the window at it.
    const Notification rankUp = recorder.calls.last();
    recorder.click(rankUp.id);
    ASSERT_TRUE(QTest::qWaitFor([&] { return activated.count() == 1; }, 15000));
    const QString rankUpId = activated.at(0).at(0).toString();
    EXPECT_EQ(app.model->index(app.model->rowOf(rankUpId)).data(FeedModel::EventTypeRole).toString(),
              "xp_rank_up");
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.window->isActive(); }, 10000));
    EXPECT_EQ(app.list->property("currentIndex").toInt(), app.model->rowOf(rankUpId));
    EXPECT_EQ(activated.count(), 1); // the spoofed click never counted

    // While the window is active, new events notify nobody.
    const int before = int(recorder.calls.size());
    emitAndDrain(app.cs, QStringLiteral("Acme"), QStringLiteral("streak_milestone"), {{"days", 9}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 4; }, 30000));
    EXPECT_EQ(recorder.calls.size(), before);
}

TEST(Notifications, ReactionsAndCommentsOnTheActingTenantsEventsNotify)
{
    NotificationRecorder recorder;
    ASSERT_TRUE(recorder.serve());
    App app;
    ASSERT_TRUE(app.open());
    // Globex's own event: no Notify for it (one's own news), but Acme's reaction and
    // comment on it do.
    emitAndDrain(app.cs, QStringLiteral("Globex"), QStringLiteral("challenge_completed"),
                 {{"challengeName", "Ship it"}, {"xpAwarded", 30}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 1; }, 30000));
    const QString eventId = app.model->index(0).data(FeedModel::IdRole).toString();
    app.runtime->feed().react(app.acme, eventId, QStringLiteral("respect"), true);
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.notifier->sentCount() == 1; }, 30000));
    EXPECT_TRUE(recorder.calls.last().summary.contains("Respect")) << recorder.calls.last().summary.toStdString();
    EXPECT_TRUE(recorder.calls.last().summary.contains("Challenge completed"));
    app.runtime->feed().addComment(app.acme, eventId, QStringLiteral("Well done <b>you</b>"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.notifier->sentCount() == 2; }, 30000));
    EXPECT_TRUE(recorder.calls.last().summary.contains("Acme commented"));
    // Plain text: markup a tenant typed reaches the service escaped, never as markup.
    EXPECT_EQ(recorder.calls.last().body, QStringLiteral("Well done &lt;b&gt;you&lt;/b&gt;"));
    EXPECT_EQ(recorder.calls.size(), 2);
}

TEST(Notifications, NoServiceOnTheBusTheAppWorksAndLogsOnce)
{
    {
        std::lock_guard lock(g_logMutex);
        g_log.clear();
    }
    g_previous = qInstallMessageHandler(collectLog);
    App app;
    ASSERT_TRUE(app.open());
    ASSERT_FALSE(QDBusConnection::sessionBus().interface()->isServiceRegistered(kService).value());
    const QString said = QStringLiteral("desktop notifications are off");
    emitAndDrain(app.cs, QStringLiteral("Acme"), QStringLiteral("badge_earned"),
                 {{"badgeName", "Quiet One"}, {"xpAwarded", 10}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 1; }, 30000));
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.notifier->repliedCount() == 1; }, 15000));
    EXPECT_EQ(logLines(said), 1);
    emitAndDrain(app.cs, QStringLiteral("Acme"), QStringLiteral("xp_rank_up"),
                 {{"rank", "Expert"}, {"previousRank", "Adept"}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 2; }, 30000));
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.notifier->repliedCount() == 2; }, 15000));
    EXPECT_EQ(logLines(said), 1);
    EXPECT_EQ(app.notifier->sentCount(), 0);
    // Everything else works: a reaction from the window goes through.
    app.model->toggleReaction(app.model->rowOf(app.model->index(0).data(FeedModel::IdRole).toString()),
                              QStringLiteral("hype"));
    ASSERT_TRUE(QTest::qWaitFor([&] {
        return app.model->index(0).data(FeedModel::MyReactionsRole).toStringList().contains("hype");
    }, 15000));
    qInstallMessageHandler(g_previous);
}

using aftest::click;

QSet<QString> typesShown(FeedModel *m)
{
    QSet<QString> out;
    for (int r = 0; r < m->rowCount(); ++r)
        out.insert(m->index(r).data(FeedModel::EventTypeRole).toString());
    return out;
}

TEST(ReadingWindow, TypeChipsAndTheTenantPickerFilterTheFeedAndSurviveARestart)
{
    App app;
    // Two tenants, two types: 3 Acme badges, 2 Acme rank-ups, 2 Globex badges.
    for (const auto &[tenant, type, payload] :
         std::vector<std::tuple<QString, QString, QJsonObject>>{
             {"Acme", "badge_earned", {{"badgeName", "A1"}}},
             {"Acme", "xp_rank_up", {{"rank", "Adept"}}},
             {"Globex", "badge_earned", {{"badgeName", "G1"}}},
             {"Acme", "badge_earned", {{"badgeName", "A2"}}},
             {"Globex", "badge_earned", {{"badgeName", "G2"}}},
             {"Acme", "xp_rank_up", {{"rank", "Expert"}}}}) {
        app.runtime->admin().emitEvent(tenant == "Acme" ? app.acme : app.globex, type, payload);
        app.runtime->admin().drain(); // one drain each: no two rows group into a tile
    }
    ASSERT_TRUE(app.open());
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 6; }, 30000));
    ASSERT_TRUE(app.activate());

    // A chip hides its type: the feed is served again without it (eventType).
    QQuickItem *badges = nullptr;
    ASSERT_TRUE(QTest::qWaitFor([&] {
        badges = findItem(app.window->contentItem(), QStringLiteral("typeChip_badge_earned"));
        return badges != nullptr;
    }, 10000));
    ASSERT_TRUE(click(app.window, badges));
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 2; }, 15000));
    EXPECT_EQ(typesShown(app.model), QSet<QString>{"xp_rank_up"});
    EXPECT_FALSE(app.model->typeFilter().contains("badge_earned"));
    EXPECT_FALSE(badges->property("shownNow").toBool());
    // A live badge stays out of the filtered feed; a live rank-up comes in.
    emitAndDrain(app.cs, QStringLiteral("Globex"), QStringLiteral("badge_earned"), {{"badgeName", "Live"}});
    emitAndDrain(app.cs, QStringLiteral("Globex"), QStringLiteral("xp_rank_up"), {{"rank", "Master"}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 3; }, 30000));
    EXPECT_EQ(typesShown(app.model), QSet<QString>{"xp_rank_up"});

    // Shown again, then only Acme's: the tenant picker. Globex's live badge is its third
    // within five minutes, so its two badge singles folded into one tile with it: 6 rows
    // (Acme's 2 badges and 2 rank-ups, Globex's tile and rank-up), not 8.
    ASSERT_TRUE(click(app.window, badges));
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 6; }, 15000));
    QObject *picker = nullptr;
    ASSERT_TRUE(QTest::qWaitFor([&] {
        picker = findItem(app.window->contentItem(), QStringLiteral("tenantPicker"));
        return picker && picker->property("count").toInt() == 3; // all, Acme, Globex
    }, 15000));
    // As a person picks "Acme" in the list: the index moves, then activated() fires.
    int acmeIndex = -1;
    ASSERT_TRUE(QMetaObject::invokeMethod(picker, "indexOfValue", Q_RETURN_ARG(int, acmeIndex),
                                          Q_ARG(QVariant, app.acme)));
    ASSERT_GT(acmeIndex, 0);
    picker->setProperty("currentIndex", acmeIndex);
    QMetaObject::invokeMethod(picker, "activated", Q_ARG(int, acmeIndex));
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 4; }, 15000));
    for (int r = 0; r < app.model->rowCount(); ++r)
        EXPECT_EQ(app.model->index(r).data(FeedModel::TenantIdRole).toInt(), app.acme);
    ASSERT_TRUE(click(app.window, badges)); // hide badges again, with the tenant still picked
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 2; }, 15000));

    // A restart keeps both choices.
    app.engine.reset();
    app.source.reset();
    ASSERT_TRUE(app.open());
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 2; }, 30000));
    EXPECT_EQ(typesShown(app.model), QSet<QString>{"xp_rank_up"});
    EXPECT_EQ(app.model->tenantFilter(), app.acme);
    EXPECT_FALSE(findItem(app.window->contentItem(), QStringLiteral("typeChip_badge_earned"))
                     ->property("shownNow").toBool());
}

// ---------------------------------------------------------------- the reading window

/// Queue rows for @p tenant, one per type in turn, 10 minutes apart (no two group into a
/// tile), the newest an hour ago. Test-side setup, not the app's code path.
void seedQueue(const std::string &cs, int tenant, int n)
{
    pqxx::connection conn(cs);
    pqxx::work tx(conn);
    tx.exec_params0(
        "INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at) "
        "SELECT $1::int, 'badge_earned', jsonb_build_object('badgeName', 'Seed ' || i, 'xpAwarded', i), "
        "       now() - interval '1 hour' - i * interval '10 minutes' "
        "FROM generate_series(1, $2::int) AS i",
        tenant, n);
    tx.commit();
}

QString titleOf(QQuickWindow *w) { return w->title(); }

bool dividerAbove(FeedModel *m, int row)
{
    return m->index(row).data(FeedModel::DividerAboveRole).toBool();
}

void pressKey(QQuickWindow *w, Qt::Key key, Qt::KeyboardModifiers mods = {})
{
    QTest::keyClick(w, key, mods);
}

/// Saves what the window shows, for a person to look at (the build directory).
void screenshot(QQuickWindow *w, const QString &name)
{
    const QImage image = w->grabWindow();
    ASSERT_FALSE(image.isNull());
    ASSERT_TRUE(image.save(QDir::current().filePath(name))) << name.toStdString();
}

TEST(ReadingWindow, DividerCountMarkerAndAKeyboardOnlyPath)
{
    App app;
    seedQueue(app.cs, app.acme, 6);
    app.runtime->admin().drain();
    // Globex read up to the third newest: the two newest are unread.
    std::vector<qint64> seqs; // newest first
    {
        pqxx::connection conn(app.cs);
        pqxx::work tx(conn);
        for (const auto &row : tx.exec("SELECT seq FROM activity_events ORDER BY created_at DESC, seq DESC"))
            seqs.push_back(row[0].as<qint64>());
    }
    ASSERT_EQ(seqs.size(), 6u);
    ASSERT_GT(seqs[0], seqs[2]);
    ASSERT_GT(seqs[1], seqs[2]);
    app.runtime->markers().advance(app.globex, seqs[2]);
    ASSERT_TRUE(app.open());

    // The divider sits at the marker, and the title and the Feed tab carry the count.
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 6; }, 30000));
    ASSERT_TRUE(QTest::qWaitFor([&] { return titleOf(app.window) == "(2) Activity Feed"; }, 15000))
        << titleOf(app.window).toStdString();
    EXPECT_EQ(app.marker->lastReadSeq(), seqs[2]);
    ASSERT_TRUE(QTest::qWaitFor([&] { return dividerAbove(app.model, 2); }, 10000));
    for (int row : {0, 1, 3, 4, 5})
        EXPECT_FALSE(dividerAbove(app.model, row)) << row;
    EXPECT_TRUE(app.model->index(0).data(FeedModel::UnreadRole).toBool());
    EXPECT_FALSE(app.model->index(2).data(FeedModel::UnreadRole).toBool());
    // The list makes its delegates when it next lays out, which can be after the model's
    // rows are in (seen in CI): wait for the cards, then look at them.
    QQuickItem *card0 = nullptr, *card1 = nullptr, *card2 = nullptr;
    ASSERT_TRUE(QTest::qWaitFor([&] {
        card0 = findItem(app.list, QStringLiteral("eventCard_0"));
        card1 = findItem(app.list, QStringLiteral("eventCard_1"));
        card2 = findItem(app.list, QStringLiteral("eventCard_2"));
        return card0 && card1 && card2 && findItem(card2, QStringLiteral("unreadDivider"));
    }, 10000)) << "cards 0-2 " << bool(card0) << bool(card1) << bool(card2);
    EXPECT_FALSE(findItem(card1, QStringLiteral("unreadDivider")));
    QQuickItem *badge = nullptr;
    ASSERT_TRUE(QTest::qWaitFor([&] {
        badge = findItem(app.window->contentItem(), QStringLiteral("unreadBadgeText"));
        return badge != nullptr;
    }, 10000));
    EXPECT_EQ(badge->property("text").toString(), "2");
    // The card's accessible name is the words it shows, from the catalogue's templates.
    EXPECT_EQ(card0->property("accessibleName").toString(),
              "Badge earned, Acme, Earned the “Seed 1” badge (+1 XP)");

    // Background arrivals: the new row is on screen, but the window is not active.
    const int checks = app.marker->viewChecks();
    emitAndDrain(app.cs, QStringLiteral("Acme"), QStringLiteral("streak_milestone"), {{"days", 12}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 7; }, 30000));
    ASSERT_TRUE(QTest::qWaitFor([&] { return titleOf(app.window) == "(3) Activity Feed"; }, 15000))
        << titleOf(app.window).toStdString();
    // The view has looked at the new row (the positive marker) and left the marker alone.
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.marker->viewChecks() > checks; }, 15000));
    EXPECT_EQ(app.marker->lastReadSeq(), seqs[2]);
    EXPECT_EQ(app.serverMarker(), seqs[2]);
    screenshot(app.window, QStringLiteral("reading-light.png"));

    // Viewing the rows (the window active, the rows on screen) moves the marker.
    const qint64 newest = app.model->index(0).data(FeedModel::SeqRole).toLongLong();
    ASSERT_TRUE(app.activate());
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.serverMarker() == newest; }, 15000))
        << app.serverMarker() << " vs " << newest;
    ASSERT_TRUE(QTest::qWaitFor([&] { return titleOf(app.window) == "Activity Feed"; }, 15000));
    EXPECT_EQ(app.marker->unreadCount(), 0);

    // Another device reads on: its marker clears the count here.
    ASSERT_TRUE(app.deactivate());
    emitAndDrain(app.cs, QStringLiteral("Acme"), QStringLiteral("all_tasks_cleared"), {{"tasksDone", 4}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return titleOf(app.window) == "(1) Activity Feed"; }, 30000))
        << titleOf(app.window).toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.model->rowCount() == 8; }, 15000));
    const qint64 latest = app.model->index(0).data(FeedModel::SeqRole).toLongLong();
    const af::Marker moved = app.runtime->markers().advance(app.globex, latest);
    ASSERT_EQ(moved.lastReadSeq, latest);
    ASSERT_TRUE(QTest::qWaitFor([&] { return titleOf(app.window) == "Activity Feed"; }, 15000))
        << titleOf(app.window).toStdString() << " marker " << app.marker->lastReadSeq() << " unread "
        << app.marker->unreadCount() << " latest " << latest << " moved.unread " << moved.unreadCount;
    EXPECT_EQ(app.marker->lastReadSeq(), latest);
    EXPECT_FALSE(findItem(app.window->contentItem(), QStringLiteral("unreadBadgeText")));

    // Keyboard only: move to a card, react, open the comments, post, close.
    ASSERT_TRUE(app.activate());
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.list->hasActiveFocus(); }, 5000));
    pressKey(app.window, Qt::Key_Home, Qt::ControlModifier); // back to the newest card
    ASSERT_EQ(app.list->property("currentIndex").toInt(), 0);
    pressKey(app.window, Qt::Key_J);
    pressKey(app.window, Qt::Key_J);
    EXPECT_EQ(app.list->property("currentIndex").toInt(), 2);
    pressKey(app.window, Qt::Key_K);
    ASSERT_EQ(app.list->property("currentIndex").toInt(), 1);
    card1 = findItem(app.list, QStringLiteral("eventCard_1"));
    ASSERT_TRUE(card1);
    EXPECT_TRUE(card1->property("current").toBool()); // the focus ring is drawn
    const QString eventId = app.model->index(1).data(FeedModel::IdRole).toString();
    pressKey(app.window, Qt::Key_1); // the catalogue's first reaction: hype
    ASSERT_TRUE(QTest::qWaitFor([&] {
        const int row = app.model->rowOf(eventId);
        return app.model->index(row).data(FeedModel::MyReactionsRole).toStringList().contains("hype");
    }, 15000));
    EXPECT_EQ(app.model->index(app.model->rowOf(eventId)).data(FeedModel::ReactionCountsRole).toList().value(0).toInt(), 1);
    pressKey(app.window, Qt::Key_Return);
    QQuickItem *composer = nullptr;
    ASSERT_TRUE(QTest::qWaitFor([&] {
        composer = findItem(app.window->contentItem(), QStringLiteral("commentComposer"));
        return composer && composer->hasActiveFocus();
    }, 10000));
    for (const char c : QByteArrayLiteral("Twelve days, nice"))
        QTest::keyClick(app.window, c);
    pressKey(app.window, Qt::Key_Return, Qt::ControlModifier);
    ASSERT_TRUE(QTest::qWaitFor([&] {
        return app.model->index(app.model->rowOf(eventId)).data(FeedModel::CommentCountRole).toInt() == 1;
    }, 15000));
    EXPECT_TRUE(QTest::qWaitFor([&] {
        QQuickItem *body = findItem(app.window->contentItem(), QStringLiteral("commentBody"));
        return body && body->property("text").toString() == "Twelve days, nice";
    }, 10000));
    screenshot(app.window, QStringLiteral("reading-comments-light.png"));
    pressKey(app.window, Qt::Key_Escape);
    ASSERT_TRUE(QTest::qWaitFor([&] {
        return !findItem(app.window->contentItem(), QStringLiteral("detailPanel"));
    }, 5000));
    EXPECT_TRUE(app.list->hasActiveFocus());
    // The accessible name follows the card: its reaction and comment are in it now.
    EXPECT_TRUE(app.model->index(app.model->rowOf(eventId)).data(FeedModel::AccessibleNameRole)
                    .toString().endsWith(", 1 hype, 1 comment"))
        << app.model->index(app.model->rowOf(eventId)).data(FeedModel::AccessibleNameRole).toString().toStdString();

    // "?" lists the shortcuts; Esc closes the sheet and the list has the focus again.
    QTest::keyClick(app.window, '?');
    QObject *sheet = app.window->findChild<QObject *>(QStringLiteral("shortcutsSheet"));
    ASSERT_TRUE(sheet);
    ASSERT_TRUE(QTest::qWaitFor([&] { return sheet->property("opened").toBool(); }, 5000));
    screenshot(app.window, QStringLiteral("reading-shortcuts-light.png"));
    pressKey(app.window, Qt::Key_Escape);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !sheet->property("visible").toBool(); }, 5000));
    EXPECT_TRUE(QTest::qWaitFor([&] { return app.list->hasActiveFocus(); }, 5000));

    // The same window in a dark palette.
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x20, 0x22, 0x25));
    dark.setColor(QPalette::WindowText, QColor(0xe8, 0xea, 0xed));
    dark.setColor(QPalette::Base, QColor(0x2a, 0x2c, 0x30));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xea, 0xed));
    dark.setColor(QPalette::Button, QColor(0x30, 0x32, 0x36));
    dark.setColor(QPalette::ButtonText, QColor(0xe8, 0xea, 0xed));
    dark.setColor(QPalette::Highlight, QColor(0x3b, 0x6e, 0xd0));
    const QPalette light = QGuiApplication::palette();
    QGuiApplication::setPalette(dark);
    pressKey(app.window, Qt::Key_J);
    ASSERT_TRUE(QTest::qWaitFor([&] { return app.window->color().lightness() < 80; }, 5000));
    screenshot(app.window, QStringLiteral("reading-dark.png"));
    QGuiApplication::setPalette(light);
}

} // namespace

#include "reading_test.moc"
