import QtQuick
import QtQuick.Controls

// A pill with an emoji and a count; highlighted when the viewer gave this reaction.
AbstractButton {
    id: control
    property string emoji
    property string label
    property int count: 0
    property bool mine: false
    property string disabledReason

    implicitHeight: 32
    implicitWidth: row.implicitWidth + 22
    hoverEnabled: true
    Accessible.name: mine ? qsTr("%1, %2, given by you").arg(label).arg(count) : qsTr("%1, %2").arg(label).arg(count)
    Accessible.role: Accessible.Button
    focusPolicy: Qt.TabFocus

    ToolTip.visible: hovered
    ToolTip.delay: 500
    ToolTip.text: enabled ? (mine ? qsTr("Remove your %1").arg(label.toLowerCase())
                                  : qsTr("Give %1").arg(label.toLowerCase()))
                          : disabledReason

    background: Rectangle {
        radius: height / 2
        color: control.mine ? Theme.accentSoft
                            : (control.hovered && control.enabled ? Theme.surfaceAlt : "transparent")
        border.width: control.visualFocus ? 2 : 1
        border.color: control.visualFocus ? Theme.focus : (control.mine ? Theme.accent : Theme.border)
    }
    contentItem: Item {
        Row {
            id: row
            anchors.centerIn: parent
            spacing: 6
            opacity: control.enabled ? 1 : 0.55
            Text {
                textFormat: Text.PlainText
                text: control.emoji
                font.pixelSize: 15
                font.family: Theme.emojiFont
                anchors.verticalCenter: parent.verticalCenter
            }
            Text {
                textFormat: Text.PlainText
                text: control.label
                color: control.mine ? Theme.accent : Theme.muted
                font.pixelSize: Theme.small + 1
                font.weight: control.mine ? Font.DemiBold : Font.Normal
                anchors.verticalCenter: parent.verticalCenter
            }
            Text {
                textFormat: Text.PlainText
                objectName: "count"
                text: control.count
                color: control.mine ? Theme.accent : Theme.text
                font.pixelSize: Theme.small + 1
                font.weight: Font.DemiBold
                anchors.verticalCenter: parent.verticalCenter
            }
        }
    }
}
