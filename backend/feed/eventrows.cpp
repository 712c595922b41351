#include "eventrows.h"

#include "core/catalogue.h"

#include <pqxx/field>

namespace af {

std::string EventRows::micros(const std::string &expr)
{
    return "(extract(epoch FROM " + expr + ") * 1000000)::bigint";
}

QString EventRows::text(const pqxx::field &f)
{
    return f.is_null() ? QString() : QString::fromUtf8(f.c_str(), int(f.size()));
}

std::string EventRows::eventColumns(const std::string &a)
{
    std::string s = a + ".id::text, " + a + ".tenant_id, "
        "(SELECT t.name FROM tenants t WHERE t.id = " + a + ".tenant_id), "
        + a + ".event_type, " + a + ".display_name, " + a + ".description, " + a + ".icon, "
        + a + ".payload_json::text, " + micros(a + ".created_at") + " AS created_us, "
        + a + ".seq AS seq";
    for (const QString &name : Catalogue::reactionNames())
        s += ", rx." + name.toStdString();
    // The count kept on write (activity_comment_counts, by trigger): one key lookup per
    // event instead of counting its thread.
    s += ", rx.mine, coalesce((SELECT c.n FROM activity_comment_counts c WHERE c.event_id = " + a
        + ".id), 0)";
    return s;
}

std::string EventRows::reactionsLateral(const std::string &a, const std::string &viewer)
{
    std::string s = "(SELECT ";
    for (const QString &name : Catalogue::reactionNames()) {
        const std::string n = name.toStdString();
        s += "count(*) FILTER (WHERE r.reaction_type = '" + n + "') AS " + n + ", ";
    }
    s += "string_agg(r.reaction_type, ',' ORDER BY r.reaction_type) FILTER (WHERE r.from_tenant_id = "
        + viewer + ") AS mine FROM activity_reactions r WHERE r.event_id = " + a + ".id)";
    return s;
}

Event EventRows::readEvent(const pqxx::row &row, int i)
{
    Event e;
    e.id = text(row[i]);
    e.tenantId = row[i + 1].as<int>();
    e.tenantName = text(row[i + 2]);
    e.eventType = text(row[i + 3]);
    e.displayName = text(row[i + 4]);
    e.description = text(row[i + 5]);
    e.icon = text(row[i + 6]);
    e.payloadJson = QByteArray(row[i + 7].c_str(), int(row[i + 7].size()));
    e.createdAtMicros = row[i + 8].as<qint64>();
    e.seq = row[i + 9].as<qint64>();
    e.reactions = readCounts(row, i + 10);
    const QString mine = text(row[i + 13]);
    if (!mine.isEmpty())
        e.myReactions = mine.split(QLatin1Char(','));
    e.commentCount = row[i + 14].as<int>();
    return e;
}

std::string EventRows::reactionCountColumns(const std::string &eventExpr)
{
    std::string s;
    for (const QString &name : Catalogue::reactionNames()) {
        if (!s.empty())
            s += ", ";
        s += "count(*) FILTER (WHERE reaction_type = '" + name.toStdString() + "')::int AS "
            + name.toStdString();
    }
    return "SELECT " + s + " FROM activity_reactions WHERE event_id = " + eventExpr;
}

ReactionCounts EventRows::readCounts(const pqxx::row &row, int first)
{
    ReactionCounts r;
    for (size_t k = 0; k < r.counts.size(); ++k)
        r.counts[k] = row[first + int(k)].as<int>();
    return r;
}

std::string EventRows::reactionCountsJson(const std::string &a)
{
    std::string s = "json_build_object(";
    bool first = true;
    for (const QString &name : Catalogue::reactionNames()) {
        const std::string n = name.toStdString();
        s += (first ? "'" : ", '") + n + "', " + a + "." + n;
        first = false;
    }
    return s + ")";
}

std::string EventRows::commentColumns(const std::string &c)
{
    return c + ".id::text, " + c + ".event_id::text, " + c + ".tenant_id, "
        "(SELECT t.name FROM tenants t WHERE t.id = " + c + ".tenant_id), " + c + ".body, "
        + micros(c + ".created_at");
}

Comment EventRows::readComment(const pqxx::row &row, int i)
{
    Comment c;
    c.id = text(row[i]);
    c.eventId = text(row[i + 1]);
    c.tenantId = row[i + 2].as<int>();
    c.tenantName = text(row[i + 3]);
    c.body = text(row[i + 4]);
    c.createdAtMicros = row[i + 5].as<qint64>();
    return c;
}

} // namespace af
