#pragma once
#include "feedsource.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QJsonObject>
#include <QPointer>
#include <QSet>
#include <QtQml/qqmlregistration.h>

#include <functional>

/// @brief The comments of one event, oldest first, paged with fetchMore and appended
/// live from the stream.
class CommentsModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(FeedSource *source READ source WRITE setSource NOTIFY sourceChanged)
    Q_PROPERTY(QString eventId READ eventId WRITE setEventId NOTIFY eventIdChanged)
    Q_PROPERTY(bool loading READ isLoading NOTIFY loadingChanged)
    Q_PROPERTY(bool posting READ isPosting NOTIFY postingChanged)
    Q_PROPERTY(int count READ rowCountProperty NOTIFY countChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(int maxLength READ maxLength CONSTANT)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1, ///< comment uuid
        TenantIdRole,              ///< author tenant id
        TenantNameRole,            ///< author tenant name
        BodyRole,                  ///< comment text (plain text)
        CreatedAtRole,             ///< QDateTime (UTC)
        RelativeTimeRole,          ///< "5 min ago"
        IsMineRole,                ///< written by the acting tenant
    };
    Q_ENUM(Roles)

    explicit CommentsModel(QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;
    [[nodiscard]] bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    [[nodiscard]] FeedSource *source() const { return m_source; }
    void setSource(FeedSource *source);
    [[nodiscard]] QString eventId() const { return m_eventId; }
    void setEventId(const QString &eventId);
    [[nodiscard]] bool isLoading() const { return m_loading; }
    [[nodiscard]] bool isPosting() const { return m_posting; }
    [[nodiscard]] QString errorString() const { return m_errorString; }
    [[nodiscard]] static int maxLength() { return 500; }
    void setPageSize(int size) { m_pageSize = size; }
    void setNow(const std::function<QDateTime()> &now) { m_now = now; }

    /// @brief fetchMore() for QML views.
    Q_INVOKABLE void loadMore() { fetchMore({}); }
    /// @brief Length of @p text as the server counts it: trimmed, in Unicode code points.
    Q_INVOKABLE static int codePointCount(const QString &text);
    /// @brief Posts a comment by the acting tenant; emits posted() once it is saved.
    Q_INVOKABLE void post(const QString &body);
    Q_INVOKABLE void clearError();

Q_SIGNALS:
    void sourceChanged();
    void eventIdChanged();
    void loadingChanged();
    void postingChanged();
    void countChanged();
    void errorStringChanged();
    void posted();

private:
    void restart();
    void loadPage();
    void onCommentCreated(const QJsonObject &comment);
    void append(const QList<QJsonObject> &comments);
    void setError(const QString &error);
    [[nodiscard]] int rowCountProperty() const { return int(m_rows.size()); }

    QPointer<FeedSource> m_source;
    QString m_eventId;
    QList<QJsonObject> m_rows;
    QSet<QString> m_ids;
    QString m_cursor;
    bool m_loading = false;
    bool m_atEnd = false;
    bool m_posting = false;
    int m_generation = 0;
    int m_pageSize = 100;
    QString m_errorString;
    std::function<QDateTime()> m_now;
};
