import QtQuick
import QtQuick.Controls

// Every piece of user or server text goes through this: plain text only, never rich.
Label {
    textFormat: Text.PlainText
    color: Theme.text
    font.pixelSize: Theme.body
}
