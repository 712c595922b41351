import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// An error in words, with a way to dismiss it.
Rectangle {
    id: banner
    property string text
    signal dismissed()

    visible: text !== ""
    implicitHeight: visible ? layout.implicitHeight + 16 : 0
    color: Theme.dangerSoft
    border.color: Qt.rgba(Theme.danger.r, Theme.danger.g, Theme.danger.b, 0.35)
    radius: 10
    objectName: "errorBanner"

    RowLayout {
        id: layout
        anchors.fill: parent
        anchors.leftMargin: 14
        anchors.rightMargin: 6
        spacing: 10
        Text { textFormat: Text.PlainText; text: "⚠️"; font.pixelSize: 15 }
        PlainLabel {
            Layout.fillWidth: true
            text: banner.text
            color: Theme.danger
            wrapMode: Text.Wrap
        }
        ToolButton {
            text: "✕"
            onClicked: banner.dismissed()
            Accessible.name: qsTr("Dismiss")
        }
    }
}
