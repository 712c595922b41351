#include "feedsource.h"

FeedSource::FeedSource(QObject *parent) : QObject(parent) {}

void FeedSource::setConnectionState(ConnectionState state, const QString &error)
{
    if (m_state == state && m_error == error)
        return;
    m_state = state;
    m_error = error;
    Q_EMIT connectionStateChanged();
}
