#pragma once
#include "rowindex.h"
#include "timelinemodel.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QJsonObject>
#include <QPointer>
#include <QQmlParserStatus>
#include <QSet>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <memory>

/// @brief The activity feed, newest first by (created_at, seq): pages appended by
/// fetchMore; live events inserted, or replaced and moved to their new place, and folded
/// singles removed, all without a reset.
class FeedModel : public TimelineModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(int newCount READ newCount NOTIFY newCountChanged)
    Q_PROPERTY(int pageSize READ pageSize WRITE setPageSize NOTIFY pageSizeChanged)
    /// Only these event types (empty: every type); a change reloads the feed.
    Q_PROPERTY(QStringList typeFilter READ typeFilter WRITE setTypeFilter NOTIFY filterChanged)
    /// Only this tenant's events (-1: every tenant); a change reloads the feed.
    Q_PROPERTY(int tenantFilter READ tenantFilter WRITE setTenantFilter NOTIFY filterChanged)
    /// Where the "New since you last read" divider goes: events with a larger seq are
    /// unread. -1: no marker known, nothing is unread.
    Q_PROPERTY(qint64 readUpToSeq READ readUpToSeq WRITE setReadUpToSeq NOTIFY readUpToSeqChanged)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1, ///< event uuid (string)
        TenantIdRole,              ///< owner tenant id (int)
        TenantNameRole,            ///< owner tenant name
        EventTypeRole,             ///< e.g. "badge_earned"
        DisplayNameRole,           ///< human title, from the catalogue
        DescriptionRole,           ///< detail text (plain text)
        IconRole,                  ///< emoji
        PayloadRole,               ///< payload_json as a map
        CreatedAtRole,             ///< QDateTime (UTC)
        SeqRole,                   ///< stream sequence number (qint64)
        ReactionCountsRole,        ///< QVariantList of counts, in the catalogue's reaction order
        MyReactionsRole,           ///< QStringList of types the viewer gave
        CommentCountRole,          ///< number of comments
        IsGroupRole,               ///< a tile made of several queue rows
        GroupCountRole,            ///< payload count for tiles, 1 otherwise
        SamplesRole,               ///< QStringList: one short line per sample payload
        RelativeTimeRole,          ///< "5 min ago", kept current
        IsMineRole,                ///< owned by the acting tenant (cannot react)
        UnreadRole,                ///< another tenant's event after readUpToSeq
        DividerAboveRole,          ///< the first read row below unread ones: the divider goes above it
        AccessibleNameRole,        ///< what a screen reader says for the card
    };
    Q_ENUM(Roles)

    explicit FeedModel(QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] int newCount() const { return m_newCount; }
    void setPageSize(int size);

    /// @brief Loads the newest page again and replaces the rows with it.
    Q_INVOKABLE void reload();
    /// @brief The viewer saw the top of the list: the "N new" pill goes away.
    Q_INVOKABLE void markSeen();
    /// @brief Adds or removes the acting tenant's reaction of @p type on @p row.
    Q_INVOKABLE void toggleReaction(int row, const QString &type);
    /// @brief Asks for the queue events a tile was made of; answers with sourcesLoaded().
    Q_INVOKABLE void loadSources(const QString &eventId);
    /// @brief The row of an event id, or -1.
    [[nodiscard]] Q_INVOKABLE int rowOf(const QString &eventId) const;
    /// @brief Emits dataChanged for the relative time of every row.
    void refreshRelativeTimes();
    /// @brief The largest seq among rows @p first to @p last (0 when none): what a
    /// viewer who saw those rows has read up to.
    [[nodiscard]] Q_INVOKABLE qint64 maxSeq(int first, int last) const;

    [[nodiscard]] QStringList typeFilter() const { return m_filter.eventTypes; }
    void setTypeFilter(const QStringList &types);
    [[nodiscard]] int tenantFilter() const { return m_filter.tenantId; }
    void setTenantFilter(int tenantId);
    [[nodiscard]] qint64 readUpToSeq() const { return m_readUpTo; }
    void setReadUpToSeq(qint64 seq);

Q_SIGNALS:
    void newCountChanged();
    void pageSizeChanged();
    void sourcesLoaded(const QString &eventId, const QVariantList &sources, const QString &error);
    void filterChanged();
    void readUpToSeqChanged();
    /// @brief Someone reacted to row @p row: the counts of @p types went up.
    void reactionsRose(int row, const QStringList &types);

protected:
    void requestPage(const QString &cursor, int generation) override;
    void clearRows() override;
    void attach(FeedSource *source) override;

private:
    struct Row {
        af::Event event;
        QJsonObject payload; ///< parsed once: the tile roles read it
        QDateTime createdAt;
    };
    using RowPtr = std::shared_ptr<Row>;
    /// One live change waiting for the next flush, in stream order.
    struct Pending {
        af::Event event;     ///< created or updated (empty id for a removal)
        QString removedId;   ///< a folded single
        QString mergedInto;  ///< the tile it went into
        bool created = false;
    };
    static RowPtr makeRow(af::Event event);
    /// Whether @p a goes above @p b (newer created_at, then larger seq).
    static bool newer(const af::Event &a, const af::Event &b);
    void onEventCreated(const af::Event &event);
    void onEventUpdated(const af::Event &event);
    void onEventRemoved(const af::EventRemoved &removed);
    void queue(Pending change);
    void flushPending();
    /// The row @p event belongs at, counted without row @p skip (-1: none).
    [[nodiscard]] int placeOf(const af::Event &event, int skip) const;
    /// Replaces row @p row by @p event and moves it to its place; no signal when equal.
    void update(int row, const af::Event &event);
    void remove(int row, const QString &mergedInto);
    /// Puts @p row at @p pos and files it under its id.
    void insertRow(int pos, RowPtr row);
    void onReactionUpdated(const af::ReactionChange &change);
    void onCommentCreated(const af::PostedComment &comment);
    void setFilter(const FeedFilter &filter);
    [[nodiscard]] bool isUnread(const af::Event &event) const;
    /// Finds the divider's row again and tells the view about the rows it left and reached.
    void refreshDivider();

    /// The rows in view order: an insert, a removal or a move anywhere in 100 000 rows, and
    /// the row of a handle, cost O(log n) (a tile moving up from 30 000 rows down included).
    RowIndex<RowPtr> m_rows;
    /// id → its row's handle in m_rows: rowOf() is a hash lookup and a position query.
    QHash<QString, RowIndex<RowPtr>::Handle> m_ids;
    FeedFilter m_filter;
    qint64 m_readUpTo = -1;
    QString m_dividerId; ///< the event the divider sits above; empty: none
    /// Singles folded into tiles since the last reload: a later page must not bring them
    /// back (it may have been read before the fold).
    QSet<QString> m_removed;
    QList<Pending> m_pending;
    QTimer m_flushTimer;
    QTimer m_clockTimer;
    int m_newCount = 0;
    bool m_replaceOnNextPage = false; ///< the next first page is a reload's
};
