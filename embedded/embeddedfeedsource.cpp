#include "embeddedfeedsource.h"
#include "backendcall.h"
#include "embeddedstreamclient.h"

#include "feed/broadcaster.h"
#include "feed/feedservice.h"
#include "feed/markerservice.h"

EmbeddedFeedSource::EmbeddedFeedSource(af::FeedService &service, af::Broadcaster &broadcaster,
                                       int actingTenantId, QObject *parent,
                                       af::MarkerService *markers)
    : FeedSource(parent), m_service(service), m_broadcaster(broadcaster), m_markers(markers),
      m_tenantId(actingTenantId)
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
    m_client = std::make_shared<EmbeddedStreamClient>(
        this, [this](const af::StreamMessage &message) { onMessage(message); });
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

void EmbeddedFeedSource::onMessage(const af::StreamMessage &message)
{
    if (const auto *event = std::get_if<af::Event>(&message.value)) {
        if (message.name == QLatin1String("activity.event.updated"))
            Q_EMIT eventUpdated(*event);
        else
            Q_EMIT eventCreated(*event);
    } else if (const auto *removed = std::get_if<af::EventRemoved>(&message.value))
        Q_EMIT eventRemoved(*removed);
    else if (const auto *change = std::get_if<af::ReactionChange>(&message.value))
        Q_EMIT reactionUpdated(*change);
    else if (const auto *comment = std::get_if<af::PostedComment>(&message.value))
        Q_EMIT commentCreated(*comment);
    else if (const auto *marker = std::get_if<af::Marker>(&message.value))
        Q_EMIT markerUpdated(*marker);
    else if (message.name == QLatin1String("activity.resync"))
        Q_EMIT resync();
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

template <typename T>
void EmbeddedFeedSource::run(QObject *context, std::function<T()> work, Callback<T> done)
{
    callBackend<T>(m_pool, this, context, std::move(work), std::move(done),
                   [this](bool unavailable, const QString &error) {
        if (unavailable)
            setConnectionState(Offline, error);
        else if (connectionState() == Offline && m_client)
            setConnectionState(Live);
    });
}

void EmbeddedFeedSource::loadEvents(const QString &cursor, int limit, QObject *context,
                                    Callback<af::FeedPage> done)
{
    loadEvents(cursor, limit, FeedFilter{}, context, std::move(done));
}

void EmbeddedFeedSource::loadEvents(const QString &cursor, int limit, const FeedFilter &filter,
                                    QObject *context, Callback<af::FeedPage> done)
{
    const int tenant = m_tenantId;
    af::FeedQuery query{cursor, limit, std::nullopt, filter.eventTypes};
    if (filter.tenantId > 0)
        query.tenantId = filter.tenantId;
    run<af::FeedPage>(context, [this, tenant, query] { return m_service.eventsPage(tenant, query); },
                      std::move(done));
}

void EmbeddedFeedSource::loadMarker(QObject *context, Callback<af::Marker> done)
{
    if (!m_markers) {
        FeedSource::loadMarker(context, std::move(done));
        return;
    }
    const int tenant = m_tenantId;
    run<af::Marker>(context, [this, tenant] { return m_markers->marker(tenant); }, std::move(done));
}

void EmbeddedFeedSource::advanceMarker(qint64 lastReadSeq, QObject *context,
                                       Callback<af::Marker> done)
{
    if (!m_markers) {
        FeedSource::advanceMarker(lastReadSeq, context, std::move(done));
        return;
    }
    const int tenant = m_tenantId;
    run<af::Marker>(context, [this, tenant, lastReadSeq] {
        return m_markers->advance(tenant, lastReadSeq);
    }, std::move(done));
}

void EmbeddedFeedSource::loadEventSources(const QString &eventId, QObject *context,
                                          Callback<std::vector<af::SourceRow>> done)
{
    run<std::vector<af::SourceRow>>(context, [this, eventId] { return m_service.eventSources(eventId); },
                                    std::move(done));
}

void EmbeddedFeedSource::setReaction(const QString &eventId, const QString &type, bool add,
                                     QObject *context, Callback<af::ReactionChange> done)
{
    const int tenant = m_tenantId;
    run<af::ReactionChange>(context, [this, tenant, eventId, type, add] {
        return m_service.react(tenant, eventId, type, add);
    }, std::move(done));
}

void EmbeddedFeedSource::loadComments(const QString &eventId, const QString &cursor, int limit,
                                      QObject *context, Callback<af::CommentPage> done)
{
    run<af::CommentPage>(context, [this, eventId, cursor, limit] {
        return m_service.comments(eventId, cursor, limit);
    }, std::move(done));
}

void EmbeddedFeedSource::addComment(const QString &eventId, const QString &body,
                                    QObject *context, Callback<af::PostedComment> done)
{
    const int tenant = m_tenantId;
    run<af::PostedComment>(context, [this, tenant, eventId, body] {
        return m_service.addComment(tenant, eventId, body);
    }, std::move(done));
}
