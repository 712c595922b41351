import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A titled card on the admin page.
Rectangle {
    id: section
    property string title
    property string subtitle
    default property alias content: body.data

    implicitHeight: column.implicitHeight + 32
    radius: Theme.radius
    color: Theme.surface
    border.color: Theme.border

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: 16
        spacing: 12
        ColumnLayout {
            spacing: 2
            Label {
                textFormat: Text.PlainText
                text: section.title
                color: Theme.text
                font.pixelSize: Theme.title + 1
                font.weight: Font.DemiBold
            }
            Label {
                textFormat: Text.PlainText
                visible: section.subtitle !== ""
                text: section.subtitle
                color: Theme.muted
                font.pixelSize: Theme.small
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
        }
        ColumnLayout {
            id: body
            Layout.fillWidth: true
            spacing: 10
        }
    }
}
