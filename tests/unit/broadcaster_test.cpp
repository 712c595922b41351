// Tests of the SSE broadcaster: frame format, delivery by
// tenant, one serialisation per broadcast, thread safety.
#include "feed/broadcaster.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>
#include <vector>

namespace {

using af::Broadcaster;
using af::FeedClient;

/// Keeps every frame it gets (as the shared QByteArray, never detached).
class RecordingClient : public FeedClient
{
public:
    void push(const QByteArray &frame) override
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_frames.push_back(frame);
    }
    [[nodiscard]] std::vector<QByteArray> frames() const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_frames;
    }
    [[nodiscard]] size_t count() const { return frames().size(); }

private:
    mutable std::mutex m_mutex;
    std::vector<QByteArray> m_frames;
};

// ---------------------------------------------------------------------------------------
// Frame format

struct FrameCase {
    const char *name;
    const char *event;
    QByteArray data;
    qint64 id;
    QByteArray expected;
};

void PrintTo(const FrameCase &c, std::ostream *os)
{
    *os << c.name;
}

class BroadcasterFrame : public ::testing::TestWithParam<FrameCase>
{
};

TEST_P(BroadcasterFrame, Format)
{
    const FrameCase &c = GetParam();
    EXPECT_EQ(Broadcaster::frame(QString::fromUtf8(c.event), c.data, c.id).toStdString(),
              c.expected.toStdString());
}

INSTANTIATE_TEST_SUITE_P(
    Table, BroadcasterFrame,
    ::testing::Values(
        FrameCase{"with_id", "activity.event.created", R"({"id":"x","tenant_id":3})", 1043,
                  "event: activity.event.created\nid: 1043\ndata: {\"id\":\"x\",\"tenant_id\":3}\n\n"},
        FrameCase{"without_id", "activity.reaction.updated", R"({"eventId":"5f0c","counts":{}})", -1,
                  "event: activity.reaction.updated\ndata: {\"eventId\":\"5f0c\",\"counts\":{}}\n\n"},
        FrameCase{"id_zero_is_sent", "activity.comment.created", "{}", 0,
                  "event: activity.comment.created\nid: 0\ndata: {}\n\n"},
        FrameCase{"any_negative_id_is_omitted", "e", "{}", -42, "event: e\ndata: {}\n\n"},
        FrameCase{"large_id", "e", "{}", 9007199254740993LL, "event: e\nid: 9007199254740993\ndata: {}\n\n"},
        FrameCase{"empty_data", "e", "", -1, "event: e\ndata: \n\n"},
        FrameCase{"utf8_passes_through", "e", "{\"b\":\"\xF0\x9F\x8F\x85\"}", 7,
                  "event: e\nid: 7\ndata: {\"b\":\"\xF0\x9F\x8F\x85\"}\n\n"}),
    [](const ::testing::TestParamInfo<FrameCase> &i) { return std::string(i.param.name); });

// ---------------------------------------------------------------------------------------
// Delivery

// Two clients of tenant 1 (a1, a2) and one of tenant 2 (c1).
class ThreeClients : public ::testing::Test
{
protected:
    ThreeClients()
    {
        b.registerFeedClient(1, a1);
        b.registerFeedClient(1, a2);
        b.registerFeedClient(2, c1);
    }

    Broadcaster b;
    std::shared_ptr<RecordingClient> a1 = std::make_shared<RecordingClient>();
    std::shared_ptr<RecordingClient> a2 = std::make_shared<RecordingClient>();
    std::shared_ptr<RecordingClient> c1 = std::make_shared<RecordingClient>();
};

TEST_F(ThreeClients, DeliversToTheTenantsClientsOnly)
{
    EXPECT_EQ(b.clientCount(), 3);

    EXPECT_EQ(b.broadcastFeedUpdate(1, QStringLiteral("activity.event.created"), "{\"n\":1}", 5), 2);
    EXPECT_EQ(b.broadcastFeedUpdate(2, QStringLiteral("activity.comment.created"), "{\"n\":2}"), 1);
    EXPECT_EQ(b.broadcastFeedUpdate(3, QStringLiteral("activity.event.created"), "{\"n\":3}"), 0);
    EXPECT_EQ(b.broadcastFeedUpdate(0, QStringLiteral("activity.event.created"), "{\"n\":4}"), 0)
        << "tenant 0 is not 'everyone'";
    EXPECT_EQ(b.broadcastFeedUpdate(-1, QStringLiteral("activity.event.created"), "{\"n\":5}"), 0);

    const QByteArray f1 = "event: activity.event.created\nid: 5\ndata: {\"n\":1}\n\n";
    const QByteArray f2 = "event: activity.comment.created\ndata: {\"n\":2}\n\n";
    EXPECT_EQ(a1->frames(), std::vector<QByteArray>{f1});
    EXPECT_EQ(a2->frames(), std::vector<QByteArray>{f1});
    EXPECT_EQ(c1->frames(), std::vector<QByteArray>{f2});
}

