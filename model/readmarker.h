#pragma once
#include "feedsource.h"

#include <QObject>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

/// @brief The acting tenant's read position and unread count, kept in step with the
/// server: loaded at start, moved forward only when the view reports rows that the
/// person has seen, and taken over when another device moves it.
class ReadMarker : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(FeedSource *source READ source WRITE setSource NOTIFY sourceChanged)
    /// -1 until the marker is known (or when the source keeps none).
    Q_PROPERTY(qint64 lastReadSeq READ lastReadSeq NOTIFY markerChanged)
    /// Other tenants' events after the marker; 1000 means "1 000 or more".
    Q_PROPERTY(int unreadCount READ unreadCount NOTIFY markerChanged)
    /// Where the divider stays while the person reads: the marker as it was when they
    /// came to the window, so the line does not run away from under their eyes.
    Q_PROPERTY(qint64 dividerSeq READ dividerSeq NOTIFY dividerSeqChanged)
    /// How many times the view reported what is on screen (tests wait on it).
    Q_PROPERTY(int viewChecks READ viewChecks NOTIFY viewChecksChanged)

public:
    explicit ReadMarker(QObject *parent = nullptr);

    [[nodiscard]] FeedSource *source() const { return m_source; }
    void setSource(FeedSource *source);
    [[nodiscard]] qint64 lastReadSeq() const { return m_lastReadSeq; }
    [[nodiscard]] int unreadCount() const { return m_unread; }
    [[nodiscard]] qint64 dividerSeq() const { return m_dividerSeq; }
    [[nodiscard]] int viewChecks() const { return m_viewChecks; }

    /// @brief The view's report: rows up to @p maxVisibleSeq are on screen, and the
    /// window is @p windowActive. Only an active window moves the marker.
    Q_INVOKABLE void viewed(qint64 maxVisibleSeq, bool windowActive);
    /// @brief The person left the window: the divider moves up to the marker.
    Q_INVOKABLE void settleDivider();
    /// @brief Reads the marker from the source again.
    Q_INVOKABLE void reload();

Q_SIGNALS:
    void sourceChanged();
    void markerChanged();
    void dividerSeqChanged();
    void viewChecksChanged();

private:
    void apply(const af::Marker &marker, bool fromElsewhere);
    void send();
    void onEventCreated(const af::Event &event);
    void setDividerSeq(qint64 seq);

    QPointer<FeedSource> m_source;
    qint64 m_lastReadSeq = -1;
    qint64 m_dividerSeq = -1;
    qint64 m_wanted = 0;   ///< the furthest seq the view has reported as seen
    qint64 m_sent = 0;     ///< the furthest seq asked of the server so far
    int m_unread = 0;
    int m_viewChecks = 0;
    int m_generation = 0;  ///< answers for an earlier tenant or source no longer apply
    bool m_inFlight = false;
};
