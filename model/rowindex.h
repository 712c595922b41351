#pragma once

#include <memory>
#include <tuple>
#include <utility>
#include <vector>

/// @brief A sequence that knows where each of its items is: the item at a position and the
/// position of an item both cost O(log n) plus a copy of at most one chunk, where a flat list
/// renumbers every item after an insert, a removal or a move (a tile that grows 30 000 rows
/// down moves to the top of 100 000).
///
/// Items sit in chunks of at most kMaxChunk, in order; a Fenwick tree over the chunks' sizes
/// turns a position into (chunk, offset) and a chunk back into its first position; each item
/// knows its chunk and its offset there. A handle stays valid while its item is in the
/// sequence, moves included, so a hash of handles answers "which row is this id" in
/// O(log n).
template <class T>
class RowIndex
{
    struct Chunk;
    struct Node {
        T value;
        Chunk *chunk = nullptr;
        int offset = 0;
    };
    struct Chunk {
        std::vector<Node *> nodes;
        int index = 0; ///< in m_chunks
    };

public:
    using Handle = const Node *;

    RowIndex() = default;
    RowIndex(const RowIndex &) = delete;
    RowIndex &operator=(const RowIndex &) = delete;
    ~RowIndex() { clear(); }

    [[nodiscard]] int size() const { return m_size; }
    [[nodiscard]] bool isEmpty() const { return m_size == 0; }
    [[nodiscard]] T &at(int pos) { return node(pos)->value; }
    [[nodiscard]] const T &at(int pos) const { return node(pos)->value; }
    [[nodiscard]] const T &first() const { return at(0); }
    [[nodiscard]] const T &value(Handle h) const { return h->value; }

    /// @brief Where the item of @p h is now.
    [[nodiscard]] int positionOf(Handle h) const { return prefix(h->chunk->index) + h->offset; }

    /// @brief Puts @p value at @p pos (0 … size()); the items from there move down one.
    Handle insert(int pos, T value) { return attach(pos, new Node{std::move(value), nullptr, 0}); }
    Handle append(T value) { return insert(m_size, std::move(value)); }

    void removeAt(int pos) { delete detach(pos); }

    /// @brief Moves the item at @p from so that it ends at @p to (as QList::move); its
    /// handle stays valid.
    void move(int from, int to)
    {
        if (from != to)
            attach(to, detach(from));
    }

    void clear()
    {
        for (const auto &chunk : m_chunks)
            for (Node *n : chunk->nodes)
                delete n;
        m_chunks.clear();
        m_tree.clear();
        m_size = 0;
    }

private:
    // Big enough that 100 000 rows make a few hundred chunks (the Fenwick tree's rebuild
    // after a split or a merge is O(chunks)), small enough that renumbering one is short.
    static constexpr int kMaxChunk = 512;

    [[nodiscard]] Node *node(int pos) const
    {
        const auto [c, offset] = find(pos);
        return m_chunks[size_t(c)]->nodes[size_t(offset)];
    }

    /// Sum of the sizes of the chunks before chunk @p c.
    [[nodiscard]] int prefix(int c) const
    {
        int sum = 0;
        for (int i = c; i > 0; i -= i & -i)
            sum += m_tree[size_t(i)];
        return sum;
    }

    /// The chunk holding position @p pos (< size()) and the offset there.
    [[nodiscard]] std::pair<int, int> find(int pos) const
    {
        const int n = int(m_chunks.size());
        int c = 0;
        int step = 1;
        while (step * 2 <= n)
            step *= 2;
        for (; step > 0; step /= 2) {
            if (c + step <= n && m_tree[size_t(c + step)] <= pos) {
                c += step;
                pos -= m_tree[size_t(c)];
            }
        }
        return {c, pos};
    }

    void add(int c, int delta)
    {
        for (int i = c + 1; i < int(m_tree.size()); i += i & -i)
            m_tree[size_t(i)] += delta;
    }

    /// After chunks were added or removed: their indices and the tree, in O(chunks).
    void rebuild()
    {
        const int n = int(m_chunks.size());
        m_tree.assign(size_t(n) + 1, 0);
        for (int c = 0; c < n; ++c) {
            m_chunks[size_t(c)]->index = c;
            const int i = c + 1;
            m_tree[size_t(i)] += int(m_chunks[size_t(c)]->nodes.size());
            if (const int parent = i + (i & -i); parent <= n)
                m_tree[size_t(parent)] += m_tree[size_t(i)];
        }
    }

    static void renumber(Chunk &chunk, int from)
    {
        for (int i = from; i < int(chunk.nodes.size()); ++i) {
            chunk.nodes[size_t(i)]->chunk = &chunk;
            chunk.nodes[size_t(i)]->offset = i;
        }
    }

    Node *attach(int pos, Node *n)
    {
        if (m_chunks.empty()) {
            m_chunks.push_back(std::make_unique<Chunk>());
            rebuild();
        }
        int c = int(m_chunks.size()) - 1;
        int offset = int(m_chunks.back()->nodes.size());
        if (pos < m_size)
            std::tie(c, offset) = find(pos);
        Chunk &chunk = *m_chunks[size_t(c)];
        chunk.nodes.insert(chunk.nodes.begin() + offset, n);
        renumber(chunk, offset);
        add(c, +1);
        ++m_size;
        if (int(chunk.nodes.size()) > kMaxChunk) {
            auto tail = std::make_unique<Chunk>();
            tail->nodes.assign(chunk.nodes.begin() + kMaxChunk / 2, chunk.nodes.end());
            chunk.nodes.resize(kMaxChunk / 2);
            renumber(*tail, 0);
            m_chunks.insert(m_chunks.begin() + c + 1, std::move(tail));
            rebuild();
        }
        return n;
    }

    Node *detach(int pos)
    {
        const auto [c, offset] = find(pos);
        Chunk &chunk = *m_chunks[size_t(c)];
        Node *n = chunk.nodes[size_t(offset)];
        chunk.nodes.erase(chunk.nodes.begin() + offset);
        renumber(chunk, offset);
        add(c, -1);
        --m_size;
        // Keep chunks from thinning out (many small chunks make the tree's rebuild long):
        // an empty one goes, a small one joins a neighbour when both fit in half a chunk.
        if (chunk.nodes.empty()) {
            m_chunks.erase(m_chunks.begin() + c);
            rebuild();
        } else if (int(chunk.nodes.size()) < kMaxChunk / 8) {
            for (const int left : {c - 1, c}) {
                if (left < 0 || left + 1 >= int(m_chunks.size()))
                    continue;
                Chunk &a = *m_chunks[size_t(left)];
                const Chunk &b = *m_chunks[size_t(left) + 1];
                if (a.nodes.size() + b.nodes.size() > size_t(kMaxChunk / 2))
                    continue;
                const int from = int(a.nodes.size());
                a.nodes.insert(a.nodes.end(), b.nodes.begin(), b.nodes.end());
                renumber(a, from);
                m_chunks.erase(m_chunks.begin() + left + 1);
                rebuild();
                break;
            }
        }
        return n;
    }

    std::vector<std::unique_ptr<Chunk>> m_chunks;
    std::vector<int> m_tree; ///< Fenwick tree over the chunks' sizes, 1-based
    int m_size = 0;
};
