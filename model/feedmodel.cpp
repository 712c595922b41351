#include "feedmodel.h"
#include "relativetime.h"

#include "core/catalogue.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <utility>

namespace {

bool isGroup(const QJsonObject &payload)
{
    return payload.value(QLatin1String("count")).isDouble() &&
           payload.value(QLatin1String("samples")).isArray();
}

QDateTime fromMicros(qint64 micros)
{
    return QDateTime::fromMSecsSinceEpoch(micros / 1000, Qt::UTC);
}

} // namespace

FeedModel::FeedModel(QObject *parent) : TimelineModel(parent)
{
    // Bursts of live events become one insert per frame.
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(16);
    connect(&m_flushTimer, &QTimer::timeout, this, &FeedModel::flushPending);
    m_clockTimer.setInterval(30000);
    connect(&m_clockTimer, &QTimer::timeout, this, &FeedModel::refreshRelativeTimes);
    m_clockTimer.start();
}

FeedModel::Row FeedModel::makeRow(af::Event event)
{
    Row row{std::move(event), {}, {}};
    row.payload = row.event.payload();
    row.createdAt = fromMicros(row.event.createdAtMicros);
    return row;
}

int FeedModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant FeedModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const af::Event &e = row.event;
    switch (role) {
    case Qt::DisplayRole:
    case DisplayNameRole:
        return e.displayName;
    case IdRole:
        return e.id;
    case TenantIdRole:
        return e.tenantId;
    case TenantNameRole:
        return e.tenantName;
    case EventTypeRole:
        return e.eventType;
    case DescriptionRole:
        return e.description;
    case IconRole:
        return e.icon;
    case PayloadRole:
        return row.payload.toVariantMap();
    case CreatedAtRole:
        return row.createdAt;
    case SeqRole:
        return e.seq;
    case ReactionCountsRole: {
        QVariantList counts;
        for (const int n : e.reactions.counts)
            counts.append(n);
        return counts;
    }
    case MyReactionsRole:
        return e.myReactions;
    case CommentCountRole:
        return e.commentCount;
    case IsGroupRole:
        return isGroup(row.payload);
    case GroupCountRole:
        return isGroup(row.payload) ? row.payload.value(QLatin1String("count")).toInt() : 1;
    case SamplesRole: {
        QStringList samples;
        const QJsonArray array = row.payload.value(QLatin1String("samples")).toArray();
        for (const QJsonValue &sample : array)
            samples.append(af::Catalogue::sampleText(e.eventType, sample.toObject()));
        return samples;
    }
    case RelativeTimeRole:
        return relativeTime(row.createdAt, now());
    case IsMineRole:
        return source() && source()->actingTenantId() >= 0 &&
               e.tenantId == source()->actingTenantId();
    }
    return {};
}

QHash<int, QByteArray> FeedModel::roleNames() const
{
    return {{IdRole, "eventId"},
            {TenantIdRole, "tenantId"},
            {TenantNameRole, "tenantName"},
            {EventTypeRole, "eventType"},
            {DisplayNameRole, "displayName"},
            {DescriptionRole, "description"},
            {IconRole, "icon"},
            {PayloadRole, "payload"},
            {CreatedAtRole, "createdAt"},
            {SeqRole, "seq"},
            {ReactionCountsRole, "reactionCounts"},
            {MyReactionsRole, "myReactions"},
            {CommentCountRole, "commentCount"},
            {IsGroupRole, "isGroup"},
            {GroupCountRole, "groupCount"},
            {SamplesRole, "samples"},
            {RelativeTimeRole, "relativeTime"},
            {IsMineRole, "isMine"}};
}

void FeedModel::attach(FeedSource *source)
{
    m_pending.clear();
    connect(source, &FeedSource::eventCreated, this, &FeedModel::onEventCreated);
    connect(source, &FeedSource::reactionUpdated, this, &FeedModel::onReactionUpdated);
    connect(source, &FeedSource::commentCreated, this, &FeedModel::onCommentCreated);
    connect(source, &FeedSource::resync, this, &FeedModel::reload);
}

void FeedModel::clearRows()
{
    beginResetModel();
    m_rows.clear();
    m_keys.clear();
    m_topKey = 0;
    endResetModel();
}

void FeedModel::setPageSize(int size)
{
    size = std::clamp(size, 1, af::Catalogue::limits().feedPageMax);
    if (pageSize() == size)
        return;
    TimelineModel::setPageSize(size);
    Q_EMIT pageSizeChanged();
}

void FeedModel::reload()
{
    m_replaceOnNextPage = true;
    restart(false); // the rows stay until the new first page replaces them
}

void FeedModel::requestPage(const QString &cursor, int generation)
{
    // Only a reload replaces the rows; a first load appends to what live events put there.
    const bool replace = std::exchange(m_replaceOnNextPage, false) && cursor.isEmpty();
    source()->loadEvents(cursor, pageSize(), this,
                         [this, generation, replace](const Reply<af::FeedPage> &reply) {
        if (!pageApplies(generation))
            return;
        if (!reply.ok()) {
            setError(tr("The feed could not be loaded. %1").arg(reply.errorString));
            Q_EMIT loadingChanged();
            return;
        }
        finishPage(reply.value->nextCursor);
        QList<Row> rows;
        QSet<QString> seen;
        for (const af::Event &event : reply.value->events) {
            if (event.id.isEmpty() || seen.contains(event.id) || (!replace && m_keys.contains(event.id)))
                continue;
            seen.insert(event.id);
            rows.append(makeRow(event));
        }
        if (replace) {
            // A reload after a resync: the whole list is new, which is what a reset is for.
            beginResetModel();
            m_rows = std::move(rows);
            m_keys.clear();
            m_topKey = 0;
            for (int i = 0; i < m_rows.size(); ++i)
                m_keys.insert(m_rows.at(i).event.id, i);
            endResetModel();
            m_newCount = 0;
            Q_EMIT newCountChanged();
        } else if (!rows.isEmpty()) {
            const int firstRow = int(m_rows.size());
            beginInsertRows({}, firstRow, firstRow + int(rows.size()) - 1);
            for (int i = 0; i < rows.size(); ++i)
                m_keys.insert(rows.at(i).event.id, m_topKey + firstRow + i);
            m_rows.append(rows);
            endInsertRows();
        }
        Q_EMIT countChanged();
    });
}

