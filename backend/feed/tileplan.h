#pragma once
#include "grouping.h"

#include <QHash>
#include <QString>

#include <vector>

namespace af {

/// @brief An event already published, with the queue rows behind it.
struct PublishedEvent {
    QString id;
    QJsonObject payload;
    QString description;
    Micros createdAt = 0;
    Micros windowStart = 0;
    std::vector<QueueRow> rows; ///< oldest first
};

/// @brief What a drain does to the feed so that its result is what one drain over every row
/// would make, whatever drains ran before: the windows of the new rows are grouped again
/// together with the published events of the same windows, and each resulting event
/// either reuses a published event's id (joined or unchanged) or is new; published events
/// whose rows all went elsewhere are folded into the event that took their oldest row.
/// Pure: the drainer applies it, the preview shows it.
struct TilePlan {
    struct Item {
        GroupedEvent event;
        QString reuseId;                ///< a published event kept under its id; empty: new
        bool changed = true;            ///< reused but its payload, text or time changed
        std::vector<QString> newRows;   ///< unprocessed rows it takes
        std::vector<QString> movedRows; ///< published rows that now belong to it
    };
    struct Fold {
        QString removedId;
        int into = -1; ///< index in items of the event that takes its rows
    };
    std::vector<Item> items;
    std::vector<Fold> folds;

    /// @brief Plans @p fresh (unprocessed rows) against @p published (the events of the
    /// windows those rows may fall into, for the same keys).
    [[nodiscard]] static TilePlan make(const std::vector<QueueRow> &fresh,
                                       const std::vector<PublishedEvent> &published);
    /// @brief The plan when no published event shares a window with the new rows: every
    /// event of their grouping is new. The same as make() with nothing published.
    [[nodiscard]] static TilePlan ofNewEvents(std::vector<GroupedEvent> events);
};

} // namespace af
