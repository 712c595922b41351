import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Shown instead of the main window when the app cannot start (its database cannot run,
// its port is taken, ...): a person who started it from a menu sees what went wrong and
// what to do, not only a line on a terminal nobody watches.
ApplicationWindow {
    id: root
    required property string message

    width: 620
    height: Math.max(240, layout.implicitHeight + 48)
    minimumWidth: 420
    visible: true
    title: qsTr("Activity Feed cannot start")
    color: Theme.window

    ColumnLayout {
        id: layout
        anchors.fill: parent
        anchors.margins: 24
        spacing: 14

        PlainLabel {
            objectName: "startupErrorTitle"
            Layout.fillWidth: true
            text: qsTr("⚠️ Activity Feed could not start")
            font.pixelSize: 18
            font.bold: true
        }
        ErrorBanner {
            id: banner
            Layout.fillWidth: true
            text: root.message
            // Nothing to dismiss into: the message stays until the window closes.
            onDismissed: Qt.quit()
        }
        PlainLabel {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            color: Theme.muted
            text: qsTr("Fix the cause above, then start Activity Feed again. The same sentence is on its standard error output.")
        }
        Item { Layout.fillHeight: true }
        RowLayout {
            Layout.fillWidth: true
            Item { Layout.fillWidth: true }
            Button {
                objectName: "copyButton"
                text: qsTr("Copy message")
                onClicked: { copyHelper.text = root.message; copyHelper.selectAll(); copyHelper.copy() }
            }
            Button {
                objectName: "quitButton"
                text: qsTr("Quit")
                highlighted: true
                focus: true
                onClicked: Qt.quit()
                Keys.onReturnPressed: Qt.quit()
            }
        }
        TextEdit { id: copyHelper; visible: false; textFormat: TextEdit.PlainText }
    }
}
