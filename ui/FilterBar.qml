import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import ActivityFeed.Models

// Above the feed: one chip per event type ("show in feed"), the tenant picker, and the
// bell that opens the per-type switches. The types come from the catalogue; the choices
// are kept in the settings, so they survive a restart.
Rectangle {
    id: bar
    required property FeedModel feedModel
    property var tenants: []
    // The types shown, in catalogue order (every type when none is hidden).
    property var shown: []

    objectName: "filterBar"
    implicitHeight: layout.implicitHeight + 16
    color: Theme.window

    AppSettings { id: settings }

    function applyTypes() {
        const all = Catalogue.eventTypes
        bar.shown = settings.shownTypes()
        // Every type shown is no filter at all: the server then needs no eventType.
        feedModel.typeFilter = bar.shown.length === all.length ? [] : bar.shown
    }
    function toggleType(type) {
        const on = bar.shown.indexOf(type) >= 0
        if (on && bar.shown.length === 1)
            return // the last type stays: a feed of nothing is not a filter
        settings.setShownInFeed(type, !on)
        applyTypes()
    }
    Component.onCompleted: {
        applyTypes()
        feedModel.tenantFilter = Number(settings.value("feed/tenantFilter", -1))
    }

    RowLayout {
        id: layout
        anchors.fill: parent
        anchors.leftMargin: 20
        anchors.rightMargin: 20
        anchors.topMargin: 10
        anchors.bottomMargin: 6
        spacing: 10

        Flow {
            Layout.fillWidth: true
            spacing: 6
            Repeater {
                model: Catalogue.eventTypes
                delegate: AbstractButton {
                    id: chip
                    required property var modelData
                    objectName: "typeChip_" + modelData.type
                    readonly property bool shownNow: bar.shown.indexOf(modelData.type) >= 0
                    focusPolicy: Qt.TabFocus
                    hoverEnabled: true
                    implicitHeight: 30
                    implicitWidth: chipRow.implicitWidth + 20
                    Accessible.role: Accessible.CheckBox
                    Accessible.name: qsTr("Show %1").arg(modelData.displayName)
                    Accessible.checkable: true
                    Accessible.checked: shownNow
                    onClicked: bar.toggleType(modelData.type)
                    background: Rectangle {
                        radius: 15
                        color: chip.shownNow ? Theme.accentSoft : (chip.hovered ? Theme.surfaceAlt : Theme.surface)
                        border.width: chip.visualFocus ? 2 : 1
                        border.color: chip.visualFocus ? Theme.focus : (chip.shownNow ? Theme.accent : Theme.border)
                    }
                    contentItem: Item {
                        Row {
                            id: chipRow
                            anchors.centerIn: parent
                            spacing: 5
                            opacity: chip.shownNow ? 1 : 0.6
                            Text {
                                textFormat: Text.PlainText
                                text: chip.modelData.icon
                                font.pixelSize: 13
                                font.family: Theme.emojiFont
                                anchors.verticalCenter: parent.verticalCenter
                            }
                            Text {
                                textFormat: Text.PlainText
                                text: chip.modelData.displayName
                                color: chip.shownNow ? Theme.accent : Theme.muted
                                font.pixelSize: Theme.small
                                font.weight: chip.shownNow ? Font.DemiBold : Font.Normal
                                font.strikeout: !chip.shownNow
                                anchors.verticalCenter: parent.verticalCenter
                            }
                        }
                    }
                }
            }
        }

        ComboBox {
            id: tenantPicker
            objectName: "tenantPicker"
            Layout.alignment: Qt.AlignTop
            visible: bar.tenants.length > 0
            implicitWidth: 170
            model: [{ id: -1, name: qsTr("All tenants") }].concat(bar.tenants)
            textRole: "name"
            valueRole: "id"
            currentIndex: Math.max(0, indexOfValue(bar.feedModel.tenantFilter))
            Accessible.name: qsTr("Tenant")
            onActivated: {
                bar.feedModel.tenantFilter = currentValue
                settings.setValue("feed/tenantFilter", currentValue)
            }
        }

        ToolButton {
            id: bell
            objectName: "notifySettingsButton"
            Layout.alignment: Qt.AlignTop
            text: "🔔"
            font.family: Theme.emojiFont
            font.pixelSize: 18
            onClicked: switches.open()
            ToolTip.visible: hovered
            ToolTip.text: qsTr("What shows and what notifies")
            Accessible.name: qsTr("Notification settings")
        }
    }

    Popup {
        id: switches
        objectName: "typeSwitches"
        x: bar.width - width - 16
        y: bar.height
        padding: 14
        modal: true
        focus: true
        background: Rectangle { color: Theme.surface; radius: Theme.radius; border.color: Theme.border }
        onOpened: { const a = switchesGrid.children; if (a.length > 2) a[2].forceActiveFocus() }
        contentItem: GridLayout {
            id: switchesGrid
            columns: 3
            columnSpacing: 14
            rowSpacing: 4
            Label { textFormat: Text.PlainText; text: qsTr("Type"); color: Theme.muted; font.pixelSize: Theme.small }
            Label { textFormat: Text.PlainText; text: qsTr("Show in feed"); color: Theme.muted; font.pixelSize: Theme.small }
            Label { textFormat: Text.PlainText; text: qsTr("Notify"); color: Theme.muted; font.pixelSize: Theme.small }
            Repeater {
                model: Catalogue.eventTypes
                delegate: PlainLabel {
                    required property var modelData
                    required property int index
                    Layout.row: index + 1
                    Layout.column: 0
                    text: modelData.icon + "  " + modelData.displayName
                }
            }
            Repeater {
                model: Catalogue.eventTypes
                delegate: Switch {
                    required property var modelData
                    required property int index
                    objectName: "showSwitch_" + modelData.type
                    Layout.row: index + 1
                    Layout.column: 1
                    checked: bar.shown.indexOf(modelData.type) >= 0
                    Accessible.name: qsTr("Show %1 in the feed").arg(modelData.displayName)
                    onToggled: bar.toggleType(modelData.type)
                }
            }
            Repeater {
                model: Catalogue.eventTypes
                delegate: Switch {
                    required property var modelData
                    required property int index
                    objectName: "notifySwitch_" + modelData.type
                    Layout.row: index + 1
                    Layout.column: 2
                    checked: settings.notifies(modelData.type)
                    Accessible.name: qsTr("Notify for %1").arg(modelData.displayName)
                    onToggled: settings.setNotifies(modelData.type, checked)
                }
            }
        }
    }
}
