// Loads the real Main.qml over canned data, fails on any QML warning, and drives it
// through the scene: a reaction click and a posted comment. With AF_SCREENSHOT_DIR set it
// also saves screenshots (scripts/screenshots.sh).
#include "cannedadminbackend.h"
#include "cannedfeeddata.h"
#include "feedmodel.h"
#include "qtwarnings.h"
#include "sceneitems.h"

#include <QDir>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSettings>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>
#include <gtest/gtest.h>

Q_IMPORT_QML_PLUGIN(ActivityFeedPlugin)
Q_IMPORT_QML_PLUGIN(ActivityFeed_ModelsPlugin)

namespace {

using aftest::findItem;

QList<QQuickItem *> findAll(QQuickItem *root, const QString &name)
{
    QList<QQuickItem *> found;
    if (!root)
        return found;
    if (root->objectName() == name && root->isVisible())
        found.append(root);
    const auto children = root->childItems();
    for (QQuickItem *child : children)
        found += findAll(child, name);
    return found;
}

void click(QQuickWindow *window, QQuickItem *item)
{
    const QPointF centre = item->mapToScene(QPointF(item->width() / 2, item->height() / 2));
    QTest::mouseClick(window, Qt::LeftButton, {}, centre.toPoint());
}

class MainQmlTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        QCoreApplication::setOrganizationName(QStringLiteral("ActivityFeedTest"));
        QCoreApplication::setApplicationName(QStringLiteral("mainqml_test"));
        QSettings().clear();
        static const bool styled = [] {
            QQuickStyle::setStyle(QStringLiteral("Fusion"));
            return true;
        }();
        Q_UNUSED(styled)
        fillCannedFeed(source);
        warnings = std::make_unique<aftest::QtWarnings>();
        engine = std::make_unique<QQmlApplicationEngine>();
        engine->setInitialProperties({{"source", QVariant::fromValue<FeedSource *>(&source)},
                                      {"adminBackend", QVariant::fromValue<AdminBackend *>(&admin)}});
        engine->load(QUrl(QStringLiteral("qrc:/ActivityFeed/Main.qml")));
        ASSERT_EQ(engine->rootObjects().size(), 1);
        window = qobject_cast<QQuickWindow *>(engine->rootObjects().first());
        ASSERT_TRUE(window);
        window->resize(1280, 800);
        window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(window));
        list = findItem(window->contentItem(), "feedList");
        ASSERT_TRUE(list);
        ASSERT_TRUE(QTest::qWaitFor([this] { return list->property("count").toInt() == 7; }, 3000));
    }
    void TearDown() override
    {
        engine.reset();
        EXPECT_TRUE(warnings->messages().isEmpty()) << warnings->text();
        warnings.reset();
    }
    QQuickItem *card(int row) { return findItem(list, QStringLiteral("eventCard_%1").arg(row)); }
    void screenshot(const QString &name)
    {
        const QString dir = qEnvironmentVariable("AF_SCREENSHOT_DIR");
        if (dir.isEmpty())
            return;
        QDir().mkpath(dir);
        QTest::qWait(150); // screenshots only (AF_SCREENSHOT_DIR): let animations settle, asserts nothing
        window->grabWindow().save(dir + '/' + name + ".png");
    }

    CannedFeedSource source;
    CannedAdminBackend admin;
    std::unique_ptr<aftest::QtWarnings> warnings; // made before the engine, checked after it is gone
    std::unique_ptr<QQmlApplicationEngine> engine;
    QQuickWindow *window = nullptr;
    QQuickItem *list = nullptr;
};

TEST_F(MainQmlTest, ReactionClickChangesTheCount)
{
    QQuickItem *second = card(1); // Globex's rank up: not the viewer's own event
    ASSERT_TRUE(second);
    QQuickItem *respect = findItem(second, "reaction_respect");
    ASSERT_TRUE(respect);
    EXPECT_EQ(respect->property("count").toInt(), 5);
    EXPECT_FALSE(respect->property("mine").toBool());
    click(window, respect);
    ASSERT_TRUE(QTest::qWaitFor([&] { return respect->property("count").toInt() == 6; }, 2000));
    EXPECT_TRUE(respect->property("mine").toBool());
    QQuickItem *countText = findItem(respect, "count");
    ASSERT_TRUE(countText);
    EXPECT_EQ(countText->property("text").toString(), "6");

    // The viewer's own event cannot be reacted to.
    QQuickItem *own = findItem(card(2), "reaction_hype");
    ASSERT_TRUE(own);
    EXPECT_FALSE(own->isEnabled());
}

TEST_F(MainQmlTest, RateLimitShowsABanner)
{
    source.reactionLimit = 0;
    click(window, findItem(card(1), "reaction_hype"));
    QQuickItem *banner = findItem(window->contentItem(), "errorBanner");
    ASSERT_TRUE(banner);
    ASSERT_TRUE(QTest::qWaitFor([&] { return banner->isVisible(); }, 2000));
    EXPECT_TRUE(banner->property("text").toString().startsWith("You have used all your reactions"));
}

