#include "feedmodel.h"
#include "relativetime.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace {

const QString kReactions = QStringLiteral("reactions");

/// A short line for one sample payload of a tile ("Sprint Champion", "Adept").
QString sampleText(const QString &type, const QJsonObject &p)
{
    auto str = [&p](const char *key) { return p.value(QLatin1String(key)).toString(); };
    auto num = [&p](const char *key) { return p.value(QLatin1String(key)).toVariant().toLongLong(); };
    if (type == QLatin1String("badge_earned") && !str("badgeName").isEmpty())
        return p.contains(QLatin1String("xpAwarded"))
                   ? FeedModel::tr("%1 · +%2 XP").arg(str("badgeName")).arg(num("xpAwarded"))
                   : str("badgeName");
    if (type == QLatin1String("xp_rank_up") && !str("rank").isEmpty())
        return FeedModel::tr("Reached %1").arg(str("rank"));
    if (type == QLatin1String("challenge_completed") && !str("challengeName").isEmpty())
        return str("challengeName");
    if (type == QLatin1String("streak_milestone"))
        return FeedModel::tr("%1-day streak").arg(num("days"));
    if (type == QLatin1String("tasks_burst"))
        return (num("count") == 1 ? FeedModel::tr("1 task in 24 h") : FeedModel::tr("%1 tasks in 24 h").arg(num("count")));
    if (type == QLatin1String("all_tasks_cleared"))
        return (num("tasksDone") == 1 ? FeedModel::tr("1 task done") : FeedModel::tr("%1 tasks done").arg(num("tasksDone")));
    // Unknown shapes: the first string value, else the compact JSON.
    for (auto it = p.begin(); it != p.end(); ++it)
        if (it->isString())
            return it->toString();
    return QString::fromUtf8(QJsonDocument(p).toJson(QJsonDocument::Compact));
}

bool isGroup(const QJsonObject &payload)
{
    return payload.value(QLatin1String("count")).isDouble() &&
           payload.value(QLatin1String("samples")).isArray();
}

} // namespace

FeedModel::FeedModel(QObject *parent)
    : QAbstractListModel(parent), m_now([] { return QDateTime::currentDateTimeUtc(); })
{
    // Bursts of live events become one insert per frame.
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(16);
    connect(&m_flushTimer, &QTimer::timeout, this, &FeedModel::flushPending);
    m_clockTimer.setInterval(30000);
    connect(&m_clockTimer, &QTimer::timeout, this, &FeedModel::refreshRelativeTimes);
    m_clockTimer.start();
}

FeedModel::Row FeedModel::makeRow(const QJsonObject &json)
{
    return Row{json, json.value(QLatin1String("id")).toString(),
               parseTimestamp(json.value(QLatin1String("created_at")).toString())};
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
    const QJsonObject &e = row.json;
    auto field = [&e](const char *key) { return e.value(QLatin1String(key)); };
    const QJsonObject payload = field("payload_json").toObject();
    switch (role) {
    case Qt::DisplayRole:
    case DisplayNameRole:
        return field("display_name").toString();
    case IdRole:
        return row.id;
    case TenantIdRole:
        return field("tenant_id").toInt();
    case TenantNameRole:
        return field("tenantName").toString();
    case EventTypeRole:
        return field("event_type").toString();
    case DescriptionRole:
        return field("description").toString();
    case IconRole:
        return field("icon").toString();
    case PayloadRole:
        return payload.toVariantMap();
    case CreatedAtRole:
        return row.createdAt;
    case SeqRole:
        return field("seq").toVariant().toLongLong();
    case HypeCountRole:
        return field("reactions").toObject().value(QLatin1String("hype")).toInt();
    case RespectCountRole:
        return field("reactions").toObject().value(QLatin1String("respect")).toInt();
    case TributeCountRole:
        return field("reactions").toObject().value(QLatin1String("tribute")).toInt();
    case MyReactionsRole:
        return field("myReactions").toVariant().toStringList();
    case CommentCountRole:
        return field("commentCount").toInt();
    case IsGroupRole:
        return isGroup(payload);
    case GroupCountRole:
        return isGroup(payload) ? payload.value(QLatin1String("count")).toInt() : 1;
    case SamplesRole: {
        QStringList samples;
        const QString type = field("event_type").toString();
        const QJsonArray array = payload.value(QLatin1String("samples")).toArray();
        for (const QJsonValue &sample : array)
            samples.append(sampleText(type, sample.toObject()));
        return samples;
    }
    case RelativeTimeRole:
        return relativeTime(row.createdAt, m_now());
    case IsMineRole:
        return m_source && m_source->actingTenantId() >= 0 &&
               field("tenant_id").toInt() == m_source->actingTenantId();
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
            {HypeCountRole, "hypeCount"},
            {RespectCountRole, "respectCount"},
            {TributeCountRole, "tributeCount"},
            {MyReactionsRole, "myReactions"},
            {CommentCountRole, "commentCount"},
            {IsGroupRole, "isGroup"},
            {GroupCountRole, "groupCount"},
            {SamplesRole, "samples"},
            {RelativeTimeRole, "relativeTime"},
            {IsMineRole, "isMine"}};
}

