#include "commentsmodel.h"
#include "relativetime.h"

#include <QJsonArray>
#include <QJsonDocument>

CommentsModel::CommentsModel(QObject *parent)
    : QAbstractListModel(parent), m_now([] { return QDateTime::currentDateTimeUtc(); })
{
}

int CommentsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant CommentsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &c = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case BodyRole:
        return c.value(QLatin1String("body")).toString();
    case IdRole:
        return c.value(QLatin1String("id")).toString();
    case TenantIdRole:
        return c.value(QLatin1String("tenant_id")).toInt();
    case TenantNameRole:
        return c.value(QLatin1String("tenantName")).toString();
    case CreatedAtRole:
        return parseTimestamp(c.value(QLatin1String("created_at")).toString());
    case RelativeTimeRole:
        return relativeTime(parseTimestamp(c.value(QLatin1String("created_at")).toString()), m_now());
    case IsMineRole:
        return m_source && m_source->actingTenantId() >= 0 &&
               c.value(QLatin1String("tenant_id")).toInt() == m_source->actingTenantId();
    }
    return {};
}

QHash<int, QByteArray> CommentsModel::roleNames() const
{
    return {{IdRole, "commentId"},   {TenantIdRole, "tenantId"},
            {TenantNameRole, "tenantName"}, {BodyRole, "body"},
            {CreatedAtRole, "createdAt"}, {RelativeTimeRole, "relativeTime"},
            {IsMineRole, "isMine"}};
}

bool CommentsModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_source && !m_eventId.isEmpty() && !m_atEnd && !m_loading;
}

void CommentsModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        loadPage();
}

void CommentsModel::setSource(FeedSource *source)
{
    if (m_source == source)
        return;
    if (m_source)
        m_source->disconnect(this);
    m_source = source;
    if (m_source)
        connect(m_source, &FeedSource::commentCreated, this, &CommentsModel::onCommentCreated);
    restart();
    Q_EMIT sourceChanged();
}

void CommentsModel::setEventId(const QString &eventId)
{
    if (m_eventId == eventId)
        return;
    m_eventId = eventId;
    restart();
    Q_EMIT eventIdChanged();
}

void CommentsModel::restart()
{
    ++m_generation;
    m_cursor.clear();
    m_atEnd = false;
    if (m_loading) {
        m_loading = false;
        Q_EMIT loadingChanged();
    }
    if (!m_rows.isEmpty()) {
        // Another event's thread: not an incremental change.
        beginResetModel();
        m_rows.clear();
        m_ids.clear();
        endResetModel();
        Q_EMIT countChanged();
    }
    clearError();
    if (canFetchMore({}))
        loadPage();
}

void CommentsModel::loadPage()
{
    const int generation = m_generation;
    m_loading = true;
    Q_EMIT loadingChanged();
    m_source->loadComments(m_eventId, m_cursor, m_pageSize, this,
                           [this, generation](const FeedReply &reply) {
        if (generation != m_generation)
            return;
        m_loading = false;
        if (!reply.ok()) {
            setError(tr("The comments could not be loaded. %1").arg(reply.errorString));
            Q_EMIT loadingChanged();
            return;
        }
        const QJsonObject page = QJsonDocument::fromJson(reply.body).object();
        const QJsonValue next = page.value(QLatin1String("nextCursor"));
        m_cursor = next.toString();
        m_atEnd = !next.isString() || m_cursor.isEmpty();
        QList<QJsonObject> comments;
        const QJsonArray array = page.value(QLatin1String("comments")).toArray();
        for (const QJsonValue &value : array)
            comments.append(value.toObject());
        append(comments);
        Q_EMIT loadingChanged();
    });
}

void CommentsModel::append(const QList<QJsonObject> &comments)
{
    QList<QJsonObject> fresh;
    for (const QJsonObject &comment : comments) {
        const QString id = comment.value(QLatin1String("id")).toString();
        if (id.isEmpty() || m_ids.contains(id))
            continue;
        m_ids.insert(id);
        fresh.append(comment);
    }
    if (fresh.isEmpty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(fresh.size()) - 1);
    m_rows.append(fresh);
    endInsertRows();
    Q_EMIT countChanged();
}

void CommentsModel::onCommentCreated(const QJsonObject &comment)
{
    // While older pages are still unread the comment will come with the last page.
    if (comment.value(QLatin1String("eventId")).toString() != m_eventId || !m_atEnd)
        return;
    append({comment});
}

int CommentsModel::codePointCount(const QString &text)
{
    return int(text.trimmed().toUcs4().size());
}

void CommentsModel::post(const QString &body)
{
    const int length = codePointCount(body);
    if (!m_source || m_eventId.isEmpty() || m_posting)
        return;
    if (length == 0 || length > maxLength()) {
        setError(length == 0 ? tr("Write something first.")
                             : tr("A comment can have at most %1 characters.").arg(maxLength()));
        return;
    }
    m_posting = true;
    Q_EMIT postingChanged();
    const int generation = m_generation;
    m_source->addComment(m_eventId, body.trimmed(), this, [this, generation](const FeedReply &reply) {
        m_posting = false;
        Q_EMIT postingChanged();
        if (!reply.ok()) {
            setError(tr("The comment was not posted. %1").arg(reply.errorString));
            return;
        }
        clearError();
        if (generation == m_generation && m_atEnd)
            append({QJsonDocument::fromJson(reply.body).object().value(QLatin1String("comment")).toObject()});
        Q_EMIT posted();
    });
}

void CommentsModel::clearError()
{
    setError({});
}

void CommentsModel::setError(const QString &error)
{
    if (m_errorString == error)
        return;
    m_errorString = error;
    Q_EMIT errorStringChanged();
}
