#include "tileplan.h"

#include <QSet>

#include <algorithm>

namespace af {

TilePlan TilePlan::make(const std::vector<QueueRow> &fresh, const std::vector<PublishedEvent> &published)
{
    QHash<QString, int> ownerOfRow; // published row id → index in published
    std::vector<QueueRow> rows = fresh;
    for (size_t p = 0; p < published.size(); ++p) {
        for (const QueueRow &r : published[p].rows) {
            ownerOfRow.insert(r.id, int(p));
            rows.push_back(r);
        }
    }
    TilePlan plan;
    std::vector<GroupedEvent> events = Grouping::group(std::move(rows));
    std::vector<bool> claimed(published.size(), false);
    std::vector<int> takerOfOldestRow(published.size(), -1);
    for (GroupedEvent &e : events) {
        Item item;
        // The published events that hold rows of this one, in the order of their rows: the
        // oldest one still unclaimed keeps its id (a fold keeps the oldest single's id).
        int reuse = -1;
        for (const QString &row : e.sourceIds) {
            const auto it = ownerOfRow.constFind(row);
            if (it == ownerOfRow.constEnd()) {
                item.newRows.push_back(row);
                continue;
            }
            if (reuse < 0 && !claimed[size_t(*it)])
                reuse = *it;
        }
        const int index = int(plan.items.size());
        for (const QString &row : e.sourceIds) {
            const auto it = ownerOfRow.constFind(row);
            if (it == ownerOfRow.constEnd())
                continue;
            const PublishedEvent &owner = published[size_t(*it)];
            if (owner.rows.front().id == row)
                takerOfOldestRow[size_t(*it)] = index;
            if (*it != reuse)
                item.movedRows.push_back(row);
        }
        if (reuse >= 0) {
            claimed[size_t(reuse)] = true;
            const PublishedEvent &p = published[size_t(reuse)];
            item.reuseId = p.id;
            item.changed = !item.newRows.empty() || !item.movedRows.empty()
                || p.rows.size() != e.sourceIds.size() || p.payload != e.payload
                || p.description != e.description || p.createdAt != e.createdAt
                || p.windowStart != e.windowStart;
        }
        item.event = std::move(e);
        plan.items.push_back(std::move(item));
    }
    for (size_t p = 0; p < published.size(); ++p) {
        if (!claimed[p])
            plan.folds.push_back({published[p].id, takerOfOldestRow[p]});
    }
    return plan;
}

TilePlan TilePlan::ofNewEvents(std::vector<GroupedEvent> events)
{
    TilePlan plan;
    plan.items.reserve(events.size());
    for (GroupedEvent &e : events) {
        Item item;
        item.newRows = e.sourceIds;
        item.event = std::move(e);
        plan.items.push_back(std::move(item));
    }
    return plan;
}

} // namespace af
