// AdminService against a real PostgreSQL: stats, emit, preview, drain, log, tenants,
// tokens and purge.
#include "feed/adminservice.h"
#include "db/connectionpool.h"
#include "core/errors.h"
#include "pgharness.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

namespace {

QJsonObject obj(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

TEST(ApiAdmin, EveryOperation)
{
    const std::string cs = aftest::freshDatabase("admin");
    af::ConnectionPool pool(cs, 2);
    af::AdminService admin(pool);

    const auto created = obj(admin.createTenant(QStringLiteral("  Acme  ")));
    EXPECT_EQ(created.value("name").toString(), "Acme");
    EXPECT_TRUE(created.value("token").toString().startsWith("aft_"));
    const int tenant = created.value("id").toInt();
    EXPECT_THROW(admin.createTenant(QStringLiteral(" ")), af::BadInput);

    auto stats = obj(admin.stats());
    EXPECT_EQ(stats.value("queueDepth").toInt(), 0);
    EXPECT_TRUE(stats.value("oldestUnprocessedSeconds").isNull());

    EXPECT_THROW(admin.emitEvent(tenant, "nope", {}), af::BadInput);
    EXPECT_THROW(admin.emitEvent(9999, "badge_earned", {}), af::BadInput); // as the emit route: 400
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(obj(admin.emitEvent(tenant, "badge_earned", {{"badgeName", "B"}, {"xpAwarded", 5}}))
                        .value("ok").toBool());
    stats = obj(admin.stats());
    EXPECT_EQ(stats.value("queueDepth").toInt(), 3);
    EXPECT_GE(stats.value("oldestUnprocessedSeconds").toInt(), 0);

    const auto tiles = obj(admin.previewDrain()).value("tiles").toArray();
    ASSERT_EQ(tiles.size(), 1);
    EXPECT_EQ(tiles[0].toObject().value("rows").toInt(), 3);
    EXPECT_EQ(tiles[0].toObject().value("tenantName").toString(), "Acme");

    EXPECT_EQ(obj(admin.drain()), QJsonObject({{"processed", 3}, {"inserted", 1}}));
    const auto runs = obj(admin.drainLog(10)).value("runs").toArray();
    ASSERT_GE(runs.size(), 1);
    EXPECT_EQ(runs[0].toObject().value("trigger").toString(), "desktop");
    EXPECT_EQ(runs[0].toObject().value("processed").toInt(), 3);

    const auto issued = obj(admin.issueToken(tenant, QStringLiteral("ci")));
    EXPECT_EQ(issued.value("tenantId").toInt(), tenant);
    auto tenants = obj(admin.tenants()).value("tenants").toArray();
    ASSERT_EQ(tenants.size(), 1);
    EXPECT_EQ(tenants[0].toObject().value("tokens").toArray().size(), 2);
    EXPECT_EQ(obj(admin.revokeToken(issued.value("id").toInt())).value("ok").toBool(), true);
    EXPECT_THROW(admin.revokeToken(issued.value("id").toInt()), af::NotFound);
    tenants = obj(admin.tenants()).value("tenants").toArray();
    EXPECT_FALSE(tenants[0].toObject().value("tokens").toArray()[1].toObject().value("revoked_at").isNull());

    // Purge: only processed rows older than N days go, with their source rows.
    {
        pqxx::connection c(cs);
        pqxx::work tx(c);
        tx.exec("UPDATE activity_queue SET created_at = now() - interval '10 days'");
        tx.commit();
    }
    admin.emitEvent(tenant, "xp_rank_up", {{"rank", "Adept"}});
    EXPECT_EQ(obj(admin.purgeProcessed(30)).value("deleted").toInt(), 0);
    EXPECT_EQ(obj(admin.purgeProcessed(7)).value("deleted").toInt(), 3);
    EXPECT_EQ(obj(admin.stats()).value("queueDepth").toInt(), 1);
    EXPECT_THROW(admin.purgeProcessed(-1), af::BadInput);
    pqxx::connection c(cs);
    pqxx::work tx(c);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM activity_event_sources")[0].as<int>(), 0);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM activity_events")[0].as<int>(), 1);
}

} // namespace
