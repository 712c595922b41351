#include "db/migrator.h"
#include "pgharness.h"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <thread>

namespace {

int count(pqxx::connection &c, const std::string &sql)
{
    pqxx::work tx(c);
    return tx.exec1(sql)[0].as<int>();
}

TEST(Migrator, AppliesEveryMigrationOnceAndIsRerunnable)
{
    pqxx::connection c(aftest::PgCluster::instance().createDatabase("mig"));
    const int total = int(af::Migrator::bundled().size());
    ASSERT_GE(total, 3);
    EXPECT_EQ(af::Migrator::migrate(c), total);
    EXPECT_EQ(af::Migrator::migrate(c), 0);
    EXPECT_EQ(count(c, "SELECT count(*) FROM schema_migrations"), total);
    EXPECT_EQ(af::Migrator::currentVersion(c), af::Migrator::bundled().back().version);
}

TEST(Migrator, ConcurrentMigrationsAreSafe)
{
    const std::string cs = aftest::PgCluster::instance().createDatabase("migc");
    std::vector<std::thread> threads;
    std::atomic<int> applied{0};
    std::atomic<int> failures{0};
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            try {
                pqxx::connection c(cs);
                applied += af::Migrator::migrate(c);
            } catch (...) {
                ++failures;
            }
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(applied.load(), int(af::Migrator::bundled().size()));
}

TEST(Migrator, ChatThreadsBackfillKeepsEveryMessageInItsTenantsMainThread)
{
    pqxx::connection c(aftest::PgCluster::instance().createDatabase("chat"));
    af::Migrator::migrate(c, 1);
    {
        pqxx::work tx(c);
        tx.exec0("INSERT INTO tenants (name) VALUES ('A'), ('B'), ('C')");
        tx.exec0("INSERT INTO chat_messages (tenant_id, role, content) "
                 "SELECT 1 + (g % 2), 'user', 'm' || g FROM generate_series(1, 25) g");
        tx.commit();
    }
    af::Migrator::migrate(c);
    EXPECT_EQ(count(c, "SELECT count(*) FROM chat_threads"), 2); // C had no messages
    EXPECT_EQ(count(c, "SELECT count(*) FROM chat_messages WHERE thread_id IS NULL"), 0);
    EXPECT_EQ(count(c, "SELECT count(*) FROM chat_messages m JOIN chat_threads t "
                       "ON t.id = m.thread_id WHERE t.tenant_id <> m.tenant_id "
                       "OR t.title <> 'Main'"),
              0);
    EXPECT_EQ(count(c, "SELECT count(*) FROM chat_messages"), 25);
    // ON DELETE SET NULL
    {
        pqxx::work tx(c);
        tx.exec0("DELETE FROM chat_threads WHERE tenant_id = 1");
        tx.commit();
    }
    EXPECT_EQ(count(c, "SELECT count(*) FROM chat_messages WHERE thread_id IS NULL"), 12);
}

template <typename E> bool throwsIn(pqxx::connection &c, const std::string &sql)
{
    try {
        pqxx::work tx(c);
        tx.exec0(sql);
        tx.commit();
    } catch (const E &) {
        return true;
    }
    return false;
}

void exec(pqxx::connection &c, const std::string &sql)
{
    pqxx::work tx(c);
    tx.exec0(sql);
    tx.commit();
}

TEST(Migrator, FeedVersionUpgradesADatabaseWithDataAndMovesOnceAtEachWritingCommit)
{
    pqxx::connection c(aftest::PgCluster::instance().createDatabase("feedversion"));
    af::Migrator::migrate(c, 11);
    exec(c, "INSERT INTO tenants (name) VALUES ('A'), ('B')");
    exec(c, "INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon)"
            " SELECT 1, 'badge_earned', 'Badge earned', 'x' || g, 'x' FROM generate_series(1, 50) g");
    exec(c, "INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type)"
            " SELECT id, 2, 'hype' FROM activity_events");
    // Up to the migration that adds the version: a later one that rewrites events (0014
    // moves their windows) moves it once more at its own commit, which is right but not
    // what this counts.
    af::Migrator::migrate(c, 13);
    const std::string version = "SELECT v::int FROM feed_version";
    EXPECT_EQ(count(c, version), 1);
    EXPECT_EQ(count(c, "SELECT count(*) FROM feed_version_touches"), 0);

    // One transaction of several writes to several tables: one step, at its commit.
    {
        pqxx::work tx(c);
        tx.exec0("DELETE FROM activity_reactions WHERE event_id IN "
                 "(SELECT id FROM activity_events ORDER BY id LIMIT 5)");
        tx.exec0("INSERT INTO activity_comments (event_id, tenant_id, body)"
                 " SELECT id, 2, 'hi' FROM activity_events LIMIT 3");
        tx.exec0("UPDATE activity_events SET description = 'y' WHERE description = 'x1'");
        EXPECT_EQ(tx.exec1(version)[0].as<int>(), 1) << "moved before the commit";
        tx.commit();
    }
    EXPECT_EQ(count(c, version), 2);
    EXPECT_EQ(count(c, "SELECT count(*) FROM feed_version_touches"), 0);
    // A rolled-back write and a read leave it; a tenant's new name (pages show it) moves it.
    {
        pqxx::work tx(c);
        tx.exec0("DELETE FROM activity_reactions");
        tx.abort();
    }
    EXPECT_EQ(count(c, "SELECT count(*) FROM activity_reactions"), 45);
    EXPECT_EQ(count(c, version), 2);
    exec(c, "UPDATE tenants SET name = 'A2' WHERE id = 1");
    EXPECT_EQ(count(c, version), 3);
}

TEST(Migrator, SchemaMatchesTheReference)
{
    pqxx::connection c(aftest::freshDatabase("schema"));
    exec(c, "INSERT INTO tenants (name) VALUES ('A'), ('B')");
    exec(c, "INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon)"
            " VALUES (1, 'badge_earned', 'Badge earned', 'x', 'x')");
    // Reaction type CHECK and the unique constraint.
    EXPECT_TRUE(throwsIn<pqxx::check_violation>(
        c, "INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type)"
           " SELECT id, 2, 'love' FROM activity_events"));
    exec(c, "INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type)"
            " SELECT id, 2, 'hype' FROM activity_events");
    EXPECT_TRUE(throwsIn<pqxx::unique_violation>(
        c, "INSERT INTO activity_reactions (event_id, from_tenant_id, reaction_type)"
           " SELECT id, 2, 'hype' FROM activity_events"));
    // Comment length is counted in code points.
    exec(c, "INSERT INTO activity_comments (event_id, tenant_id, body)"
            " SELECT id, 2, repeat('😀', 500) FROM activity_events");
    EXPECT_TRUE(throwsIn<pqxx::check_violation>(
        c, "INSERT INTO activity_comments (event_id, tenant_id, body)"
           " SELECT id, 2, repeat('😀', 501) FROM activity_events"));
    // The partial index of the reference exists.
    EXPECT_EQ(count(c, "SELECT count(*) FROM pg_indexes WHERE indexname = "
                       "'activity_queue_unprocessed_idx' AND indexdef LIKE "
                       "'%WHERE (processed = false)%'"),
              1);
    // A queue row can feed one event only: the event it made is a column of the row, and
    // a second source row for it cannot be made.
    exec(c, "INSERT INTO activity_queue (tenant_id, event_type, processed, event_id) "
            "SELECT 1, 'badge_earned', true, id FROM activity_events");
    EXPECT_EQ(count(c, "SELECT count(*) FROM activity_event_sources"), 1);
    EXPECT_TRUE(throwsIn<pqxx::sql_error>(
        c, "INSERT INTO activity_event_sources SELECT e.id, q.id FROM activity_events e, "
           "activity_queue q"));
}

// 0012 moves each source row onto its queue row: a database with published tiles, singles,
// unprocessed rows and a purged tile keeps every event's rows.
TEST(Migrator, SourcesMoveOntoTheirQueueRows)
{
    pqxx::connection c(aftest::PgCluster::instance().createDatabase("srcmove"));
    af::Migrator::migrate(c, 11);
    exec(c, "INSERT INTO tenants (name) VALUES ('A'), ('B')");
    exec(c, "INSERT INTO activity_queue (tenant_id, event_type, created_at, processed) "
            "SELECT 1 + g % 2, 'badge_earned', now() - g * interval '1 minute', g <= 40 "
            "  FROM generate_series(1, 50) g");
    // Ten events of four rows each (tenant by parity of the row number).
    exec(c, "INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon) "
            "SELECT 1 + g % 2, 'badge_earned', 'Badge earned', 'e' || g, 'x' FROM generate_series(1, 10) g");
    exec(c, "INSERT INTO activity_event_sources (event_id, queue_id) "
            "SELECT e.id, q.id FROM (SELECT id, row_number() OVER (ORDER BY created_at) - 1 AS n "
            "                          FROM activity_queue WHERE processed) q "
            "  JOIN (SELECT id, row_number() OVER (ORDER BY seq) - 1 AS n FROM activity_events) e "
            "    ON e.n = q.n / 4");
    exec(c, "CREATE TABLE before_sources AS SELECT event_id, queue_id FROM activity_event_sources");
    ASSERT_EQ(count(c, "SELECT count(*) FROM before_sources"), 40);

    af::Migrator::migrate(c);
    EXPECT_EQ(count(c, "SELECT count(*) FROM activity_event_sources"), 40);
    EXPECT_EQ(count(c, "SELECT count(*) FROM (SELECT event_id, queue_id FROM activity_event_sources "
                       "EXCEPT SELECT event_id, queue_id FROM before_sources) d"),
              0);
    EXPECT_EQ(count(c, "SELECT count(*) FROM activity_queue WHERE NOT processed AND event_id IS NULL"), 10);
    EXPECT_EQ(count(c, "SELECT count(*) FROM activity_queue WHERE processed AND event_id IS NULL"), 0);
    EXPECT_EQ(count(c, "SELECT count(*) FROM pg_indexes WHERE indexname = 'activity_queue_event_idx'"), 1);
    EXPECT_EQ(count(c, "SELECT count(DISTINCT event_id) FROM activity_queue"), 10);
}

// 0014 moves each event's window onto the event row: a database with grown tiles, events
// never updated and events no drain made keeps every window and every "updated" flag.
TEST(Migrator, WindowsMoveOntoTheirEvents)
{
    pqxx::connection c(aftest::PgCluster::instance().createDatabase("winmove"));
    af::Migrator::migrate(c, 13);
    exec(c, "INSERT INTO tenants (name) VALUES ('A'), ('B')");
    exec(c, "INSERT INTO activity_events (tenant_id, event_type, display_name, description, icon) "
            "SELECT 1 + g % 2, 'badge_earned', 'Badge earned', 'e' || g, 'x' FROM generate_series(1, 12) g");
    // Ten of them a drain made (the last two were written directly, without a window); of
    // those, every third has grown since (a new seq above the one it was published with).
    exec(c, "INSERT INTO activity_event_windows (event_id, tenant_id, event_type, window_start, created_seq) "
            "SELECT id, tenant_id, event_type, now() - seq * interval '7 minutes', "
            "       CASE WHEN seq % 3 = 0 THEN seq - 100 ELSE seq END "
            "  FROM activity_events WHERE seq <= (SELECT min(seq) + 9 FROM activity_events)");
    exec(c, "CREATE TABLE before_windows AS SELECT * FROM activity_event_windows");
    ASSERT_EQ(count(c, "SELECT count(*) FROM before_windows"), 10);
    ASSERT_GE(count(c, "SELECT count(*) FROM before_windows w JOIN activity_events e ON e.id = w.event_id "
                       "WHERE w.created_seq < e.seq"),
              3);

    af::Migrator::migrate(c);
    EXPECT_EQ(count(c, "SELECT count(*) FROM pg_class WHERE relname = 'activity_event_windows' "
                       "AND relkind = 'v'"),
              1);
    EXPECT_EQ(count(c, "SELECT count(*) FROM activity_event_windows"), 10);
    EXPECT_EQ(count(c, "SELECT count(*) FROM (SELECT * FROM activity_event_windows "
                       "EXCEPT SELECT * FROM before_windows) d"),
              0);
    EXPECT_EQ(count(c, "SELECT count(*) FROM activity_events WHERE window_start IS NULL"), 2);
    // Only a grown event keeps the seq it was published with; the others read it from seq.
    EXPECT_EQ(count(c, "SELECT count(*) FROM activity_events WHERE created_seq IS NOT NULL"),
              count(c, "SELECT count(*) FROM before_windows w JOIN activity_events e ON e.id = w.event_id "
                       "WHERE w.created_seq < e.seq"));
    EXPECT_EQ(count(c, "SELECT count(*) FROM pg_indexes WHERE indexname = 'activity_events_window_idx'"), 1);
    // Deleting an event takes its window with it, as the cascade did.
    exec(c, "DELETE FROM activity_events WHERE id = (SELECT event_id FROM before_windows LIMIT 1)");
    EXPECT_EQ(count(c, "SELECT count(*) FROM activity_event_windows"), 9);
}

} // namespace
