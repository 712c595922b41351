#include "timelinemodel.h"
#include "rebind.h"

TimelineModel::TimelineModel(QObject *parent)
    : QAbstractListModel(parent), m_now([] { return QDateTime::currentDateTimeUtc(); })
{
}

bool TimelineModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_source && ready() && !m_atEnd && !m_loading;
}

void TimelineModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        loadPage(false);
}

void TimelineModel::componentComplete()
{
    m_complete = true;
    if (rowCount() == 0 && canFetchMore({}))
        loadPage(false);
}

void TimelineModel::setSource(FeedSource *source)
{
    if (!rebind(this, m_source, source))
        return;
    if (m_source)
        attach(m_source);
    restart(true);
    Q_EMIT sourceChanged();
}

void TimelineModel::restart(bool clear)
{
    ++m_generation; // answers to earlier requests no longer apply
    m_cursor.clear();
    m_atEnd = false;
    setLoading(false);
    if (clear && rowCount() > 0) {
        clearRows();
        Q_EMIT countChanged();
    }
    clearError();
    if (m_complete && canFetchMore({}))
        loadPage(true);
}

void TimelineModel::loadPage(bool first)
{
    setLoading(true);
    requestPage(first ? QString() : m_cursor, m_generation);
}

bool TimelineModel::pageApplies(int generation)
{
    if (generation != m_generation)
        return false;
    setLoading(false);
    return true;
}

void TimelineModel::finishPage(const QString &nextCursor)
{
    m_cursor = nextCursor;
    m_atEnd = nextCursor.isEmpty();
    clearError();
    Q_EMIT loadingChanged();
}

void TimelineModel::setError(const QString &error)
{
    if (m_errorString == error)
        return;
    m_errorString = error;
    Q_EMIT errorStringChanged();
}

void TimelineModel::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged();
}
