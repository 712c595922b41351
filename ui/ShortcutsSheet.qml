import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import ActivityFeed.Models

// The "?" sheet: every key the feed answers to, so no action needs the mouse.
Popup {
    id: sheet
    objectName: "shortcutsSheet"
    modal: true
    focus: true
    padding: 22
    anchors.centerIn: Overlay.overlay
    closePolicy: Popup.CloseOnEscape | Popup.CloseOnPressOutside
    background: Rectangle { color: Theme.surface; radius: Theme.radius; border.color: Theme.border }

    // The reaction keys follow the catalogue's order, so their names are read from it.
    readonly property var rows: {
        let out = [
            { keys: "j  ↓", what: qsTr("Next card") },
            { keys: "k  ↑", what: qsTr("Previous card") },
            { keys: "Enter", what: qsTr("Open the card: its events and comments") },
        ]
        const reactions = Catalogue.reactions
        for (let i = 0; i < reactions.length; ++i)
            out.push({ keys: String(i + 1), what: qsTr("Give or take back %1 %2").arg(reactions[i].glyph).arg(reactions[i].label) })
        out.push({ keys: "Ctrl+Enter", what: qsTr("Post the comment") })
        out.push({ keys: "Esc", what: qsTr("Close the panel or this sheet") })
        out.push({ keys: "Ctrl+Home", what: qsTr("Back to the newest") })
        out.push({ keys: "F5", what: qsTr("Reload the feed") })
        out.push({ keys: "Ctrl+1  Ctrl+2", what: qsTr("Feed, Admin") })
        out.push({ keys: "?", what: qsTr("This list") })
        return out
    }

    contentItem: ColumnLayout {
        spacing: 12
        Label {
            textFormat: Text.PlainText
            text: qsTr("Keyboard shortcuts")
            color: Theme.text
            font.pixelSize: Theme.headline
            font.weight: Font.DemiBold
        }
        GridLayout {
            columns: 2
            columnSpacing: 18
            rowSpacing: 8
            Repeater {
                model: sheet.rows.length * 2
                delegate: Label {
                    required property int index
                    readonly property var row: sheet.rows[Math.floor(index / 2)]
                    textFormat: Text.PlainText
                    text: index % 2 === 0 ? row.keys : row.what
                    color: index % 2 === 0 ? Theme.accent : Theme.text
                    font.family: index % 2 === 0 ? "monospace" : Qt.application.font.family
                    font.weight: index % 2 === 0 ? Font.DemiBold : Font.Normal
                    font.pixelSize: Theme.body
                }
            }
        }
        Button {
            Layout.alignment: Qt.AlignRight
            text: qsTr("Close")
            onClicked: sheet.close()
        }
    }
}
