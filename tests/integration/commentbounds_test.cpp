// Bounded work on comments and reactions through the real backend (BackendRuntime) and a
// real PostgreSQL: posting comments is rate limited, a comments cursor never pages past a
// comment that commits later, and a DELETE of a reaction that is not there pushes nothing.
#include "core/catalogue.h"
#include "feed/notifylistener.h"
#include "feed/tenants.h"
#include "http/httpserver.h"
#include "pgharness.h"
#include "runtime/backendruntime.h"
#include "testhttpclient.h"
#include "testprocess.h"
#include "testruntime.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QThread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <future>

using namespace af;

namespace {

using Client = aftest::TestHttpClient;

using aftest::waitFor;

class CommentBounds : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_b = std::make_unique<aftest::TestRuntime>("comments", QStringList{"Acme", "Beta"});
        ASSERT_TRUE(m_b->ready());
        pqxx::connection c(m_b->cs);
        pqxx::work tx(c);
        m_event = QByteArray::fromStdString(
            tx.exec1("INSERT INTO activity_events (tenant_id, event_type, display_name, description, "
                     "icon) VALUES (" + std::to_string(m_b->tenants.ids[0]) + ", 'badge_earned', 'Badge earned', "
                     "'d', 'B') RETURNING id::text")[0].as<std::string>());
        tx.commit();
    }

    aftest::HttpReply call(const QByteArray &method, const QByteArray &target, int who,
                           const QByteArray &body = {})
    {
        return aftest::roundTrip(m_b->port, aftest::requestBytes(method, target, m_b->tenants.tokens[who], body));
    }
    aftest::HttpReply comment(int who, const QByteArray &text)
    {
        return call("POST", "/api/activity/comments", who,
                    "{\"eventId\":\"" + m_event + "\",\"body\":\"" + text + "\"}");
    }
    int lockWaiters()
    {
        pqxx::connection c(m_b->cs);
        pqxx::nontransaction tx(c);
        return tx.exec1("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'")[0].as<int>();
    }

    std::unique_ptr<aftest::TestRuntime> m_b;
    QByteArray m_event;
};

} // namespace

TEST_F(CommentBounds, PostingCommentsIsRateLimitedPerTenant)
{
    for (int i = 0; i < Catalogue::limits().commentsPerMinute; ++i)
        ASSERT_EQ(comment(1, "c" + QByteArray::number(i)).status, 201) << i;
    const auto refused = comment(1, "one too many");
    EXPECT_EQ(refused.status, 429);
    EXPECT_GE(refused.headers.value("retry-after").toInt(), 1);
    EXPECT_FALSE(refused.error().isEmpty());
    EXPECT_EQ(comment(0, "another tenant still may").status, 201);
    pqxx::connection c(m_b->cs);
    pqxx::read_transaction tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM activity_comments WHERE body = 'one too many'")[0].as<int>(), 0);
    // The push's commentCount comes from the kept count, which matches the thread.
    EXPECT_EQ(tx.exec1("SELECT n FROM activity_comment_counts WHERE event_id = '" + m_event.toStdString()
                       + "'")[0].as<int>(), Catalogue::limits().commentsPerMinute + 1);
}

TEST_F(CommentBounds, ACursorNeverPagesPastACommentThatCommitsLater)
{
    ASSERT_EQ(comment(1, "t0").status, 201);
    // Holding Acme's tenant row makes Acme's next comment wait inside its transaction
    // (the foreign key check), after its transaction has started.
    pqxx::connection blocker(m_b->cs);
    auto hold = std::make_unique<pqxx::work>(blocker);
    hold->exec("SELECT 1 FROM tenants WHERE id = " + std::to_string(m_b->tenants.ids[0]) + " FOR UPDATE");
    auto late = std::async(std::launch::async, [&] { return comment(0, "t1").status; });
    ASSERT_TRUE(waitFor([&] { return lockWaiters() >= 1; }));
    auto second = std::async(std::launch::async, [&] { return comment(1, "t2").status; });
    const bool secondCommittedFirst = waitFor(
        [&] { return second.wait_for(std::chrono::seconds(0)) == std::future_status::ready
                     || lockWaiters() >= 2; }, 5000)
        && second.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    if (secondCommittedFirst) {
        ASSERT_EQ(comment(1, "t3").status, 201);
    }

    // A reader pages one comment at a time meanwhile, and keeps its cursor.
    QSet<QString> seen;
    QString cursor;
    auto page = [&](const QString &from) {
        const auto r = call("GET", "/api/activity/comments?limit=1&eventId=" + m_event
                                       + (from.isEmpty() ? QByteArray() : "&cursor=" + from.toUtf8()), 1);
        for (const auto &c : r.json().value("comments").toArray())
            seen.insert(c.toObject().value("body").toString());
        return r.json().value("nextCursor").toString();
    };
    for (QString next = page({}); !next.isEmpty(); next = page(next))
        cursor = next;

    hold->commit();
    hold.reset();
    EXPECT_EQ(late.get(), 201);
    EXPECT_EQ(second.get(), 201);
    if (!secondCommittedFirst) {
        ASSERT_EQ(comment(1, "t3").status, 201);
    }
    // Carry on from the cursor (or from the start when the reader had reached the end).
    for (QString next = page(cursor); !next.isEmpty(); next = page(next)) {
    }
    EXPECT_EQ(seen, (QSet<QString>{"t0", "t1", "t2", "t3"}))
        << "t2 committed before t1: " << secondCommittedFirst;
}

TEST_F(CommentBounds, DeletingAReactionThatIsNotThereChangesAndPushesNothing)
{
    Client stream(m_b->port);
    stream.send("GET /api/activity/stream HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + m_b->tenants.tokens[0]
                + "\r\n\r\n");
    ASSERT_TRUE(stream.readUntil([](const QByteArray &b) { return b.contains("retry: 3000\n\n"); }));
    ASSERT_TRUE(waitFor([&] { return m_b->runtime->server().sseClientCount() == 1; }));
    const QByteArray body = "{\"eventId\":\"" + m_event + "\",\"reactionType\":\"hype\"}";
    for (int i = 0; i < 20; ++i) {
        const auto r = call("DELETE", "/api/activity/reactions", 1, body);
        ASSERT_EQ(r.status, 200);
        EXPECT_EQ(r.json().value("counts").toObject().value("hype").toInt(), 0);
    }
    ASSERT_EQ(call("POST", "/api/activity/reactions", 1, body).status, 200); // the marker
    ASSERT_TRUE(stream.readUntil([](const QByteArray &b) { return b.contains("\"hype\":1"); }));
    EXPECT_EQ(stream.buffer().count("event: activity.reaction.updated"), 1)
        << stream.buffer().toStdString();
}
