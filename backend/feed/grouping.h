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
    /// The payload as the database sent it (jsonb's text), when the row came from there: a
    /// single event is written with it as is, instead of serialising @c payload again.
    QByteArray payloadText;
};

struct GroupedEvent {
    int tenantId = 0;
    QString eventType;
    QString displayName;
    QString description;
    QString icon;
    QJsonObject payload;
    Micros createdAt = 0;           ///< the (last) row's created_at
    Micros windowStart = 0;         ///< the opening of the window it was made from
    std::vector<QString> sourceIds; ///< queue rows, oldest first
    QByteArray payloadText;         ///< a single's row's payloadText (empty for a tile)
};

/// @brief Pure grouping of queue rows into feed events: per (tenant, type), rows sorted by
/// (created_at, id); a window opens at the first row not yet placed and takes every row
/// before opening + the catalogue's window; a window of at least tileMinRows rows is one
/// tile, a smaller one a single event per row.
class Grouping
{
public:
    /// @brief The window length in µs, from the catalogue.
    [[nodiscard]] static Micros window();

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
