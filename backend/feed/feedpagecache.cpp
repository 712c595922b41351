#include "feedpagecache.h"

#include <mutex>

namespace af {

FeedPageCache::FeedPageCache(std::size_t maxEntries) : m_max(maxEntries == 0 ? 1 : maxEntries)
{
}

std::optional<QByteArray> FeedPageCache::find(const std::string &key, qint64 version) const
{
    std::shared_lock lock(m_mutex);
    const auto it = m_entries.find(key);
    if (it == m_entries.end() || it->second.version != version)
        return std::nullopt;
    return it->second.body;
}

void FeedPageCache::store(const std::string &key, qint64 version, const QByteArray &body)
{
    std::unique_lock lock(m_mutex);
    const auto it = m_entries.find(key);
    if (it != m_entries.end()) {
        // A slow reader must not put back the page of a version a faster one replaced.
        if (it->second.version <= version)
            it->second = Entry{version, body};
        m_newest = std::max(m_newest, version);
        return;
    }
    if (m_entries.size() >= m_max) {
        // Pages of an older version can never be served again; when every page is
        // current (many viewers or queries at once) start over rather than track use:
        // the bound is what matters, and a miss only costs one read.
        for (auto e = m_entries.begin(); e != m_entries.end();)
            e = e->second.version < m_newest ? m_entries.erase(e) : std::next(e);
        if (m_entries.size() >= m_max)
            m_entries.clear();
    }
    m_entries.emplace(key, Entry{version, body});
    m_newest = std::max(m_newest, version);
}

std::size_t FeedPageCache::size() const
{
    std::shared_lock lock(m_mutex);
    return m_entries.size();
}

} // namespace af
