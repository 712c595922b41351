#include "embeddedfeedsource.h"
#include "embeddedstreamclient.h"

#include "backendcall.h"

#include "api/feedservice.h"
#include "feed/broadcaster.h"


EmbeddedFeedSource::EmbeddedFeedSource(af::FeedService &service, af::Broadcaster &broadcaster,
                                       int actingTenantId, QObject *parent)
    : FeedSource(parent),
      m_service(service),
      m_broadcaster(broadcaster),
      m_tenantId(actingTenantId),
      m_parser([this](const QString &event, const QByteArray &data, const QString &) {
          dispatchStreamEvent(event, data);
      })
{
    m_pool.setMaxThreadCount(std::max(2, QThread::idealThreadCount()));
}

EmbeddedFeedSource::~EmbeddedFeedSource()
{
    unregisterClient();
    m_pool.waitForDone();
}

void EmbeddedFeedSource::start()
{
    if (!m_client)
        registerClient();
}

void EmbeddedFeedSource::registerClient()
{
    m_client = std::make_shared<EmbeddedStreamClient>(this, [this](const QByteArray &frame) {
        m_parser.feed(frame);
    });
    m_broadcaster.registerFeedClient(m_tenantId, m_client);
    setConnectionState(Live);
}

void EmbeddedFeedSource::unregisterClient()
{
    if (!m_client)
        return;
    m_client->detach();
    m_broadcaster.unregisterFeedClient(m_tenantId, m_client.get());
    m_client.reset();
}

void EmbeddedFeedSource::setActingTenantId(int tenantId)
{
    if (m_tenantId == tenantId)
        return;
    const bool streaming = bool(m_client);
    unregisterClient();
    m_tenantId = tenantId;
    if (streaming)
        registerClient();
    Q_EMIT actingTenantChanged();
    Q_EMIT resync(); // myReactions and ownership depend on the viewer
}

void EmbeddedFeedSource::run(QObject *context, std::function<QByteArray()> work, int okStatus,
                             Callback done)
{
    callBackend(m_pool, this, context, std::move(work), okStatus, std::move(done),
                [this](const FeedReply &reply) {
        if (reply.status == 503)
            setConnectionState(Offline, reply.errorString);
        else if (connectionState() == Offline && m_client)
            setConnectionState(Live);
    });
}

void EmbeddedFeedSource::loadEvents(const QString &cursor, int limit, QObject *context,
                                    Callback done)
{
    const int tenant = m_tenantId;
    run(context, [this, tenant, cursor, limit] {
        return m_service.eventsPage(tenant, cursor, limit, std::nullopt);
    }, 200, std::move(done));
}

void EmbeddedFeedSource::loadEventSources(const QString &eventId, QObject *context, Callback done)
{
    run(context, [this, eventId] { return m_service.eventSources(eventId); }, 200,
        std::move(done));
}

void EmbeddedFeedSource::setReaction(const QString &eventId, const QString &type, bool add,
                                     QObject *context, Callback done)
{
    const int tenant = m_tenantId;
    run(context, [this, tenant, eventId, type, add] {
        return m_service.react(tenant, eventId, type, add);
    }, 200, std::move(done));
}

void EmbeddedFeedSource::loadComments(const QString &eventId, const QString &cursor, int limit,
                                      QObject *context, Callback done)
{
    run(context, [this, eventId, cursor, limit] {
        return m_service.comments(eventId, cursor, limit);
    }, 200, std::move(done));
}

void EmbeddedFeedSource::addComment(const QString &eventId, const QString &body,
                                    QObject *context, Callback done)
{
    const int tenant = m_tenantId;
    run(context, [this, tenant, eventId, body] {
        return m_service.addComment(tenant, eventId, body);
    }, 201, std::move(done));
}
