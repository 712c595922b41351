#include "commentsmodel.h"
#include "modelfixture.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <gtest/gtest.h>

#include <memory>

namespace {

class CommentsModelTest : public ModelFixture<CommentsModel>
{
protected:
    void SetUp() override
    {
        source.events.append(CannedFeedSource::event("ev-1", 2, "Northwind", "xp_rank_up",
                                                     "Rank up", "⬆️", "Reached Adept", {}, 60, 1));
        for (int i = 0; i < 7; ++i)
            source.comments["ev-1"].append(source.makeComment(
                "ev-1", 2, "Northwind", QStringLiteral("comment %1").arg(i), 600 - i));
        makeModel(3);
        model->setSource(&source);
        model->setEventId("ev-1");
    }
    QString bodyAt(int row) const { return model->index(row).data(CommentsModel::BodyRole).toString(); }
    void loadAll()
    {
        ASSERT_TRUE(waitIdle());
        while (model->canFetchMore({})) {
            model->fetchMore({});
            ASSERT_TRUE(waitIdle());
        }
    }

};

TEST_F(CommentsModelTest, PagesOldestFirstInOrder)
{
    loadAll();
    ASSERT_EQ(model->rowCount(), 7);
    ASSERT_EQ(inserted->size(), 3) << "pages of 3 appended in turn";
    EXPECT_EQ((*inserted)[1][1].toInt(), 3);
    EXPECT_EQ((*inserted)[2][2].toInt(), 6);
    for (int i = 0; i < 7; ++i)
        EXPECT_EQ(bodyAt(i), QStringLiteral("comment %1").arg(i));
    EXPECT_EQ(model->index(0).data(CommentsModel::TenantNameRole).toString(), "Northwind");
}

TEST_F(CommentsModelTest, LiveCommentAppendsOnceAtTheEnd)
{
    loadAll();
    QSignalSpy inserted(model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(model.get(), &QAbstractItemModel::modelReset);
    QJsonObject live = source.makeComment("ev-1", 3, "Globex", "live one");
    live["eventId"] = "ev-1";
    Q_EMIT source.commentCreated(CannedFeedSource::posted(live));
    Q_EMIT source.commentCreated(CannedFeedSource::posted(live)); // delivered twice: shown once
    QJsonObject other = live;
    other["eventId"] = "ev-2";
    other["id"] = "x";
    Q_EMIT source.commentCreated(CannedFeedSource::posted(other)); // another event's thread
    ASSERT_EQ(inserted.size(), 1);
    EXPECT_EQ(inserted[0][1].toInt(), 7);
    EXPECT_EQ(inserted[0][2].toInt(), 7);
    EXPECT_EQ(reset.size(), 0);
    EXPECT_EQ(bodyAt(7), "live one");
}

TEST_F(CommentsModelTest, PostAppendsTheSavedCommentOnce)
{
    loadAll();
    QSignalSpy posted(model.get(), &CommentsModel::posted);
    model->post("  hello 👋  ");
    ASSERT_TRUE(posted.wait(1000));
    // The stream's copy of the same comment arrives too. Positive marker: a live comment
    // sent after that copy; once it is in, the copy has been handled.
    QTimer::singleShot(0, &source, [this] {
        QJsonObject marker = source.makeComment("ev-1", 3, "Globex", "marker");
        marker["eventId"] = "ev-1";
        Q_EMIT source.commentCreated(CannedFeedSource::posted(marker));
    });
    ASSERT_TRUE(QTest::qWaitFor([&] { return model->rowCount() > 8 && bodyAt(model->rowCount() - 1) == "marker"; }, 1000));
    ASSERT_EQ(model->rowCount(), 9) << "the stream's copy of the posted comment was added again";
    EXPECT_EQ(bodyAt(7), "hello 👋");
    EXPECT_TRUE(model->index(7).data(CommentsModel::IsMineRole).toBool());
}

TEST_F(CommentsModelTest, FollowsItsSingleIntoTheTile)
{
    loadAll();
    source.events.append(CannedFeedSource::event("tile", 2, "Northwind", "xp_rank_up", "Rank up",
                                                 "⬆️", "3 rank-ups", {}, 30, 9));
    source.comments["tile"].append(source.makeComment("tile", 3, "Globex", "on the tile", 700));
    QSignalSpy followed(model.get(), &CommentsModel::followed);
    QSignalSpy idChanged(model.get(), &CommentsModel::eventIdChanged);
    // Another event's fold does nothing here.
    source.pushStreamEvent("activity.event.removed", R"({"id":"ev-9","mergedInto":"tile"})");
    source.fold("ev-1", "tile");
    ASSERT_EQ(followed.size(), 1);
    EXPECT_EQ(followed[0][0].toString(), "ev-1");
    EXPECT_EQ(followed[0][1].toString(), "tile");
    EXPECT_EQ(idChanged.size(), 1);
    EXPECT_EQ(model->eventId(), "tile");
    loadAll();
    ASSERT_EQ(model->rowCount(), 8) << "the tile's own comment and the 7 that moved with the single";
    QStringList bodies;
    for (int i = 0; i < model->rowCount(); ++i)
        bodies.append(bodyAt(i));
    EXPECT_TRUE(bodies.contains("on the tile"));
    EXPECT_TRUE(bodies.contains("comment 6"));
    // A live comment on the tile now lands in this thread.
    QJsonObject live = source.makeComment("tile", 3, "Globex", "after the fold");
    live["eventId"] = "tile";
    Q_EMIT source.commentCreated(CannedFeedSource::posted(live));
    EXPECT_EQ(model->rowCount(), 9);
}

TEST_F(CommentsModelTest, LengthIsCountedInCodePoints)
{
    EXPECT_EQ(CommentsModel::codePointCount(QStringLiteral("  👋👋  ")), 2);
    QString emoji;
    for (int i = 0; i < 500; ++i)
        emoji += QStringLiteral("😀"); // 1 000 UTF-16 units, 500 code points
    EXPECT_EQ(CommentsModel::codePointCount(emoji), 500);
    loadAll();
    QSignalSpy posted(model.get(), &CommentsModel::posted);
    model->post(emoji);
    EXPECT_TRUE(model->isPosting());
    ASSERT_TRUE(posted.wait(1000));
    model->post(emoji + "x");
    EXPECT_FALSE(model->isPosting());
    EXPECT_EQ(model->errorString(), "A comment can have at most 500 characters.");
}

} // namespace
