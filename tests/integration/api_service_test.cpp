// FeedService against a real PostgreSQL: paging, reactions (403/404/429 exact under
// concurrency), comments (code points, paging) and the NOTIFY payloads of every write.
#include "core/errors.h"
#include "core/eventjson.h"
#include "feed/feedservice.h"
#include "db/connectionpool.h"
#include "core/errors.h"
#include "pgharness.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <thread>

namespace {

QJsonObject obj(const QByteArray &json)
{
    QJsonParseError err;
    const auto doc = QJsonDocument::fromJson(json, &err);
    EXPECT_EQ(err.error, QJsonParseError::NoError) << json.constData();
    return doc.object();
}

// The service answers in domain types; these read them in the API's wire shape, so the
// assertions below check what a client of the routes sees.
QJsonObject obj(const af::FeedPage &page)
{
    return obj(af::EventJson::page(page));
}
QJsonObject obj(const af::CommentPage &page)
{
    return obj(af::EventJson::page(page));
}
QJsonObject obj(const af::ReactionChange &change)
{
    return obj(af::EventJson::reactionAnswer(change));
}
QJsonObject obj(const af::PostedComment &posted)
{
    return obj(af::EventJson::commentAnswer(posted));
}
QJsonObject obj(const std::vector<af::SourceRow> &rows)
{
    return obj(af::EventJson::sources(rows));
}

class ApiService : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_cs = aftest::freshDatabase("svc");
        m_pool = std::make_unique<af::ConnectionPool>(m_cs, 8);
        m_service = std::make_unique<af::FeedService>(*m_pool, 10);
        pqxx::connection c(m_cs);
        pqxx::work tx(c);
        tx.exec0("INSERT INTO tenants (name) VALUES ('Acme'), ('Beta'), ('Gamma')");
        tx.commit();
    }

    std::string exec1(const std::string &sql) { return aftest::queryValue(m_cs, sql); }

    void run(const std::string &sql) { aftest::execute(m_cs, sql); }

    QString addEvent(int tenant, const std::string &at = "now()")
    {
        return QString::fromStdString(exec1(
            "INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon, "
            "payload_json, created_at) VALUES (" + std::to_string(tenant)
            + ", 'badge_earned', 'Badge earned', 'Badge x earned', 'B', '{\"badgeName\":\"x\"}', "
            + at + ") RETURNING id"));
    }

    std::string m_cs;
    std::unique_ptr<af::ConnectionPool> m_pool;
    std::unique_ptr<af::FeedService> m_service;
};

TEST_F(ApiService, PagesManyEventsSharingOneTimestampExactlyOnce)
{
    run("INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon, "
          "created_at) SELECT 1 + g % 3, 'badge_earned', 'Badge earned', 'd', 'B', "
          "'2026-02-23T10:00:00Z' FROM generate_series(1, 250) g RETURNING 1");
    QSet<qint64> seen;
    QString cursor;
    int pages = 0;
    qint64 lastSeq = LLONG_MAX;
    for (;;) {
        const auto page = obj(m_service->eventsPage(1, af::FeedQuery{cursor, 7, std::nullopt}));
        const auto events = page.value("events").toArray();
        ++pages;
        for (const auto &e : events) {
            const qint64 seq = e.toObject().value("seq").toInteger();
            EXPECT_LT(seq, lastSeq);
            lastSeq = seq;
            EXPECT_FALSE(seen.contains(seq));
            seen.insert(seq);
        }
        if (page.value("nextCursor").isNull()) {
            EXPECT_EQ(events.size(), 250 % 7);
            break;
        }
        EXPECT_EQ(events.size(), 7);
        cursor = page.value("nextCursor").toString();
        ASSERT_LT(pages, 100);
    }
    EXPECT_EQ(seen.size(), 250);
    EXPECT_EQ(pages, 36);

    // Exactly 7 * k events: the last full page already says there is nothing more.
    const auto all = obj(m_service->eventsPage(1, af::FeedQuery{{}, 50, 2}));
    EXPECT_EQ(all.value("events").toArray().size(), 50);
    for (const auto &e : all.value("events").toArray())
        EXPECT_EQ(e.toObject().value("tenant_id").toInt(), 2);

    // A plain ISO timestamp is an exclusive upper bound.
    const auto before = obj(m_service->eventsPage(1, af::FeedQuery{"2026-02-23T10:00:00.000000Z", 10, {}}));
    EXPECT_EQ(before.value("events").toArray().size(), 0);
    EXPECT_TRUE(before.value("nextCursor").isNull());
    const auto after = obj(m_service->eventsPage(1, af::FeedQuery{"2026-02-23T10:00:00.000001Z", 10, {}}));
    EXPECT_EQ(after.value("events").toArray().size(), 10);
    EXPECT_THROW(m_service->eventsPage(1, af::FeedQuery{"bogus", 10, {}}), af::BadInput);
    EXPECT_THROW(m_service->eventsPage(1, af::FeedQuery{"2026-13-45", 10, {}}), af::BadInput);
}