TEST_F(MainQmlTest, PostedCommentIsListed)
{
    screenshot(QStringLiteral("feed-1280x800"));
    click(window, findItem(card(0), "commentsButton"));
    QQuickItem *panel = findItem(window->contentItem(), "detailPanel");
    ASSERT_TRUE(panel);
    ASSERT_TRUE(QTest::qWaitFor([&] { return panel->isVisible(); }, 1000));
    QQuickItem *comments = findItem(panel, "commentList");
    ASSERT_TRUE(QTest::qWaitFor([&] { return comments->property("count").toInt() == 3; }, 2000));
    // Rich text in a comment stays literal.
    const auto bodies = findAll(comments, "commentBody");
    ASSERT_EQ(bodies.size(), 3);
    EXPECT_EQ(bodies[1]->property("textFormat").toInt(), int(Qt::PlainText));

    QQuickItem *composer = findItem(panel, "commentComposer");
    ASSERT_TRUE(composer);
    composer->forceActiveFocus();
    for (char c : QByteArray("Great work, team!"))
        QTest::keyClick(window, c);
    EXPECT_EQ(composer->property("text").toString(), "Great work, team!");
    EXPECT_EQ(findItem(panel, "charCounter")->property("text").toString(), "17 / 500");
    screenshot(QStringLiteral("comments-1280x800"));
    click(window, findItem(panel, "postButton"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return comments->property("count").toInt() == 4; }, 2000));
    EXPECT_TRUE(QTest::qWaitFor([&] { return composer->property("text").toString().isEmpty(); }, 2000))
        << "the composer kept the posted text";
    // The new row's delegate appears once the list has laid it out.
    EXPECT_TRUE(QTest::qWaitFor([&] {
        for (QQuickItem *item : findAll(comments, "commentBody"))
            if (item->property("text").toString() == "Great work, team!")
                return true;
        return false;
    }, 2000)) << "the posted comment is not listed";
    // The card's comment count follows the stream.
    ASSERT_TRUE(QTest::qWaitFor([&] {
        return engine->rootObjects().first()->findChild<FeedModel *>("feedModel")->index(0).data(FeedModel::CommentCountRole).toInt() == 4;
    }, 1000));
    // That count came with the stream's copy of the comment (positive marker): the copy
    // has been handled, and was not listed a second time.
    EXPECT_EQ(comments->property("count").toInt(), 4) << "the stream's copy is not added again";
}

TEST_F(MainQmlTest, LiveEventShowsThePillAndTheAdminPage)
{
    window->resize(800, 600);
    screenshot(QStringLiteral("feed-800x600"));
    // Scroll away from the top, then a live event arrives.
    QMetaObject::invokeMethod(list, "positionViewAtEnd");
    ASSERT_TRUE(QTest::qWaitFor([&] { return !list->property("atYBeginning").toBool(); }, 2000))
        << "the list did not scroll away from the top";
    source.publish(CannedFeedSource::event("live1", 3, "Globex", "badge_earned", "Badge earned", "🏅",
                                           "Earned “Inbox Zero”", {{"badgeName", "Inbox Zero"}}, 0, 1049));
    QQuickItem *pill = findItem(window->contentItem(), "newPill");
    ASSERT_TRUE(pill);
    ASSERT_TRUE(QTest::qWaitFor([&] { return pill->isVisible(); }, 2000));
    EXPECT_EQ(pill->property("text").toString(), "↑ 1 new event");
    screenshot(QStringLiteral("pill-800x600"));
    click(window, pill);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !pill->isVisible(); }, 2000));

    // The admin page shows the backend's queue depth, and a drain reports what it did.
    click(window, findItem(window->contentItem(), "tab_1"));
    QQuickItem *depth = nullptr;
    ASSERT_TRUE(QTest::qWaitFor([&] {
        depth = findItem(window->contentItem(), "queueDepth");
        return depth && depth->isVisible() && depth->property("text").toString() == "37";
    }, 2000)) << "the admin page did not show the queue depth";
    window->resize(1280, 800);
    screenshot(QStringLiteral("admin-1280x800"));
    window->resize(800, 600);
    screenshot(QStringLiteral("admin-800x600"));
    window->resize(1280, 800);
    QQuickItem *drain = findItem(window->contentItem(), "drainButton");
    ASSERT_TRUE(drain);
    click(window, drain);
    QQuickItem *lastDrain = findItem(window->contentItem(), "lastDrain");
    ASSERT_TRUE(lastDrain);
    ASSERT_TRUE(QTest::qWaitFor([&] { return lastDrain->property("text").toString().contains("37"); }, 2000))
        << lastDrain->property("text").toString().toStdString();
    EXPECT_TRUE(lastDrain->property("text").toString().contains("6")) << lastDrain->property("text").toString().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return depth->property("text").toString() == "0"; }, 2000))
        << "the queue depth did not follow the drain";

    // Back on the feed, a grouped tile opens with every event it groups.
    click(window, findItem(window->contentItem(), "tab_0"));
    QQuickItem *tile = nullptr;
    ASSERT_TRUE(QTest::qWaitFor([&] { return (tile = card(1)) && tile->isVisible(); }, 2000));
    click(window, findItem(tile, "commentsButton"));
    QQuickItem *panel = findItem(window->contentItem(), "detailPanel");
    ASSERT_TRUE(panel);
    ASSERT_TRUE(QTest::qWaitFor([&] { return panel->isVisible() && !panel->property("sourcesLoading").toBool() &&
                                             panel->property("sources").toList().size() > 1; },
                                2000))
        << "the tile did not open with its events";
    screenshot(QStringLiteral("tile-1280x800"));
}

} // namespace
