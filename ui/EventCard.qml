import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import ActivityFeed.Models

// One feed event or grouped tile, with the "New since you last read" divider above it
// when it is the first card the reader has seen before.
Item {
    id: card
    required property int index
    required property string eventId
    required property string icon
    required property string displayName
    required property string tenantName
    required property string description
    required property string relativeTime
    required property var createdAt
    required property bool isGroup
    required property int groupCount
    required property var samples
    required property var reactionCounts
    required property var myReactions
    required property int commentCount
    required property bool isMine
    required property bool unread
    required property bool dividerAbove
    required property string accessibleName
    property bool selected: false
    // The keyboard's card: drawn with a focus ring while the list has the focus.
    property bool current: false

    signal reactionClicked(string type)
    signal openRequested()

    objectName: "eventCard_" + index
    implicitHeight: content.implicitHeight + 32 + frame.y
    Accessible.role: Accessible.ListItem
    Accessible.name: card.unread ? qsTr("New: %1").arg(card.accessibleName) : card.accessibleName
    Accessible.focusable: true
    Accessible.focused: card.current

    RowLayout {
        id: divider
        objectName: "unreadDivider"
        visible: card.dividerAbove
        anchors.left: parent.left
        anchors.right: parent.right
        height: visible ? 22 : 0
        spacing: 10
        Accessible.role: Accessible.Separator
        Accessible.name: dividerLabel.text
        Rectangle { Layout.fillWidth: true; height: 2; radius: 1; color: Theme.accent }
        Label {
            id: dividerLabel
            textFormat: Text.PlainText
            text: qsTr("New since you last read")
            color: Theme.accent
            font.pixelSize: Theme.small
            font.weight: Font.DemiBold
        }
        Rectangle { Layout.fillWidth: true; height: 2; radius: 1; color: Theme.accent }
    }

    // The focus ring sits outside the card, so it never hides the selection border.
    Rectangle {
        anchors.fill: frame
        anchors.margins: -4
        radius: Theme.radius + 4
        color: "transparent"
        border.width: 2
        border.color: Theme.focus
        visible: card.current
    }

    Rectangle {
        id: frame
        y: card.dividerAbove ? divider.height + 14 : 0
        width: parent.width
        height: parent.height - y
        radius: Theme.radius
        color: Theme.surface
        border.width: card.selected ? 2 : 1
        border.color: card.selected ? Theme.accent : (hover.hovered ? Qt.rgba(Theme.text.r, Theme.text.g, Theme.text.b, 0.22) : Theme.border)
    }

    HoverHandler { id: hover }
    TapHandler { onTapped: card.openRequested() }

    RowLayout {
        id: content
        anchors.fill: frame
        anchors.margins: 16
        spacing: 14

        Rectangle {
            Layout.alignment: Qt.AlignTop
            Layout.preferredWidth: 48
            Layout.preferredHeight: 48
            radius: 14
            color: Theme.surfaceAlt
            border.color: Theme.border
            Text {
                textFormat: Text.PlainText
                anchors.centerIn: parent
                text: card.icon
                font.pixelSize: 24
                font.family: Theme.emojiFont
            }
            Rectangle {
                visible: card.isGroup
                anchors.right: parent.right
                anchors.bottom: parent.bottom
                anchors.margins: -5
                width: Math.max(22, badgeText.implicitWidth + 10)
                height: 20
                radius: 10
                color: Theme.accent
                border.color: Theme.surface
                border.width: 2
                Text {
                    textFormat: Text.PlainText
                    id: badgeText
                    anchors.centerIn: parent
                    text: "×" + card.groupCount
                    color: "white"
                    font.pixelSize: 11
                    font.weight: Font.Bold
                }
            }
        }

        ColumnLayout {
            Layout.fillWidth: true
            spacing: 6

            RowLayout {
                Layout.fillWidth: true
                spacing: 8
                Rectangle {
                    objectName: "unreadDot"
                    visible: card.unread
                    implicitWidth: 8
                    implicitHeight: 8
                    radius: 4
                    color: Theme.accent
                }
                PlainLabel {
                    text: card.displayName
                    font.pixelSize: Theme.title
                    font.weight: Font.DemiBold
                }
                Rectangle {
                    implicitWidth: tenantLabel.implicitWidth + 14
                    implicitHeight: 22
                    radius: 11
                    color: Theme.accentSoft
                    Layout.maximumWidth: 220
                    PlainLabel {
                        id: tenantLabel
                        anchors.centerIn: parent
                        width: Math.min(implicitWidth, parent.Layout.maximumWidth - 14)
                        text: card.tenantName
                        color: Theme.accent
                        font.pixelSize: Theme.small
                        font.weight: Font.DemiBold
                        elide: Text.ElideRight
                    }
                }
                Item { Layout.fillWidth: true }
                PlainLabel {
                    text: card.relativeTime
                    color: Theme.muted
                    font.pixelSize: Theme.small
                    HoverHandler { id: timeHover }
                    ToolTip.visible: timeHover.hovered
                    ToolTip.text: card.createdAt ? card.createdAt.toLocaleString(Qt.locale(), Locale.LongFormat) : ""
                }
            }

            PlainLabel {
                Layout.fillWidth: true
                text: card.description
                color: Theme.muted
                wrapMode: Text.Wrap
                maximumLineCount: 4
                elide: Text.ElideRight
            }

            Flow {
                Layout.fillWidth: true
                visible: card.isGroup && card.samples.length > 0
                spacing: 6
                Repeater {
                    model: card.isGroup ? card.samples : []
                    delegate: Rectangle {
                        required property string modelData
                        width: Math.min(sampleLabel.implicitWidth + 16, 300)
                        height: 24
                        radius: 6
                        color: Theme.surfaceAlt
                        border.color: Theme.border
                        PlainLabel {
                            id: sampleLabel
                            anchors.verticalCenter: parent.verticalCenter
                            x: 8
                            width: parent.width - 16
                            text: parent.modelData
                            font.pixelSize: Theme.small
                            elide: Text.ElideRight
                        }
                    }
                }
                Label {
                    textFormat: Text.PlainText
                    height: 24
                    verticalAlignment: Text.AlignVCenter
                    text: card.groupCount > card.samples.length
                          ? qsTr("+%1 more · show all").arg(card.groupCount - card.samples.length)
                          : qsTr("Show all")
                    color: Theme.accent
                    font.pixelSize: Theme.small
                    font.underline: showAllHover.hovered
                    HoverHandler { id: showAllHover; cursorShape: Qt.PointingHandCursor }
                    TapHandler { onTapped: card.openRequested() }
                }
            }

            RowLayout {
                Layout.fillWidth: true
                Layout.topMargin: 4
                spacing: 8
                Repeater {
                    model: Catalogue.reactions
                    delegate: ReactionButton {
                        required property var modelData
                        required property int index
                        objectName: "reaction_" + modelData.name
                        emoji: modelData.glyph
                        label: modelData.label
                        count: card.reactionCounts[index] || 0
                        mine: card.myReactions.indexOf(modelData.name) >= 0
                        enabled: !card.isMine
                        disabledReason: qsTr("You can’t react to your own event")
                        onClicked: card.reactionClicked(modelData.name)
                    }
                }
                Item { Layout.fillWidth: true }
                AbstractButton {
                    id: commentsButton
                    objectName: "commentsButton"
                    hoverEnabled: true
                    Accessible.name: commentsText.text
                    implicitHeight: 32
                    implicitWidth: commentsRow.implicitWidth + 18
                    onClicked: card.openRequested()
                    background: Rectangle {
                        radius: 16
                        color: commentsButton.hovered ? Theme.surfaceAlt : "transparent"
                        border.width: commentsButton.visualFocus ? 2 : 0
                        border.color: Theme.focus
                    }
                    contentItem: Item {
                        Row {
                            id: commentsRow
                            anchors.centerIn: parent
                            spacing: 6
                            Text { textFormat: Text.PlainText; text: "💬"; font.pixelSize: 14; anchors.verticalCenter: parent.verticalCenter }
                            Text {
                                id: commentsText
                                textFormat: Text.PlainText
                                text: card.commentCount === 0 ? qsTr("Comment")
                                      : ((card.commentCount) === 1 ? qsTr("%n comment", "", card.commentCount) : qsTr("%n comments", "", card.commentCount))
                                color: Theme.muted
                                font.pixelSize: Theme.small + 1
                                anchors.verticalCenter: parent.verticalCenter
                            }
                        }
                    }
                }
            }
        }
    }
}