void FeedModel::onEventCreated(const af::Event &event)
{
    m_pending.append(event);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void FeedModel::flushPending()
{
    // The stream delivers in seq order, oldest first; the top of the list is the newest.
    QList<Row> rows;
    QSet<QString> seen;
    for (auto it = m_pending.crbegin(); it != m_pending.crend(); ++it) {
        if (it->id.isEmpty() || m_keys.contains(it->id) || seen.contains(it->id))
            continue;
        seen.insert(it->id);
        rows.append(makeRow(*it));
    }
    m_pending.clear();
    if (rows.isEmpty())
        return;
    beginInsertRows({}, 0, int(rows.size()) - 1);
    // Prepending one by one is amortised O(1) in Qt 6's QList (free space at the front);
    // `rows + m_rows` copied every row of a 100 000-row feed on each live insert.
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        m_keys.insert(it->event.id, --m_topKey);
        m_rows.prepend(std::move(*it));
    }
    endInsertRows();
    m_newCount += int(rows.size());
    Q_EMIT countChanged();
    Q_EMIT newCountChanged();
}

void FeedModel::onReactionUpdated(const af::ReactionChange &change)
{
    const int row = rowOf(change.eventId);
    if (row < 0 || m_rows.at(row).event.reactions == change.counts)
        return;
    m_rows[row].event.reactions = change.counts;
    const QModelIndex idx = index(row);
    Q_EMIT dataChanged(idx, idx, {ReactionCountsRole});
}

void FeedModel::onCommentCreated(const af::PostedComment &posted)
{
    const int row = rowOf(posted.comment.eventId);
    if (row < 0 || posted.commentCount < 0 || m_rows.at(row).event.commentCount == posted.commentCount)
        return;
    m_rows[row].event.commentCount = posted.commentCount;
    const QModelIndex idx = index(row);
    Q_EMIT dataChanged(idx, idx, {CommentCountRole});
}

void FeedModel::toggleReaction(int row, const QString &type)
{
    if (!source() || row < 0 || row >= m_rows.size())
        return;
    const QString eventId = m_rows.at(row).event.id;
    const bool add = !m_rows.at(row).event.myReactions.contains(type);
    source()->setReaction(eventId, type, add, this,
                          [this, eventId, type, add](const Reply<af::ReactionChange> &reply) {
        if (!reply.ok()) {
            if (reply.errorKind == af::Error::Kind::RateLimited) {
                const int minutes = std::max(1, (reply.retryAfter + 59) / 60);
                setError(reply.retryAfter > 0
                             ? (minutes == 1 ? tr("You have used all your reactions for this hour. Try again in %n minute.", nullptr, minutes) : tr("You have used all your reactions for this hour. Try again in %n minutes.", nullptr, minutes))
                             : tr("You have used all your reactions for this hour. Try again later."));
            } else if (reply.errorKind == af::Error::Kind::Forbidden) {
                setError(tr("You cannot react to your own events."));
            } else {
                setError(tr("The reaction was not saved. %1").arg(reply.errorString));
            }
            return;
        }
        const int current = rowOf(eventId); // rows may have moved while the request ran
        if (current < 0)
            return;
        QStringList &mine = m_rows[current].event.myReactions;
        if (add && !mine.contains(type))
            mine.append(type);
        if (!add)
            mine.removeAll(type);
        const QModelIndex idx = index(current);
        Q_EMIT dataChanged(idx, idx, {MyReactionsRole});
        onReactionUpdated(*reply.value);
    });
}

void FeedModel::loadSources(const QString &eventId)
{
    if (!source())
        return;
    source()->loadEventSources(eventId, this,
                               [this, eventId](const Reply<std::vector<af::SourceRow>> &reply) {
        if (!reply.ok()) {
            Q_EMIT sourcesLoaded(eventId, {}, reply.errorString);
            return;
        }
        QVariantList sources;
        const QDateTime current = now();
        for (const af::SourceRow &row : *reply.value) {
            const QJsonObject payload = QJsonDocument::fromJson(row.payloadJson).object();
            const QDateTime at = fromMicros(row.createdAtMicros);
            sources.append(QVariantMap{
                {QStringLiteral("id"), row.id},
                {QStringLiteral("tenant_id"), row.tenantId},
                {QStringLiteral("event_type"), row.eventType},
                {QStringLiteral("payload_json"), payload.toVariantMap()},
                {QStringLiteral("created_at"), at},
                {QStringLiteral("summary"), af::Catalogue::sampleText(row.eventType, payload)},
                {QStringLiteral("relativeTime"), relativeTime(at, current)}});
        }
        Q_EMIT sourcesLoaded(eventId, sources, {});
    });
}

int FeedModel::rowOf(const QString &eventId) const
{
    const auto it = m_keys.constFind(eventId);
    return it == m_keys.constEnd() ? -1 : int(*it - m_topKey);
}

void FeedModel::markSeen()
{
    if (m_newCount == 0)
        return;
    m_newCount = 0;
    Q_EMIT newCountChanged();
}

void FeedModel::refreshRelativeTimes()
{
    if (m_rows.isEmpty())
        return;
    Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), {RelativeTimeRole});
}