TEST(Broadcaster, BroadcastAllReachesEveryTenant)
{
    Broadcaster b;
    std::vector<std::shared_ptr<RecordingClient>> clients;
    for (int t : {1, 1, 2, 7, 7, 7, 0}) {
        clients.push_back(std::make_shared<RecordingClient>());
        b.registerFeedClient(t, clients.back());
    }
    EXPECT_EQ(b.broadcastAll(QStringLiteral("activity.event.created"), "{}", 9), 7);
    for (const auto &c : clients)
        EXPECT_EQ(c->frames(),
                  std::vector<QByteArray>{"event: activity.event.created\nid: 9\ndata: {}\n\n"});

    Broadcaster empty;
    EXPECT_EQ(empty.broadcastAll(QStringLiteral("e"), "{}"), 0);
    EXPECT_EQ(empty.clientCount(), 0);
}

TEST_F(ThreeClients, Unregister)
{
    b.unregisterFeedClient(1, a1.get());
    EXPECT_EQ(b.clientCount(), 2);
    EXPECT_EQ(b.broadcastFeedUpdate(1, QStringLiteral("e"), "{}"), 1);
    EXPECT_EQ(a1->count(), 0u);
    EXPECT_EQ(a2->count(), 1u);

    // Clients are keyed by tenant: the wrong tenant removes nothing.
    b.unregisterFeedClient(2, a2.get());
    b.unregisterFeedClient(1, c1.get());
    EXPECT_EQ(b.clientCount(), 2);
    // Unknown tenant, unknown client, repeated unregister, nullptr: all no-ops.
    b.unregisterFeedClient(99, a2.get());
    b.unregisterFeedClient(1, a1.get());
    b.unregisterFeedClient(1, nullptr);
    EXPECT_EQ(b.clientCount(), 2);

    b.unregisterFeedClient(1, a2.get());
    b.unregisterFeedClient(2, c1.get());
    EXPECT_EQ(b.clientCount(), 0);
    EXPECT_EQ(b.broadcastAll(QStringLiteral("e"), "{}"), 0);
    EXPECT_EQ(a2->count(), 1u);
    EXPECT_EQ(c1->count(), 0u);

    // A tenant can come back after its last client left.
    b.registerFeedClient(1, a1);
    EXPECT_EQ(b.broadcastFeedUpdate(1, QStringLiteral("e"), "{}"), 1);
    EXPECT_EQ(a1->count(), 1u);
}

TEST(Broadcaster, RegisteringTwiceDeliversOnce)
{
    Broadcaster b;
    auto c = std::make_shared<RecordingClient>();
    b.registerFeedClient(7, c);
    b.registerFeedClient(7, c);
    EXPECT_EQ(b.clientCount(), 1);
    EXPECT_EQ(b.broadcastFeedUpdate(7, QStringLiteral("x"), "{}"), 1);
    EXPECT_EQ(c->count(), 1u);
    b.unregisterFeedClient(7, c.get());
    EXPECT_EQ(b.clientCount(), 0);
}

TEST(Broadcaster, UnregisteredClientIsReleased)
{
    Broadcaster b;
    auto c = std::make_shared<RecordingClient>();
    const std::weak_ptr<RecordingClient> weak = c;
    b.registerFeedClient(4, c);
    b.unregisterFeedClient(4, c.get());
    c.reset();
    EXPECT_TRUE(weak.expired()) << "the broadcaster must not keep a reference after unregister";
}

TEST(Broadcaster, FrameIsSerialisedOnceAndShared)
{
    Broadcaster b;
    std::vector<std::shared_ptr<RecordingClient>> clients;
    for (int t : {1, 1, 1, 2, 3}) {
        clients.push_back(std::make_shared<RecordingClient>());
        b.registerFeedClient(t, clients.back());
    }
    const QByteArray data = "{\"payload\":\"" + QByteArray(4096, 'x') + "\"}";
    ASSERT_EQ(b.broadcastFeedUpdate(1, QStringLiteral("activity.event.created"), data, 1), 3);
    ASSERT_EQ(b.broadcastAll(QStringLiteral("activity.event.created"), data, 2), 5);

    const char *targeted = clients[0]->frames().at(0).constData();
    const char *all = clients[0]->frames().at(1).constData();
    EXPECT_NE(targeted, all) << "two broadcasts, two frames";
    EXPECT_NE(targeted, data.constData()) << "the frame is not the data buffer";
    for (size_t i = 0; i < 3; ++i) {
        const auto frames = clients[i]->frames();
        ASSERT_EQ(frames.size(), 2u);
        EXPECT_EQ(frames[0].constData(), targeted) << "client " << i;
        EXPECT_EQ(frames[1].constData(), all) << "client " << i;
    }
    for (size_t i = 3; i < 5; ++i) {
        const auto frames = clients[i]->frames();
        ASSERT_EQ(frames.size(), 1u);
        EXPECT_EQ(frames[0].constData(), all) << "client " << i;
    }
    EXPECT_TRUE(clients[0]->frames().at(1).endsWith(data + "\n\n"));
}

