// Kept feed pages stay exact: two server instances on one real PostgreSQL, real sockets,
// each with its own kept pages. A write answered 200 by one instance (a reaction added or
// removed, a comment, a drain that publishes or folds singles into a tile) is in the very
// next read on the other, a revoked token is refused by both at once, and a page kept for
// one viewer never answers another (myReactions is the viewer's own) — one step at a time,
// and with all of it at once while readers keep both instances' pages hot.
#include "db/connectionpool.h"
#include "core/metrics.h"
#include "feed/feedcheckpipe.h"
#include "feed/feedservice.h"
#include "feed/tenants.h"
#include "http/httpserver.h"
#include "pgharness.h"
#include "testapiserver.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace {

using aftest::HttpReply;
using aftest::TestApiServer;

constexpr int kAcme = 0, kBeta = 1, kGamma = 2;

/// What the two instances and the checks share.
class FeedCache : public ::testing::Test
{
protected:
    void start(int reactionLimit)
    {
        m_a = std::make_unique<TestApiServer>("feedcache", QStringList{"Acme", "Beta", "Gamma"}, 6,
                                              reactionLimit);
        m_b = std::make_unique<TestApiServer>(*m_a, 6);
        ASSERT_TRUE(m_a->listen());
        ASSERT_TRUE(m_b->listen());
    }

    /// The events of a feed page read on @p on as @p who (its token); empty on a non-200,
    /// with the status in @p status.
    static QJsonArray page(const TestApiServer &on, int who, const QByteArray &query, int *status = nullptr)
    {
        const HttpReply r = on.request("GET", "/api/activity/events?limit=20" + query, who);
        if (status)
            *status = r.status;
        return r.status == 200 ? r.json().value(QStringLiteral("events")).toArray() : QJsonArray();
    }

    static QJsonObject eventIn(const QJsonArray &events, const QString &id)
    {
        for (const QJsonValue &v : events)
            if (v.toObject().value(QStringLiteral("id")).toString() == id)
                return v.toObject();
        return {};
    }

    static QStringList ids(const QJsonArray &events)
    {
        QStringList out;
        for (const QJsonValue &v : events)
            out.append(v.toObject().value(QStringLiteral("id")).toString());
        return out;
    }

    static int hype(const QJsonObject &event)
    {
        return event.value(QStringLiteral("reactions")).toObject().value(QStringLiteral("hype")).toInt(-1);
    }

    static QStringList mine(const QJsonObject &event)
    {
        QStringList out;
        for (const QJsonValue &v : event.value(QStringLiteral("myReactions")).toArray())
            out.append(v.toString());
        return out;
    }

    /// Queues one event of @p type for tenant @p who through @p on (the drain secret).
    void emit(const TestApiServer &on, int who, const char *type, int n)
    {
        const QByteArray body = "{\"tenantId\":" + QByteArray::number(m_a->tenant[who]) + ",\"eventType\":\""
            + type + "\",\"payload\":{\"badgeName\":\"B" + QByteArray::number(n)
            + "\",\"xpAwarded\":5,\"rank\":\"R\",\"previousRank\":\"P\",\"totalXp\":9,\"streakDays\":7}}";
        ASSERT_EQ(on.request("POST", "/api/activity/emit", -1, body, "application/json",
                             "x-drain-secret: s3cret\r\n").status, 202);
    }

    /// Drains through @p on; its answer's JSON.
    QJsonObject drain(const TestApiServer &on)
    {
        const HttpReply r = on.request("POST", "/api/activity/drain", -1, {}, {}, "x-drain-secret: s3cret\r\n");
        EXPECT_EQ(r.status, 200) << r.body.constData();
        return r.json();
    }

    HttpReply react(const TestApiServer &on, int who, const QString &eventId, bool add)
    {
        return on.request(add ? "POST" : "DELETE", "/api/activity/reactions", who,
                          "{\"eventId\":\"" + eventId.toUtf8() + "\",\"reactionType\":\"hype\"}");
    }

    HttpReply comment(const TestApiServer &on, int who, const QString &eventId, int n)
    {
        return on.request("POST", "/api/activity/comments", who,
                          "{\"eventId\":\"" + eventId.toUtf8() + "\",\"body\":\"c" + QByteArray::number(n) + "\"}");
    }