bool FeedModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_source && !m_atEnd && !m_loading;
}

void FeedModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        loadPage(false);
}

void FeedModel::componentComplete()
{
    m_complete = true;
    if (m_source && m_rows.isEmpty() && canFetchMore({}))
        loadPage(false);
}

void FeedModel::setSource(FeedSource *source)
{
    if (m_source == source)
        return;
    if (m_source)
        m_source->disconnect(this);
    m_source = source;
    ++m_generation;
    m_pending.clear();
    m_cursor.clear();
    m_atEnd = false;
    setLoading(false);
    if (!m_rows.isEmpty()) {
        // A different source is a different feed: this is not an incremental change.
        beginResetModel();
        m_rows.clear();
        m_keys.clear();
        m_topKey = 0;
        endResetModel();
        Q_EMIT countChanged();
    }
    if (m_source) {
        connect(m_source, &FeedSource::eventCreated, this, &FeedModel::onEventCreated);
        connect(m_source, &FeedSource::reactionUpdated, this, &FeedModel::onReactionUpdated);
        connect(m_source, &FeedSource::commentCreated, this, &FeedModel::onCommentCreated);
        connect(m_source, &FeedSource::resync, this, &FeedModel::reload);
        if (m_complete)
            loadPage(false);
    }
    Q_EMIT sourceChanged();
}

void FeedModel::setPageSize(int size)
{
    size = std::clamp(size, 1, 50);
    if (m_pageSize == size)
        return;
    m_pageSize = size;
    Q_EMIT pageSizeChanged();
}

void FeedModel::reload()
{
    if (!m_source)
        return;
    ++m_generation; // answers to earlier requests no longer apply
    m_atEnd = false;
    setLoading(false);
    loadPage(true);
}

void FeedModel::loadPage(bool replace)
{
    const int generation = m_generation;
    setLoading(true);
    m_source->loadEvents(replace ? QString() : m_cursor, m_pageSize, this,
                         [this, generation, replace](const FeedReply &reply) {
        if (generation != m_generation)
            return;
        setLoading(false);
        if (!reply.ok()) {
            setError(tr("The feed could not be loaded. %1").arg(reply.errorString));
            return;
        }
        const QJsonObject page = QJsonDocument::fromJson(reply.body).object();
        const QJsonArray events = page.value(QLatin1String("events")).toArray();
        const QJsonValue next = page.value(QLatin1String("nextCursor"));
        m_cursor = next.isString() ? next.toString() : QString();
        m_atEnd = !next.isString() || m_cursor.isEmpty();
        clearError();

        QList<Row> rows;
        QSet<QString> seen;
        for (const QJsonValue &value : events) {
            Row row = makeRow(value.toObject());
            if (row.id.isEmpty() || seen.contains(row.id) || (!replace && m_keys.contains(row.id)))
                continue;
            seen.insert(row.id);
            rows.append(std::move(row));
        }
        if (replace) {
            // A reload after a resync: the whole list is new, which is what a reset is for.
            beginResetModel();
            m_rows = std::move(rows);
            m_keys.clear();
            m_topKey = 0;
            for (int i = 0; i < m_rows.size(); ++i)
                m_keys.insert(m_rows.at(i).id, i);
            endResetModel();
            m_newCount = 0;
            Q_EMIT newCountChanged();
        } else if (!rows.isEmpty()) {
            const int first = int(m_rows.size());
            beginInsertRows({}, first, first + int(rows.size()) - 1);
            for (int i = 0; i < rows.size(); ++i)
                m_keys.insert(rows.at(i).id, m_topKey + first + i);
            m_rows.append(rows);
            endInsertRows();
        }
        Q_EMIT countChanged();
        Q_EMIT loadingChanged();
    });
}

void FeedModel::onEventCreated(const QJsonObject &event)
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
        Row row = makeRow(*it);
        if (row.id.isEmpty() || m_keys.contains(row.id) || seen.contains(row.id))
            continue;
        seen.insert(row.id);
        rows.append(std::move(row));
    }
    m_pending.clear();
    if (rows.isEmpty())
        return;
    beginInsertRows({}, 0, int(rows.size()) - 1);
    // Prepending one by one is amortised O(1) in Qt 6's QList (free space at the front);
    // `rows + m_rows` copied every row of a 100 000-row feed on each live insert.
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        m_keys.insert(it->id, --m_topKey);
        m_rows.prepend(std::move(*it));
    }
    endInsertRows();
    m_newCount += int(rows.size());
    Q_EMIT countChanged();
    Q_EMIT newCountChanged();
}

