#include "demodata.h"

#include "core/catalogue.h"

#include "db/connectionpool.h"
#include "db/sqlarray.h"
#include "feed/drainer.h"
#include "feed/eventemitter.h"
#include "core/errors.h"
#include "hooks/arena.h"
#include "hooks/demoactivity.h"
#include "feed/grouping.h"
#include "feed/tenants.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QStringList>

#include <pqxx/pqxx>

#include <chrono>
#include <cstdio>

namespace {

const QStringList kTenants{QStringLiteral("Acme"),    QStringLiteral("Globex"),
                           QStringLiteral("Initech"), QStringLiteral("Umbrella"),
                           QStringLiteral("Hooli"),   QStringLiteral("Stark Industries"),
                           QStringLiteral("Wayne Enterprises"), QStringLiteral("Wonka")};
const QStringList kBadges{QStringLiteral("Sprint Champion"), QStringLiteral("Bug Hunter"),
                          QStringLiteral("Early Bird"),      QStringLiteral("Night Owl"),
                          QStringLiteral("Team Player"),     QStringLiteral("Code Reviewer")};
const QStringList kRanks{QStringLiteral("Rookie"), QStringLiteral("Apprentice"),
                         QStringLiteral("Adept"),  QStringLiteral("Expert"),
                         QStringLiteral("Master"), QStringLiteral("Legend")};
const QStringList kChallenges{QStringLiteral("Inbox Zero"),     QStringLiteral("Ship It Friday"),
                              QStringLiteral("Docs Marathon"),  QStringLiteral("Refactor Week"),
                              QStringLiteral("Test Coverage 80%")};
const QStringList kComments{QStringLiteral("Well deserved! 🎉"), QStringLiteral("Nice work, team."),
                            QStringLiteral("How did you pull that off so fast?"),
                            QStringLiteral("Legendary."), QStringLiteral("Respect!"),
                            QStringLiteral("Next sprint it's our turn.")};

QJsonObject payloadFor(const QString &type, QRandomGenerator &rng)
{
    auto pick = [&rng](const QStringList &l) { return l.at(int(rng.bounded(l.size()))); };
    if (type == QLatin1String("badge_earned"))
        return {{QStringLiteral("badgeName"), pick(kBadges)},
                {QStringLiteral("xpAwarded"), 25 * int(1 + rng.bounded(4))}};
    if (type == QLatin1String("xp_rank_up")) {
        const int r = 1 + int(rng.bounded(kRanks.size() - 1));
        return {{QStringLiteral("rank"), kRanks.at(r)},
                {QStringLiteral("previousRank"), kRanks.at(r - 1)},
                {QStringLiteral("totalXp"), 100 * r * r + int(rng.bounded(90))}};
    }
    if (type == QLatin1String("challenge_completed"))
        return {{QStringLiteral("challengeId"), int(1 + rng.bounded(500))},
                {QStringLiteral("challengeName"), pick(kChallenges)},
                {QStringLiteral("xpAwarded"), 50}};
    if (type == QLatin1String("streak_milestone")) {
        static const int days[] = {7, 30, 100};
        return {{QStringLiteral("days"), days[rng.bounded(3)]}};
    }
    if (type == QLatin1String("tasks_burst"))
        return {{QStringLiteral("count"), 10 + int(rng.bounded(8))}};
    return {{QStringLiteral("tasksDone"), 3 + int(rng.bounded(20))}};
}

std::vector<int> ensureTenants(pqxx::connection &conn)
{
    std::vector<int> ids;
    for (const QString &name : kTenants) {
        pqxx::work tx(conn);
        const auto r = tx.exec_params("SELECT id FROM tenants WHERE name = $1", name.toStdString());
        if (!r.empty()) {
            ids.push_back(r[0][0].as<int>());
            continue;
        }
        tx.abort();
        ids.push_back(af::Tenants::add(conn, name).tenantId);
    }
    return ids;
}

} // namespace

