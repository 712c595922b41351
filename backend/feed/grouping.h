#pragma once
#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <vector>

namespace af {

/// @brief Microseconds since the Unix epoch, UTC (PostgreSQL's timestamptz precision).
using Micros = qint64;

/// @brief "2026-02-23T10:00:00.000000Z".
[[nodiscard]] QString isoMicros(Micros t);

struct QueueRow {
    QString id; ///< uuid text
    int tenantId = 0;
    QString eventType;
    QJsonObject payload;
    Micros createdAt = 0;
};

struct GroupedEvent {
    int tenantId = 0;
    QString eventType;
    QString displayName;
    QString description;
    QString icon;
    QJsonObject payload;
    Micros createdAt = 0;           ///< the (last) row's created_at
    std::vector<QString> sourceIds; ///< queue rows, oldest first
};

/// @brief Pure grouping of queue rows into feed events (CONTRACT §3).
class Grouping
{
public:
    static constexpr Micros kWindow = 5LL * 60 * 1000 * 1000;
    static constexpr int kMinGroup = 3;
    static constexpr int kMaxSamples = 3;

    /// @brief Groups by (tenant, type) in 5-minute windows opened at the first unplaced
    /// row; windows of 3+ rows become one tile. Output ordered by (createdAt, tenant, type).
    [[nodiscard]] static std::vector<GroupedEvent> group(std::vector<QueueRow> rows);

    /// @brief The same, but a window that opens less than 5 minutes before @p horizon could
    /// still take rows that are not in @p rows yet: its rows go to @p deferred instead.
    [[nodiscard]] static std::vector<GroupedEvent> groupClosed(std::vector<QueueRow> rows,
                                                               Micros horizon,
                                                               std::vector<QString> *deferred);
};

} // namespace af
