#include "feedmodel.h"
#include "cardtext.h"
#include "relativetime.h"

#include "core/catalogue.h"

#include <QJsonArray>
#include <QScopeGuard>
#include <QJsonDocument>

#include <algorithm>
#include <optional>
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

FeedModel::RowPtr FeedModel::makeRow(af::Event event)
{
    auto row = std::make_shared<Row>(Row{std::move(event), {}, {}});
    row->payload = row->event.payload();
    row->createdAt = fromMicros(row->event.createdAtMicros);
    return row;
}

int FeedModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows.size();
}

QVariant FeedModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = *m_rows.at(index.row());
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
    case UnreadRole:
        return isUnread(e);
    case DividerAboveRole:
        return !m_dividerId.isEmpty() && e.id == m_dividerId;
    case AccessibleNameRole:
        return CardText::accessibleName(e);
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
            {IsMineRole, "isMine"},
            {UnreadRole, "unread"},
            {DividerAboveRole, "dividerAbove"},
            {AccessibleNameRole, "accessibleName"}};
}

void FeedModel::attach(FeedSource *source)
{
    m_pending.clear();
    connect(source, &FeedSource::eventCreated, this, &FeedModel::onEventCreated);
    connect(source, &FeedSource::eventUpdated, this, &FeedModel::onEventUpdated);
    connect(source, &FeedSource::eventRemoved, this, &FeedModel::onEventRemoved);
    connect(source, &FeedSource::reactionUpdated, this, &FeedModel::onReactionUpdated);
    connect(source, &FeedSource::commentCreated, this, &FeedModel::onCommentCreated);
    connect(source, &FeedSource::resync, this, &FeedModel::reload);
}

void FeedModel::clearRows()
{
    beginResetModel();
    m_rows.clear();
    m_ids.clear();
    m_removed.clear();
    m_dividerId.clear();
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
    m_removed.clear(); // the new first page is read after every fold so far
    restart(false); // the rows stay until the new first page replaces them
}

void FeedModel::requestPage(const QString &cursor, int generation)
{
    // Only a reload replaces the rows; a first load appends to what live events put there.
    const bool replace = std::exchange(m_replaceOnNextPage, false) && cursor.isEmpty();
    source()->loadEvents(cursor, pageSize(), m_filter, this,
                         [this, generation, replace](const Reply<af::FeedPage> &reply) {
        if (!pageApplies(generation))
            return;
        if (!reply.ok()) {
            setError(tr("The feed could not be loaded. %1").arg(reply.errorString));
            Q_EMIT loadingChanged();
            return;
        }
        finishPage(reply.value->nextCursor);
        QList<RowPtr> rows;
        QSet<QString> seen;
        for (const af::Event &event : reply.value->events) {
            if (event.id.isEmpty() || seen.contains(event.id) || m_removed.contains(event.id) ||
                (!replace && m_ids.contains(event.id)))
                continue;
            seen.insert(event.id);
            rows.append(makeRow(event));
        }
        if (replace) {
            // A reload after a resync: the whole list is new, which is what a reset is for.
            beginResetModel();
            m_rows.clear();
            m_ids.clear();
            for (RowPtr &row : rows)
                insertRow(m_rows.size(), std::move(row));
            endResetModel();
            m_newCount = 0;
            Q_EMIT newCountChanged();
        } else if (!rows.isEmpty()) {
            const int firstRow = m_rows.size();
            beginInsertRows({}, firstRow, firstRow + int(rows.size()) - 1);
            for (RowPtr &row : rows)
                insertRow(m_rows.size(), std::move(row));
            endInsertRows();
        }
        Q_EMIT countChanged();
        refreshDivider();
    });
}

bool FeedModel::newer(const af::Event &a, const af::Event &b)
{
    return a.createdAtMicros != b.createdAtMicros ? a.createdAtMicros > b.createdAtMicros
                                                  : a.seq > b.seq;
}

void FeedModel::onEventCreated(const af::Event &event)
{
    if (m_filter.matches(event)) // a hidden type or another tenant stays out of the rows
        queue({event, {}, {}, true});
}

void FeedModel::onEventUpdated(const af::Event &event)
{
    if (m_filter.matches(event))
        queue({event, {}, {}, false});
}

void FeedModel::onEventRemoved(const af::EventRemoved &removed)
{
    queue({{}, removed.id, removed.mergedInto, false});
}

