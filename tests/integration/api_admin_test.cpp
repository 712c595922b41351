// AdminService against a real PostgreSQL: stats, emit, preview, drain, log, tenants,
// tokens and purge, each answering its domain value.
#include "feed/adminservice.h"
#include "db/connectionpool.h"
#include "core/errors.h"
#include "pgharness.h"

#include <gtest/gtest.h>

namespace {

TEST(ApiAdmin, EveryOperation)
{
    const std::string cs = aftest::freshDatabase("admin");
    af::ConnectionPool pool(cs, 2);
    af::AdminService admin(pool);

    const af::IssuedToken created = admin.createTenant(QStringLiteral("  Acme  "));
    EXPECT_TRUE(created.token.startsWith("aft_"));
    const int tenant = created.tenantId;
    EXPECT_GT(tenant, 0);
    EXPECT_THROW(admin.createTenant(QStringLiteral(" ")), af::BadInput);

    auto stats = admin.stats();
    EXPECT_EQ(stats.queueDepth, 0);
    EXPECT_FALSE(stats.oldestSeconds.has_value());

    EXPECT_THROW(admin.emitEvent(tenant, "nope", {}), af::BadInput);
    EXPECT_THROW(admin.emitEvent(9999, "badge_earned", {}), af::BadInput); // as the emit route: 400
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(admin.emitEvent(tenant, "badge_earned", {{"badgeName", "B"}, {"xpAwarded", 5}}).size(), 36);
    stats = admin.stats();
    EXPECT_EQ(stats.queueDepth, 3);
    ASSERT_TRUE(stats.oldestSeconds.has_value());
    EXPECT_GE(*stats.oldestSeconds, 0);

    const auto tiles = admin.previewDrain();
    ASSERT_EQ(tiles.size(), 1u);
    EXPECT_EQ(tiles[0].rows, 3);
    EXPECT_EQ(tiles[0].tenantName, "Acme");
    EXPECT_FALSE(tiles[0].icon.isEmpty());

    const af::DrainResult drained = admin.drain();
    EXPECT_EQ(drained.processed, 3);
    EXPECT_EQ(drained.inserted, 1);
    EXPECT_EQ(drained.updated, 0);
    EXPECT_EQ(drained.removed, 0);
    const auto runs = admin.drainLog(10);
    ASSERT_GE(runs.size(), 1u);
    EXPECT_EQ(runs[0].trigger, "desktop");
    EXPECT_EQ(runs[0].result.processed, 3);
    EXPECT_FALSE(runs[0].tenantId.has_value());
    EXPECT_FALSE(runs[0].startedAt.isEmpty());
    EXPECT_TRUE(runs[0].error.isEmpty());

    const af::IssuedToken issued = admin.issueToken(tenant, QStringLiteral("ci"));
    EXPECT_EQ(issued.tenantId, tenant);
    auto tenants = admin.tenants();
    ASSERT_EQ(tenants.size(), 1u);
    EXPECT_EQ(tenants[0].name, "Acme");
    ASSERT_EQ(tenants[0].tokens.size(), 2u);
    EXPECT_EQ(tenants[0].tokens[1].label, "ci");
    EXPECT_NO_THROW(admin.revokeToken(issued.id));
    EXPECT_THROW(admin.revokeToken(issued.id), af::NotFound);
    tenants = admin.tenants();
    EXPECT_TRUE(tenants[0].tokens[0].revokedAt.isEmpty());
    EXPECT_FALSE(tenants[0].tokens[1].revokedAt.isEmpty());

    // Purge: only processed rows older than N days go, with their source rows.
    aftest::execute(cs, "UPDATE activity_queue SET created_at = now() - interval '10 days'");
    admin.emitEvent(tenant, "xp_rank_up", {{"rank", "Adept"}});
    EXPECT_EQ(admin.purgeProcessed(30), 0);
    EXPECT_EQ(admin.purgeProcessed(7), 3);
    EXPECT_EQ(admin.stats().queueDepth, 1);
    EXPECT_THROW(admin.purgeProcessed(-1), af::BadInput);
    EXPECT_EQ(aftest::queryNumber(cs, "SELECT count(*) FROM activity_event_sources"), 0);
    EXPECT_EQ(aftest::queryNumber(cs, "SELECT count(*) FROM activity_events"), 1);
}

} // namespace
