#include "feedmodel.h"
#include "modelfixture.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <gtest/gtest.h>

#include <memory>

namespace {

QJsonObject badge(int n, qint64 secondsAgo, int tenant = 2)
{
    return CannedFeedSource::event(QStringLiteral("ev-%1").arg(n), tenant, "Northwind",
                                   "badge_earned", "Badge earned", "🏅",
                                   QStringLiteral("Earned badge %1").arg(n),
                                   {{"badgeName", QStringLiteral("Badge %1").arg(n)}}, secondsAgo, n);
}

class FeedModelTest : public ModelFixture<FeedModel>
{
protected:
    void SetUp() override
    {
        for (int i = 45; i >= 1; --i)
            source.events.append(badge(i, 1000 - i)); // newest (45) first
        makeModel(20);
        reset = std::make_unique<QSignalSpy>(model.get(), &QAbstractItemModel::modelReset);
    }
    /// The tester fetches more on every insert (setUseFetchMore), so one start loads all.
    bool startAndLoadAll()
    {
        model->setSource(&source);
        return QTest::qWaitFor([this] { return model->atEnd() && !model->isLoading(); }, 3000);
    }
    QString idAt(int row) const { return model->index(row).data(FeedModel::IdRole).toString(); }
    /// Every row's id maps back to its row, and the rows are newest first.
    void expectIndexAndOrder() const
    {
        for (int row = 0; row < model->rowCount(); ++row) {
            ASSERT_EQ(model->rowOf(idAt(row)), row) << idAt(row).toStdString();
            if (row > 0) {
                const QDateTime above = model->index(row - 1).data(FeedModel::CreatedAtRole).toDateTime();
                const QDateTime here = model->index(row).data(FeedModel::CreatedAtRole).toDateTime();
                ASSERT_GE(above, here) << "row " << row;
            }
        }
    }
    /// The stored event @p id, grown into a tile of @p count rows newest at @p at.
    QJsonObject grown(const QString &id, int count, const QString &at, qint64 seq) const
    {
        QJsonObject e = source.events[source.indexOf(id)];
        e["description"] = QStringLiteral("%1 badges earned").arg(count);
        e["payload_json"] = QJsonObject{{"count", count},
                                        {"samples", QJsonArray{QJsonObject{{"badgeName", "Late"}}}}};
        e["created_at"] = at;
        e["seq"] = seq;
        return e;
    }
    static QString shifted(const QJsonObject &e, qint64 ms)
    {
        return QDateTime::fromString(e.value("created_at").toString(), Qt::ISODateWithMs)
            .addMSecs(ms)
            .toString(Qt::ISODateWithMs);
    }

