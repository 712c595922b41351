#include "core/errors.h"
#include "http/router.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <gtest/gtest.h>

using af::HttpRequest;
using af::HttpResponse;
using af::Router;

namespace {

HttpRequest request(const QByteArray &method, const QByteArray &rawPath)
{
    HttpRequest r;
    r.setMethod(method);
    r.setRawPath(rawPath);
    r.setPath(QString::fromUtf8(QByteArray::fromPercentEncoding(rawPath)));
    return r;
}

QString errorOf(const HttpResponse &r)
{
    return QJsonDocument::fromJson(r.body()).object().value(QStringLiteral("error")).toString();
}

HttpResponse echo(const QByteArray &tag, const af::RouteParams &p)
{
    QJsonObject o{{QStringLiteral("tag"), QString::fromLatin1(tag)}};
    for (auto it = p.begin(); it != p.end(); ++it)
        o.insert(it.key(), it.value());
    return HttpResponse::json(200, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QJsonObject bodyOf(const HttpResponse &r)
{
    return QJsonDocument::fromJson(r.body()).object();
}

} // namespace

class RouterTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        m_router.get(QStringLiteral("/api/activity/events"),
                     [](const HttpRequest &, const af::RouteParams &p) { return echo("list", p); });
        m_router.get(QStringLiteral("/api/activity/events/:id/sources"),
                     [](const HttpRequest &, const af::RouteParams &p) { return echo("sources", p); });
        m_router.get(QStringLiteral("/api/activity/events/:id"),
                     [](const HttpRequest &, const af::RouteParams &p) { return echo("one", p); });
        m_router.get(QStringLiteral("/api/activity/events/latest"),
                     [](const HttpRequest &, const af::RouteParams &p) { return echo("latest", p); });
        m_router.post(QStringLiteral("/api/activity/reactions"),
                      [](const HttpRequest &, const af::RouteParams &p) { return echo("react", p); });
        m_router.del(QStringLiteral("/api/activity/reactions"),
                     [](const HttpRequest &, const af::RouteParams &p) { return echo("unreact", p); });
        m_router.addStream(QStringLiteral("/api/activity/stream"),
                           [](const HttpRequest &, const af::RouteParams &) {
                               return af::StreamResult::accept(3, 9);
                           });
        m_router.get(QStringLiteral("/"),
                     [](const HttpRequest &, const af::RouteParams &p) { return echo("root", p); });
    }
    Router m_router;
};

TEST_F(RouterTest, RoutesWithParams)
{
    const HttpResponse r = m_router.handle(request("GET", "/api/activity/events/42/sources"));
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(bodyOf(r).value(QStringLiteral("tag")).toString(), QStringLiteral("sources"));
    EXPECT_EQ(bodyOf(r).value(QStringLiteral("id")).toString(), QStringLiteral("42"));
    EXPECT_EQ(bodyOf(m_router.handle(request("GET", "/"))).value(QStringLiteral("tag")).toString(),
              QStringLiteral("root"));
}

TEST_F(RouterTest, ParamsArePercentDecodedPerSegment)
{
    const HttpResponse r = m_router.handle(request("GET", "/api/activity/events/a%2Fb/sources"));
    EXPECT_EQ(bodyOf(r).value(QStringLiteral("id")).toString(), QStringLiteral("a/b"));
}

TEST_F(RouterTest, LiteralBeatsParam)
{
    EXPECT_EQ(bodyOf(m_router.handle(request("GET", "/api/activity/events/latest")))
                  .value(QStringLiteral("tag")).toString(), QStringLiteral("latest"));
    EXPECT_EQ(bodyOf(m_router.handle(request("GET", "/api/activity/events/7")))
                  .value(QStringLiteral("tag")).toString(), QStringLiteral("one"));
}

TEST_F(RouterTest, UnknownPathIs404)
{
    for (const QByteArray path : {"/nope", "/api/activity/events/1/2/3", "/api/activity/events/",
                                  "/api/activity/events//sources"}) {
        const HttpResponse r = m_router.handle(request("GET", path));
        EXPECT_EQ(r.status(), 404) << path.constData();
        EXPECT_EQ(errorOf(r), QStringLiteral("no such route"));
    }
}

TEST_F(RouterTest, WrongMethodIs405WithAllow)
{
    HttpResponse r = m_router.handle(request("PUT", "/api/activity/reactions"));
    EXPECT_EQ(r.status(), 405);
    EXPECT_EQ(r.header("Allow"), "DELETE, POST");
    r = m_router.handle(request("POST", "/api/activity/events"));
    EXPECT_EQ(r.status(), 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD");
    r = m_router.handle(request("POST", "/api/activity/stream"));
    EXPECT_EQ(r.status(), 405);
    EXPECT_EQ(r.header("Allow"), "GET");
    // HEAD would have to start the stream to give its head.
    r = m_router.handle(request("HEAD", "/api/activity/stream"));
    EXPECT_EQ(r.status(), 405);
    EXPECT_EQ(r.header("Allow"), "GET");
}

TEST_F(RouterTest, HeadFallsBackToGet)
{
    EXPECT_EQ(m_router.handle(request("HEAD", "/api/activity/events")).status(), 200);
}

TEST_F(RouterTest, StreamRouteMatchesAsStream)
{
    const Router::Match m = m_router.match("GET", "/api/activity/stream");
    ASSERT_EQ(m.kind, Router::Match::Kind::Stream);
    const af::StreamResult s = Router::invokeStream(m.stream, request("GET", "/"), m.params);
    EXPECT_TRUE(s.accepted);
    EXPECT_EQ(s.tenantId, 3);
    EXPECT_EQ(s.lastEventId, 9);
}

TEST(RouterExceptions, MapToStatuses)
{
    Router router;
    router.get(QStringLiteral("/db"), [](const HttpRequest &, const af::RouteParams &) -> HttpResponse {
        throw af::Unavailable("database is down");
    });
    router.get(QStringLiteral("/bad"), [](const HttpRequest &, const af::RouteParams &) -> HttpResponse {
        throw af::BadInput("limit must be a positive integer");
    });
    router.get(QStringLiteral("/missing"), [](const HttpRequest &, const af::RouteParams &) -> HttpResponse {
        throw af::NotFound("no such event");
    });
    router.get(QStringLiteral("/boom"), [](const HttpRequest &, const af::RouteParams &) -> HttpResponse {
        throw std::runtime_error("secret internals at 0xdeadbeef");
    });
    router.get(QStringLiteral("/int"), [](const HttpRequest &, const af::RouteParams &) -> HttpResponse {
        throw 42;
    });
    router.addStream(QStringLiteral("/s"), [](const HttpRequest &, const af::RouteParams &) -> af::StreamResult {
        throw af::Unavailable("database is down");
    });
    struct Row { const char *path; int status; const char *message; };
    const Row rows[] = {{"/db", 503, "database is down"},
                        {"/bad", 400, "limit must be a positive integer"},
                        {"/missing", 404, "no such event"},
                        {"/boom", 500, "internal error"},
                        {"/int", 500, "internal error"}};
    for (const Row &row : rows) {
        const HttpResponse r = router.handle(request("GET", row.path));
        EXPECT_EQ(r.status(), row.status) << row.path;
        EXPECT_EQ(errorOf(r), QString::fromUtf8(row.message)) << row.path;
        EXPECT_FALSE(r.body().contains("deadbeef"));
    }
    const Router::Match m = router.match("GET", "/s");
    const af::StreamResult s = Router::invokeStream(m.stream, request("GET", "/s"), m.params);
    EXPECT_FALSE(s.accepted);
    EXPECT_EQ(s.rejection.status(), 503);
}
