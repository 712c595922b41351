import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import ActivityFeed.Models

// The feed: cards with infinite scroll, the "N new" pill and the side panel.
Item {
    id: page
    required property FeedSource source
    required property FeedModel feedModel
    readonly property bool panelOpen: detail.event !== null
    readonly property bool docked: width >= 980

    function openEvent(row) {
        const m = feedModel
        const idx = m.index(row, 0)
        const roles = ["eventId", "icon", "displayName", "tenantName", "description",
                       "relativeTime", "isGroup", "groupCount"]
        const names = { eventId: FeedModel.IdRole, icon: FeedModel.IconRole,
                        displayName: FeedModel.DisplayNameRole, tenantName: FeedModel.TenantNameRole,
                        description: FeedModel.DescriptionRole, relativeTime: FeedModel.RelativeTimeRole,
                        isGroup: FeedModel.IsGroupRole, groupCount: FeedModel.GroupCountRole }
        let snapshot = {}
        for (const r of roles)
            snapshot[r] = m.data(idx, names[r])
        detail.event = snapshot
    }
    function closeEvent() { detail.event = null }
    // The panel shows a snapshot of the card: when that card changes in place (a tile
    // grew) or arrives, the snapshot is taken again.
    function refreshOpenEvent(first, last) {
        if (!panelOpen)
            return
        const row = feedModel.rowOf(detail.eventId)
        if (row >= first && row <= last)
            openEvent(row)
    }
    function followEvent(tileId) {
        const row = feedModel.rowOf(tileId)
        if (row >= 0) {
            openEvent(row)
        } else {
            // The tile is not in the list yet: keep the panel on it until it arrives.
            let snapshot = Object.assign({}, detail.event)
            snapshot.eventId = tileId
            detail.event = snapshot
        }
    }

    Connections {
        target: page.feedModel
        function onDataChanged(topLeft, bottomRight) { page.refreshOpenEvent(topLeft.row, bottomRight.row) }
        function onRowsInserted(parent, first, last) { page.refreshOpenEvent(first, last) }
    }
    function focusComposer() {
        if (!panelOpen && list.count > 0)
            openEvent(Math.max(0, list.indexAt(list.width / 2, list.contentY + 40)))
        if (panelOpen)
            detail.focusComposer()
    }
    function scrollToTop() {
        list.positionViewAtBeginning()
        // That stops at the first card's edge, under the list's top margin: the reader
        // would see the first card cut by the header and the view not at its beginning.
        list.contentY = list.originY - list.topMargin
        feedModel.markSeen()
    }

    ListView {
        id: list
        objectName: "feedList"
        anchors.top: parent.top
        anchors.bottom: parent.bottom
        anchors.left: parent.left
        width: page.panelOpen && page.docked ? parent.width - detail.width : parent.width
        clip: true
        model: page.feedModel
        spacing: 12
        topMargin: 16
        bottomMargin: 16
        reuseItems: true
        boundsBehavior: Flickable.StopAtBounds
        ScrollBar.vertical: ScrollBar {}

        onContentYChanged: {
            if (contentY + height > contentHeight - 900)
                page.feedModel.loadMore()
            if (atYBeginning)
                page.feedModel.markSeen()
        }

        delegate: EventCard {
            width: Math.min(list.width - 40, 760)
            x: (list.width - width) / 2
            selected: page.panelOpen && detail.eventId === eventId
            onReactionClicked: (type) => page.feedModel.toggleReaction(index, type)
            onOpenRequested: page.openEvent(index)
        }

        footer: Item {
            width: list.width
            height: 64
            BusyIndicator {
                anchors.centerIn: parent
                running: page.feedModel.loading
                visible: running
            }
            Label {
                textFormat: Text.PlainText
                anchors.centerIn: parent
                visible: page.feedModel.atEnd && list.count > 0 && !page.feedModel.loading
                text: qsTr("You’re all caught up ✨")
                color: Theme.faint
                font.pixelSize: Theme.small + 1
            }
        }

        // Empty state
        ColumnLayout {
            anchors.centerIn: parent
            visible: list.count === 0 && !page.feedModel.loading
            spacing: 8
            Text { textFormat: Text.PlainText; Layout.alignment: Qt.AlignHCenter; text: "🌱"; font.pixelSize: 44 }
            Label {
                textFormat: Text.PlainText
                Layout.alignment: Qt.AlignHCenter
                text: qsTr("No activity yet")
                color: Theme.text
                font.pixelSize: Theme.headline
                font.weight: Font.DemiBold
            }
            Label {
                textFormat: Text.PlainText
                Layout.alignment: Qt.AlignHCenter
                text: page.source && page.source.embedded
                      ? qsTr("Emit a test event and drain the queue from the Admin tab.")
                      : qsTr("New events appear here as soon as they are published.")
                color: Theme.muted
            }
        }
    }

    // "N new" pill, shown while the reader is away from the top
    Button {
        id: pill
        objectName: "newPill"
        anchors.horizontalCenter: list.horizontalCenter
        anchors.top: parent.top
        anchors.topMargin: 14
        visible: page.feedModel.newCount > 0 && !list.atYBeginning
        highlighted: true
        text: ((page.feedModel.newCount) === 1 ? qsTr("↑ %n new event", "", page.feedModel.newCount) : qsTr("↑ %n new events", "", page.feedModel.newCount))
        onClicked: page.scrollToTop()
        background: Rectangle {
            implicitHeight: 34
            radius: 17
            color: pill.down ? Qt.darker(Theme.accent, 1.15) : Theme.accent
        }
        contentItem: Text {
            text: pill.text
            color: "white"
            font.pixelSize: Theme.small + 1
            font.weight: Font.DemiBold
            horizontalAlignment: Text.AlignHCenter
            verticalAlignment: Text.AlignVCenter
            leftPadding: 8
            rightPadding: 8
        }
    }

    // Dims the feed while the panel floats over it on narrow windows
    Rectangle {
        anchors.fill: parent
        visible: page.panelOpen && !page.docked
        color: Qt.rgba(0, 0, 0, Theme.dark ? 0.45 : 0.25)
        TapHandler { onTapped: page.closeEvent() }
    }

    DetailPanel {
        id: detail
        source: page.source
        feedModel: page.feedModel
        anchors.top: parent.top
        anchors.bottom: parent.bottom
        anchors.right: parent.right
        width: page.docked ? Math.min(420, page.width * 0.38) : Math.min(440, page.width - 60)
        visible: page.panelOpen
        onCloseRequested: page.closeEvent()
        onFollowRequested: (tileId) => page.followEvent(tileId)
    }
}
