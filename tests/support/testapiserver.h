#pragma once
#include "testhttpclient.h"

#include <QList>
#include <QStringList>

#include <memory>
#include <string>

namespace af {
class ConnectionPool;
class FeedService;
class HttpServer;
struct ApiContext;
} // namespace af

namespace aftest {

/// @brief The feed API as `serve` wires it, over a fresh migrated database: the pool, the
/// FeedService, the API context (drain secret "s3cret") and an HttpServer with the feed
/// routes, plus tenants that each hold one token. A test adds its own routes or a
/// broadcaster to `server` before listen().
class TestApiServer
{
public:
    /// @param reactionLimit reactions per tenant per hour (FeedService's; <= 0: none).
    TestApiServer(const std::string &prefix, const QStringList &tenantNames, int poolSize,
                  int reactionLimit = 10);
    /// @brief A second instance on @p sameDatabase's database: its own pool, FeedService
    /// (and so its own kept pages) and server, the same tenants and tokens.
    TestApiServer(const TestApiServer &sameDatabase, int poolSize);
    ~TestApiServer();

    /// @brief Listens on 127.0.0.1, a free port; false when it cannot.
    bool listen();
    [[nodiscard]] quint16 port() const;

    /// @brief One request on a connection of its own, its answer or an empty HttpReply. @p who
    /// picks the tenant whose bearer token goes along (-1: none); a non-null @p body is sent
    /// with @p contentType (none when empty); @p extraHeaders are whole `Name: value\r\n` lines.
    HttpReply request(const QByteArray &method, const QByteArray &target, int who = 0,
                      const QByteArray &body = {}, const QByteArray &contentType = "application/json",
                      const QByteArray &extraHeaders = {}) const;

    std::string cs;
    std::unique_ptr<af::ConnectionPool> pool;
    std::unique_ptr<af::FeedService> feed;
    std::unique_ptr<af::ApiContext> ctx;
    std::unique_ptr<af::HttpServer> server;
    QList<int> tenant;
    QList<QByteArray> token;
};

} // namespace aftest
