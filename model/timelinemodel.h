#pragma once
#include "feedsource.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QPointer>
#include <QQmlParserStatus>
#include <QtQml/qqmlregistration.h>

#include <functional>

/// @brief What the feed and a comment thread share, as Tokodon's AbstractTimelineModel
/// does: the source, cursor paging through fetchMore, a generation that retires answers
/// that no longer apply, and the loading and error state. Subclasses add their rows.
class TimelineModel : public QAbstractListModel, public QQmlParserStatus
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("TimelineModel is the base of FeedModel and CommentsModel")
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(FeedSource *source READ source WRITE setSource NOTIFY sourceChanged)
    Q_PROPERTY(bool loading READ isLoading NOTIFY loadingChanged)
    Q_PROPERTY(bool atEnd READ atEnd NOTIFY loadingChanged)
    Q_PROPERTY(int count READ rowCountProperty NOTIFY countChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)

public:
    explicit TimelineModel(QObject *parent = nullptr);

    [[nodiscard]] bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    void classBegin() override { m_complete = false; }
    void componentComplete() override;

    [[nodiscard]] FeedSource *source() const { return m_source; }
    void setSource(FeedSource *source);
    [[nodiscard]] bool isLoading() const { return m_loading; }
    [[nodiscard]] bool atEnd() const { return m_atEnd; }
    [[nodiscard]] QString errorString() const { return m_errorString; }
    [[nodiscard]] int pageSize() const { return m_pageSize; }
    /// @brief The clock used for relative times (tests set a fixed one).
    void setNow(const std::function<QDateTime()> &now) { m_now = now; }

    /// @brief fetchMore() for QML views: starts loading the next page if there is one.
    Q_INVOKABLE void loadMore() { fetchMore({}); }
    Q_INVOKABLE void clearError() { setError({}); }

Q_SIGNALS:
    void sourceChanged();
    void loadingChanged();
    void countChanged();
    void errorStringChanged();

protected:
    /// @brief Asks the source for the page after @p cursor (empty: the first); the answer
    /// goes to finishPage() when it still applies.
    virtual void requestPage(const QString &cursor, int generation) = 0;
    /// @brief Drops every row (a new source or thread: a reset, not an incremental change).
    virtual void clearRows() = 0;
    /// @brief Connects the source's live signals.
    virtual void attach(FeedSource *source) = 0;
    /// @brief Whether a page may be asked for now (a thread needs its event id).
    [[nodiscard]] virtual bool ready() const { return true; }

    /// @brief Starts loading the first page again (answers to earlier requests no longer
    /// apply); @p clear also drops the rows at once.
    void restart(bool clear);
    void loadPage(bool first);
    /// @brief Whether an answer made for @p generation still applies; if so, loading ends.
    [[nodiscard]] bool pageApplies(int generation);
    /// @brief The page arrived with @p nextCursor (empty at the end). Called before its
    /// rows go in: a view that fetches more on an insert then asks for the page after it.
    void finishPage(const QString &nextCursor);
    void setError(const QString &error);
    void setPageSize(int size) { m_pageSize = size; }
    [[nodiscard]] QDateTime now() const { return m_now(); }
    [[nodiscard]] int rowCountProperty() const { return rowCount(); }

private:
    void setLoading(bool loading);

    QPointer<FeedSource> m_source;
    QString m_cursor;
    QString m_errorString;
    bool m_loading = false;
    bool m_atEnd = false;
    bool m_complete = true;
    int m_generation = 0;
    int m_pageSize = 20;
    std::function<QDateTime()> m_now;
};
