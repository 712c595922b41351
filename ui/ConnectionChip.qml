import QtQuick
import QtQuick.Controls
import ActivityFeed.Models

// The stream's state, always on screen; the error, if any, on hover.
Rectangle {
    id: chip
    required property FeedSource source

    readonly property int state_: source ? source.connectionState : FeedSource.Offline
    readonly property color tint: state_ === FeedSource.Live ? Theme.success
                                : state_ === FeedSource.Offline ? Theme.danger : Theme.warning
    readonly property string label: state_ === FeedSource.Live ? qsTr("Live")
                                  : state_ === FeedSource.Connecting ? qsTr("Connecting…")
                                  : state_ === FeedSource.Reconnecting ? qsTr("Reconnecting…")
                                  : qsTr("Offline")

    implicitWidth: row.implicitWidth + 20
    implicitHeight: 28
    radius: height / 2
    color: Qt.rgba(tint.r, tint.g, tint.b, 0.12)
    border.color: Qt.rgba(tint.r, tint.g, tint.b, 0.45)
    objectName: "connectionChip"

    Row {
        id: row
        anchors.centerIn: parent
        spacing: 7
        Rectangle {
            width: 8; height: 8; radius: 4
            color: chip.tint
            anchors.verticalCenter: parent.verticalCenter
            SequentialAnimation on opacity {
                running: chip.state_ !== FeedSource.Live && chip.state_ !== FeedSource.Offline
                loops: Animation.Infinite
                NumberAnimation { to: 0.3; duration: 600 }
                NumberAnimation { to: 1; duration: 600 }
            }
        }
        Text {
            textFormat: Text.PlainText
            text: chip.label
            color: Theme.text
            font.pixelSize: Theme.small + 1
            anchors.verticalCenter: parent.verticalCenter
        }
    }
    HoverHandler { id: hover }
    ToolTip.visible: hover.hovered
    ToolTip.text: (chip.source ? chip.source.location : "")
                  + (chip.source && chip.source.connectionError !== ""
                     ? "\n" + chip.source.connectionError : "")
}
