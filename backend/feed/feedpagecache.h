#pragma once
#include <QByteArray>

#include <cstddef>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace af {

/// @brief Rendered feed pages, each kept with the feed version it was read at (the
/// feed_version row of migration 0013, which moves at the commit of every write a page
/// shows). A page is served again only for a request that read that same version, so a
/// kept page is never older than the database. Keys are built by the caller from the
/// viewer and the checked query, never from raw input; the content only ever comes from
/// the caller's own read. Thread-safe: handler threads share one cache.
class FeedPageCache
{
public:
    /// @param maxEntries bound on the kept pages (a viewer per distinct query each).
    explicit FeedPageCache(std::size_t maxEntries = 512);

    /// @brief The page kept for @p key at exactly @p version, else nothing.
    [[nodiscard]] std::optional<QByteArray> find(const std::string &key, qint64 version) const;
    /// @brief Keeps @p body, read at @p version, unless a page of a later version is kept.
    void store(const std::string &key, qint64 version, const QByteArray &body);
    [[nodiscard]] std::size_t size() const;

private:
    struct Entry {
        qint64 version = 0;
        QByteArray body;
    };

    std::size_t m_max;
    mutable std::shared_mutex m_mutex;
    std::unordered_map<std::string, Entry> m_entries;
    qint64 m_newest = 0; ///< the latest version stored: older entries go first when full
};

} // namespace af