    /// The first page's event ids as the database has them now, newest first.
    QStringList firstPageInDatabase()
    {
        pqxx::connection c(m_a->cs);
        pqxx::nontransaction tx(c);
        QStringList out;
        for (const auto &row : tx.exec("SELECT id::text FROM activity_events "
                                       "ORDER BY created_at DESC, seq DESC LIMIT 20"))
            out.append(QString::fromStdString(row[0].as<std::string>()));
        return out;
    }

    std::unique_ptr<TestApiServer> m_a, m_b;
};

TEST_F(FeedCache, EveryWriteOnOneInstanceIsInTheNextReadOnTheOther)
{
    start(10);
    const TestApiServer &a = *m_a, &b = *m_b;
    // Kept pages are answered on the network threads (the token check pipelined there);
    // the counter shows that the reads below went that way and were still exact.
    const quint64 fastBefore = af::Metrics::instance().networkThreadAnswers();
    // Pages kept on both instances before anything is written.
    for (const TestApiServer *on : {&a, &b})
        for (int who : {kAcme, kBeta, kGamma}) {
            int status = 0;
            EXPECT_TRUE(page(*on, who, {}, &status).isEmpty());
            EXPECT_EQ(status, 200);
        }

    // A drain on A publishes; B's next read has the event.
    emit(a, kAcme, "badge_earned", 1);
    EXPECT_EQ(drain(a).value(QStringLiteral("inserted")).toInt(), 1);
    const QJsonArray published = page(b, kBeta, {});
    ASSERT_EQ(published.size(), 1);
    const QString single1 = published[0].toObject().value(QStringLiteral("id")).toString();
    EXPECT_EQ(hype(eventIn(page(b, kGamma, {}), single1)), 0); // kept for Gamma on B too

    // Beta's reaction on A: B's next read has the count for everyone and the mark for
    // Beta only, though a page without it was kept for both.
    ASSERT_EQ(react(a, kBeta, single1, true).status, 200);
    QJsonObject asBeta = eventIn(page(b, kBeta, {}), single1);
    EXPECT_EQ(hype(asBeta), 1);
    EXPECT_EQ(mine(asBeta), QStringList{"hype"});
    for (const TestApiServer *on : {&b, &a}) {
        const QJsonObject asGamma = eventIn(page(*on, kGamma, {}), single1);
        EXPECT_EQ(hype(asGamma), 1);
        EXPECT_TRUE(mine(asGamma).isEmpty()) << "Beta's mark in Gamma's page";
    }
    // Read again (now answered from the kept page): the same.
    EXPECT_EQ(mine(eventIn(page(b, kBeta, {}), single1)), QStringList{"hype"});

    // Removed on B: gone from A's next read.
    ASSERT_EQ(react(b, kBeta, single1, false).status, 200);
    asBeta = eventIn(page(a, kBeta, {}), single1);
    EXPECT_EQ(hype(asBeta), 0);
    EXPECT_TRUE(mine(asBeta).isEmpty());

    // Gamma's comment and reaction on B: in A's next read.
    ASSERT_EQ(comment(b, kGamma, single1, 1).status, 201);
    EXPECT_EQ(eventIn(page(a, kAcme, {}), single1).value(QStringLiteral("commentCount")).toInt(), 1);
    ASSERT_EQ(react(b, kGamma, single1, true).status, 200);
    EXPECT_EQ(hype(eventIn(page(a, kAcme, {}), single1)), 1);

    // Two more badges, each drained on B: the third folds both singles into a tile,
    // which A's next read shows with the reaction and the comment moved onto it.
    emit(a, kAcme, "badge_earned", 2);
    drain(b);
    ASSERT_EQ(page(a, kGamma, {}).size(), 2);
    emit(a, kAcme, "badge_earned", 3);
    EXPECT_GE(drain(b).value(QStringLiteral("removed")).toInt(), 1);
    const QJsonArray folded = page(a, kGamma, {});
    ASSERT_EQ(folded.size(), 1) << QJsonDocument(folded).toJson().constData();
    const QJsonObject tile = folded[0].toObject();
    EXPECT_EQ(hype(tile), 1);
    EXPECT_EQ(mine(tile), QStringList{"hype"});
    EXPECT_EQ(tile.value(QStringLiteral("commentCount")).toInt(), 1);
    EXPECT_TRUE(mine(eventIn(page(a, kBeta, {}), tile.value(QStringLiteral("id")).toString())).isEmpty());
    EXPECT_EQ(ids(page(b, kAcme, {})), ids(folded));

    // Beta's token revoked through A's database connection: refused by both at once,
    // though both answered it from a kept page a moment before.
    EXPECT_EQ(page(a, kBeta, {}).size(), 1);
    EXPECT_EQ(page(b, kBeta, {}).size(), 1);
    {
        auto lease = m_a->pool->acquire();
        const auto tokens = af::Tenants::tokens(*lease, m_a->tenant[kBeta]);
        ASSERT_EQ(tokens.size(), 1u);
        ASSERT_TRUE(af::Tenants::revokeToken(*lease, tokens[0].id));
    }
    for (const TestApiServer *on : {&b, &a}) {
        int status = 0;
        page(*on, kBeta, {}, &status);
        EXPECT_EQ(status, 401);
    }
    int status = 0;
    EXPECT_EQ(page(b, kGamma, {}, &status).size(), 1); // others still read
    EXPECT_EQ(status, 200);
    EXPECT_GT(af::Metrics::instance().networkThreadAnswers(), fastBefore)
        << "the kept pages were not answered on the network threads";
}

