// Tiles that grow and singles that fold, as SSE clients of the real `serve` see them over
// a socket:
// F9 live: a drain that grows a tile pushes `activity.event.updated` (its new seq as id),
//    one that folds pushes `activity.event.removed {id, mergedInto}`; the drain answers
//    updated/removed; a client that was away reconnects with a Last-Event-ID from before
//    the fold and gets the tile's current state and the removal, in seq order, and shows
//    one card — never the folded single and the tile side by side.
#include "faultkit.h"

using namespace fk;

namespace {

QJsonObject dataOf(const SseFrame &f)
{
    return QJsonDocument::fromJson(f.data).object();
}

std::vector<SseFrame> feedFrames(const SseReader &r)
{
    std::vector<SseFrame> out;
    for (const SseFrame &f : r.frames())
        if (f.event.startsWith("activity.event."))
            out.push_back(f);
    return out;
}

} // namespace

// ---------------------------------------------------------------------------------------
TEST(FoldStream, F9_UpdatedAndRemovedLiveAndOnReplayFromBeforeTheFold)
{
    const std::string db = freshDb("f9");
    Serve serve(db);
    ASSERT_TRUE(serve.start()) << serve.output().constData();
    const Tenant owner = addTenant(db, QStringLiteral("f9-owner"));
    const Tenant watcher = addTenant(db, QStringLiteral("f9-watcher"));
    SseReader live(serve.port(), watcher.token);
    SseReader away(serve.port(), owner.token, SseReader::Auth::Query);
    live.start();
    away.start();
    ASSERT_TRUE(waitFor([&] { return live.connected() && away.connected(); }, 10000));

    const auto emit = [&](int n) {
        const QByteArray body = "{\"tenantId\":" + QByteArray::number(owner.id) +
                                ",\"eventType\":\"badge_earned\",\"payload\":{\"badgeName\":\"Badge " +
                                QByteArray::number(n) + "\",\"xpAwarded\":25}}";
        ASSERT_EQ(http(serve.port(), "POST", "/api/activity/emit", kSecretHeader, body).status, 202);
    };
    const auto drain = [&] {
        const HttpResult r = http(serve.port(), "POST", "/api/activity/drain", kSecretHeader, {}, 30000);
        EXPECT_EQ(r.status, 200) << r.body.constData();
        return r.json();
    };

    // Two badges a drain apart: two singles, both clients see them created.
    emit(1);
    EXPECT_EQ(drain().value(QStringLiteral("inserted")).toInt(), 1);
    emit(2);
    const QJsonObject second = drain();
    EXPECT_EQ(second.value(QStringLiteral("inserted")).toInt(), 1);
    EXPECT_EQ(second.value(QStringLiteral("removed")).toInt(), 0);
    const long long twoSingles = q1ll(db, "SELECT max(seq) FROM activity_events");
    ASSERT_TRUE(live.waitForSeq(twoSingles, 10000));
    ASSERT_TRUE(away.waitForSeq(twoSingles, 10000));
    const std::string older = q1(db, "SELECT id::text FROM activity_events ORDER BY seq LIMIT 1");
    const std::string newer = q1(db, "SELECT id::text FROM activity_events ORDER BY seq DESC LIMIT 1");
    // The watcher reacts to and comments on the newer single; then the owner's client goes
    // away, holding the newer single's seq as its Last-Event-ID.
    ASSERT_EQ(http(serve.port(), "POST", "/api/activity/reactions", bearer(watcher.token),
                   QByteArray("{\"eventId\":\"") + newer.c_str() + "\",\"reactionType\":\"hype\"}").status, 200);
    ASSERT_EQ(http(serve.port(), "POST", "/api/activity/comments", bearer(watcher.token),
                   QByteArray("{\"eventId\":\"") + newer.c_str() + "\",\"body\":\"well earned\"}").status, 201);
    ASSERT_TRUE(away.waitForFrame([](const SseFrame &f) { return f.event == "activity.comment.created"; }, 10000));
    away.goAway();
    ASSERT_TRUE(waitFor([&] { return !away.connected(); }, 5000));
    const long long awayFrom = away.lastId();
    EXPECT_EQ(awayFrom, twoSingles);

    // The third badge of the window: the singles fold into one tile with the older id.
    emit(3);
    const QJsonObject fold = drain();
    EXPECT_EQ(fold.value(QStringLiteral("processed")).toInt(), 1);
    EXPECT_EQ(fold.value(QStringLiteral("inserted")).toInt(), 0);
    EXPECT_EQ(fold.value(QStringLiteral("updated")).toInt(), 1);
    EXPECT_EQ(fold.value(QStringLiteral("removed")).toInt(), 1);
    const ChainCheck k = checkChain(db);
    ASSERT_TRUE(live.waitForSeq(k.maxSeq, 10000));

    // Live: the tile's new state, then the removal naming where the single went.
    std::vector<SseFrame> frames = feedFrames(live);
    ASSERT_GE(frames.size(), 4u);
    const SseFrame &upd = frames[frames.size() - 2], &rem = frames.back();
    EXPECT_EQ(upd.event, "activity.event.updated");
    EXPECT_EQ(dataOf(upd).value(QStringLiteral("id")).toString().toStdString(), older);
    EXPECT_EQ(upd.id.toLongLong(), dataOf(upd).value(QStringLiteral("seq")).toInteger());
    EXPECT_EQ(dataOf(upd).value(QStringLiteral("payload_json")).toObject().value(QStringLiteral("count")).toInt(), 3);
    EXPECT_EQ(dataOf(upd).value(QStringLiteral("commentCount")).toInt(), 1) << "the comment moved with the fold";
    EXPECT_EQ(dataOf(upd).value(QStringLiteral("reactions")).toObject().value(QStringLiteral("hype")).toInt(), 1);
    EXPECT_EQ(rem.event, "activity.event.removed");
    EXPECT_EQ(dataOf(rem).value(QStringLiteral("id")).toString().toStdString(), newer);
    EXPECT_EQ(dataOf(rem).value(QStringLiteral("mergedInto")).toString().toStdString(), older);
    EXPECT_GT(rem.id.toLongLong(), upd.id.toLongLong());
    const ViewCheck lv = checkView(live, db);
    EXPECT_TRUE(lv.ok()) << lv.text();
    EXPECT_EQ(live.view().size(), 1u);

    // Reconnect from before the fold: the replay has the tile as it is now and the
    // removal, in seq order, and the client ends with one card.
    away.resume();
    ASSERT_TRUE(away.waitForSeq(k.maxSeq, 10000));
    std::vector<SseFrame> replay;
    for (const SseFrame &f : feedFrames(away))
        if (f.id.toLongLong() > awayFrom)
            replay.push_back(f);
    ASSERT_EQ(replay.size(), 2u);
    EXPECT_EQ(replay[0].event, "activity.event.created") << "a replay carries the current state";
    EXPECT_EQ(dataOf(replay[0]).value(QStringLiteral("id")).toString().toStdString(), older);
    EXPECT_EQ(dataOf(replay[0]).value(QStringLiteral("payload_json")).toObject().value(QStringLiteral("count")).toInt(), 3);
    EXPECT_EQ(replay[1].event, "activity.event.removed");
    EXPECT_EQ(dataOf(replay[1]).value(QStringLiteral("id")).toString().toStdString(), newer);
    EXPECT_LT(replay[0].id.toLongLong(), replay[1].id.toLongLong());
    const ViewCheck av = checkView(away, db);
    EXPECT_TRUE(av.ok()) << av.text();
    EXPECT_EQ(away.view().size(), 1u) << "one card: the tile, not the single beside it";
    EXPECT_GE(away.connects(), 2);

    // A Last-Event-ID from before both singles (a client that saw neither) gets the tile
    // once and the removal of a card it never had, which it ignores.
    {
        Conn c(serve.port(), 5000);
        ASSERT_TRUE(c.isOpen());
        c.send(buildRequest("GET", "/api/activity/stream",
                            bearer(watcher.token) + "Last-Event-ID: " + QByteArray::number(twoSingles - 2) + "\r\n"));
        const auto t0 = Clock::now();
        while (c.buffer().count("activity.event.removed") < 1 && msSince(t0) < 10000)
            if (!c.readSome(100))
                break;
        QByteArray body = c.buffer().mid(c.buffer().indexOf("\r\n\r\n") + 4);
        QStringList names;
        for (const SseFrame &f : parseSseFrames(body))
            if (f.event.startsWith("activity.event."))
                names << QString::fromLatin1(f.event);
        EXPECT_EQ(names, (QStringList{QStringLiteral("activity.event.created"), QStringLiteral("activity.event.removed")}));
    }
    live.stop();
    away.stop();

    record({QStringLiteral("F9"), QStringLiteral("Fault"),
            QStringLiteral("A fold seen live and by a client that reconnects from before it"),
            QStringLiteral("3 badges of one window drained one at a time through serve; a reaction and a comment on "
                           "the second single; one SSE client away during the fold"),
            QStringLiteral("drain answered updated 1, removed 1; live: updated (count 3, the comment and the hype "
                           "on the tile) then removed {id, mergedInto}; replay from seq %1: created (current state) "
                           "then removed, one card")
                .arg(awayFrom),
            lv.lost() + av.lost(), lv.notAscending + av.notAscending},
           3);
}
