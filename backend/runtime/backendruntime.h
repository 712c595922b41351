#pragma once
#include <QString>

#include <memory>
#include <string>

namespace af {

class AdminService;
class Broadcaster;
class ConnectionPool;
class DatabaseLocation;
class EventEmitter;
class FeedService;
class MarkerService;
class Gamification;
class HttpServer;
class NotifyListener;
struct ApiContext;

/// @brief The embedded backend as `serve` and the desktop app run it: database (URL or
/// managed), migrations, pool, emitter, LISTEN thread, services and the HTTP/SSE server.
class BackendRuntime
{
public:
    struct Config {
        QString databaseUrl; ///< empty: the managed local database under dataDir
        QString dataDir;
        QString listenHost = QStringLiteral("127.0.0.1");
        quint16 listenPort = 8787;
        int reactionLimit = 10;
        int maxSseClients = 10000;
        int streamLimitPerTenant = 50; ///< open streams per tenant; the next gets 429
    };

    explicit BackendRuntime(Config config);
    ~BackendRuntime();

    /// @brief Blocking (database start, migrations, bind): call off the GUI thread.
    /// Throws std::runtime_error with a sentence for the user.
    void start();
    /// @brief Stops the server, the LISTEN thread and flushes the emitter.
    void stop();

    [[nodiscard]] const Config &config() const { return m_config; }
    [[nodiscard]] std::string connectionString() const { return m_connString; }
    [[nodiscard]] QString databaseDescription() const;
    [[nodiscard]] ConnectionPool &pool() const { return *m_pool; }
    [[nodiscard]] Broadcaster &broadcaster() const { return *m_broadcaster; }
    [[nodiscard]] EventEmitter &emitter() const { return *m_emitter; }
    [[nodiscard]] FeedService &feed() const { return *m_feed; }
    [[nodiscard]] AdminService &admin() const { return *m_admin; }
    [[nodiscard]] MarkerService &markers() const { return *m_markers; }
    [[nodiscard]] Gamification &gamification() const { return *m_gamification; }
    [[nodiscard]] HttpServer &server() const { return *m_server; }
    [[nodiscard]] NotifyListener &listener() const { return *m_listener; }

private:
    Config m_config;
    std::string m_connString;
    std::unique_ptr<DatabaseLocation> m_location;
    std::unique_ptr<ConnectionPool> m_pool;
    std::unique_ptr<Broadcaster> m_broadcaster;
    std::unique_ptr<EventEmitter> m_emitter;
    std::unique_ptr<NotifyListener> m_listener;
    std::unique_ptr<FeedService> m_feed;
    std::unique_ptr<AdminService> m_admin;
    std::unique_ptr<MarkerService> m_markers;
    std::unique_ptr<Gamification> m_gamification;
    std::unique_ptr<ApiContext> m_apiContext;
    std::unique_ptr<HttpServer> m_server;
};

} // namespace af
