// RowIndex, the FeedModel's order-statistics sequence, against a plain std::vector doing the
// same seeded inserts, removals and moves: every position holds the same item, and every
// item's handle (kept across moves) gives its current position. The runs cross the chunk
// size many times over, so splits, merges and dropped chunks are all exercised.
#include "rowindex.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <unordered_map>
#include <vector>

namespace {

struct Mirror {
    RowIndex<int> index;
    std::vector<int> plain;
    std::unordered_map<int, RowIndex<int>::Handle> handles;
    int nextId = 0;

    void insert(int pos)
    {
        const int id = nextId++;
        handles[id] = index.insert(pos, id);
        plain.insert(plain.begin() + pos, id);
    }
    void remove(int pos)
    {
        handles.erase(plain[size_t(pos)]);
        index.removeAt(pos);
        plain.erase(plain.begin() + pos);
    }
    void move(int from, int to)
    {
        index.move(from, to);
        const int id = plain[size_t(from)];
        plain.erase(plain.begin() + from);
        plain.insert(plain.begin() + to, id);
    }
    void check() const
    {
        ASSERT_EQ(index.size(), int(plain.size()));
        for (int i = 0; i < int(plain.size()); ++i) {
            ASSERT_EQ(index.at(i), plain[size_t(i)]) << "position " << i;
            ASSERT_EQ(index.positionOf(handles.at(plain[size_t(i)])), i) << "item " << plain[size_t(i)];
        }
    }
};

TEST(RowIndex, MatchesAFlatListThroughInsertsRemovalsAndMoves)
{
    for (const unsigned seed : {1u, 2u, 3u, 4u}) {
        std::mt19937 rng(seed);
        Mirror m;
        // Grow past many chunks, with the kinds of edits the feed makes: pages appended,
        // live rows at the top, late rows and moves anywhere, folds removing rows.
        for (int step = 0; step < 20000; ++step) {
            const int n = int(m.plain.size());
            const int kind = int(rng() % 10);
            auto anyPos = [&](int size) { return size == 0 ? 0 : int(rng() % unsigned(size)); };
            if (n == 0 || kind < 2)
                m.insert(n);                      // a page appended
            else if (kind < 4)
                m.insert(0);                      // a live row at the top
            else if (kind < 5)
                m.insert(anyPos(n + 1));          // a late row at its place
            else if (kind < 7)
                m.move(anyPos(n), rng() % 2 ? 0 : anyPos(n)); // a tile that grew
            else
                m.remove(anyPos(n));              // a folded single
            if (step % 997 == 0)
                m.check();
        }
        m.check();
        // Drain it from the middle down to nothing: chunks thin out, merge and go.
        while (!m.plain.empty()) {
            m.remove(int(m.plain.size()) / 2);
            if (m.plain.size() % 211 == 0)
                m.check();
        }
        m.check();
        EXPECT_TRUE(m.index.isEmpty());
        m.insert(0); // usable again after it emptied
        m.check();
    }
}

TEST(RowIndex, ClearForgetsEverything)
{
    Mirror m;
    for (int i = 0; i < 3000; ++i)
        m.insert(i % 7 == 0 ? 0 : int(m.plain.size()));
    m.check();
    m.index.clear();
    m.plain.clear();
    m.handles.clear();
    m.check();
    m.insert(0);
    m.insert(1);
    m.move(1, 0);
    m.check();
}

} // namespace
