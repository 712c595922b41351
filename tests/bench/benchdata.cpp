#include "benchdata.h"

#include "core/uuid7.h"
#include "feed/grouping.h"

#include <random>

namespace afbench {

QueueTuple queueRow(int tenant, const std::string &type, const std::string &payload, qint64 createdAtMicros)
{
    return {tenant, type, payload, af::isoMicros(createdAtMicros).toStdString(),
            af::Uuid7::make(createdAtMicros / 1000).toString(QUuid::WithoutBraces).toStdString()};
}

const std::vector<std::string> &eventTypes()
{
    static const std::vector<std::string> types{"badge_earned", "xp_rank_up", "challenge_completed",
                                                "streak_milestone", "tasks_burst", "all_tasks_cleared"};
    return types;
}

std::string payloadFor(int typeIndex, int n)
{
    static const char *badges[] = {"Sprint Champion", "Early Bird", "Bug Hunter", "Night Owl"};
    static const char *ranks[] = {"Apprentice", "Adept", "Expert", "Master"};
    switch (typeIndex % 6) {
    case 0:
        return std::string("{\"badgeName\":\"") + badges[n % 4] + "\",\"xpAwarded\":" + std::to_string(10 + n % 90) + "}";
    case 1:
        return std::string("{\"rank\":\"") + ranks[n % 4] + "\",\"previousRank\":\"Rookie\",\"totalXp\":" +
               std::to_string(100 + n % 20000) + "}";
    case 2:
        return "{\"challengeId\":" + std::to_string(n % 5000) + ",\"challengeName\":\"Challenge " +
               std::to_string(n % 5000) + "\",\"xpAwarded\":50}";
    case 3:
        return "{\"days\":" + std::to_string(n % 3 == 0 ? 7 : n % 3 == 1 ? 30 : 100) + "}";
    case 4:
        return "{\"count\":" + std::to_string(10 + n % 15) + "}";
    default:
        return "{\"tasksDone\":" + std::to_string(1 + n % 40) + "}";
    }
}

std::vector<QueueTuple> drainMix(int rows)
{
    std::mt19937 rng(42);
    std::uniform_real_distribution<double> unit(0, 1);
    std::uniform_int_distribution<int> burstSize(3, 8);
    const af::Micros minute = 60LL * 1000 * 1000;
    // Start far enough back that every window is closed when the drain runs.
    const af::Micros now = af::Micros(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
    const int keys = 20 * 6;
    const af::Micros start = now - (af::Micros(rows) / keys + 10) * 6 * minute;
    std::vector<af::Micros> slot(keys, 0);
    std::vector<QueueTuple> out;
    out.reserve(size_t(rows) + 8);
    int n = 0;
    while (int(out.size()) < rows) {
        for (int k = 0; k < keys && int(out.size()) < rows; ++k) {
            const int tenant = 1 + k / 6;
            const int type = k % 6;
            // Slots 6 minutes apart: a window (5 min) never spans two slots.
            const af::Micros t = start + slot[size_t(k)]++ * 6 * minute + af::Micros(unit(rng) * 1e6);
            const int count = unit(rng) < 0.072 ? burstSize(rng) : 1;
            for (int i = 0; i < count && int(out.size()) < rows; ++i)
                out.push_back(queueRow(tenant, eventTypes()[size_t(type)], payloadFor(type, ++n),
                                       t + i * 4'000'000LL));
        }
    }
    return out;
}

std::vector<std::string> feedDataSql(int events)
{
    const std::string n = std::to_string(events);
    return {
        // Bulk load: no per-row FK triggers (all references are valid by construction).
        "SET session_replication_role = replica",
        "SET maintenance_work_mem = '256MB'",
        // Oldest first, so seq follows created_at; pairs of events share a timestamp to
        // exercise the seq tie-breaker.
        "INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon, "
        "                             payload_json, created_at) "
        "SELECT 1 + g % 20, t.type, t.name, t.descr, t.icon, t.payload, "
        "       timestamptz '2025-01-01 00:00:00+00' + (g / 2) * interval '30 seconds' "
        "  FROM generate_series(1, " + n + ") g, LATERAL (SELECT * FROM (VALUES "
        "   (0, 'badge_earned', 'Badge earned', 'Earned the Sprint Champion badge', '🏅', "
        "       '{\"badgeName\":\"Sprint Champion\",\"xpAwarded\":50}'::jsonb), "
        "   (1, 'xp_rank_up', 'Rank up', 'Reached Adept', '⬆️', "
        "       '{\"rank\":\"Adept\",\"previousRank\":\"Apprentice\",\"totalXp\":540}'::jsonb), "
        "   (2, 'challenge_completed', 'Challenge completed', 'Completed Ship it', '🏆', "
        "       '{\"challengeId\":7,\"challengeName\":\"Ship it\",\"xpAwarded\":50}'::jsonb), "
        "   (3, 'streak_milestone', 'Streak milestone', '7-day streak', '🔥', '{\"days\":7}'::jsonb), "
        "   (4, 'tasks_burst', 'Task burst', '12 tasks done in 24 h', '⚡', '{\"count\":12}'::jsonb), "
        "   (5, 'badge_earned', 'Badge earned', '5 badges earned', '🏅', "
        "       '{\"count\":5,\"samples\":[{\"badgeName\":\"A\",\"xpAwarded\":5},{\"badgeName\":\"B\",\"xpAwarded\":5},"
        "{\"badgeName\":\"C\",\"xpAwarded\":5}],\"first_at\":\"2025-01-01T00:00:00.000000Z\","
        "\"last_at\":\"2025-01-01T00:04:00.000000Z\"}'::jsonb)"
        "   ) v(k, type, name, descr, icon, payload) WHERE v.k = g % 6) t "
        " ORDER BY g",
        // 3 reactions per event (3 × events), by other tenants; loaded in event order.
        "ALTER TABLE activity_reactions DROP CONSTRAINT activity_reactions_unique",
        "INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type, created_at) "
        "SELECT e.id, 1 + (e.tenant_id + k) % 20, (ARRAY['hype','respect','tribute'])[k], e.created_at "
        "  FROM activity_events e, generate_series(1, 3) k",
        "ALTER TABLE activity_reactions ADD CONSTRAINT activity_reactions_unique "
        "  UNIQUE (event_id, from_tenant_id, reaction_type)",
        // One comment per two events (events / 2).
        "INSERT INTO activity_comments (event_id, tenant_id, body, created_at) "
        "SELECT e.id, 1 + (e.tenant_id + 3) % 20, 'Nice one #' || e.seq, e.created_at + interval '1 minute' "
        "  FROM activity_events e WHERE e.seq % 2 = 0",
        "SET session_replication_role = origin",
    };
}

} // namespace afbench
