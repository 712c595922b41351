#include "feedsource.h"

#include <QTimer>

FeedSource::FeedSource(QObject *parent) : QObject(parent) {}

void FeedSource::setConnectionState(ConnectionState state, const QString &error)
{
    if (m_state == state && m_error == error)
        return;
    m_state = state;
    m_error = error;
    Q_EMIT connectionStateChanged();
}

namespace {

// Answers on the next turn of the event loop, as every real call does.
template <typename T>
void answerLater(QObject *context, const FeedSource::Callback<T> &done, Reply<T> reply)
{
    QTimer::singleShot(0, context, [done, reply = std::move(reply)] { done(reply); });
}

} // namespace

void FeedSource::loadEvents(const QString &cursor, int limit, const FeedFilter &filter,
                            QObject *context, Callback<af::FeedPage> done)
{
    if (filter.isEmpty()) {
        loadEvents(cursor, limit, context, std::move(done));
        return;
    }
    answerLater(context, done,
                Reply<af::FeedPage>::failure(af::Error::Kind::BadInput,
                                             tr("This source cannot filter the feed.")));
}

void FeedSource::loadMarker(QObject *context, Callback<af::Marker> done)
{
    answerLater(context, done,
                Reply<af::Marker>::failure(af::Error::Kind::NotFound,
                                           tr("This source keeps no read marker.")));
}

void FeedSource::advanceMarker(qint64, QObject *context, Callback<af::Marker> done)
{
    loadMarker(context, std::move(done));
}
