#pragma once
#include "tileplan.h"

#include <QHash>
#include <QString>

#include <string>
#include <vector>

namespace af {

/// @brief What applying a drain batch's plan writes, as text made without the database:
/// the id of each item's event, the UPDATE that marks the rows processed and names their
/// events on them, and the new events as COPY lines. Pure, so it can be made on any
/// thread: a backlog batch's plan is nearly always the one its own grouping makes (no
/// published event shares a window with its rows), and the drainer makes that one with
/// the batch on the thread that reads it ahead, so that once the batch holds the lock and
/// has seen nothing published in its windows it sends the marking at once, and the
/// events' lines are ready when their COPY starts.
struct DrainWrites {
    std::vector<QString> ids;          ///< ids[i]: the event of plan item i
    int inserted = 0;                  ///< of them new
    size_t marked = 0;                 ///< rows the marking must find where they were read
    /// The marking's arrays (ctids, queue ids, event ids) as array literals: sent as the
    /// parameters of markingSql, or written into markingText for a pipeline.
    std::string markAt, markIds, markTo;
    std::vector<std::string> copyText; ///< the new events' COPY lines, in chunks
    bool copyMade = false;

    /// @brief Each item's event id: a published event keeps its own, new ones get
    /// ascending ids (core/uuid7.h): each goes into two indexes in the batch (the events'
    /// primary key, and the queue's event index when its rows are marked).
    void assignIds(const TilePlan &plan);
    /// @brief The arrays of the UPDATE that marks the plan's new rows processed, each
    /// naming its event, found by ctid (@p where: queue id → ctid). Needs assignIds.
    void writeMarking(const TilePlan &plan, const QHash<QString, std::string> &where);
    /// @brief The marking UPDATE, its arrays as parameters $1–$3 (markAt, markIds, markTo):
    /// PostgreSQL's parser then reads a short statement instead of ~450 KB of literals.
    static const char *markingSql();
    /// @brief The same UPDATE with its arrays as literals, for a pipeline (which sends text
    /// only). Dollar-quoted: it needs no connection.
    [[nodiscard]] std::string markingText() const;
    /// @brief The plan's new events as COPY text (eventCopyColumns), in chunks of about
    /// 64 KiB, each one write. Needs assignIds.
    void writeCopyText(const TilePlan &plan);

    /// @brief The columns of the COPY into activity_events, in writeCopyText's order. The
    /// window is written with the event: no second row, key or check per event.
    static const std::vector<std::string> &eventCopyColumns();
    /// @brief @p e's payload as the events table takes it: a single's row's own text, else
    /// the compact JSON of the tile's payload.
    static std::string payloadJson(const GroupedEvent &e);
};

} // namespace af
