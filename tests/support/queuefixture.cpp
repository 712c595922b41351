#include "queuefixture.h"

#include "core/catalogue.h"
#include "feed/drainer.h"
#include "pgharness.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <pqxx/pqxx>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace aftest {

namespace {

long long scalar(pqxx::connection &c, const std::string &sql)
{
    pqxx::nontransaction tx(c);
    const auto r = tx.exec1(sql);
    return r[0].is_null() ? 0 : r[0].as<long long>();
}

} // namespace

std::string uuidFrom(std::mt19937_64 &rng)
{
    const quint64 a = rng(), b = rng();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", unsigned(a >> 32),
                  unsigned((a >> 16) & 0xffff), unsigned(a & 0xfff),
                  unsigned(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
}

std::string payloadFor(const std::string &type, int n)
{
    QJsonObject p{{QStringLiteral("n"), n}};
    if (type == "badge_earned") {
        p.insert(QStringLiteral("badgeName"), QStringLiteral("Badge %1").arg(n % 7));
        p.insert(QStringLiteral("xpAwarded"), 25);
    } else if (type == "xp_rank_up") {
        p.insert(QStringLiteral("rank"), QStringLiteral("Adept"));
        p.insert(QStringLiteral("previousRank"), QStringLiteral("Apprentice"));
        p.insert(QStringLiteral("totalXp"), 500 + n % 100);
    } else if (type == "challenge_completed") {
        p.insert(QStringLiteral("challengeId"), n);
        p.insert(QStringLiteral("challengeName"), QStringLiteral("Challenge %1").arg(n % 11));
        p.insert(QStringLiteral("xpAwarded"), 50);
    } else if (type == "streak_milestone") {
        p.insert(QStringLiteral("days"), n % 3 == 0 ? 7 : n % 3 == 1 ? 30 : 100);
    } else if (type == "tasks_burst") {
        p.insert(QStringLiteral("count"), 10 + n % 5);
    } else {
        p.insert(QStringLiteral("tasksDone"), 3 + n % 9);
    }
    return QJsonDocument(p).toJson(QJsonDocument::Compact).toStdString();
}

std::vector<QueueFixtureRow> makeQueue(int n, int tenants, af::Micros span, unsigned seed)
{
    std::mt19937_64 rng(seed);
    const QStringList &typeList = af::Catalogue::eventTypeNames();
    std::vector<QueueFixtureRow> rows;
    rows.reserve(size_t(n));
    while (int(rows.size()) < n) {
        const int tenant = 1 + int(rng() % unsigned(tenants));
        const std::string type = typeList.at(int(rng() % unsigned(typeList.size()))).toStdString();
        af::Micros t = kQueueT0 + af::Micros(rng() % quint64(span));
        const bool burst = rng() % 100 < 8;
        const int k = burst ? 3 + int(rng() % 6) : 1;
        for (int i = 0; i < k && int(rows.size()) < n; ++i) {
            QueueFixtureRow r;
            r.id = uuidFrom(rng);
            r.tenant = tenant;
            r.type = type;
            r.payload = payloadFor(type, int(rows.size()));
            r.at = t;
            rows.push_back(std::move(r));
            // Mostly seconds apart, sometimes the very same microsecond.
            if (rng() % 10 != 0)
                t += af::Micros(1 + rng() % 40) * 1000000 + af::Micros(rng() % 1000000);
        }
    }
    return rows;
}

void seedTenants(const std::string &cs, int n)
{
    execute(cs, "INSERT INTO tenants (id, name) SELECT g, 'Tenant ' || g FROM generate_series(1, " +
                 std::to_string(n) + ") g; SELECT setval('tenants_id_seq', " + std::to_string(n) + ")");
}

void writeQueue(const std::string &cs, const std::vector<QueueFixtureRow> &rows)
{
    pqxx::connection c(cs);
    writeQueue(c, rows);
}

void writeQueue(pqxx::connection &c, const std::vector<QueueFixtureRow> &rows)
{
    pqxx::work tx(c);
    pqxx::stream_to s(tx, "activity_queue",
                      std::vector<std::string>{"id", "tenant_id", "event_type", "payload_json",
                                               "created_at", "processed"});
    for (const QueueFixtureRow &r : rows)
        s << std::make_tuple(r.id, r.tenant, r.type, r.payload, af::isoMicros(r.at).toStdString(),
                             false);
    s.complete();
    tx.commit();
}

std::vector<std::string> eventSnapshot(const std::string &cs)
{
    pqxx::connection c(cs);
    pqxx::read_transaction tx(c);
    const auto r = tx.exec(
        "SELECT e.tenant_id || '|' || e.event_type || '|' || "
        "       (extract(epoch FROM e.created_at) * 1000000)::bigint || '|', "
        "       e.payload_json::text, "
        "       '|' || e.display_name || '|' || e.description || '|' || e.icon || '|' || "
        "       coalesce(string_agg(s.queue_id::text, ',' ORDER BY s.queue_id::text), '') "
        "  FROM activity_events e LEFT JOIN activity_event_sources s ON s.event_id = e.id "
        " GROUP BY e.id");
    std::vector<std::string> out;
    out.reserve(r.size());
    for (const auto &row : r) {
        // jsonb orders keys its own way: compare payloads in one canonical form.
        const QJsonDocument payload = QJsonDocument::fromJson(QByteArray::fromStdString(row[1].as<std::string>()));
        out.push_back(row[0].as<std::string>() + payload.toJson(QJsonDocument::Compact).toStdString() +
                      row[2].as<std::string>());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> groupingSnapshot(const std::vector<af::GroupedEvent> &events)
{
    std::vector<std::string> out;
    for (const af::GroupedEvent &e : events) {
        std::vector<std::string> ids;
        for (const QString &q : e.sourceIds)
            ids.push_back(q.toStdString());
        std::sort(ids.begin(), ids.end());
        std::string joined;
        for (const std::string &id : ids)
            joined += (joined.empty() ? "" : ",") + id;
        out.push_back(std::to_string(e.tenantId) + '|' + e.eventType.toStdString() + '|' +
                      std::to_string(e.createdAt) + '|' +
                      QJsonDocument(e.payload).toJson(QJsonDocument::Compact).toStdString() + '|' +
                      e.displayName.toStdString() + '|' + e.description.toStdString() + '|' +
                      e.icon.toStdString() + '|' + joined);
    }
    std::sort(out.begin(), out.end());
    return out;
}

::testing::AssertionResult sameEvents(const std::vector<std::string> &got, const std::vector<std::string> &want)
{
    std::vector<std::string> extra, missing;
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
    if (extra.empty() && missing.empty())
        return ::testing::AssertionSuccess();
    auto r = ::testing::AssertionFailure();
    r << got.size() << " events vs " << want.size() << " expected; " << extra.size() << " unexpected, "
      << missing.size() << " missing.";
    for (size_t i = 0; i < std::min<size_t>(3, extra.size()); ++i)
        r << "\n  unexpected: " << extra[i].substr(0, 400);
    for (size_t i = 0; i < std::min<size_t>(3, missing.size()); ++i)
        r << "\n  missing:    " << missing[i].substr(0, 400);
    return r;
}

std::vector<std::string> oneDrainSnapshot(const std::string &cs)
{
    pqxx::connection c(cs);
    pqxx::read_transaction tx(c);
    std::vector<af::QueueRow> rows;
    for (const auto &row : tx.exec("SELECT id::text, tenant_id, event_type, payload_json::text, "
                                   "(extract(epoch FROM created_at) * 1000000)::bigint FROM activity_queue")) {
        af::QueueRow q;
        q.id = QString::fromUtf8(row[0].c_str());
        q.tenantId = row[1].as<int>();
        q.eventType = QString::fromUtf8(row[2].c_str());
        q.payload = QJsonDocument::fromJson(QByteArray(row[3].c_str())).object();
        q.createdAt = row[4].as<af::Micros>();
        rows.push_back(std::move(q));
    }
    return groupingSnapshot(af::Grouping::group(std::move(rows)));
}

std::vector<af::QueueRow> asQueueRows(const std::vector<QueueFixtureRow> &rows)
{
    std::vector<af::QueueRow> out;
    for (const QueueFixtureRow &r : rows) {
        af::QueueRow q;
        q.id = QString::fromStdString(r.id);
        q.tenantId = r.tenant;
        q.eventType = QString::fromStdString(r.type);
        q.payload = QJsonDocument::fromJson(QByteArray::fromStdString(r.payload)).object();
        q.createdAt = r.at;
        out.push_back(std::move(q));
    }
    return out;
}

void expectConsistent(const std::string &cs, const char *when)
{
    // Each query counts the rows that break one rule; every count must be 0.
    static const std::pair<const char *, const char *> kRules[] = {
        {"SELECT count(*) FROM activity_queue q WHERE q.processed AND NOT EXISTS "
         "(SELECT 1 FROM activity_event_sources s WHERE s.queue_id = q.id)",
         "processed rows without an event"},
        {"SELECT count(*) FROM activity_event_sources s JOIN activity_queue q "
         "ON q.id = s.queue_id WHERE NOT q.processed",
         "unprocessed rows already in an event"},
        {"SELECT count(*) FROM (SELECT queue_id FROM activity_event_sources "
         "GROUP BY queue_id HAVING count(*) > 1) d",
         "a queue row in two events"},
        // No foreign key holds this since 0012: the drain moves a folded single's rows first.
        {"SELECT count(*) FROM activity_event_sources s WHERE NOT EXISTS "
         "(SELECT 1 FROM activity_events e WHERE e.id = s.event_id)",
         "a queue row naming an event that is gone"},
        {"SELECT count(*) FROM activity_events e WHERE NOT EXISTS "
         "(SELECT 1 FROM activity_event_sources s WHERE s.event_id = e.id)",
         "an event without source rows"},
        {"SELECT count(*) FROM activity_events e WHERE NOT EXISTS "
         "(SELECT 1 FROM activity_event_windows w WHERE w.event_id = e.id)",
         "an event without its window"},
        {"SELECT count(*) FROM activity_event_tombstones t JOIN activity_events e ON e.id = t.event_id",
         "a removed event still in the feed"},
        {"SELECT count(*) FROM activity_event_tombstones t JOIN activity_events e ON e.seq = t.seq",
         "a tombstone sharing a seq with an event"},
    };
    pqxx::connection c(cs);
    for (const auto &[sql, broken] : kRules)
        EXPECT_EQ(0, scalar(c, sql)) << when << ": " << broken;
}

std::vector<QueueFixtureRow> publishPart(const std::string &cs, const std::vector<QueueFixtureRow> &rows,
                                         unsigned seed, int slices)
{
    std::mt19937_64 rng(seed);
    std::vector<QueueFixtureRow> early, rest;
    for (const QueueFixtureRow &r : rows)
        (rng() % 3 == 0 ? early : rest).push_back(r);
    std::sort(early.begin(), early.end(), [](const QueueFixtureRow &a, const QueueFixtureRow &b) {
        return std::tie(a.at, a.id) < std::tie(b.at, b.id);
    });
    pqxx::connection c(cs);
    for (int i = 0; i < slices; ++i) {
        const size_t from = early.size() * size_t(i) / size_t(slices);
        const size_t to = early.size() * size_t(i + 1) / size_t(slices);
        writeQueue(cs, {early.begin() + long(from), early.begin() + long(to)});
        af::Drainer::drainQueue(c, {}, QStringLiteral("test"));
    }
    return rest;
}

PersonWritten reactAndComment(const std::string &cs, int tenants)
{
    const std::string n = std::to_string(tenants);
    execute(cs, "INSERT INTO activity_comments (event_id, tenant_id, body) "
                "SELECT id, tenant_id, 'note on ' || id FROM activity_events;"
                "INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type) "
                "SELECT id, tenant_id % " + n + " + 1, 'hype' FROM activity_events;"
                "INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type) "
                "SELECT id, tenant_id % " + n + " + 1, 'respect' FROM activity_events WHERE seq % 2 = 0");
    return personWritten(cs);
}

PersonWritten personWritten(const std::string &cs)
{
    PersonWritten w;
    pqxx::connection c(cs);
    pqxx::read_transaction tx(c);
    for (const auto &row : tx.exec("SELECT event_id::text, from_tenant_id::text, reaction_type FROM activity_reactions"))
        w.reactions.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str()});
    for (const auto &row : tx.exec("SELECT id::text, event_id::text FROM activity_comments"))
        w.comments.push_back({row[0].c_str(), row[1].c_str()});
    return w;
}

HalfPublished halfPublished(const std::string &prefix, const std::vector<QueueFixtureRow> &rows,
                            int tenants, unsigned seed)
{
    HalfPublished db;
    db.cs = freshDatabase(prefix);
    db.refCs = freshDatabase(prefix + "ref");
    seedTenants(db.cs, tenants);
    seedTenants(db.refCs, tenants);
    writeQueue(db.refCs, rows);
    const std::vector<QueueFixtureRow> rest = publishPart(db.cs, rows, seed);
    db.written = reactAndComment(db.cs, tenants);
    writeQueue(db.cs, rest);
    db.queued = rest.size();
    return db;
}

void expectNothingLost(const std::string &cs, const PersonWritten &before)
{
    pqxx::connection c(cs);
    pqxx::read_transaction tx(c);
    std::map<std::string, std::string> mergedInto;
    for (const auto &row : tx.exec("SELECT event_id::text, merged_into::text FROM activity_event_tombstones"))
        mergedInto[row[0].c_str()] = row[1].c_str();
    const auto resolve = [&](std::string id) {
        for (int hop = 0; hop < 100 && mergedInto.count(id); ++hop)
            id = mergedInto[id];
        return id;
    };
    std::set<std::array<std::string, 3>> reactions;
    for (const auto &row : tx.exec("SELECT event_id::text, from_tenant_id::text, reaction_type FROM activity_reactions"))
        reactions.insert({row[0].c_str(), row[1].c_str(), row[2].c_str()});
    std::map<std::string, std::string> comments;
    for (const auto &row : tx.exec("SELECT id::text, event_id::text FROM activity_comments"))
        comments[row[0].c_str()] = row[1].c_str();
    int lostReactions = 0, lostComments = 0, misplacedComments = 0;
    std::set<std::array<std::string, 3>> expected;
    for (const auto &r : before.reactions) {
        const std::array<std::string, 3> moved{resolve(r[0]), r[1], r[2]};
        expected.insert(moved);
        lostReactions += reactions.count(moved) ? 0 : 1;
    }
    for (const auto &cm : before.comments) {
        const auto it = comments.find(cm[0]);
        if (it == comments.end())
            ++lostComments;
        else if (it->second != resolve(cm[1]))
            ++misplacedComments;
    }
    EXPECT_EQ(lostReactions, 0) << "reactions lost in folds";
    EXPECT_EQ(lostComments, 0) << "comments lost in folds";
    EXPECT_EQ(misplacedComments, 0) << "comments not on the tile their single was folded into";
    // Nothing else appeared: the reactions are exactly the de-duplicated moved ones.
    EXPECT_EQ(reactions.size(), expected.size());
    EXPECT_EQ(0, tx.exec1("SELECT count(*) FROM activity_events e WHERE "
                          "(SELECT count(*) FROM activity_comments m WHERE m.event_id = e.id) <> "
                          "coalesce((SELECT n FROM activity_comment_counts k WHERE k.event_id = e.id), 0)")[0]
                     .as<long long>())
        << "a kept comment count differs from the comments";
}

} // namespace aftest