void FeedModel::queue(Pending change)
{
    m_pending.append(std::move(change));
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void FeedModel::flushPending()
{
    // The stream delivers in seq order, oldest first: the last change of an id wins, and
    // an id created anywhere in the burst is new even when an update follows it.
    const QList<Pending> pending = std::exchange(m_pending, {});
    // Whatever changed, the divider may now sit above another row.
    const auto divider = qScopeGuard([this] { refreshDivider(); });
    // What the viewer had at the top before this burst: only new events above it count
    // as "new" (not a tile that grew, nor a late row further down).
    const std::optional<af::Event> oldTop =
        m_rows.isEmpty() ? std::nullopt : std::optional<af::Event>(m_rows.first()->event);
    QHash<QString, int> last;
    QSet<QString> created;
    for (int i = 0; i < pending.size(); ++i) {
        const Pending &p = pending.at(i);
        const QString &id = p.removedId.isEmpty() ? p.event.id : p.removedId;
        if (id.isEmpty())
            continue;
        last.insert(id, i);
        if (p.created)
            created.insert(id);
    }
    QList<RowPtr> fresh;
    QSet<QString> freshCreated;
    for (int i = 0; i < pending.size(); ++i) {
        const Pending &p = pending.at(i);
        const QString &id = p.removedId.isEmpty() ? p.event.id : p.removedId;
        if (id.isEmpty() || last.value(id) != i)
            continue;
        if (!p.removedId.isEmpty()) {
            m_removed.insert(id);
            if (const int row = rowOf(id); row >= 0)
                remove(row, p.mergedInto);
        } else if (m_removed.contains(id)) {
            continue; // a fold's tombstone is final: the single never comes back
        } else if (const int row = rowOf(id); row >= 0) {
            update(row, p.event);
        } else {
            fresh.append(makeRow(p.event));
            if (created.contains(id))
                freshCreated.insert(id);
        }
    }
    if (fresh.isEmpty())
        return;
    std::sort(fresh.begin(), fresh.end(),
              [](const RowPtr &a, const RowPtr &b) { return newer(a->event, b->event); });
    // The ones above the current top go in as one insert at row 0 (a burst, one frame);
    // a late one lands at its own place further down.
    int top = 0;
    while (top < fresh.size() && (m_rows.isEmpty() || newer(fresh.at(top)->event, m_rows.first()->event)))
        ++top;
    int added = 0;
    for (const RowPtr &row : std::as_const(fresh))
        if (freshCreated.contains(row->event.id) && (!oldTop || newer(row->event, *oldTop)))
            ++added;
    if (top > 0) {
        beginInsertRows({}, 0, top - 1);
        for (int i = top - 1; i >= 0; --i)
            insertRow(0, std::move(fresh[i]));
        endInsertRows();
    }
    for (int i = top; i < fresh.size(); ++i) {
        const int row = placeOf(fresh.at(i)->event, -1);
        beginInsertRows({}, row, row);
        insertRow(row, std::move(fresh[i]));
        endInsertRows();
    }
    Q_EMIT countChanged();
    if (added > 0) {
        m_newCount += added;
        Q_EMIT newCountChanged();
    }
}

int FeedModel::placeOf(const af::Event &event, int skip) const
{
    const int n = m_rows.size() - (skip >= 0 ? 1 : 0);
    int lo = 0, hi = n;
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        const int at = skip >= 0 && mid >= skip ? mid + 1 : mid;
        if (newer(event, m_rows.at(at)->event))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void FeedModel::update(int row, const af::Event &event)
{
    const af::Event &old = m_rows.at(row)->event;
    if (event.seq < old.seq)
        return; // an older state than the one shown (a page read after the change)
    af::Event next = event;
    // The stream is shared by every viewer, so it cannot carry this viewer's reactions;
    // the ones shown stay (a fold only ever adds the folded singles' reactions).
    for (const QString &type : old.myReactions)
        if (!next.myReactions.contains(type))
            next.myReactions.append(type);
    QList<int> roles;
    if (next.displayName != old.displayName)
        roles << Qt::DisplayRole << DisplayNameRole;
    if (next.description != old.description)
        roles << DescriptionRole;
    if (next.icon != old.icon)
        roles << IconRole;
    if (next.tenantId != old.tenantId)
        roles << TenantIdRole << IsMineRole;
    if (next.tenantName != old.tenantName)
        roles << TenantNameRole;
    if (next.eventType != old.eventType)
        roles << EventTypeRole;
    if (next.payloadJson != old.payloadJson)
        roles << PayloadRole << IsGroupRole << GroupCountRole << SamplesRole;
    if (next.createdAtMicros != old.createdAtMicros)
        roles << CreatedAtRole << RelativeTimeRole;
    if (next.seq != old.seq)
        roles << SeqRole;
    if (!(next.reactions == old.reactions))
        roles << ReactionCountsRole;
    if (next.seq != old.seq && isUnread(next) != isUnread(old))
        roles << UnreadRole;
    if (next.myReactions != old.myReactions)
        roles << MyReactionsRole;
    if (next.commentCount != old.commentCount)
        roles << CommentCountRole;
    if (roles.isEmpty())
        return;
    roles << AccessibleNameRole;
    const int to = placeOf(next, row);
    if (to != row) {
        // A move, not a remove and insert: the view keeps its delegates and its position.
        beginMoveRows({}, row, row, {}, to > row ? to + 1 : to);
        m_rows.move(row, to);
        endMoveRows();
    }
    m_rows.at(to) = makeRow(std::move(next)); // same id: its handle stays filed
    const QModelIndex idx = index(to);
    Q_EMIT dataChanged(idx, idx, roles);
}

void FeedModel::remove(int row, const QString &mergedInto)
{
    // The tile now holds the single's reactions: the viewer's own stay marked on it.
    const QStringList mine = m_rows.at(row)->event.myReactions;
    beginRemoveRows({}, row, row);
    m_ids.remove(m_rows.at(row)->event.id);
    m_rows.removeAt(row);
    endRemoveRows();
    Q_EMIT countChanged();
    const int tile = rowOf(mergedInto);
    if (tile < 0)
        return;
    QStringList &tileMine = m_rows.at(tile)->event.myReactions;
    const qsizetype before = tileMine.size();
    for (const QString &type : mine)
        if (!tileMine.contains(type))
            tileMine.append(type);
    if (tileMine.size() != before) {
        const QModelIndex idx = index(tile);
        Q_EMIT dataChanged(idx, idx, {MyReactionsRole});
    }
}

void FeedModel::insertRow(int pos, RowPtr row)
{
    const QString id = row->event.id;
    m_ids.insert(id, m_rows.insert(pos, std::move(row)));
}

void FeedModel::onReactionUpdated(const af::ReactionChange &change)
{
    const int row = rowOf(change.eventId);
    if (row < 0 || m_rows.at(row)->event.reactions == change.counts)
        return;
    QStringList rose;
    const QStringList names = af::Catalogue::reactionNames();
    for (int i = 0; i < names.size(); ++i)
        if (change.counts.of(i) > m_rows.at(row)->event.reactions.of(i))
            rose.append(names.at(i));
    m_rows.at(row)->event.reactions = change.counts;
    const QModelIndex idx = index(row);
    Q_EMIT dataChanged(idx, idx, {ReactionCountsRole, AccessibleNameRole});
    if (!rose.isEmpty())
        Q_EMIT reactionsRose(row, rose);
}

void FeedModel::onCommentCreated(const af::PostedComment &posted)
{
    const int row = rowOf(posted.comment.eventId);
    if (row < 0 || posted.commentCount < 0 || m_rows.at(row)->event.commentCount == posted.commentCount)
        return;
    m_rows.at(row)->event.commentCount = posted.commentCount;
    const QModelIndex idx = index(row);
    Q_EMIT dataChanged(idx, idx, {CommentCountRole, AccessibleNameRole});
}

void FeedModel::toggleReaction(int row, const QString &type)
{
    if (!source() || row < 0 || row >= m_rows.size())
        return;
    const QString eventId = m_rows.at(row)->event.id;
    const bool add = !m_rows.at(row)->event.myReactions.contains(type);
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
        QStringList &mine = m_rows.at(current)->event.myReactions;
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
    const auto it = m_ids.constFind(eventId);
    return it == m_ids.constEnd() ? -1 : m_rows.positionOf(*it);
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
    Q_EMIT dataChanged(index(0), index(m_rows.size() - 1), {RelativeTimeRole});
}

qint64 FeedModel::maxSeq(int first, int last) const
{
    qint64 best = 0;
    for (int i = std::max(0, first); i <= last && i < m_rows.size(); ++i)
        best = std::max(best, m_rows.at(i)->event.seq);
    return best;
}

void FeedModel::setFilter(const FeedFilter &filter)
{
    if (m_filter == filter)
        return;
    m_filter = filter;
    Q_EMIT filterChanged();
    // Another slice of the feed: rows of the old one must not stay, nor old answers land.
    m_newCount = 0;
    Q_EMIT newCountChanged();
    m_dividerId.clear();
    restart(true);
}

void FeedModel::setTypeFilter(const QStringList &types)
{
    FeedFilter next = m_filter;
    next.eventTypes = types;
    next.eventTypes.sort(); // one order, so the same set never reloads
    setFilter(next);
}

void FeedModel::setTenantFilter(int tenantId)
{
    FeedFilter next = m_filter;
    next.tenantId = tenantId > 0 ? tenantId : -1;
    setFilter(next);
}

bool FeedModel::isUnread(const af::Event &event) const
{
    const int me = source() ? source()->actingTenantId() : -1;
    // The tenant's own events are never unread, as the server counts them.
    return m_readUpTo >= 0 && event.seq > m_readUpTo && event.tenantId != me;
}

void FeedModel::setReadUpToSeq(qint64 seq)
{
    if (m_readUpTo == seq)
        return;
    m_readUpTo = seq;
    Q_EMIT readUpToSeqChanged();
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0), index(m_rows.size() - 1), {UnreadRole, AccessibleNameRole});
    refreshDivider();
}

void FeedModel::refreshDivider()
{
    // Above the first read row, when some unread row is above it: the reader's place.
    QString next;
    bool unreadAbove = false;
    for (int i = 0; m_readUpTo >= 0 && i < m_rows.size(); ++i) {
        const af::Event &event = m_rows.at(i)->event;
        if (isUnread(event)) {
            unreadAbove = true;
        } else if (event.seq <= m_readUpTo) {
            if (unreadAbove)
                next = event.id;
            break;
        }
    }
    if (next == m_dividerId)
        return;
    const QString old = std::exchange(m_dividerId, next);
    for (const QString &id : {old, next}) {
        if (const int row = id.isEmpty() ? -1 : rowOf(id); row >= 0)
            Q_EMIT dataChanged(index(row), index(row), {DividerAboveRole});
    }
}