void FeedModel::onReactionUpdated(const QString &eventId, const QJsonObject &counts)
{
    const int row = rowOf(eventId);
    if (row < 0)
        return;
    QJsonObject &json = m_rows[row].json;
    const QJsonObject old = json.value(kReactions).toObject();
    QList<int> roles;
    if (old.value(QLatin1String("hype")) != counts.value(QLatin1String("hype")))
        roles.append(HypeCountRole);
    if (old.value(QLatin1String("respect")) != counts.value(QLatin1String("respect")))
        roles.append(RespectCountRole);
    if (old.value(QLatin1String("tribute")) != counts.value(QLatin1String("tribute")))
        roles.append(TributeCountRole);
    if (roles.isEmpty())
        return;
    json.insert(kReactions, counts);
    const QModelIndex idx = index(row);
    Q_EMIT dataChanged(idx, idx, roles);
}

void FeedModel::onCommentCreated(const QJsonObject &comment)
{
    const int row = rowOf(comment.value(QLatin1String("eventId")).toString());
    const QJsonValue count = comment.value(QLatin1String("commentCount"));
    if (row < 0 || !count.isDouble())
        return;
    QJsonObject &json = m_rows[row].json;
    if (json.value(QLatin1String("commentCount")) == count)
        return;
    json.insert(QLatin1String("commentCount"), count);
    const QModelIndex idx = index(row);
    Q_EMIT dataChanged(idx, idx, {CommentCountRole});
}

void FeedModel::toggleReaction(int row, const QString &type)
{
    if (!m_source || row < 0 || row >= m_rows.size())
        return;
    const QString eventId = m_rows.at(row).id;
    const bool add = !m_rows.at(row).json.value(QLatin1String("myReactions")).toVariant()
                          .toStringList().contains(type);
    m_source->setReaction(eventId, type, add, this, [this, eventId, type, add](const FeedReply &reply) {
        if (!reply.ok()) {
            if (reply.status == 429) {
                const int minutes = std::max(1, (reply.retryAfter + 59) / 60);
                setError(reply.retryAfter > 0
                             ? (minutes == 1 ? tr("You have used all your reactions for this hour. Try again in %n minute.", nullptr, minutes) : tr("You have used all your reactions for this hour. Try again in %n minutes.", nullptr, minutes))
                             : tr("You have used all your reactions for this hour. Try again later."));
            } else if (reply.status == 403) {
                setError(tr("You cannot react to your own events."));
            } else {
                setError(tr("The reaction was not saved. %1").arg(reply.errorString));
            }
            return;
        }
        const int current = rowOf(eventId); // rows may have moved while the request ran
        if (current < 0)
            return;
        QJsonObject &json = m_rows[current].json;
        QStringList mine = json.value(QLatin1String("myReactions")).toVariant().toStringList();
        if (add && !mine.contains(type))
            mine.append(type);
        if (!add)
            mine.removeAll(type);
        json.insert(QLatin1String("myReactions"), QJsonArray::fromStringList(mine));
        const QModelIndex idx = index(current);
        Q_EMIT dataChanged(idx, idx, {MyReactionsRole});
        const QJsonObject counts =
            QJsonDocument::fromJson(reply.body).object().value(QLatin1String("counts")).toObject();
        if (!counts.isEmpty())
            onReactionUpdated(eventId, counts);
    });
}

void FeedModel::loadSources(const QString &eventId)
{
    if (!m_source)
        return;
    m_source->loadEventSources(eventId, this, [this, eventId](const FeedReply &reply) {
        if (!reply.ok()) {
            Q_EMIT sourcesLoaded(eventId, {}, reply.errorString);
            return;
        }
        const QJsonDocument doc = QJsonDocument::fromJson(reply.body);
        // Accept a bare array or {"sources": […]}, whichever the backend settles on.
        const QJsonArray array = doc.isArray()
                                     ? doc.array()
                                     : doc.object().value(QLatin1String("sources")).toArray();
        QVariantList sources;
        const QDateTime now = m_now();
        for (const QJsonValue &value : array) {
            const QJsonObject source = value.toObject();
            QVariantMap item = source.toVariantMap();
            const QString type = source.value(QLatin1String("event_type")).toString();
            item.insert(QStringLiteral("summary"),
                        sampleText(type, source.value(QLatin1String("payload_json")).toObject()));
            item.insert(QStringLiteral("relativeTime"),
                        relativeTime(parseTimestamp(source.value(QLatin1String("created_at")).toString()), now));
            sources.append(item);
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

void FeedModel::clearError()
{
    setError({});
}

void FeedModel::setError(const QString &error)
{
    if (m_errorString == error)
        return;
    m_errorString = error;
    Q_EMIT errorStringChanged();
}

void FeedModel::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged();
}

void FeedModel::refreshRelativeTimes()
{
    if (m_rows.isEmpty())
        return;
    Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), {RelativeTimeRole});
}
