#include "testapiserver.h"
#include "pgharness.h"
#include "testtenants.h"

#include "api/apicontext.h"
#include "api/apiroutes.h"
#include "db/connectionpool.h"
#include "feed/feedservice.h"
#include "http/httpserver.h"

namespace aftest {

TestApiServer::TestApiServer(const std::string &prefix, const QStringList &tenantNames, int poolSize,
                             int reactionLimit)
    : cs(freshDatabase(prefix))
{
    pool = std::make_unique<af::ConnectionPool>(cs, poolSize);
    feed = std::make_unique<af::FeedService>(*pool, reactionLimit);
    ctx = std::make_unique<af::ApiContext>(af::ApiContext{*pool, *feed, QByteArray("s3cret")});
    server = std::make_unique<af::HttpServer>();
    af::registerApiRoutes(server->router(), *ctx);
    const TestTenants made = addTenants(cs, tenantNames);
    tenant = made.ids;
    token = made.tokens;
}

TestApiServer::TestApiServer(const TestApiServer &sameDatabase, int poolSize)
    : cs(sameDatabase.cs), tenant(sameDatabase.tenant), token(sameDatabase.token)
{
    pool = std::make_unique<af::ConnectionPool>(cs, poolSize);
    feed = std::make_unique<af::FeedService>(*pool, sameDatabase.feed->reactionLimitPerHour());
    ctx = std::make_unique<af::ApiContext>(af::ApiContext{*pool, *feed, QByteArray("s3cret")});
    server = std::make_unique<af::HttpServer>();
    af::registerApiRoutes(server->router(), *ctx);
}

TestApiServer::~TestApiServer()
{
    server->close();
}

bool TestApiServer::listen()
{
    return server->listen(QStringLiteral("127.0.0.1"), 0);
}

quint16 TestApiServer::port() const
{
    return server->serverPort();
}

HttpReply TestApiServer::request(const QByteArray &method, const QByteArray &target, int who,
                                 const QByteArray &body, const QByteArray &contentType,
                                 const QByteArray &extraHeaders) const
{
    return roundTrip(port(), requestBytes(method, target, who >= 0 ? token.value(who) : QByteArray(), body,
                                          contentType, extraHeaders));
}

} // namespace aftest
