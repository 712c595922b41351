// FeedPageCache on its own: a page is answered only at the version it was read at, a slow
// reader cannot put back an older page, and the bound holds however many keys arrive.
#include "feed/feedpagecache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

using af::FeedPageCache;

TEST(FeedPageCache, AnswersOnlyAtTheVersionThePageWasReadAt)
{
    FeedPageCache cache;
    EXPECT_FALSE(cache.find("1\nfirst", 7));
    cache.store("1\nfirst", 7, "page@7");
    EXPECT_EQ(cache.find("1\nfirst", 7).value_or(""), QByteArray("page@7"));
    EXPECT_FALSE(cache.find("1\nfirst", 8)) << "a later version must read the page again";
    EXPECT_FALSE(cache.find("2\nfirst", 7)) << "another viewer's key";
}

TEST(FeedPageCache, AnOlderReadNeverReplacesANewerPage)
{
    FeedPageCache cache;
    cache.store("k", 9, "page@9");
    cache.store("k", 8, "page@8"); // a reader that started before the write finishes last
    EXPECT_FALSE(cache.find("k", 8));
    EXPECT_EQ(cache.find("k", 9).value_or(""), QByteArray("page@9"));
    cache.store("k", 10, "page@10");
    EXPECT_EQ(cache.find("k", 10).value_or(""), QByteArray("page@10"));
}

TEST(FeedPageCache, HoldsAtMostItsBoundUnderConcurrentStores)
{
    FeedPageCache cache(64);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < 5000; ++i) {
                const std::string key = std::to_string(t) + "\n" + std::to_string(i);
                cache.store(key, i / 100, QByteArray::number(i));
                const auto kept = cache.find(key, i / 100);
                EXPECT_EQ(kept.value_or(QByteArray::number(i)), QByteArray::number(i));
            }
        });
    for (auto &t : threads)
        t.join();
    EXPECT_LE(cache.size(), 64u);
    EXPECT_GT(cache.size(), 0u);
}
