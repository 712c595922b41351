import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import ActivityFeed.Models

// The feed: the filter bar, cards with infinite scroll, the "N new" pill, the side panel,
// and the reading: which cards the person has seen while the window is active.
Item {
    id: page
    required property FeedSource source
    required property FeedModel feedModel
    property ReadMarker readMarker: null
    property var tenants: []            // [{id, name}] for the tenant picker
    // The window is active and this page is the one shown: only then are cards "seen".
    property bool reading: false
    readonly property bool panelOpen: detail.event !== null
    readonly property bool docked: width >= 980

    signal shortcutsRequested()

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
    function closeEvent() {
        detail.event = null
        list.forceActiveFocus()
    }
    // Opens the keyboard's card: a tile shows its events, any card its comments.
    function openCurrent() {
        if (list.currentIndex < 0)
            return
        openEvent(list.currentIndex)
        detail.focusComposer()
    }
    function moveCurrent(step) {
        if (list.count === 0)
            return
        list.currentIndex = Math.max(0, Math.min(list.count - 1, list.currentIndex + step))
        list.positionViewAtIndex(list.currentIndex, ListView.Contain)
    }
    // 1, 2, 3: the reactions in the catalogue's order.
    function reactCurrent(i) {
        const reactions = Catalogue.reactions
        if (list.currentIndex >= 0 && i < reactions.length)
            feedModel.toggleReaction(list.currentIndex, reactions[i].name)
    }
    // A notification was clicked: that card becomes the current one, in view.
    function showEvent(eventId) {
        const row = feedModel.rowOf(eventId)
        if (row < 0)
            return
        list.currentIndex = row
        list.positionViewAtIndex(row, ListView.Center)
        list.forceActiveFocus()
    }
    function focusList() { list.forceActiveFocus() }
    // Tells the marker which cards are on screen (at least half of each).
    function reportViewed() {
        if (!readMarker)
            return
        let first = -1, last = -1
        const top = list.contentY, bottom = list.contentY + list.height
        const items = list.contentItem.children
        for (let i = 0; i < items.length; ++i) {
            const item = items[i]
            if (!item.visible || item.index === undefined || item.eventId === undefined)
                continue
            const middle = item.y + item.height / 2
            if (middle < top || middle > bottom)
                continue
            first = first < 0 ? item.index : Math.min(first, item.index)
            last = Math.max(last, item.index)
        }
        readMarker.viewed(first < 0 ? 0 : feedModel.maxSeq(first, last), page.reading && page.visible)
    }
    // A short dwell: cards that fly past while scrolling are not "seen".
    Timer { id: readTimer; interval: 400; onTriggered: page.reportViewed() }
    onReadingChanged: readTimer.restart()
    onVisibleChanged: readTimer.restart()
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
        list.currentIndex = list.count > 0 ? 0 : -1
        list.positionViewAtBeginning()
        // That stops at the first card's edge, under the list's top margin: the reader
        // would see the first card cut by the header and the view not at its beginning.
        list.contentY = list.originY - list.topMargin
        feedModel.markSeen()
    }

    FilterBar {
        id: filterBar
        anchors.top: parent.top
        anchors.left: parent.left
        width: list.width
        feedModel: page.feedModel
        tenants: page.tenants
    }

    ListView {
        id: list
        objectName: "feedList"
        anchors.top: filterBar.bottom
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
        focus: true
        activeFocusOnTab: true
        keyNavigationEnabled: false // the keys below move the current card
        highlightFollowsCurrentItem: false
        Accessible.role: Accessible.List
        Accessible.name: qsTr("Activity feed")

        Keys.onPressed: (event) => {
            if (event.modifiers & (Qt.ControlModifier | Qt.AltModifier | Qt.MetaModifier))
                return
            if (event.key === Qt.Key_J || event.key === Qt.Key_Down) {
                page.moveCurrent(1)
            } else if (event.key === Qt.Key_K || event.key === Qt.Key_Up) {
                page.moveCurrent(-1)
            } else if (event.key === Qt.Key_Return || event.key === Qt.Key_Enter) {
                page.openCurrent()
            } else if (event.key >= Qt.Key_1 && event.key <= Qt.Key_9) {
                page.reactCurrent(event.key - Qt.Key_1)
            } else if (event.text === "?") {
                page.shortcutsRequested()
            } else {
                return
            }
            event.accepted = true
        }
        onCountChanged: readTimer.restart()

        onContentYChanged: {
            readTimer.restart()
            if (contentY + height > contentHeight - 900)
                page.feedModel.loadMore()
            if (atYBeginning)
                page.feedModel.markSeen()
        }

        delegate: EventCard {
            width: Math.min(list.width - 40, 760)
            x: (list.width - width) / 2
            selected: page.panelOpen && detail.eventId === eventId
            current: ListView.isCurrentItem && list.activeFocus
            onReactionClicked: (type) => page.feedModel.toggleReaction(index, type)
            onOpenRequested: {
                list.currentIndex = index
                page.openEvent(index)
            }
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
        anchors.top: list.top
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