TEST_F(FeedCache, ReadsSurviveTheNetworkThreadCheckLosingItsConnection)
{
    start(10);
    const TestApiServer &a = *m_a;
    emit(a, kAcme, "badge_earned", 1);
    drain(a);
    // Warm: a page kept, and the pipelined check connected (it connects in the background).
    const auto fastNow = [] { return af::Metrics::instance().networkThreadAnswers(); };
    quint64 before = fastNow();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (fastNow() == before && std::chrono::steady_clock::now() < deadline)
        ASSERT_EQ(page(a, kBeta, {}).size(), 1);
    ASSERT_GT(fastNow(), before) << "no read was answered on a network thread within 20 s";

    // Its sessions killed from outside: every read is still answered, and exactly.
    {
        pqxx::connection c(m_a->cs);
        pqxx::nontransaction tx(c);
        const auto killed = tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                    "application_name = '" + std::string(af::FeedCheckPipe::kApplicationName)
                                    + "' AND datname = current_database()");
        ASSERT_GE(killed.size(), 1u);
    }
    const QJsonArray events = page(a, kBeta, {});
    ASSERT_EQ(events.size(), 1);
    const QString id = events[0].toObject().value(QStringLiteral("id")).toString();
    for (int i = 0; i < 50; ++i) {
        int status = 0;
        EXPECT_EQ(page(a, kBeta, {}, &status).size(), 1);
        EXPECT_EQ(status, 200);
    }
    ASSERT_EQ(react(a, kGamma, id, true).status, 200);
    EXPECT_EQ(hype(eventIn(page(a, kBeta, {}), id)), 1);
    // And the network threads take reads again once they have reconnected.
    before = fastNow();
    const auto again = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (fastNow() == before && std::chrono::steady_clock::now() < again)
        ASSERT_EQ(hype(eventIn(page(a, kBeta, {}), id)), 1);
    EXPECT_GT(fastNow(), before) << "the network threads did not reconnect within 20 s";
}