TEST_F(ApiService, NextCursorIsNullExactlyAtTheEnd)
{
    for (int i = 0; i < 4; ++i)
        addEvent(1, "now() - interval '" + std::to_string(i) + " minutes'");
    auto p = obj(m_service->eventsPage(2, af::FeedQuery{{}, 2, {}}));
    EXPECT_FALSE(p.value("nextCursor").isNull());
    p = obj(m_service->eventsPage(2, af::FeedQuery{p.value("nextCursor").toString(), 2, {}}));
    EXPECT_EQ(p.value("events").toArray().size(), 2);
    EXPECT_TRUE(p.value("nextCursor").isNull());
    const auto e = p.value("events").toArray().first().toObject();
    for (const char *k : {"id", "tenant_id", "tenantName", "event_type", "display_name",
                          "description", "icon", "payload_json", "created_at", "seq",
                          "reactions", "myReactions", "commentCount"})
        EXPECT_TRUE(e.contains(k)) << k;
    EXPECT_EQ(e.value("tenantName").toString(), "Acme");
    EXPECT_TRUE(e.value("created_at").toString().endsWith('Z'));
    EXPECT_EQ(e.value("created_at").toString().size(), 27);
}

TEST_F(ApiService, ReactionsRulesAndCounts)
{
    const QString ev = addEvent(1);
    EXPECT_THROW(m_service->react(2, ev, "like", true), af::BadInput);
    EXPECT_THROW(m_service->react(2, "nope", "hype", true), af::BadInput);
    EXPECT_THROW(m_service->react(2, "00000000-0000-0000-0000-000000000000", "hype", true),
                 af::NotFound);
    try {
        m_service->react(1, ev, "hype", true);
        FAIL() << "own event accepted";
    } catch (const af::Forbidden &) {
    }
    auto r = obj(m_service->react(2, ev, "hype", true));
    EXPECT_TRUE(r.value("ok").toBool());
    EXPECT_EQ(r.value("counts").toObject().value("hype").toInt(), 1);
    r = obj(m_service->react(2, ev, "hype", true)); // duplicate: no-op
    EXPECT_EQ(r.value("counts").toObject().value("hype").toInt(), 1);
    r = obj(m_service->react(3, ev, "tribute", true));
    EXPECT_EQ(r.value("counts").toObject(),
              QJsonObject({{"hype", 1}, {"respect", 0}, {"tribute", 1}}));
    const auto page = obj(m_service->eventsPage(2, af::FeedQuery{{}, 5, {}}));
    const auto e = page.value("events").toArray().first().toObject();
    EXPECT_EQ(e.value("myReactions").toArray(), QJsonArray({"hype"}));
    r = obj(m_service->react(2, ev, "hype", false));
    EXPECT_EQ(r.value("counts").toObject().value("hype").toInt(), 0);
    EXPECT_EQ(exec1("SELECT count(*) FROM reaction_attempts WHERE tenant_id = 2"), "2");
}

