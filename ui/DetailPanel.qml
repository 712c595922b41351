import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import ActivityFeed.Models

// The side panel of one event: its details, the events a tile groups, and its comments.
Pane {
    id: panel
    required property FeedSource source
    required property FeedModel feedModel
    property var event: null            // a snapshot of the card's roles
    readonly property string eventId: event ? event.eventId : ""
    property var sources: []
    property string sourcesError
    property bool sourcesLoading: false

    signal closeRequested()
    // The open single was folded into a tile: the page shows the tile instead.
    signal followRequested(string tileId)

    function focusComposer() { composer.forceActiveFocus() }

    padding: 0
    objectName: "detailPanel"
    background: Rectangle {
        color: Theme.surface
        Rectangle { width: 1; height: parent.height; color: Theme.border }
    }

    // The tile and count the list of grouped events was read for. A tile keeps its id as
    // it grows, and a single folded into a tile becomes that tile, so the list is read
    // again whenever either changes, not only when another event is opened.
    property string sourcesKey: ""
    function refreshSources() {
        const key = event && event.isGroup ? event.eventId + "/" + event.groupCount : ""
        if (key === sourcesKey)
            return
        const sameEvent = event && sourcesKey.startsWith(event.eventId + "/")
        sourcesKey = key
        sourcesError = ""
        if (!sameEvent)
            sources = []
        sourcesLoading = key !== ""
        if (key !== "")
            feedModel.loadSources(event.eventId)
    }
    onEventChanged: refreshSources()

    Connections {
        target: panel.feedModel
        function onSourcesLoaded(id, list, error) {
            if (id !== panel.eventId)
                return
            panel.sourcesLoading = false
            panel.sources = list
            panel.sourcesError = error
        }
    }

    CommentsModel {
        id: comments
        source: panel.source
        eventId: panel.eventId
        onPosted: composer.clear()
        onFollowed: (fromId, tileId) => panel.followRequested(tileId)
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        // Header
        RowLayout {
            Layout.fillWidth: true
            Layout.margins: 16
            spacing: 12
            Text { textFormat: Text.PlainText; text: panel.event ? panel.event.icon : ""; font.pixelSize: 28; font.family: Theme.emojiFont }
            ColumnLayout {
                Layout.fillWidth: true
                spacing: 2
                PlainLabel {
                    Layout.fillWidth: true
                    text: panel.event ? panel.event.displayName : ""
                    font.pixelSize: Theme.title + 1
                    font.weight: Font.DemiBold
                    elide: Text.ElideRight
                }
                PlainLabel {
                    Layout.fillWidth: true
                    text: panel.event ? panel.event.tenantName + " · " + panel.event.relativeTime : ""
                    color: Theme.muted
                    font.pixelSize: Theme.small
                    elide: Text.ElideRight
                }
            }
            ToolButton {
                text: "✕"
                onClicked: panel.closeRequested()
                Accessible.name: qsTr("Close")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Close (Esc)")
            }
        }
        Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }

        ListView {
            id: commentList
            objectName: "commentList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: comments
            spacing: 10
            topMargin: 14
            bottomMargin: 14
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}
            onContentYChanged: if (contentY + height > contentHeight - 300) comments.loadMore()
            onCountChanged: if (count > 0 && atYEnd) Qt.callLater(positionViewAtEnd)

            header: ColumnLayout {
                width: commentList.width
                spacing: 10
                PlainLabel {
                    Layout.fillWidth: true
                    Layout.leftMargin: 16
                    Layout.rightMargin: 16
                    text: panel.event ? panel.event.description : ""
                    wrapMode: Text.Wrap
                }
                // The events a tile groups
                ColumnLayout {
                    visible: panel.event !== null && panel.event.isGroup
                    Layout.fillWidth: true
                    Layout.leftMargin: 16
                    Layout.rightMargin: 16
                    spacing: 6
                    Label {
                        textFormat: Text.PlainText
                        text: qsTr("Grouped events (%1)").arg(panel.event ? panel.event.groupCount : 0)
                        color: Theme.muted
                        font.pixelSize: Theme.small
                        font.weight: Font.DemiBold
                        font.capitalization: Font.AllUppercase
                    }
                    BusyIndicator { visible: panel.sourcesLoading; running: visible; implicitHeight: 28; implicitWidth: 28 }
                    PlainLabel { visible: panel.sourcesError !== ""; text: panel.sourcesError; color: Theme.danger; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    Repeater {
                        model: panel.sources
                        delegate: Rectangle {
                            id: srcRow
                            required property var modelData
                            required property int index
                            Layout.fillWidth: true
                            implicitHeight: 34
                            radius: 8
                            color: Theme.surfaceAlt
                            RowLayout {
                                anchors.fill: parent
                                anchors.leftMargin: 10
                                anchors.rightMargin: 10
                                Label { textFormat: Text.PlainText; text: (srcRow.index + 1) + "."; color: Theme.faint; font.pixelSize: Theme.small }
                                PlainLabel {
                                    Layout.fillWidth: true
                                    text: srcRow.modelData.summary || ""
                                    elide: Text.ElideRight
                                    font.pixelSize: Theme.small + 1
                                }
                                PlainLabel {
                                    text: srcRow.modelData.relativeTime || ""
                                    color: Theme.muted
                                    font.pixelSize: Theme.small
                                }
                            }
                        }
                    }
                }
                Label {
                    textFormat: Text.PlainText
                    Layout.leftMargin: 16
                    Layout.topMargin: 6
                    text: qsTr("Comments")
                    color: Theme.muted
                    font.pixelSize: Theme.small
                    font.weight: Font.DemiBold
                    font.capitalization: Font.AllUppercase
                }
                PlainLabel {
                    visible: comments.count === 0 && !comments.loading
                    Layout.leftMargin: 16
                    text: qsTr("No comments yet. Be the first.")
                    color: Theme.faint
                }
            }

            delegate: ColumnLayout {
                required property string tenantName
                required property string body
                required property string relativeTime
                required property bool isMine
                width: commentList.width - 32
                x: 16
                spacing: 3
                RowLayout {
                    spacing: 6
                    PlainLabel { text: tenantName; font.weight: Font.DemiBold; font.pixelSize: Theme.small + 1 }
                    Label {
                        textFormat: Text.PlainText
                        visible: isMine
                        text: qsTr("you")
                        color: Theme.accent
                        font.pixelSize: Theme.small - 1
                    }
                    PlainLabel { text: "· " + relativeTime; color: Theme.muted; font.pixelSize: Theme.small }
                }
                PlainLabel {
                    objectName: "commentBody"
                    Layout.fillWidth: true
                    text: body
                    wrapMode: Text.Wrap
                }
            }
            footer: Item {
                width: commentList.width
                height: comments.loading ? 40 : 0
                BusyIndicator { anchors.centerIn: parent; running: comments.loading; visible: running; height: 28; width: 28 }
            }
        }

        Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }

        // Composer
        ColumnLayout {
            id: composerBox
            Layout.fillWidth: true
            Layout.margins: 12
            spacing: 6
            readonly property int length: comments.codePointCount(composer.text)

            PlainLabel {
                visible: comments.errorString !== ""
                Layout.fillWidth: true
                text: comments.errorString
                color: Theme.danger
                wrapMode: Text.Wrap
                font.pixelSize: Theme.small
            }
            ScrollView {
                Layout.fillWidth: true
                Layout.preferredHeight: Math.min(Math.max(composer.implicitHeight, 64), 140)
                TextArea {
                    id: composer
                    objectName: "commentComposer"
                    placeholderText: qsTr("Write a comment…  (Ctrl+Enter to post)")
                    wrapMode: TextEdit.Wrap
                    textFormat: TextEdit.PlainText
                    enabled: !comments.posting
                    Keys.onPressed: (event) => {
                        if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter)
                                && (event.modifiers & Qt.ControlModifier)) {
                            postButton.clicked()
                            event.accepted = true
                        }
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                Label {
                    textFormat: Text.PlainText
                    objectName: "charCounter"
                    readonly property int length: composerBox.length
                    text: qsTr("%1 / %2").arg(length).arg(comments.maxLength)
                    color: length > comments.maxLength ? Theme.danger : Theme.muted
                    font.pixelSize: Theme.small
                    font.weight: length > comments.maxLength ? Font.DemiBold : Font.Normal
                }
                Label {
                    textFormat: Text.PlainText
                    visible: composerBox.length > comments.maxLength
                    text: ((composerBox.length - comments.maxLength) === 1 ? qsTr("%n character too many", "", composerBox.length - comments.maxLength) : qsTr("%n characters too many", "", composerBox.length - comments.maxLength))
                    color: Theme.danger
                    font.pixelSize: Theme.small
                }
                Item { Layout.fillWidth: true }
                Button {
                    id: postButton
                    objectName: "postButton"
                    text: comments.posting ? qsTr("Posting…") : qsTr("Post")
                    highlighted: true
                    enabled: composerBox.length > 0 && composerBox.length <= comments.maxLength && !comments.posting
                    onClicked: if (enabled) comments.post(composer.text)
                }
            }
        }
    }
}