    std::unique_ptr<QSignalSpy> reset;
};

TEST_F(FeedModelTest, PagesWithFetchMoreUntilTheEnd)
{
    model->setSource(&source);
    EXPECT_TRUE(model->isLoading());
    EXPECT_FALSE(model->canFetchMore({})) << "canFetchMore is false while loading";
    ASSERT_TRUE(startAndLoadAll());
    ASSERT_EQ(inserted->size(), 3) << "one append per page";
    EXPECT_EQ((*inserted)[0][1].toInt(), 0);
    EXPECT_EQ((*inserted)[0][2].toInt(), 19);
    EXPECT_EQ((*inserted)[1][1].toInt(), 20);
    EXPECT_EQ((*inserted)[1][2].toInt(), 39);
    EXPECT_EQ((*inserted)[2][1].toInt(), 40);
    EXPECT_EQ((*inserted)[2][2].toInt(), 44);
    EXPECT_EQ(reset->size(), 0);
    EXPECT_EQ(source.eventLoads, 3);
    EXPECT_EQ(model->rowCount(), 45);
    EXPECT_FALSE(model->canFetchMore({}));
    for (int row = 0; row < 45; ++row)
        ASSERT_EQ(idAt(row), QStringLiteral("ev-%1").arg(45 - row));
}

TEST_F(FeedModelTest, RolesCarryEveryField)
{
    source.events.prepend(CannedFeedSource::event(
        "tile", 3, "Acme", "badge_earned", "Badge earned", "🏅", "5 badges earned",
        {{"count", 5}, {"samples", QJsonArray{QJsonObject{{"badgeName", "Sprint Champion"}, {"xpAwarded", 50}}}}},
        120, 99, {{"hype", 2}, {"respect", 0}, {"tribute", 1}}, 4));
    source.events[0]["myReactions"] = QJsonArray{"hype"};
    ASSERT_TRUE(startAndLoadAll());
    const QModelIndex i = model->index(0);
    EXPECT_EQ(i.data(FeedModel::IdRole).toString(), "tile");
    EXPECT_EQ(i.data(FeedModel::TenantIdRole).toInt(), 3);
    EXPECT_EQ(i.data(FeedModel::TenantNameRole).toString(), "Acme");
    EXPECT_EQ(i.data(FeedModel::EventTypeRole).toString(), "badge_earned");
    EXPECT_EQ(i.data(FeedModel::DisplayNameRole).toString(), "Badge earned");
    EXPECT_EQ(i.data(FeedModel::DescriptionRole).toString(), "5 badges earned");
    EXPECT_EQ(i.data(FeedModel::IconRole).toString(), "🏅");
    EXPECT_EQ(i.data(FeedModel::SeqRole).toLongLong(), 99);
    EXPECT_EQ(reactionCount(i, "hype"), 2);
    EXPECT_EQ(reactionCount(i, "tribute"), 1);
    EXPECT_EQ(i.data(FeedModel::MyReactionsRole).toStringList(), QStringList{"hype"});
    EXPECT_EQ(i.data(FeedModel::CommentCountRole).toInt(), 4);
    EXPECT_TRUE(i.data(FeedModel::IsGroupRole).toBool());
    EXPECT_EQ(i.data(FeedModel::GroupCountRole).toInt(), 5);
    EXPECT_EQ(i.data(FeedModel::SamplesRole).toStringList(), QStringList{"Sprint Champion · +50 XP"});
    EXPECT_EQ(i.data(FeedModel::RelativeTimeRole).toString(), "2 min ago");
    EXPECT_TRUE(i.data(FeedModel::CreatedAtRole).toDateTime().isValid());
    EXPECT_FALSE(i.data(FeedModel::IsMineRole).toBool());
    const auto names = model->roleNames();
    EXPECT_EQ(names.value(FeedModel::CommentCountRole), "commentCount");
    EXPECT_EQ(names.value(FeedModel::IdRole), "eventId");
}

TEST_F(FeedModelTest, LiveBurstIsOneInsertAtRowZeroWithoutReset)
{
    ASSERT_TRUE(startAndLoadAll());
    QSignalSpy inserted(model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(model.get(), &QAbstractItemModel::modelReset);
    source.publish(badge(46, 2));
    source.publish(badge(47, 1));
    source.publish(badge(48, 0));
    ASSERT_TRUE(QTest::qWaitFor([&] { return inserted.size() > 0; }, 1000));
    // Positive marker: one more event published after the burst has landed; once it is
    // in, a split burst would have shown as more than one insert before it.
    source.publish(badge(49, 0));
    ASSERT_TRUE(QTest::qWaitFor([&] { return idAt(0) == "ev-49"; }, 1000));
    ASSERT_EQ(inserted.size(), 2) << "a burst is coalesced into one insert";
    EXPECT_EQ(inserted[0][1].toInt(), 0);
    EXPECT_EQ(inserted[0][2].toInt(), 2);
    EXPECT_EQ(reset.size(), 0);
    EXPECT_EQ(idAt(1), "ev-48");
    EXPECT_EQ(idAt(2), "ev-47");
    EXPECT_EQ(idAt(3), "ev-46");
    EXPECT_EQ(idAt(4), "ev-45");
    EXPECT_EQ(model->newCount(), 4);
    model->markSeen();
    EXPECT_EQ(model->newCount(), 0);
}

TEST_F(FeedModelTest, LiveCopyOfALoadedEventIsIgnored)
{
    ASSERT_TRUE(startAndLoadAll());
    inserted->clear();
    Q_EMIT source.eventCreated(CannedFeedSource::typed(source.events[3]));
    // Positive marker: a new event after the copy; once it is in, the copy was handled.
    Q_EMIT source.eventCreated(CannedFeedSource::typed(badge(99, 0)));
    ASSERT_TRUE(QTest::qWaitFor([&] { return idAt(0) == "ev-99"; }, 1000));
    EXPECT_EQ(model->rowCount(), 46) << "the copy of a loaded event was added again";
    for (const QList<QVariant> &args : *inserted)
        EXPECT_EQ(args[2].toInt() - args[1].toInt(), 0) << "more than the one new row was inserted";
}

TEST_F(FeedModelTest, EventLiveBeforeItsPageAppearsOnce)
{
    source.delayMs = 80; // pages arrive after the live insert (16 ms)
    model->setSource(&source);
    Q_EMIT source.eventCreated(CannedFeedSource::typed(source.events[30])); // ev-15, on page 2
    ASSERT_TRUE(QTest::qWaitFor([&] { return model->atEnd() && !model->isLoading(); }, 3000));
    EXPECT_EQ(idAt(0), "ev-15") << "live events go on top";
    EXPECT_EQ(model->rowCount(), 45);
    QSet<QString> ids;
    for (int row = 0; row < model->rowCount(); ++row)
        ids.insert(idAt(row));
    EXPECT_EQ(ids.size(), 45);
    EXPECT_EQ(reset->size(), 0);
}

TEST_F(FeedModelTest, UpdateInPlaceIsOneDataChangedOfTheChangedRoles)
{
    ASSERT_TRUE(startAndLoadAll());
    inserted->clear();
    QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy moved(model.get(), &QAbstractItemModel::rowsMoved);
    // ev-44 becomes a tile of 3 at the same created_at: its place does not change.
    source.publishUpdate(grown("ev-44", 3, source.events[1].value("created_at").toString(), 100));
    ASSERT_TRUE(changed.wait(1000));
    ASSERT_EQ(changed.size(), 1);
    EXPECT_EQ(changed[0][0].toModelIndex().row(), 1);
    const auto roles = changed[0][2].value<QList<int>>();
    EXPECT_TRUE(roles.contains(FeedModel::DescriptionRole));
    EXPECT_TRUE(roles.contains(FeedModel::GroupCountRole));
    EXPECT_TRUE(roles.contains(FeedModel::SeqRole));
    EXPECT_FALSE(roles.contains(FeedModel::CreatedAtRole)) << "only changed roles are named";
    EXPECT_EQ(moved.size(), 0);
    EXPECT_EQ(inserted->size(), 0);
    EXPECT_EQ(reset->size(), 0);
    EXPECT_EQ(idAt(1), "ev-44");
    EXPECT_EQ(model->index(1).data(FeedModel::GroupCountRole).toInt(), 3);
    EXPECT_EQ(model->index(1).data(FeedModel::DescriptionRole).toString(), "3 badges earned");
    EXPECT_EQ(model->newCount(), 0);
    EXPECT_EQ(model->rowCount(), 45);
}

TEST_F(FeedModelTest, UpdateWithANewCreatedAtMovesTheRow)
{
    ASSERT_TRUE(startAndLoadAll());
    inserted->clear();
    QSignalSpy moved(model.get(), &QAbstractItemModel::rowsMoved);
    QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
    // ev-30 (row 15) grows with a row newer than everything: it moves to the top.
    source.publishUpdate(grown("ev-30", 4, CannedFeedSource::ts(0), 200));
    ASSERT_TRUE(moved.wait(1000));
    ASSERT_EQ(moved.size(), 1);
    EXPECT_EQ(moved[0][1].toInt(), 15);
    EXPECT_EQ(moved[0][2].toInt(), 15);
    EXPECT_EQ(moved[0][4].toInt(), 0);
    ASSERT_EQ(changed.size(), 1);
    EXPECT_EQ(changed[0][0].toModelIndex().row(), 0);
    EXPECT_TRUE(changed[0][2].value<QList<int>>().contains(FeedModel::CreatedAtRole));
    EXPECT_EQ(idAt(0), "ev-30");
    EXPECT_EQ(idAt(1), "ev-45");
    EXPECT_EQ(idAt(16), "ev-29");
    EXPECT_EQ(model->index(0).data(FeedModel::GroupCountRole).toInt(), 4);
    expectIndexAndOrder();

    // ev-40 (row 6 now) grows with an older created_at than ev-10's: it moves down, past it.
    source.publishUpdate(grown("ev-40", 3, shifted(source.events[source.indexOf("ev-10")], -500), 201));
    ASSERT_TRUE(QTest::qWaitFor([&] { return moved.size() == 2; }, 1000));
    EXPECT_EQ(moved[1][1].toInt(), 6);
    EXPECT_EQ(model->rowOf("ev-40"), model->rowOf("ev-10") + 1);
    expectIndexAndOrder();
    EXPECT_EQ(inserted->size(), 0);
    EXPECT_EQ(reset->size(), 0);
    EXPECT_EQ(model->newCount(), 0) << "a tile that grew is not new";
    EXPECT_EQ(model->rowCount(), 45);
}

TEST_F(FeedModelTest, FoldedSingleLeavesWithRowsRemoved)
{
    ASSERT_TRUE(startAndLoadAll());
    QSignalSpy removed(model.get(), &QAbstractItemModel::rowsRemoved);
    QSignalSpy moved(model.get(), &QAbstractItemModel::rowsMoved);
    model->toggleReaction(25, "hype"); // the viewer reacted to ev-20
    ASSERT_TRUE(QTest::qWaitFor([&] { return reactionCount(model->index(25), "hype") == 1; }, 1000));
    // ev-21 becomes the tile (newest at ev-20's time, which goes), then ev-20 is removed.
    source.publishUpdate(grown("ev-21", 3, source.events[source.indexOf("ev-20")].value("created_at").toString(), 300));
    source.fold("ev-20", "ev-21");
    ASSERT_TRUE(removed.wait(1000));
    ASSERT_EQ(removed.size(), 1);
    EXPECT_EQ(removed[0][1].toInt(), 25);
    EXPECT_EQ(removed[0][2].toInt(), 25);
    EXPECT_EQ(model->rowCount(), 44);
    EXPECT_EQ(model->rowOf("ev-20"), -1);
    const int tile = model->rowOf("ev-21");
    ASSERT_EQ(tile, 24);
    EXPECT_EQ(model->index(tile).data(FeedModel::GroupCountRole).toInt(), 3);
    EXPECT_EQ(model->index(tile).data(FeedModel::MyReactionsRole).toStringList(), QStringList{"hype"})
        << "the viewer's reaction moved with the single";
    EXPECT_EQ(moved.size(), 0);
    EXPECT_EQ(reset->size(), 0);
    expectIndexAndOrder();

    // A copy of the removed single arriving later (a replay) does not bring it back.
    inserted->clear();
    source.pushStreamEvent("activity.event.created",
                           QJsonDocument(badge(20, 980)).toJson(QJsonDocument::Compact));
    source.publish(badge(46, 0));
    ASSERT_TRUE(inserted->wait(1000));
    EXPECT_EQ(model->rowOf("ev-20"), -1);
    EXPECT_EQ(model->rowCount(), 45);
}

TEST_F(FeedModelTest, SingleRemovedBeforeItsPageIsNotAddedByThePage)
{
    source.delayMs = 80; // the pages arrive after the removal is applied (16 ms)
    model->setSource(&source);
    // ev-5 is on the third page, which the server read before the fold.
    source.pushStreamEvent("activity.event.removed", R"({"id":"ev-5","mergedInto":"ev-6"})");
    ASSERT_TRUE(QTest::qWaitFor([&] { return model->atEnd() && !model->isLoading(); }, 3000));
    EXPECT_EQ(model->rowCount(), 44);
    EXPECT_EQ(model->rowOf("ev-5"), -1);
    EXPECT_GE(model->rowOf("ev-6"), 0);
    expectIndexAndOrder();
    EXPECT_EQ(reset->size(), 0);
}

TEST_F(FeedModelTest, NewCountCountsOnlyNewRowsAtTheTop)
{
    ASSERT_TRUE(startAndLoadAll());
    inserted->clear();
    QSignalSpy moved(model.get(), &QAbstractItemModel::rowsMoved);
    // One burst: a tile that grew to the top, a new event, and a late row for an old window.
    QJsonObject late = badge(47, 0);
    late["created_at"] = shifted(source.events[source.indexOf("ev-10")], -300);
    source.publishUpdate(grown("ev-33", 5, CannedFeedSource::ts(0), 400));
    source.publish(badge(46, 1));
    source.publish(late);
    ASSERT_TRUE(QTest::qWaitFor([&] { return inserted->size() == 2; }, 1000));
    EXPECT_EQ(moved.size(), 1);
    EXPECT_EQ(model->rowCount(), 47);
    EXPECT_EQ(idAt(0), "ev-33");
    EXPECT_EQ(idAt(1), "ev-46");
    EXPECT_EQ(model->rowOf("ev-47"), model->rowOf("ev-10") + 1) << "a late row lands at its place";
    EXPECT_EQ(model->newCount(), 1) << "only ev-46 is new at the top";
    EXPECT_EQ(reset->size(), 0);
    expectIndexAndOrder();
}

TEST_F(FeedModelTest, ManyMovesAndRemovalsKeepTheIndexRight)
{
    ASSERT_TRUE(startAndLoadAll());
    // Every fourth single folds into its neighbour, which moves to the top: moves and
    // removals on both halves of the list, each checked against a scan.
    qint64 seq = 1000;
    for (int n = 4; n <= 44; n += 4) {
        source.publishUpdate(grown(QStringLiteral("ev-%1").arg(n + 1), 3, CannedFeedSource::ts(0), ++seq));
        source.fold(QStringLiteral("ev-%1").arg(n), QStringLiteral("ev-%1").arg(n + 1));
        ASSERT_TRUE(QTest::qWaitFor([&] { return model->rowOf(QStringLiteral("ev-%1").arg(n)) < 0; }, 1000));
        expectIndexAndOrder();
    }
    EXPECT_EQ(model->rowCount(), 34);
    EXPECT_EQ(idAt(0), "ev-45");
    EXPECT_EQ(reset->size(), 0);
}

TEST_F(FeedModelTest, CountUpdatesNameTheirRole)
{
    ASSERT_TRUE(startAndLoadAll());
    QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
    source.pushStreamEvent("activity.reaction.updated",
                           R"({"eventId":"ev-44","counts":{"hype":0,"respect":3,"tribute":0}})");
    ASSERT_EQ(changed.size(), 1);
    EXPECT_EQ(changed[0][0].toModelIndex().row(), 1);
    EXPECT_EQ(changed[0][1].toModelIndex().row(), 1);
    // The counts, and the card's spoken words that carry them.
    EXPECT_EQ(changed[0][2].value<QList<int>>(),
              (QList<int>{FeedModel::ReactionCountsRole, FeedModel::AccessibleNameRole}));
    EXPECT_EQ(reactionCount(model->index(1), "respect"), 3);

    source.pushStreamEvent("activity.comment.created",
                           R"({"id":"c1","eventId":"ev-45","body":"nice","commentCount":7})");
    ASSERT_EQ(changed.size(), 2);
    EXPECT_EQ(changed[1][0].toModelIndex().row(), 0);
    EXPECT_EQ(changed[1][2].value<QList<int>>(),
              (QList<int>{FeedModel::CommentCountRole, FeedModel::AccessibleNameRole}));
    EXPECT_EQ(model->index(0).data(FeedModel::CommentCountRole).toInt(), 7);

    changed.clear();
    model->refreshRelativeTimes();
    ASSERT_EQ(changed.size(), 1);
    EXPECT_EQ(changed[0][2].value<QList<int>>(), QList<int>{FeedModel::RelativeTimeRole});
}

TEST_F(FeedModelTest, ToggleReactionUpdatesMineAndCounts)
{
    ASSERT_TRUE(startAndLoadAll());
    model->toggleReaction(0, "hype");
    ASSERT_TRUE(QTest::qWaitFor([&] { return reactionCount(model->index(0), "hype") == 1; }, 1000));
    EXPECT_EQ(model->index(0).data(FeedModel::MyReactionsRole).toStringList(), QStringList{"hype"});
    model->toggleReaction(0, "hype");
    ASSERT_TRUE(QTest::qWaitFor([&] { return reactionCount(model->index(0), "hype") == 0; }, 1000));
    EXPECT_TRUE(model->index(0).data(FeedModel::MyReactionsRole).toStringList().isEmpty());
}

TEST_F(FeedModelTest, RateLimitIsASentence)
{
    ASSERT_TRUE(startAndLoadAll());
    source.reactionLimit = 0;
    model->toggleReaction(0, "tribute");
    ASSERT_TRUE(QTest::qWaitFor([&] { return !model->errorString().isEmpty(); }, 1000));
    EXPECT_EQ(model->errorString().toStdString(),
              "You have used all your reactions for this hour. Try again in 30 minutes.");
    EXPECT_EQ(reactionCount(model->index(0), "tribute"), 0);
}

TEST_F(FeedModelTest, ResyncReloadsTheNewestPage)
{
    ASSERT_TRUE(startAndLoadAll());
    source.events.prepend(badge(50, 0));
    source.pushStreamEvent("activity.resync", "{}");
    // The reload replaces the rows (a reset is right here), then pages on.
    ASSERT_TRUE(QTest::qWaitFor([&] { return reset->size() == 1; }, 1000));
    ASSERT_TRUE(QTest::qWaitFor([&] { return model->atEnd() && !model->isLoading(); }, 3000));
    EXPECT_EQ(idAt(0), "ev-50");
    EXPECT_EQ(model->rowCount(), 46);
}

TEST_F(FeedModelTest, AnswerForAReplacedSourceIsIgnored)
{
    CannedFeedSource other;
    other.events.append(badge(1000, 0));
    model->setSource(&source);
    model->setSource(&other); // the first page of `source` is still in flight
    ASSERT_TRUE(QTest::qWaitFor([&] { return model->rowCount() == 1; }, 1000));
    // Positive marker: a request to `source` made after the model's own; answers come
    // in order, so once ours is back, the model's stale answer has been delivered too.
    QObject probe;
    bool probed = false;
    source.loadEvents(QString(), 1, &probe, [&](const Reply<af::FeedPage> &) { probed = true; });
    ASSERT_TRUE(QTest::qWaitFor([&] { return probed; }, 1000));
    EXPECT_EQ(model->rowCount(), 1);
    EXPECT_EQ(idAt(0), "ev-1000");
    model->setSource(nullptr);
}

} // namespace
