// Issue 12, "Must show" 4 on the desktop: the real Main.qml on the real embedded backend
// (a test PostgreSQL from tests/support), auto-drain at 10 s set through the AdminModel as
// the admin page does, and badge_earned events of one tenant emitted one at a time. The
// window must show ONE tile that grows (3, 4, 5), never a column of singles: the two first
// singles fold into a tile, later rows join it, a moved row is a move (no reset, the
// reader's scroll position stays put) and an open comments panel on the folded single
// follows it into the tile. Screenshots before and after go to AF_SCREENSHOT_DIR (or the
// temporary directory) for a person to look at.
//
// About 60 s: each emitted row waits for the next 10-s auto-drain tick.
#include "mainscene.h"
#include "pgharness.h"
#include "qtwarnings.h"
#include "sceneitems.h"
#include "testruntime.h"

#include "adminmodel.h"
#include "commentsmodel.h"
#include "embeddedadminbackend.h"
#include "embeddedfeedsource.h"
#include "feedmodel.h"

#include "feed/adminservice.h"
#include "feed/notifylistener.h"
#include "runtime/backendruntime.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSettings>
#include <QSignalSpy>
#include <QTest>
#include <QtQuickTest/quicktest.h>
#include <QtQml/qqmlextensionplugin.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <cstdio>
#include <functional>

Q_IMPORT_QML_PLUGIN(ActivityFeedPlugin)
Q_IMPORT_QML_PLUGIN(ActivityFeed_ModelsPlugin)