TEST_F(FeedCache, ConcurrentReactionsCommentsFoldsAndRevocationsAgainstReadsOnTwoInstances)
{
    start(0); // no reaction limit: the reactors toggle many times
    const TestApiServer &a = *m_a, &b = *m_b;
    // Acme's two targets of different types (singles that no fold touches); the drainer
    // thread publishes Gamma's badges, which fold and grow tiles as it goes.
    emit(a, kAcme, "xp_rank_up", 0);
    emit(a, kAcme, "streak_milestone", 0);
    drain(a);
    const QByteArray acmeOnly = "&tenantId=" + QByteArray::number(m_a->tenant[kAcme]);
    const QStringList targets = ids(page(a, kAcme, acmeOnly));
    ASSERT_EQ(targets.size(), 2);

    std::mutex failMutex;
    QStringList failures;
    auto fail = [&](const QString &what) {
        std::lock_guard<std::mutex> lock(failMutex);
        failures.append(what);
    };
    std::atomic<int> writersLeft{4};
    std::atomic<int> reads{0};

    // A reactor toggles its own hype on the targets through one instance and reads its
    // mark through the other right after each 200.
    auto reactor = [&](int who, const TestApiServer &writeOn, const TestApiServer &readOn) {
        for (int i = 0; i < 24; ++i) {
            const QString &target = targets[i % 2];
            const bool add = (i / 2) % 2 == 0;
            const HttpReply r = react(writeOn, who, target, add);
            if (r.status != 200) {
                fail(QStringLiteral("reaction answered %1").arg(r.status));
                continue;
            }
            const QJsonObject seen = eventIn(page(readOn, who, acmeOnly), target);
            if (mine(seen).contains(QStringLiteral("hype")) != add)
                fail(QStringLiteral("tenant %1, step %2: %3 not in the next read on the other instance")
                         .arg(who).arg(i).arg(add ? "an added reaction" : "a removal"));
        }
        --writersLeft;
    };
    // Each comment is in the other instance's next read: the thread's exact count.
    auto commenter = [&] {
        for (int i = 0; i < 16; ++i) {
            const HttpReply r = comment(i % 2 ? a : b, kAcme, targets[0], i);
            if (r.status != 201) {
                fail(QStringLiteral("comment answered %1").arg(r.status));
                continue;
            }
            const int count = i + 1; // the only thread that comments
            const int seen = eventIn(page(i % 2 ? b : a, kGamma, acmeOnly), targets[0])
                                 .value(QStringLiteral("commentCount")).toInt();
            if (seen != count)
                fail(QStringLiteral("comment %1: the next read counts %2 of %3").arg(i).arg(seen).arg(count));
        }
        --writersLeft;
    };
    // Drains alternate between the instances; only this thread changes which events
    // exist, so after each 200 the other instance's first page is the database's.
    auto drainer = [&] {
        for (int i = 0; i < 9; ++i) {
            emit(a, kGamma, "badge_earned", 100 + i);
            drain(i % 2 ? b : a);
            const QStringList want = firstPageInDatabase();
            const QStringList got = ids(page(i % 2 ? a : b, kAcme, {}));
            if (got != want)
                fail(QStringLiteral("drain %1: the other instance's first page is not the database's").arg(i));
        }
        --writersLeft;
    };
    // A token read through both instances' kept pages, revoked, then refused by both.
    auto revoker = [&] {
        for (int i = 0; i < 8; ++i) {
            QByteArray bearer;
            {
                auto lease = m_a->pool->acquire();
                bearer = af::Tenants::issueToken(*lease, m_a->tenant[kBeta], QStringLiteral("r")).token.toUtf8();
            }
            const QByteArray header = "Authorization: Bearer " + bearer + "\r\n";
            auto status = [&](const TestApiServer &on) {
                return on.request("GET", "/api/activity/events?limit=20", -1, {}, {}, header).status;
            };
            if (status(a) != 200 || status(b) != 200)
                fail(QStringLiteral("a fresh token was refused"));
            {
                auto lease = m_b->pool->acquire();
                int id = 0;
                for (const auto &t : af::Tenants::tokens(*lease, m_a->tenant[kBeta]))
                    if (!t.revokedAt.isValid())
                        id = std::max(id, t.id);
                af::Tenants::revokeToken(*lease, id);
            }
            const int onB = status(b), onA = status(a);
            if (onB != 401 || onA != 401)
                fail(QStringLiteral("revocation %1: B answered %2, A answered %3").arg(i).arg(onB).arg(onA));
        }
    };
    // Readers keep every viewer's pages hot on both instances while all of that happens.
    auto reader = [&](const TestApiServer &on) {
        for (int i = 0; writersLeft > 0; ++i) {
            int status = 0;
            page(on, i % 3, i % 2 ? acmeOnly : QByteArray(), &status);
            if (status != 200)
                fail(QStringLiteral("a read answered %1").arg(status));
            ++reads;
        }
    };

    {
        std::vector<std::thread> threads;
        threads.emplace_back(reactor, kBeta, std::cref(a), std::cref(b));
        threads.emplace_back(reactor, kGamma, std::cref(b), std::cref(a));
        threads.emplace_back(commenter);
        threads.emplace_back(drainer);
        threads.emplace_back(revoker);
        threads.emplace_back(reader, std::cref(a));
        threads.emplace_back(reader, std::cref(b));
        for (auto &t : threads)
            t.join();
    }
    EXPECT_TRUE(failures.isEmpty()) << failures.size() << " failures, first: "
                                    << failures.value(0).toStdString();
    EXPECT_GT(reads.load(), 20); // the readers ran alongside
    // At rest, every viewer's page on each instance is what the database holds now.
    const QStringList want = firstPageInDatabase();
    for (const TestApiServer *on : {&a, &b})
        for (int who : {kAcme, kBeta, kGamma})
            EXPECT_EQ(ids(page(*on, who, {})), want);
}

