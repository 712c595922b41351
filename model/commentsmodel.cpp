#include "commentsmodel.h"
#include "relativetime.h"

#include "core/catalogue.h"
#include "core/text.h"

namespace {

QDateTime fromMicros(qint64 micros)
{
    return QDateTime::fromMSecsSinceEpoch(micros / 1000, Qt::UTC);
}

} // namespace

CommentsModel::CommentsModel(QObject *parent) : TimelineModel(parent)
{
    setPageSize(af::Catalogue::limits().commentsPageDefault);
}

int CommentsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant CommentsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const af::Comment &c = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case BodyRole:
        return c.body;
    case IdRole:
        return c.id;
    case TenantIdRole:
        return c.tenantId;
    case TenantNameRole:
        return c.tenantName;
    case CreatedAtRole:
        return fromMicros(c.createdAtMicros);
    case RelativeTimeRole:
        return relativeTime(fromMicros(c.createdAtMicros), now());
    case IsMineRole:
        return source() && source()->actingTenantId() >= 0 && c.tenantId == source()->actingTenantId();
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

int CommentsModel::maxLength()
{
    return af::Catalogue::limits().commentMaxCodePoints;
}

void CommentsModel::attach(FeedSource *source)
{
    connect(source, &FeedSource::commentCreated, this, &CommentsModel::onCommentCreated);
    connect(source, &FeedSource::eventRemoved, this, &CommentsModel::onEventRemoved);
}

void CommentsModel::onEventRemoved(const af::EventRemoved &removed)
{
    // The fold moved this single's comments to the tile: read the tile's thread instead.
    if (removed.id != m_eventId || removed.mergedInto.isEmpty())
        return;
    const QString from = m_eventId;
    setEventId(removed.mergedInto);
    Q_EMIT followed(from, removed.mergedInto);
}

void CommentsModel::clearRows()
{
    beginResetModel();
    m_rows.clear();
    m_ids.clear();
    endResetModel();
}

void CommentsModel::setEventId(const QString &eventId)
{
    if (m_eventId == eventId)
        return;
    m_eventId = eventId;
    ++m_generation;
    restart(true); // another event's thread: not an incremental change
    Q_EMIT eventIdChanged();
}

void CommentsModel::requestPage(const QString &cursor, int generation)
{
    source()->loadComments(m_eventId, cursor, pageSize(), this,
                           [this, generation](const Reply<af::CommentPage> &reply) {
        if (!pageApplies(generation))
            return;
        if (!reply.ok()) {
            setError(tr("The comments could not be loaded. %1").arg(reply.errorString));
            Q_EMIT loadingChanged();
            return;
        }
        finishPage(reply.value->nextCursor);
        append(reply.value->comments);
    });
}

void CommentsModel::append(const std::vector<af::Comment> &comments)
{
    QList<af::Comment> fresh;
    for (const af::Comment &comment : comments) {
        if (comment.id.isEmpty() || m_ids.contains(comment.id))
            continue;
        m_ids.insert(comment.id);
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

void CommentsModel::onCommentCreated(const af::PostedComment &posted)
{
    // While older pages are still unread the comment will come with the last page.
    if (posted.comment.eventId != m_eventId || !atEnd())
        return;
    append({posted.comment});
}

int CommentsModel::codePointCount(const QString &text)
{
    return af::Text::codePoints(text.trimmed());
}

void CommentsModel::post(const QString &body)
{
    const int length = codePointCount(body);
    if (!source() || m_eventId.isEmpty() || m_posting)
        return;
    if (length == 0 || length > maxLength()) {
        setError(length == 0 ? tr("Write something first.")
                             : tr("A comment can have at most %1 characters.").arg(maxLength()));
        return;
    }
    m_posting = true;
    Q_EMIT postingChanged();
    const int generation = m_generation;
    source()->addComment(m_eventId, body.trimmed(), this,
                         [this, generation](const Reply<af::PostedComment> &reply) {
        m_posting = false;
        Q_EMIT postingChanged();
        if (!reply.ok()) {
            setError(tr("The comment was not posted. %1").arg(reply.errorString));
            return;
        }
        clearError();
        if (generation == m_generation && atEnd())
            append({reply.value->comment});
        Q_EMIT posted();
    });
}