namespace
{

QQuickItem *findItem(QQuickItem *root, const QString &name)
{
    return aftest::findItem(root, name, /*visibleOnly=*/true);
}

using aftest::click;

/// The delegates the list shows now (visible cards inside the viewport), top to bottom.
QList<QQuickItem *> shownCards(QQuickItem *list)
{
    QQuickItem *content = list->property("contentItem").value<QQuickItem *>();
    const qreal top = list->property("contentY").toReal();
    const qreal bottom = top + list->height();
    QList<QQuickItem *> cards;
    for (QQuickItem *child : content->childItems()) {
        if (!child->isVisible() || !child->objectName().startsWith(QLatin1String("eventCard_")))
            continue;
        if (child->y() + child->height() <= top || child->y() >= bottom)
            continue;
        cards.append(child);
    }
    std::sort(cards.begin(), cards.end(),
              [](QQuickItem *a, QQuickItem *b) { return a->y() < b->y(); });
    return cards;
}

/// Every text shown inside @p item, joined by '|'.
QString textsOf(QQuickItem *item)
{
    QStringList texts;
    std::function<void(QQuickItem *)> collect = [&](QQuickItem *i) {
        if (i->isVisible() && i->property("text").isValid())
            texts.append(i->property("text").toString());
        for (QQuickItem *child : i->childItems())
            collect(child);
    };
    collect(item);
    return texts.join('|');
}

QString screenshotDir()
{
    const QString dir = qEnvironmentVariable("AF_SCREENSHOT_DIR", QDir::tempPath());
    QDir().mkpath(dir);
    return dir;
}

TEST(TileGrowth, AutoDrainEvery10sGrowsOneTileInTheWindow)
{
    aftest::TestRuntime backend("tiles", {QStringLiteral("Acme"), QStringLiteral("Globex")});
    const std::string &cs = backend.cs;
    af::BackendRuntime &runtime = *backend.runtime;
    const int acme = backend.tenants.ids.value(0);
    const int globex = backend.tenants.ids.value(1);
    ASSERT_GT(acme, 0);
    ASSERT_GT(globex, 0);
    // Older history below the new activity, an hour back and 10 minutes apart (one event
    // each), so that the list can be scrolled.
    aftest::execute(cs, "INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at) "
                        "SELECT " + std::to_string(globex) + ", 'streak_milestone', "
                        "jsonb_build_object('days', i), "
                        "now() - interval '1 hour' - i * interval '10 minutes' "
                        "FROM generate_series(1, 10) AS i");
    ASSERT_EQ(runtime.admin().drain().inserted, 10);
    ASSERT_TRUE(QTest::qWaitFor([&] { return runtime.listener().connected(); }, 15000));

    QCoreApplication::setOrganizationName(QStringLiteral("ActivityFeedTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tilegrowth_test"));
    QSettings().clear();
    QQuickStyle::setStyle(QStringLiteral("Fusion")); // as runDesktop does

    EmbeddedAdminBackend admin(runtime.admin(), {});
    // The viewer is Globex; the growing tile is Acme's.
    EmbeddedFeedSource source(runtime.feed(), runtime.broadcaster(), globex);
    QQmlApplicationEngine engine;
    QQuickWindow *window = aftest::showMainWindow(engine, &source, &admin);
    ASSERT_TRUE(window);
    auto *feed = window->findChild<FeedModel *>(QStringLiteral("feedModel"));
    auto *adminModel = window->findChild<AdminModel *>(QStringLiteral("adminModel"));
    ASSERT_TRUE(feed);
    ASSERT_TRUE(adminModel);
    QQuickItem *list = findItem(window->contentItem(), QStringLiteral("feedList"));
    ASSERT_TRUE(list);
    ASSERT_TRUE(QTest::qWaitFor([&] { return list->property("count").toInt() == 10; }, 30000));
    // The header says who the desktop acts as: Globex, not the first tenant of the list.
    QQuickItem *acting = nullptr;
    ASSERT_TRUE(QTest::qWaitFor([&] { return (acting = findItem(window->contentItem(), QStringLiteral("actingTenant"))) != nullptr; }, 15000))
        << "no acting-tenant box once the tenants are loaded";
    ASSERT_TRUE(QTest::qWaitFor([&] { return acting->property("displayText").toString() == QLatin1String("Globex"); }, 15000))
        << "the acting-tenant box shows " << acting->property("displayText").toString().toStdString();

    // What the admin page's "Auto-drain: every 10 s" does.
    adminModel->setAutoDrainSeconds(10);
    ASSERT_EQ(adminModel->autoDrainSeconds(), 10);

    QSignalSpy resets(feed, &QAbstractItemModel::modelReset);
    QSignalSpy moves(feed, &QAbstractItemModel::rowsMoved);
    QSignalSpy removes(feed, &QAbstractItemModel::rowsRemoved);
    QElapsedTimer clock;
    clock.start();
    int badges = 0;
    const auto emitBadge = [&] {
        ++badges;
        runtime.admin().emitEvent(acme, QStringLiteral("badge_earned"),
                                  {{"badgeName", QStringLiteral("Badge %1").arg(badges)},
                                   {"xpAwarded", 10 * badges}});
    };
    const auto acmeBadgeRows = [&] {
        QList<int> rows;
        for (int r = 0; r < feed->rowCount(); ++r) {
            const QModelIndex i = feed->index(r);
            if (i.data(FeedModel::TenantIdRole).toInt() == acme &&
                i.data(FeedModel::EventTypeRole).toString() == QLatin1String("badge_earned"))
                rows.append(r);
        }
        return rows;
    };
    // The delegates on screen that show Acme's badges, with their "×n" (1 for a single).
    const auto shownBadgeCounts = [&] {
        QList<int> counts;
        for (QQuickItem *card : shownCards(list)) {
            const int row = card->property("index").toInt();
            if (row < 0 || row >= feed->rowCount())
                continue;
            const QModelIndex i = feed->index(row);
            if (i.data(FeedModel::TenantIdRole).toInt() == acme &&
                i.data(FeedModel::EventTypeRole).toString() == QLatin1String("badge_earned"))
                counts.append(card->property("isGroup").toBool() ? card->property("groupCount").toInt()
                                                                : 1);
        }
        return counts;
    };
    const auto waitDrained = [&] {
        // The next auto-drain tick takes it: at most 10 s plus the 2-s depth poll.
        return QTest::qWaitFor([&] { return adminModel->queueDepth() == 0 && !adminModel->isDraining(); },
                               30000);
    };

    // 1 and 2: two singles (a window of fewer than 3 rows), the newer on top.
    emitBadge();
    ASSERT_TRUE(QTest::qWaitFor([&] { return acmeBadgeRows().size() == 1; }, 30000));
    const QString singleA = feed->index(acmeBadgeRows().first()).data(FeedModel::IdRole).toString();
    std::printf("row 1 on screen after %lld ms\n", static_cast<long long>(clock.elapsed()));
    QTest::qWait(1500); // "a few seconds apart"; asserts nothing
    emitBadge();
    ASSERT_TRUE(QTest::qWaitFor([&] { return acmeBadgeRows().size() == 2; }, 30000));
    ASSERT_EQ(acmeBadgeRows(), (QList<int>{0, 1}));
    const QString singleB = feed->index(0).data(FeedModel::IdRole).toString();
    ASSERT_NE(singleA, singleB);
    std::printf("row 2 on screen after %lld ms\n", static_cast<long long>(clock.elapsed()));
    ASSERT_TRUE(QTest::qWaitFor([&] { return shownBadgeCounts() == QList<int>({1, 1}); }, 5000));

    // The reader opens the newer single's comments and writes one.
    QQuickItem *cardB = findItem(list, QStringLiteral("eventCard_0"));
    ASSERT_TRUE(cardB);
    ASSERT_TRUE(click(window, findItem(cardB, QStringLiteral("commentsButton"))));
    QQuickItem *panel = nullptr;
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
            panel = findItem(window->contentItem(), QStringLiteral("detailPanel"));
            return panel && panel->property("eventId").toString() == singleB;
        },
        5000));
    auto *comments = panel->findChild<CommentsModel *>();
    ASSERT_TRUE(comments);
    QQuickItem *composer = findItem(panel, QStringLiteral("commentComposer"));
    ASSERT_TRUE(composer);
    composer->setProperty("text", QStringLiteral("Written on the second single"));
    ASSERT_TRUE(click(window, findItem(panel, QStringLiteral("postButton"))));
    ASSERT_TRUE(QTest::qWaitFor([&] { return comments->rowCount() == 1 && !comments->isPosting(); },
                                15000));
    QTest::qWait(300); // the screenshot only: let the panel settle; asserts nothing
    const QString before = screenshotDir() + "/tilegrowth-before.png";
    ASSERT_TRUE(window->grabWindow().save(before));

    // 3: the window reaches 3 rows. The two singles fold into one tile that keeps the
    // older single's id; the newer one leaves the list (a remove, not a reset), and the
    // open panel follows it into the tile with its comment.
    emitBadge();
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
            const QList<int> rows = acmeBadgeRows();
            return rows.size() == 1 &&
                   feed->index(rows.first()).data(FeedModel::GroupCountRole).toInt() == 3;
        },
        30000));
    std::printf("fold to a tile of 3 on screen after %lld ms\n", static_cast<long long>(clock.elapsed()));
    EXPECT_EQ(feed->index(0).data(FeedModel::IdRole).toString(), singleA);
    EXPECT_EQ(feed->rowOf(singleB), -1);
    EXPECT_EQ(feed->rowCount(), 11);
    EXPECT_EQ(removes.count(), 1);
    ASSERT_TRUE(QTest::qWaitFor([&] { return shownBadgeCounts() == QList<int>({3}); }, 5000))
        << "shown: " << shownBadgeCounts().size();
    ASSERT_TRUE(QTest::qWaitFor([&] { return panel->property("eventId").toString() == singleA; }, 5000));
    EXPECT_EQ(comments->eventId(), singleA);
    ASSERT_TRUE(QTest::qWaitFor([&] { return comments->rowCount() == 1 && !comments->isLoading(); },
                                15000));
    EXPECT_EQ(comments->index(0).data(CommentsModel::BodyRole).toString(),
              "Written on the second single");
    EXPECT_EQ(feed->index(0).data(FeedModel::CommentCountRole).toInt(), 1);
    // The panel now lists the tile's grouped events, read again for the tile.
    ASSERT_TRUE(QTest::qWaitFor([&] { return panel->property("sources").toList().size() == 3; }, 15000));
    ASSERT_TRUE(waitDrained());

    // Another tenant's event lands above the tile; the reader scrolls down into the older
    // history and reads there.
    runtime.admin().emitEvent(globex, QStringLiteral("challenge_completed"),
                              {{"challengeName", QStringLiteral("Above the tile")}});
    ASSERT_TRUE(QTest::qWaitFor([&] { return feed->rowCount() == 12; }, 30000));
    ASSERT_EQ(acmeBadgeRows(), QList<int>{1});
    ASSERT_TRUE(waitDrained());
    QMetaObject::invokeMethod(list, "positionViewAtIndex", Q_ARG(int, 6),
                              Q_ARG(int, 0 /* ListView.Beginning */));
    QQuickItem *anchor = nullptr;
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
            const QList<QQuickItem *> shown = shownCards(list);
            anchor = shown.isEmpty() ? nullptr : shown.first();
            return anchor && anchor->property("index").toInt() == 6;
        },
        5000));
    const QString anchorId = anchor->property("eventId").toString();
    const qreal anchorOffset = anchor->y() - list->property("contentY").toReal();

    // 4: the row joins the tile, which moves above the other tenant's event (a move),
    // while the card the reader looks at stays where it was on screen.
    const int movesBefore = int(moves.count());
    const int newBeforeGrowth = feed->newCount();
    emitBadge();
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
            const QList<int> rows = acmeBadgeRows();
            return rows == QList<int>{0} &&
                   feed->index(0).data(FeedModel::GroupCountRole).toInt() == 4;
        },
        30000));
    std::printf("tile of 4 on screen after %lld ms\n", static_cast<long long>(clock.elapsed()));
    EXPECT_EQ(int(moves.count()) - movesBefore, 1);
    EXPECT_EQ(feed->index(0).data(FeedModel::IdRole).toString(), singleA);
    // The move reached the model; the view lays it out at its next polish. Wait for that
    // (not for a time), or the check below would look at the layout from before the move.
    ASSERT_TRUE(QQuickTest::qWaitForPolish(window, 5000));
    {
        const QList<QQuickItem *> shown = shownCards(list);
        ASSERT_FALSE(shown.isEmpty());
        EXPECT_EQ(shown.first()->property("eventId").toString(), anchorId);
        EXPECT_NEAR(shown.first()->y() - list->property("contentY").toReal(), anchorOffset, 1.0);
    }
    ASSERT_TRUE(waitDrained());

    // 5: it grows again, in place at the top.
    emitBadge();
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return feed->index(0).data(FeedModel::GroupCountRole).toInt() == 5; }, 30000));
    std::printf("tile of 5 on screen after %lld ms\n", static_cast<long long>(clock.elapsed()));
    EXPECT_EQ(acmeBadgeRows(), QList<int>{0});
    EXPECT_EQ(feed->rowCount(), 12);
    {
        const QList<QQuickItem *> shown = shownCards(list);
        ASSERT_FALSE(shown.isEmpty());
        EXPECT_EQ(shown.first()->property("eventId").toString(), anchorId);
        EXPECT_NEAR(shown.first()->y() - list->property("contentY").toReal(), anchorOffset, 1.0);
    }

    // Back at the top through the "N new" pill, as the reader would: one card for the
    // five rows, its "×5" and its latest sample, and the panel still on it with the
    // comment and the five grouped events.
    QQuickItem *pill = findItem(window->contentItem(), QStringLiteral("newPill"));
    ASSERT_TRUE(pill) << "scrolled away from new events, the pill is shown";
    EXPECT_EQ(feed->newCount(), newBeforeGrowth) << "a tile that grew is not a new event";
    ASSERT_TRUE(click(window, pill));
    ASSERT_TRUE(QTest::qWaitFor([&] { return list->property("atYBeginning").toBool(); }, 5000))
        << "contentY " << list->property("contentY").toReal() << ", originY "
        << list->property("originY").toReal();
    ASSERT_TRUE(QTest::qWaitFor([&] { return !findItem(window->contentItem(), QStringLiteral("newPill")); }, 5000));
    ASSERT_TRUE(QTest::qWaitFor([&] { return shownBadgeCounts() == QList<int>({5}); }, 5000));
    QQuickItem *tileCard = findItem(list, QStringLiteral("eventCard_0"));
    ASSERT_TRUE(tileCard);
    const QString shownText = textsOf(tileCard);
    EXPECT_TRUE(shownText.contains(QStringLiteral("×5"))) << shownText.toStdString();
    EXPECT_TRUE(shownText.contains(QStringLiteral("Badge 5"))) << shownText.toStdString();
    EXPECT_EQ(panel->property("eventId").toString(), singleA);
    EXPECT_EQ(comments->rowCount(), 1);
    ASSERT_TRUE(QTest::qWaitFor([&] { return panel->property("sources").toList().size() == 5; }, 15000))
        << "the open tile's grouped events follow its count";
    EXPECT_EQ(resets.count(), 0);
    EXPECT_EQ(removes.count(), 1);
    const QString after = screenshotDir() + "/tilegrowth-after.png";
    QTest::qWait(300); // the screenshot only: let the list settle; asserts nothing
    ASSERT_TRUE(window->grabWindow().save(after));
    std::printf("5 rows, one a drain tick, in %lld ms: one tile ×5, %lld moves, %lld removes, %lld "
                "resets; screenshots %s, %s\n",
                static_cast<long long>(clock.elapsed()), static_cast<long long>(moves.count()),
                static_cast<long long>(removes.count()), static_cast<long long>(resets.count()),
                qPrintable(before), qPrintable(after));

    adminModel->setAutoDrainSeconds(0);
    engine.clearComponentCache();
}

} // namespace