int runDemoData(pqxx::connection &conn, const AppOptions &o)
{
    const int total = o.events;
    if (total < 0 || total > 10'000'000) {
        std::fprintf(stderr, "activityfeed: --events must be between 0 and 10000000\n");
        return 2;
    }
    const std::vector<int> tenants = ensureTenants(conn);
    const QStringList types = af::Catalogue::eventTypeNames();
    QRandomGenerator rng(20261127);
    const af::Micros now = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    const af::Micros span = 7LL * 24 * 3600 * 1000000; // the past week
    {
        pqxx::work tx(conn);
        pqxx::stream_to copy(tx, "activity_queue",
                             std::vector<std::string>{"tenant_id", "event_type", "payload_json",
                                                      "created_at"});
        int written = 0;
        while (written < total) {
            const int tenant = tenants[rng.bounded(int(tenants.size()))];
            const QString type = types.at(int(rng.bounded(types.size())));
            af::Micros t = now - af::Micros(rng.generateDouble() * double(span));
            // About 30 % of rows arrive in bursts of 3–6 within two minutes: they group.
            const bool burst = rng.bounded(100) < 9;
            const int n = burst ? 3 + int(rng.bounded(4)) : 1;
            for (int i = 0; i < n && written < total; ++i, ++written) {
                copy << std::make_tuple(tenant, type.toStdString(),
                                        QJsonDocument(payloadFor(type, rng)).toJson(QJsonDocument::Compact).toStdString(),
                                        af::isoMicros(t).toStdString());
                t += af::Micros(1 + rng.bounded(20)) * 1000000;
            }
        }
        copy.complete();
        tx.commit();
    }
    // Real hooks too: tasks, streaks, challenges and arena claims through the services.
    af::DemoActivitySummary hooks;
    {
        af::ConnectionPool pool(conn.options(), 2);
        af::EventEmitter emitter(conn.options());
        hooks = af::DemoActivity::seed(pool, &emitter, tenants);
        emitter.flush(std::chrono::seconds(30));
    }
    const af::DrainResult drained = af::Drainer::drainQueue(conn, {}, QStringLiteral("demo-data"));
    int reactions = 0;
    int comments = 0;
    {
        pqxx::work tx(conn);
        // Reactions from other tenants on about 40 % of the events, comments on about 15 %.
        reactions = tx.exec0(
                          "INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type, created_at) "
                          "SELECT e.id, t.id, (ARRAY['hype','respect','tribute'])[1 + (abs(hashtext(e.id::text || t.id)) % 3)], "
                          "       e.created_at + interval '5 minutes' "
                          "  FROM activity_events e JOIN tenants t ON t.id <> e.tenant_id "
                          " WHERE abs(hashtext(e.id::text || t.name)) % 100 < 12 "
                          "ON CONFLICT DO NOTHING")
                        .affected_rows();
        pqxx::result r = tx.exec_params0(
            "INSERT INTO activity_comments (event_id, tenant_id, body, created_at) "
            "SELECT e.id, t.id, ($1::text[])[1 + (abs(hashtext(e.id::text || t.id || 'c')) % 6)], "
            "       e.created_at + interval '10 minutes' "
            "  FROM activity_events e JOIN tenants t ON t.id <> e.tenant_id "
            " WHERE abs(hashtext(e.id::text || t.name || 'c')) % 100 < 3",
            [] {
                std::vector<std::string> texts;
                for (const QString &c : kComments)
                    texts.push_back(c.toStdString());
                return af::sqlTextArray(texts);
            }());
        comments = int(r.affected_rows());
        tx.commit();
    }
    std::fprintf(stdout, "demo data: %d tenants, %d queue rows → %d events (%d from real hooks: "
                         "%d tasks done, %d challenges, %d arena claims), %d reactions, %d comments\n",
                 int(tenants.size()), drained.processed, drained.inserted, hooks.hooksFired,
                 hooks.tasksDone, hooks.challengesCompleted, hooks.arenaClaims, reactions, comments);
    return 0;
}

int runArenaCommand(pqxx::connection &conn, const AppOptions &o)
{
    if (o.args.size() != 4 || o.args.at(0) != QLatin1String("add")) {
        std::fprintf(stderr, "activityfeed: usage: activityfeed arena add TITLE BADGE XP\n");
        return 2;
    }
    bool ok = false;
    const qint64 xp = o.args.at(3).toLongLong(&ok);
    if (!ok) {
        std::fprintf(stderr, "activityfeed: XP must be a whole number from 1 to 100000\n");
        return 2;
    }
    try {
        const af::ArenaChallenge a = af::Arena::add(conn, o.args.at(1), o.args.at(2), xp);
        std::fprintf(stdout, "arena challenge %lld \"%s\" added (badge \"%s\", %lld XP)\n",
                     static_cast<long long>(a.id), a.title.toUtf8().constData(),
                     a.badgeName.toUtf8().constData(), static_cast<long long>(a.xpReward));
    } catch (const af::BadInput &e) {
        std::fprintf(stderr, "activityfeed: %s\n", e.what());
        return 2;
    }
    return 0;
}