// Reads of one token at once (whose token checks may share statements) each still see every
// write answered before they began: readers of one viewer hammer both instances while a writer
// toggles a reaction on the other; a read that began after a toggle's 200 and ended before
// the next toggle began must show exactly that toggle's state.
TEST_F(FeedCache, ConcurrentReadsOfOneTokenSeeEveryReactionAnsweredBeforeThem)
{
    start(0);
    const TestApiServer &a = *m_a, &b = *m_b;
    emit(a, kAcme, "xp_rank_up", 0);
    drain(a);
    const QByteArray acmeOnly = "&tenantId=" + QByteArray::number(m_a->tenant[kAcme]);
    const QStringList target = ids(page(a, kAcme, acmeOnly));
    ASSERT_EQ(target.size(), 1);

    // Even: settled, with (epoch / 2) toggles answered; odd: a toggle is on its way.
    std::atomic<int> epoch{0};
    std::atomic<bool> done{false};
    std::atomic<int> settledReads{0};
    std::mutex failMutex;
    QStringList failures;
    auto reader = [&](const TestApiServer &on) {
        while (!done) {
            const int e0 = epoch.load();
            int status = 0;
            const QJsonArray events = page(on, kBeta, acmeOnly, &status);
            const int e1 = epoch.load();
            if (status != 200) {
                std::lock_guard<std::mutex> lock(failMutex);
                failures.append(QStringLiteral("a read answered %1").arg(status));
                continue;
            }
            if (e0 != e1 || e0 % 2 != 0)
                continue; // a toggle ran alongside: either state is right
            const int want = (e0 / 2) % 2;
            const int seen = hype(eventIn(events, target[0]));
            if (seen != want) {
                std::lock_guard<std::mutex> lock(failMutex);
                failures.append(QStringLiteral("after toggle %1 a read showed %2 hype, not %3")
                                    .arg(e0 / 2).arg(seen).arg(want));
            }
            ++settledReads;
        }
    };
    std::vector<std::thread> readers;
    for (int i = 0; i < 8; ++i)
        readers.emplace_back(reader, i % 2 ? std::cref(a) : std::cref(b));
    const quint64 sharedBefore = af::Metrics::instance().feedChecksShared();
    for (int i = 0; i < 16; ++i) {
        // Readers get their turn at each state, with a deadline, not a fixed pause.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (settledReads < 16 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        EXPECT_GE(settledReads.load(), 16) << "the readers made no settled reads within 10 s";
        ++epoch;
        const HttpReply r = react(i % 2 ? a : b, kGamma, target[0], i % 2 == 0);
        settledReads = 0;
        ++epoch;
        ASSERT_EQ(r.status, 200) << r.body.constData();
    }
    done = true;
    for (auto &t : readers)
        t.join();
    EXPECT_TRUE(failures.isEmpty()) << failures.size() << " failures, first: "
                                    << failures.value(0).toStdString();
    // Whether checks shared here is up to timing (the deterministic count is the next test).
    std::printf("feed checks shared during the reads: %llu\n",
                static_cast<unsigned long long>(af::Metrics::instance().feedChecksShared() - sharedBefore));
}