// ---------------------------------------------------------------------------------------
// Re-entrancy: push runs outside the registry lock, so a client may call back into the
// broadcaster (e.g. a socket that notices it is closed and unregisters itself).

class ReentrantClient : public FeedClient
{
public:
    ReentrantClient(Broadcaster &b, int tenant) : m_b(b), m_tenant(tenant) {}
    void push(const QByteArray &) override
    {
        ++m_pushes;
        (void)m_b.clientCount();
        m_b.unregisterFeedClient(m_tenant, this);
        m_b.registerFeedClient(m_tenant + 100, std::make_shared<RecordingClient>());
    }
    std::atomic<int> m_pushes{0};

private:
    Broadcaster &m_b;
    int m_tenant;
};

template<typename F>
void withDeadline(const char *what, F f)
{
    auto fut = std::async(std::launch::async, f);
    if (fut.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        std::fprintf(stderr, "DEADLOCK: %s did not return within 10 s\n", what);
        std::fflush(stderr);
        std::_Exit(3);
    }
    fut.get();
}

TEST(Broadcaster, ClientMayCallBackIntoTheBroadcasterFromPush)
{
    Broadcaster b;
    auto r = std::make_shared<ReentrantClient>(b, 1);
    const std::weak_ptr<ReentrantClient> weak = r;
    auto other = std::make_shared<RecordingClient>();
    b.registerFeedClient(1, r);
    b.registerFeedClient(1, other);
    r.reset(); // the broadcaster holds the only reference now

    withDeadline("broadcastFeedUpdate with a re-entrant client",
                 [&] { EXPECT_EQ(b.broadcastFeedUpdate(1, QStringLiteral("e"), "{}"), 2); });
    EXPECT_TRUE(weak.expired()) << "released once unregistered and the broadcast returned";
    EXPECT_EQ(other->count(), 1u);
    EXPECT_EQ(b.clientCount(), 2); // `other` plus the client registered from push

    auto r2 = std::make_shared<ReentrantClient>(b, 2);
    b.registerFeedClient(2, r2);
    withDeadline("broadcastAll with a re-entrant client",
                 [&] { EXPECT_EQ(b.broadcastAll(QStringLiteral("e"), "{}"), 3); });
    EXPECT_EQ(r2->m_pushes.load(), 1);
    EXPECT_EQ(b.broadcastFeedUpdate(2, QStringLiteral("e"), "{}"), 0);
}

// ---------------------------------------------------------------------------------------
// Concurrency

/// Counts frames by kind and flags any frame meant for another tenant.
class CountingClient : public FeedClient
{
public:
    CountingClient(int tenant, std::atomic<long> &globalPushes)
        : m_expectedTargeted("event: t" + QByteArray::number(tenant) + "\n"),
          m_global(globalPushes)
    {
    }
    void push(const QByteArray &frame) override
    {
        m_global.fetch_add(1, std::memory_order_relaxed);
        if (frame.startsWith("event: all\n"))
            m_all.fetch_add(1, std::memory_order_relaxed);
        else if (frame.startsWith(m_expectedTargeted))
            m_targeted.fetch_add(1, std::memory_order_relaxed);
        else
            m_wrong.fetch_add(1, std::memory_order_relaxed);
        if (!frame.endsWith("\n\n"))
            m_wrong.fetch_add(1, std::memory_order_relaxed);
    }
    std::atomic<long> m_targeted{0};
    std::atomic<long> m_all{0};
    std::atomic<long> m_wrong{0};

private:
    const QByteArray m_expectedTargeted;
    std::atomic<long> &m_global;
};

