#include "drainwrites.h"

#include "core/uuid7.h"
#include "db/copytext.h"
#include "db/sqlarray.h"
#include "grouping.h"

#include <QDateTime>
#include <QJsonDocument>

#include <algorithm>

namespace af {

void DrainWrites::assignIds(const TilePlan &plan)
{
    ids.assign(plan.items.size(), QString());
    const std::vector<QString> newIds = Uuid7::sortedText(
        size_t(std::count_if(plan.items.begin(), plan.items.end(),
                             [](const TilePlan::Item &item) { return item.reuseId.isEmpty(); })),
        QDateTime::currentMSecsSinceEpoch());
    inserted = 0;
    for (size_t i = 0; i < plan.items.size(); ++i)
        ids[i] = plan.items[i].reuseId.isEmpty() ? newIds[size_t(inserted++)] : plan.items[i].reuseId;
}

// By ctid: a look-up of the primary key per row (four index pages each) was a fifth of
// this statement, the biggest one of a drain. The id is checked as well, written so that
// it cannot be an index condition (with "=" the planner went back to the primary key).
void DrainWrites::writeMarking(const TilePlan &plan, const QHash<QString, std::string> &where)
{
    std::vector<QString> freshIds, freshTo;
    std::vector<std::string> freshAt;
    for (size_t i = 0; i < plan.items.size(); ++i) {
        for (const QString &q : plan.items[i].newRows) {
            freshIds.push_back(q);
            freshTo.push_back(ids[i]);
            freshAt.push_back(where.value(q));
        }
    }
    marked = freshIds.size();
    markAt = sqlTextArray(freshAt);
    markIds = sqlUuidArray(freshIds);
    markTo = sqlUuidArray(freshTo);
}

namespace {
std::string markingStatement(const std::string &at, const std::string &q, const std::string &ev)
{
    return "UPDATE activity_queue q SET processed = true, event_id = u.ev "
           "  FROM unnest(" + at + "::tid[], " + q + "::uuid[], " + ev + "::uuid[]) AS u(at, q, ev) "
           " WHERE q.ctid = u.at AND q.id IS NOT DISTINCT FROM u.q AND NOT q.processed";
}
} // namespace

const char *DrainWrites::markingSql()
{
    static const std::string sql = markingStatement("$1", "$2", "$3");
    return sql.c_str();
}

std::string DrainWrites::markingText() const
{
    return markingStatement(sqlDollarQuoted(markAt), sqlDollarQuoted(markIds), sqlDollarQuoted(markTo));
}

const std::vector<std::string> &DrainWrites::eventCopyColumns()
{
    static const std::vector<std::string> columns{"id", "tenant_id", "event_type", "display_name",
                                                  "description", "icon", "payload_json",
                                                  "created_at", "window_start"};
    return columns;
}

std::string DrainWrites::payloadJson(const GroupedEvent &e)
{
    return e.payloadText.isEmpty() ? QJsonDocument(e.payload).toJson(QJsonDocument::Compact).toStdString()
                                   : e.payloadText.toStdString();
}

void DrainWrites::writeCopyText(const TilePlan &plan)
{
    constexpr size_t kChunk = 64 * 1024;
    std::string chunk;
    const auto field = [&chunk](const std::string &text, char after) {
        CopyText::appendField(chunk, text);
        if (after)
            chunk += after;
    };
    for (size_t i = 0; i < plan.items.size(); ++i) {
        const TilePlan::Item &item = plan.items[i];
        if (!item.reuseId.isEmpty())
            continue;
        const GroupedEvent &e = item.event;
        if (!chunk.empty())
            chunk += '\n';
        field(ids[i].toStdString(), '\t');
        field(std::to_string(e.tenantId), '\t');
        field(e.eventType.toStdString(), '\t');
        field(e.displayName.toStdString(), '\t');
        field(e.description.toStdString(), '\t');
        field(e.icon.toStdString(), '\t');
        field(payloadJson(e), '\t');
        field(isoMicros(e.createdAt).toStdString(), '\t');
        field(isoMicros(e.windowStart).toStdString(), 0);
        if (chunk.size() >= kChunk) {
            copyText.push_back(std::move(chunk));
            chunk.clear();
        }
    }
    if (!chunk.empty())
        copyText.push_back(std::move(chunk));
    copyMade = true;
}

} // namespace af
