#pragma once
#include "feedsource.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QJsonObject>
#include <QPointer>
#include <QQmlParserStatus>
#include <QSet>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

/// @brief The activity feed, newest first: pages appended by fetchMore, live events
/// inserted at row 0 (CONTRACT §7).
class FeedModel : public QAbstractListModel, public QQmlParserStatus
{
    Q_OBJECT
    QML_ELEMENT
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(FeedSource *source READ source WRITE setSource NOTIFY sourceChanged)
    Q_PROPERTY(bool loading READ isLoading NOTIFY loadingChanged)
    Q_PROPERTY(bool atEnd READ atEnd NOTIFY loadingChanged)
    Q_PROPERTY(int count READ rowCountProperty NOTIFY countChanged)
    Q_PROPERTY(int newCount READ newCount NOTIFY newCountChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(int pageSize READ pageSize WRITE setPageSize NOTIFY pageSizeChanged)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1, ///< event uuid (string)
        TenantIdRole,              ///< owner tenant id (int)
        TenantNameRole,            ///< owner tenant name
        EventTypeRole,             ///< e.g. "badge_earned"
        DisplayNameRole,           ///< human title, e.g. "Badge earned"
        DescriptionRole,           ///< detail text (plain text)
        IconRole,                  ///< emoji
        PayloadRole,               ///< payload_json as a map
        CreatedAtRole,             ///< QDateTime (UTC)
        SeqRole,                   ///< stream sequence number (qint64)
        HypeCountRole,             ///< reactions.hype
        RespectCountRole,          ///< reactions.respect
        TributeCountRole,          ///< reactions.tribute
        MyReactionsRole,           ///< QStringList of types the viewer gave
        CommentCountRole,          ///< number of comments
        IsGroupRole,               ///< a tile made of several queue rows
        GroupCountRole,            ///< payload count for tiles, 1 otherwise
        SamplesRole,               ///< QStringList: one short line per sample payload
        RelativeTimeRole,          ///< "5 min ago", kept current
        IsMineRole,                ///< owned by the acting tenant (cannot react)
    };
    Q_ENUM(Roles)

    explicit FeedModel(QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;
    [[nodiscard]] bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    void classBegin() override { m_complete = false; }
    void componentComplete() override;

    [[nodiscard]] FeedSource *source() const { return m_source; }
    void setSource(FeedSource *source);
    [[nodiscard]] bool isLoading() const { return m_loading; }
    [[nodiscard]] bool atEnd() const { return m_atEnd; }
    [[nodiscard]] int newCount() const { return m_newCount; }
    [[nodiscard]] QString errorString() const { return m_errorString; }
    [[nodiscard]] int pageSize() const { return m_pageSize; }
    void setPageSize(int size);

    /// @brief fetchMore() for QML views: starts loading the next page if there is one.
    Q_INVOKABLE void loadMore() { fetchMore({}); }
    /// @brief Loads the newest page again and replaces the rows with it.
    Q_INVOKABLE void reload();
    /// @brief The viewer saw the top of the list: the "N new" pill goes away.
    Q_INVOKABLE void markSeen();
    Q_INVOKABLE void clearError();
    /// @brief Adds or removes the acting tenant's reaction of @p type on @p row.
    Q_INVOKABLE void toggleReaction(int row, const QString &type);
    /// @brief Asks for the queue events a tile was made of; answers with sourcesLoaded().
    Q_INVOKABLE void loadSources(const QString &eventId);
    /// @brief The row of an event id, or -1.
    [[nodiscard]] Q_INVOKABLE int rowOf(const QString &eventId) const;
    /// @brief The clock used for relative times (tests set a fixed one).
    void setNow(const std::function<QDateTime()> &now) { m_now = now; }
    /// @brief Emits dataChanged for the relative time of every row.
    void refreshRelativeTimes();

Q_SIGNALS:
    void sourceChanged();
    void loadingChanged();
    void countChanged();
    void newCountChanged();
    void errorStringChanged();
    void pageSizeChanged();
    void sourcesLoaded(const QString &eventId, const QVariantList &sources, const QString &error);

private:
    struct Row {
        QJsonObject json;
        QString id;
        QDateTime createdAt;
    };
    static Row makeRow(const QJsonObject &json);
    void loadPage(bool replace);
    void onEventCreated(const QJsonObject &event);
    void flushPending();
    void onReactionUpdated(const QString &eventId, const QJsonObject &counts);
    void onCommentCreated(const QJsonObject &comment);
    void setError(const QString &error);
    void setLoading(bool loading);
    [[nodiscard]] int rowCountProperty() const { return int(m_rows.size()); }

    QPointer<FeedSource> m_source;
    QList<Row> m_rows;
    /// id → position key; row = key − m_topKey (rows only ever go in at either end), so
    /// rowOf() is a hash lookup instead of a scan of every row.
    QHash<QString, qint64> m_keys;
    qint64 m_topKey = 0;
    QList<QJsonObject> m_pending;
    QTimer m_flushTimer;
    QTimer m_clockTimer;
    QString m_cursor;
    bool m_loading = false;
    bool m_atEnd = false;
    bool m_complete = true;
    int m_generation = 0;
    int m_newCount = 0;
    int m_pageSize = 20;
    QString m_errorString;
    std::function<QDateTime()> m_now;
};
