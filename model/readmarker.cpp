#include "readmarker.h"
#include "rebind.h"

#include <algorithm>

namespace {
// The server counts unread events up to this and says "this many or more".
constexpr int kUnreadCap = af::Marker::kUnreadCap;
}

ReadMarker::ReadMarker(QObject *parent) : QObject(parent) {}

void ReadMarker::setSource(FeedSource *source)
{
    if (!rebind(this, m_source, source))
        return;
    if (m_source) {
        connect(m_source, &FeedSource::eventCreated, this, &ReadMarker::onEventCreated);
        connect(m_source, &FeedSource::markerUpdated, this,
                [this](const af::Marker &marker) { apply(marker, marker.lastReadSeq > m_sent); });
        // Another viewer, or a stream that lost events: the count is read again.
        connect(m_source, &FeedSource::actingTenantChanged, this, &ReadMarker::reload);
        connect(m_source, &FeedSource::resync, this, &ReadMarker::reload);
    }
    Q_EMIT sourceChanged();
    reload();
}

void ReadMarker::reload()
{
    ++m_generation;
    m_inFlight = false;
    m_wanted = m_sent = 0;
    if (!m_source)
        return;
    const int generation = m_generation;
    m_source->loadMarker(this, [this, generation](const Reply<af::Marker> &reply) {
        if (generation != m_generation || !reply.ok())
            return; // a source without markers: nothing is ever unread
        m_lastReadSeq = -1; // the server's answer stands, even if it is lower (a new tenant)
        apply(*reply.value, true);
    });
}

void ReadMarker::apply(const af::Marker &marker, bool fromElsewhere)
{
    if (marker.lastReadSeq < m_lastReadSeq)
        return; // an answer overtaken by a later one: the marker never goes back
    const bool changed = marker.lastReadSeq != m_lastReadSeq || marker.unreadCount != m_unread;
    m_lastReadSeq = marker.lastReadSeq;
    m_unread = std::clamp(marker.unreadCount, 0, kUnreadCap);
    m_sent = std::max(m_sent, m_lastReadSeq);
    if (changed)
        Q_EMIT markerChanged();
    // Moved here, the divider waits until the person leaves; moved elsewhere (or read
    // for the first time), it is where they read up to.
    if (fromElsewhere || m_dividerSeq < 0)
        setDividerSeq(m_lastReadSeq);
}

void ReadMarker::viewed(qint64 maxVisibleSeq, bool windowActive)
{
    ++m_viewChecks;
    Q_EMIT viewChecksChanged();
    if (!windowActive || m_lastReadSeq < 0 || maxVisibleSeq <= std::max(m_lastReadSeq, m_wanted))
        return;
    m_wanted = maxVisibleSeq;
    send();
}

void ReadMarker::send()
{
    if (m_inFlight || !m_source || m_wanted <= m_sent)
        return;
    m_inFlight = true;
    m_sent = m_wanted;
    const int generation = m_generation;
    m_source->advanceMarker(m_wanted, this, [this, generation](const Reply<af::Marker> &reply) {
        if (generation != m_generation)
            return;
        m_inFlight = false;
        if (reply.ok())
            apply(*reply.value, false);
        send(); // the view may have seen more while the request ran
    });
}

void ReadMarker::onEventCreated(const af::Event &event)
{
    // Counted here until the server's next answer: other tenants' events only.
    if (m_lastReadSeq < 0 || event.seq <= m_lastReadSeq || !m_source ||
        event.tenantId == m_source->actingTenantId() || m_unread >= kUnreadCap)
        return;
    ++m_unread;
    Q_EMIT markerChanged();
}

void ReadMarker::settleDivider()
{
    setDividerSeq(m_lastReadSeq);
}

void ReadMarker::setDividerSeq(qint64 seq)
{
    if (m_dividerSeq == seq)
        return;
    m_dividerSeq = seq;
    Q_EMIT dividerSeqChanged();
}