// The pipe itself, one step at a time on this thread: checks of one token that wait
// together share one statement, sent after the last of them arrived, so a revocation that
// commits while they wait is seen by all of them; a check of another token does not wait
// behind them.
TEST(FeedCheckPipeSharing, ChecksOfOneTokenWaitingTogetherShareAStatementSentAfterTheLastOfThem)
{
    using af::FeedCheckPipe;
    using Outcome = FeedCheckPipe::Outcome;
    TestApiServer a("feedshare", QStringList{"Acme", "Beta"}, 2);
    FeedCheckPipe pipe(a.cs);
    const QByteArray caller = "test:one-caller";
    const QByteArray acme = af::Tenants::sha256(QString::fromUtf8(a.token[kAcme]));
    const QByteArray beta = af::Tenants::sha256(QString::fromUtf8(a.token[kBeta]));
    const auto waitFor = [](const std::function<bool()> &cond) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!cond() && std::chrono::steady_clock::now() < deadline)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        return cond();
    };
    // Refused until its connection (made in the background) is up.
    std::optional<Outcome> warm;
    bool queued = false;
    ASSERT_TRUE(waitFor([&] {
        if (!queued)
            queued = pipe.check(caller, acme, [&](const Outcome &o) { warm = o; });
        return warm.has_value();
    })) << "the pipe did not connect within 20 s";
    ASSERT_EQ(warm->kind, Outcome::Kind::Active);
    EXPECT_EQ(warm->tenantId, a.tenant[kAcme]);

    const quint64 statements0 = af::Metrics::instance().feedCheckStatements();
    const quint64 shared0 = af::Metrics::instance().feedChecksShared();
    constexpr int kChecks = 10;
    constexpr int kOut = FeedCheckPipe::kMaxInFlightPerToken;
    std::vector<std::optional<Outcome>> got(kChecks);
    // Which statement answered each check: the count of statements answered by then.
    const auto statementNow = [] { return af::Metrics::instance().feedCheckStatements(); };
    std::vector<quint64> by(kChecks, 0);
    int answers = 0;
    const auto checkAcme = [&](int i) {
        return pipe.check(caller, acme, [&, i](const Outcome &o) {
            got[size_t(i)] = o;
            by[size_t(i)] = statementNow();
            ++answers;
        });
    };
    // The first kOut go out; the next waits. No event is handled until every check is in,
    // so nothing more goes out before the revocation below commits.
    for (int i = 0; i <= kOut; ++i)
        ASSERT_TRUE(checkAcme(i));
    {
        auto lease = a.pool->acquire();
        int id = 0;
        for (const auto &t : af::Tenants::tokens(*lease, a.tenant[kAcme]))
            if (!t.revokedAt.isValid())
                id = t.id;
        ASSERT_TRUE(af::Tenants::revokeToken(*lease, id));
    }
    for (int i = kOut + 1; i < kChecks; ++i)
        ASSERT_TRUE(checkAcme(i));
    std::optional<Outcome> betaGot;
    quint64 betaBy = 0;
    ASSERT_TRUE(pipe.check(caller, beta, [&](const Outcome &o) {
        betaGot = o;
        betaBy = statementNow();
        ++answers;
    }));
    ASSERT_TRUE(waitFor([&] { return answers == kChecks + 1; })) << answers << " of " << kChecks + 1 << " answered";

    for (int i = kOut; i < kChecks; ++i) {
        EXPECT_EQ(got[size_t(i)]->kind, Outcome::Kind::NotActive) << "check " << i << " missed the revocation";
        EXPECT_EQ(by[size_t(i)], by[size_t(kOut)]) << "check " << i << " did not share the waiting statement";
    }
    EXPECT_EQ(betaGot->kind, Outcome::Kind::Active);
    EXPECT_EQ(betaGot->tenantId, a.tenant[kBeta]);
    EXPECT_LT(betaBy, by[size_t(kOut)]) << "another token's check waited behind the gathered ones";
    // kOut statements, the one they gathered in, and Beta's.
    EXPECT_EQ(af::Metrics::instance().feedCheckStatements() - statements0, quint64(kOut + 2));
    EXPECT_EQ(af::Metrics::instance().feedChecksShared() - shared0, quint64(kChecks - kOut - 1));
}

// The worker's answer to a feed read names the tenant its token belongs to (the route makes
// that tenant the caller whose turn the token's later requests take in the worker queue,
// as every other route does), read or kept, and a token that is not active gets nothing.
TEST(FeedCacheCaller, AWorkerPageNamesTheTenantOfItsToken)
{
    TestApiServer a("feedcaller", QStringList{"Acme", "Beta"}, 2);
    for (int round = 0; round < 2; ++round) { // read, then kept
        for (const int who : {kAcme, kBeta}) {
            const auto page = a.feed->eventsPageJsonForToken(QString::fromUtf8(a.token[who]),
                                                             af::FeedQuery(QString(), 20));
            ASSERT_TRUE(page) << "round " << round << ", tenant " << who;
            EXPECT_EQ(page->viewerTenantId, a.tenant[who]) << "round " << round;
            EXPECT_TRUE(QJsonDocument::fromJson(page->json).object().contains(QStringLiteral("events")));
        }
    }
    EXPECT_FALSE(a.feed->eventsPageJsonForToken(QStringLiteral("aft_not_a_token"), af::FeedQuery(QString(), 20)));
}

} // namespace
