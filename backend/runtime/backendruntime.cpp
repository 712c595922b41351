#include "backendruntime.h"

#include "feed/adminservice.h"
#include "api/apicontext.h"
#include "api/apiroutes.h"
#include "feed/feedservice.h"
#include "feed/markerservice.h"
#include "api/gamificationroutes.h"
#include "db/connectionpool.h"
#include "db/databaselocation.h"
#include "core/logcategories.h"
#include "db/migrator.h"
#include "feed/broadcaster.h"
#include "feed/eventemitter.h"
#include "feed/notifylistener.h"
#include "hooks/gamification.h"
#include "http/httpserver.h"

#include <QThread>

#include <pqxx/connection>

#include <stdexcept>

namespace af {

BackendRuntime::BackendRuntime(Config config) : m_config(std::move(config)) {}

BackendRuntime::~BackendRuntime()
{
    stop();
}

QString BackendRuntime::databaseDescription() const
{
    return m_location ? m_location->describe() : QString();
}

void BackendRuntime::start()
{
    m_location = std::make_unique<DatabaseLocation>(m_config.databaseUrl, m_config.dataDir);
    m_connString = m_location->open();
    {
        pqxx::connection conn(m_connString);
        Migrator::migrate(conn);
    }
    const int cores = std::max(2, QThread::idealThreadCount());
    m_pool = std::make_unique<ConnectionPool>(m_connString, std::max(4, 2 * cores));
    m_broadcaster = std::make_unique<Broadcaster>();
    m_emitter = std::make_unique<EventEmitter>(m_connString);
    m_listener = std::make_unique<NotifyListener>(m_connString, *m_broadcaster);
    m_listener->start();
    m_feed = std::make_unique<FeedService>(*m_pool, m_config.reactionLimit);
    m_admin = std::make_unique<AdminService>(*m_pool);
    m_markers = std::make_unique<MarkerService>(*m_pool);
    m_gamification = std::make_unique<Gamification>(*m_pool, m_emitter.get());
    m_apiContext = std::make_unique<ApiContext>(
        ApiContext{*m_pool, *m_feed, ApiContext::drainSecretFromEnvironment()});

    HttpServerConfig hc;
    hc.host = m_config.listenHost;
    hc.port = m_config.listenPort;
    hc.maxSseClients = m_config.maxSseClients;
    hc.maxStreamsPerTenant = m_config.streamLimitPerTenant;
    hc.workerThreads = m_pool->size();
    m_server = std::make_unique<HttpServer>(hc);
    registerApiRoutes(m_server->router(), *m_apiContext);
    registerGamificationRoutes(m_server->router(), *m_apiContext, *m_gamification);
    ApiRoutes::registerMetrics(m_server->router(), *m_apiContext, m_emitter.get(), m_server.get());
    m_server->setBroadcaster(m_broadcaster.get());
    m_server->setReplayProvider(ApiRoutes::replayProvider(*m_apiContext));
    m_server->setStreamTokenCheck(ApiRoutes::streamTokenCheck(*m_apiContext));
    if (!m_server->listen())
        throw std::runtime_error("cannot listen on " + m_config.listenHost.toStdString() + ":" +
                                 std::to_string(m_config.listenPort) + ": " +
                                 m_server->errorString().toStdString());
}

void BackendRuntime::stop()
{
    if (m_server)
        m_server->close();
    if (m_listener)
        m_listener->stop();
    if (m_emitter && !m_emitter->flush(std::chrono::seconds(5)))
        qCWarning(lcDb, "%zu events were not written before shutdown", m_emitter->pending());
    m_server.reset();
    m_gamification.reset();
    m_listener.reset();
    m_emitter.reset();
    m_apiContext.reset();
    m_markers.reset();
    m_admin.reset();
    m_feed.reset();
    m_pool.reset();
    m_location.reset(); // stops the managed cluster when no other instance uses it
}

} // namespace af