TEST_F(ApiService, RateLimitIsExactUnderConcurrency)
{
    std::vector<QString> events;
    for (int i = 0; i < 50; ++i)
        events.push_back(addEvent(1));
    std::atomic<int> ok{0}, limited{0}, other{0};
    std::atomic<int> minRetry{INT_MAX}, maxRetry{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i)
        threads.emplace_back([&, i] {
            try {
                m_service->react(2, events[i], "hype", true);
                ++ok;
            } catch (const af::RateLimited &e) {
                ++limited;
                minRetry = std::min(minRetry.load(), e.retryAfter());
                maxRetry = std::max(maxRetry.load(), e.retryAfter());
            } catch (...) {
                ++other;
            }
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 10);
    EXPECT_EQ(limited.load(), 40);
    EXPECT_EQ(other.load(), 0);
    EXPECT_GE(minRetry.load(), 3500);
    EXPECT_LE(maxRetry.load(), 3600);
    EXPECT_EQ(exec1("SELECT count(*) FROM activity_reactions"), "10");
    // Removing has no limit; another tenant has its own window.
    EXPECT_NO_THROW(m_service->react(2, events[0], "hype", false));
    EXPECT_NO_THROW(m_service->react(3, events[0], "hype", true));
    // The window slides: attempts older than an hour no longer count.
    run("UPDATE reaction_attempts SET attempted_at = attempted_at - interval '61 minutes' "
          "WHERE tenant_id = 2 RETURNING 1");
    EXPECT_NO_THROW(m_service->react(2, events[1], "respect", true));
}

TEST_F(ApiService, CommentsCountCodePointsAndPage)
{
    const QString ev = addEvent(1);
    QString emoji;
    for (int i = 0; i < 500; ++i)
        emoji += QString::fromUtf8("\xF0\x9F\x98\x80");
    auto c = obj(m_service->addComment(2, ev, emoji));
    EXPECT_EQ(c.value("comment").toObject().value("body").toString(), emoji);
    EXPECT_THROW(m_service->addComment(2, ev, emoji + QString::fromUtf8("\xF0\x9F\x98\x80")),
                 af::BadInput);
    c = obj(m_service->addComment(2, ev, QString::fromUtf8("  e\xCC\x81  ")));
    const auto comment = c.value("comment").toObject();
    EXPECT_EQ(comment.value("body").toString(), QString::fromUtf8("e\xCC\x81"));
    for (const char *k : {"id", "event_id", "tenant_id", "tenantName", "body", "created_at"})
        EXPECT_TRUE(comment.contains(k)) << k;
    EXPECT_EQ(comment.value("tenantName").toString(), "Beta");
    EXPECT_EQ(exec1("SELECT char_length(body) FROM activity_comments WHERE id = '"
                    + comment.value("id").toString().toStdString() + "'"),
              "2");
    EXPECT_THROW(m_service->addComment(2, ev, "   "), af::BadInput);
    EXPECT_THROW(m_service->addComment(2, ev, QString(QChar(0)) + "x"), af::BadInput);
    EXPECT_THROW(m_service->addComment(2, "00000000-0000-0000-0000-000000000000", "x"),
                 af::NotFound);
    for (int i = 0; i < 5; ++i)
        m_service->addComment(3, ev, QString("c%1").arg(i));
    QStringList bodies;
    QString cursor;
    for (int guard = 0; guard < 10; ++guard) {
        const auto page = obj(m_service->comments(ev, cursor, 3));
        for (const auto &x : page.value("comments").toArray())
            bodies << x.toObject().value("body").toString();
        if (page.value("nextCursor").isNull())
            break;
        cursor = page.value("nextCursor").toString();
    }
    EXPECT_EQ(bodies.size(), 7);
    EXPECT_EQ(bodies.mid(2), QStringList({"c0", "c1", "c2", "c3", "c4"}));
    EXPECT_THROW(m_service->comments("00000000-0000-0000-0000-000000000000", {}, 5),
                 af::NotFound);
    EXPECT_EQ(obj(m_service->eventsPage(1, af::FeedQuery{{}, 1, {}})).value("events").toArray().first()
                  .toObject().value("commentCount").toInt(),
              7);
}

TEST_F(ApiService, WritesNotifyOnCommit)
{
    const QString ev = addEvent(1);
    pqxx::connection listener(m_cs);
    struct Rx : pqxx::notification_receiver {
        using pqxx::notification_receiver::notification_receiver;
        std::vector<std::string> payloads;
        void operator()(const std::string &payload, int) override { payloads.push_back(payload); }
    } rx(listener, "activity_feed");
    m_service->react(2, ev, "hype", true);
    m_service->addComment(3, ev, "hello");
    for (int i = 0; i < 50 && rx.payloads.size() < 2; ++i)
        listener.await_notification(0, 100000);
    ASSERT_EQ(rx.payloads.size(), 2u);
    const auto r = obj(QByteArray::fromStdString(rx.payloads[0]));
    EXPECT_EQ(r.value("k").toString(), "push");
    EXPECT_EQ(r.value("event").toString(), "activity.reaction.updated");
    EXPECT_EQ(r.value("tenants").toArray(), QJsonArray({1, 2}));
    EXPECT_EQ(r.value("data").toObject().value("eventId").toString(), ev);
    EXPECT_EQ(r.value("data").toObject().value("counts").toObject().value("hype").toInt(), 1);
    const auto c = obj(QByteArray::fromStdString(rx.payloads[1]));
    EXPECT_EQ(c.value("event").toString(), "activity.comment.created");
    EXPECT_EQ(c.value("tenants").toArray(), QJsonArray({1, 3}));
    const auto data = c.value("data").toObject();
    EXPECT_EQ(data.value("eventId").toString(), ev);
    EXPECT_EQ(data.value("commentCount").toInt(), 1);
    EXPECT_EQ(data.value("body").toString(), "hello");
    EXPECT_EQ(data.value("tenantName").toString(), "Gamma");
}

TEST_F(ApiService, SourcesOldestFirst)
{
    const QString ev = addEvent(1);
    run("INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at, processed, event_id) "
        "SELECT 1, 'badge_earned', jsonb_build_object('n', g), now() - g * interval '1 second', true, '"
        + ev.toStdString() + "' FROM generate_series(1, 3) g RETURNING 1");
    const auto s = obj(m_service->eventSources(ev)).value("sources").toArray();
    ASSERT_EQ(s.size(), 3);
    EXPECT_EQ(s[0].toObject().value("payload_json").toObject().value("n").toInt(), 3);
    EXPECT_EQ(s[2].toObject().value("payload_json").toObject().value("n").toInt(), 1);
    EXPECT_THROW(m_service->eventSources("00000000-0000-0000-0000-000000000000"), af::NotFound);
    EXPECT_THROW(m_service->eventSources("x"), af::BadInput);
}

} // namespace
