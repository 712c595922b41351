#pragma once
#include "timelinemodel.h"

#include <QSet>
#include <QtQml/qqmlregistration.h>

/// @brief The comments of one event, oldest first, paged with fetchMore and appended
/// live from the stream.
class CommentsModel : public TimelineModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QString eventId READ eventId WRITE setEventId NOTIFY eventIdChanged)
    Q_PROPERTY(bool posting READ isPosting NOTIFY postingChanged)
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

    [[nodiscard]] QString eventId() const { return m_eventId; }
    void setEventId(const QString &eventId);
    [[nodiscard]] bool isPosting() const { return m_posting; }
    /// @brief The catalogue's limit on a comment, in code points.
    [[nodiscard]] static int maxLength();
    using TimelineModel::setPageSize;

    /// @brief Length of @p text as the server counts it: trimmed, in Unicode code points.
    Q_INVOKABLE static int codePointCount(const QString &text);
    /// @brief Posts a comment by the acting tenant; emits posted() once it is saved.
    Q_INVOKABLE void post(const QString &body);

Q_SIGNALS:
    void eventIdChanged();
    void postingChanged();
    void posted();
    /// @brief The thread's single was folded into the tile @p tileId: eventId is now the
    /// tile's and its comments (the single's among them) are loading. A panel showing the
    /// single follows it into the tile.
    void followed(const QString &fromId, const QString &tileId);

protected:
    void requestPage(const QString &cursor, int generation) override;
    void clearRows() override;
    void attach(FeedSource *source) override;
    [[nodiscard]] bool ready() const override { return !m_eventId.isEmpty(); }

private:
    void onCommentCreated(const af::PostedComment &posted);
    void onEventRemoved(const af::EventRemoved &removed);
    void append(const std::vector<af::Comment> &comments);

    QString m_eventId;
    QList<af::Comment> m_rows;
    QSet<QString> m_ids;
    bool m_posting = false;
    int m_generation = 0;
};