TEST(Broadcaster, ConcurrentRegisterUnregisterBroadcast)
{
    constexpr int kTenants = 4;
    constexpr int kStablePerTenant = 3;
    constexpr int kBroadcasters = 3;
    constexpr int kChurners = 3;
    const auto duration = std::chrono::milliseconds(1500);

    Broadcaster b;
    std::atomic<long> globalPushes{0};
    std::vector<std::shared_ptr<CountingClient>> stable;
    for (int t = 1; t <= kTenants; ++t)
        for (int i = 0; i < kStablePerTenant; ++i) {
            stable.push_back(std::make_shared<CountingClient>(t, globalPushes));
            b.registerFeedClient(t, stable.back());
        }
    const int stableCount = kTenants * kStablePerTenant;

    std::atomic<bool> stop{false};
    std::atomic<bool> go{false};
    // Per broadcaster thread: targeted broadcasts per tenant, broadcastAll count, and the
    // sum of the reach each call reported.
    struct Sent {
        long targeted[kTenants + 1] = {};
        long all = 0;
        long reached = 0;
    };
    std::vector<Sent> sent(kBroadcasters);
    std::vector<long> churned(kChurners, 0);
    std::atomic<long> countViolations{0};
    std::vector<std::thread> threads;

    for (int w = 0; w < kBroadcasters; ++w)
        threads.emplace_back([&, w] {
            std::mt19937 rng(unsigned(1000 + w));
            std::uniform_int_distribution<int> pick(0, kTenants + 1); // + tenants with no clients
            while (!go.load())
                std::this_thread::yield();
            Sent &s = sent[size_t(w)];
            long seq = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                const int t = pick(rng);
                const QByteArray data = "{\"seq\":" + QByteArray::number(seq++) + "}";
                if (t == 0) {
                    s.reached += b.broadcastAll(QStringLiteral("all"), data, seq);
                    ++s.all;
                } else {
                    const int tenant = t <= kTenants ? t : 50 + w; // never registered
                    s.reached += b.broadcastFeedUpdate(tenant, QStringLiteral("t%1").arg(tenant), data);
                    if (t <= kTenants)
                        ++s.targeted[t];
                }
            }
        });

    for (int w = 0; w < kChurners; ++w)
        threads.emplace_back([&, w] {
            std::mt19937 rng(unsigned(2000 + w));
            std::uniform_int_distribution<int> tenantDist(1, kTenants + 2);
            std::vector<std::pair<int, std::shared_ptr<CountingClient>>> mine;
            while (!go.load())
                std::this_thread::yield();
            while (!stop.load(std::memory_order_relaxed)) {
                if (mine.size() < 8 && (mine.empty() || rng() % 2)) {
                    const int t = tenantDist(rng);
                    mine.emplace_back(t, std::make_shared<CountingClient>(t, globalPushes));
                    b.registerFeedClient(t, mine.back().second);
                } else {
                    const size_t k = rng() % mine.size();
                    b.unregisterFeedClient(mine[k].first, mine[k].second.get());
                    // Ephemeral clients may miss frames, but never get someone else's.
                    if (mine[k].second->m_wrong.load() != 0)
                        countViolations.fetch_add(1);
                    mine.erase(mine.begin() + long(k));
                }
                ++churned[size_t(w)];
            }
            for (const auto &[t, c] : mine) {
                b.unregisterFeedClient(t, c.get());
                if (c->m_wrong.load() != 0)
                    countViolations.fetch_add(1);
            }
        });

    threads.emplace_back([&] {
        while (!go.load())
            std::this_thread::yield();
        while (!stop.load(std::memory_order_relaxed)) {
            const int n = b.clientCount();
            if (n < stableCount || n > stableCount + kChurners * 8)
                countViolations.fetch_add(1);
        }
    });

    go.store(true);
    std::this_thread::sleep_for(duration); // how long the churn runs; the checks run throughout
    stop.store(true);
    for (auto &t : threads)
        t.join();

    long targeted[kTenants + 1] = {};
    long all = 0, reached = 0;
    for (const Sent &s : sent) {
        for (int t = 1; t <= kTenants; ++t)
            targeted[t] += s.targeted[t];
        all += s.all;
        reached += s.reached;
    }
    long churnOps = 0;
    for (long c : churned)
        churnOps += c;
    // The run must have done real work on every side.
    EXPECT_GT(all, 10);
    EXPECT_GT(churnOps, 100);
    for (int t = 1; t <= kTenants; ++t)
        EXPECT_GT(targeted[t], 10) << "tenant " << t;

    EXPECT_EQ(countViolations.load(), 0);
    EXPECT_EQ(b.clientCount(), stableCount);
    for (size_t i = 0; i < stable.size(); ++i) {
        const int tenant = 1 + int(i) / kStablePerTenant;
        SCOPED_TRACE(testing::Message() << "stable client " << i << " of tenant " << tenant);
        EXPECT_EQ(stable[i]->m_targeted.load(), targeted[tenant]);
        EXPECT_EQ(stable[i]->m_all.load(), all);
        EXPECT_EQ(stable[i]->m_wrong.load(), 0);
    }
    // What broadcasts reported as reached is exactly what clients received.
    EXPECT_EQ(reached, globalPushes.load());
}

} // namespace
