#pragma once
#include <QDateTime>
#include <QString>

#include <string>
#include <vector>

#include <pqxx/result>
#include <pqxx/transaction_base>

namespace af
{

/// @brief One page of a tenant's own rows (tasks, challenges), newest first.
template <typename T> struct OwnPage {
    std::vector<T> items;
    QString nextCursor; ///< empty when there is no further row
};

/// @brief What tasks and challenges share: keyset paging over a tenant's own rows by
/// (created_at, id), newest first, and the per-tenant quotas on creating them. The cursor
/// has the feed's form (µs and a bigint), so a page boundary between rows of the same
/// microsecond neither skips nor repeats one.
class OwnRows
{
public:
    /// @brief Where a page starts and how long it is.
    struct Query {
        std::string before = "infinity"; ///< exclusive upper bound on created_at
        qint64 beforeId = 0;             ///< tie-breaker at exactly `before`
        int limit = 0;
    };

    /// @brief Decodes @p cursor (empty: the first page); throws BadInput naming the cursor.
    [[nodiscard]] static Query start(const QString &cursor, int limit);
    /// @brief The page's statement over @p table: $1 tenant, $2/$3 the cursor, $4 limit + 1;
    /// the row's created_at in µs comes after @p columns.
    [[nodiscard]] static std::string pageSql(const char *columns, const char *table);
    /// @brief Runs pageSql and reads up to the page's limit with @p read.
    template <typename T, typename Read>
    static OwnPage<T> page(pqxx::transaction_base &tx, const char *columns, const char *table, int tenantId,
                           const Query &q, Read read)
    {
        const pqxx::result r = tx.exec_params(pageSql(columns, table), tenantId, q.before, q.beforeId, q.limit + 1);
        OwnPage<T> out;
        out.items.reserve(std::min<std::size_t>(r.size(), std::size_t(q.limit)));
        for (const pqxx::row &row : r) {
            if (int(out.items.size()) == q.limit) {
                const pqxx::row &last = r[q.limit - 1];
                out.nextCursor = cursorAfter(last[int(last.size()) - 1].as<qint64>(), last[0].as<qint64>());
                break;
            }
            out.items.push_back(read(row));
        }
        return out;
    }

    /// @brief Before a tenant creates (or reopens) a row of @p table: throws Conflict when
    /// it already has @p openMax rows matching @p openCondition, and (when @p creating)
    /// RateLimited when it created createsPerMinute of them in the minute before @p now.
    /// Call it under the tenant's lock so concurrent requests cannot both pass.
    static void checkQuota(pqxx::transaction_base &tx, const char *table, const char *openCondition, int openMax,
                           const char *noun, const char *howToFree, int tenantId, const QDateTime &now,
                           bool creating);

private:
    [[nodiscard]] static QString cursorAfter(qint64 createdAtMicros, qint64 id);
};

} // namespace af
