import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import ActivityFeed.Models

ApplicationWindow {
    id: root
    required property FeedSource source
    property AdminBackend adminBackend: null

    readonly property bool adminAvailable: source.embedded && adminModel.available
    property int currentTab: 0

    width: 1280
    height: 800
    minimumWidth: 640
    minimumHeight: 480
    visible: true
    // "(3) Activity Feed": what is new since the person last read, as task bars show it.
    readonly property string unreadText: readMarker.unreadCount >= 1000 ? qsTr("1000+")
                                       : String(readMarker.unreadCount)
    title: readMarker.unreadCount > 0 ? qsTr("(%1) Activity Feed").arg(unreadText) : qsTr("Activity Feed")
    color: Theme.window

    AppSettings { id: settings }

    FeedModel {
        id: feedModel
        objectName: "feedModel"
        source: root.source
        readUpToSeq: readMarker.dividerSeq
    }

    ReadMarker {
        id: readMarker
        objectName: "readMarker"
        source: root.source
    }

    Notifier {
        id: notifier
        objectName: "notifier"
        source: root.source
        feedModel: feedModel
        windowActive: root.active
        onActivated: (eventId) => {
            if (root.visibility === Window.Minimized || root.visibility === Window.Hidden)
                root.showNormal()
            root.raise()
            root.requestActivate()
            root.currentTab = 0
            feedPage.showEvent(eventId)
        }
    }

    // Leaving the window is when the divider catches up with what was read.
    onActiveChanged: if (!active) readMarker.settleDivider()

    ShortcutsSheet {
        id: shortcutsSheet
        onClosed: feedPage.focusList()
    }

    AdminModel {
        id: adminModel
        objectName: "adminModel"
        backend: root.adminBackend
        active: root.currentTab === 1 || root.source.embedded
        onAutoDrainSecondsChanged: settings.setValue("admin/autoDrainSeconds", autoDrainSeconds)
        // With no saved acting tenant, act as the first one.
        onTenantsChanged: {
            if (root.source.embedded && root.source.actingTenantId < 0 && tenants.length > 0)
                root.source.actingTenantId = tenants[0].id
        }
    }

    Component.onCompleted: {
        const g = settings.value("window/geometry")
        if (g && g.width > 0) {
            x = g.x; y = g.y; width = g.width; height = g.height
        }
        if (settings.value("window/maximized", false) === true || settings.value("window/maximized", false) === "true")
            showMaximized()
        const tab = Number(settings.value("window/tab", 0))
        currentTab = (tab === 1 && adminAvailable) ? 1 : 0
        adminModel.autoDrainSeconds = Number(settings.value("admin/autoDrainSeconds", 0))
        source.start()
        feedPage.focusList()
    }
    onClosing: {
        settings.setValue("window/maximized", visibility === Window.Maximized)
        if (visibility !== Window.Maximized)
            settings.setValue("window/geometry", Qt.rect(x, y, width, height))
        settings.setValue("window/tab", currentTab)
    }

    onCurrentTabChanged: if (currentTab === 0) feedPage.focusList()

    function refresh() {
        feedModel.reload()
        readMarker.reload()
        if (adminAvailable)
            adminModel.refresh()
    }

    Shortcut { sequences: [StandardKey.Refresh, "Ctrl+R", "F5"]; onActivated: root.refresh() }
    Shortcut { sequence: "Ctrl+D"; enabled: root.adminAvailable; onActivated: adminModel.drainNow() }
    Shortcut { sequences: ["Ctrl+K", "Ctrl+L"]; onActivated: { root.currentTab = 0; feedPage.focusComposer() } }
    Shortcut { sequence: "Ctrl+1"; onActivated: root.currentTab = 0 }
    Shortcut { sequence: "Ctrl+2"; enabled: root.adminAvailable; onActivated: root.currentTab = 1 }
    Shortcut { sequence: "Ctrl+Home"; onActivated: feedPage.scrollToTop() }
    Shortcut { sequence: "Esc"; enabled: feedPage.panelOpen && !shortcutsSheet.opened; onActivated: feedPage.closeEvent() }
    Shortcut { sequence: "F1"; onActivated: shortcutsSheet.open() }

    header: ToolBar {
        objectName: "toolbar"
        background: Rectangle {
            color: Theme.surface
            Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border }
        }
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 16
            anchors.rightMargin: 12
            spacing: 14

            RowLayout {
                spacing: 8
                Text { textFormat: Text.PlainText; text: "📣"; font.pixelSize: 20 }
                Label {
                    textFormat: Text.PlainText
                    text: qsTr("Activity Feed")
                    font.pixelSize: 17
                    font.weight: Font.Bold
                    color: Theme.text
                    visible: root.width >= 760
                }
            }

            Row {
                spacing: 4
                Layout.leftMargin: 6
                Repeater {
                    model: [
                        { label: qsTr("Feed"), tab: 0, shown: true, badge: readMarker.unreadCount > 0 ? root.unreadText : "" },
                        { label: qsTr("Admin"), tab: 1, shown: root.adminAvailable, badge: "" }
                    ]
                    delegate: AbstractButton {
                        id: navButton
                        required property var modelData
                        objectName: "tab_" + modelData.tab
                        visible: modelData.shown
                        readonly property bool current: root.currentTab === modelData.tab
                        implicitWidth: navRow.implicitWidth + 28
                        implicitHeight: 34
                        hoverEnabled: true
                        focusPolicy: Qt.TabFocus
                        Accessible.name: modelData.badge !== ""
                                         ? qsTr("%1, %2 unread").arg(modelData.label).arg(modelData.badge)
                                         : modelData.label
                        onClicked: root.currentTab = modelData.tab
                        background: Rectangle {
                            radius: 8
                            color: navButton.current ? Theme.accentSoft
                                 : navButton.hovered ? Theme.surfaceAlt : "transparent"
                            border.width: navButton.visualFocus ? 2 : 0
                            border.color: Theme.focus
                        }
                        contentItem: Item {
                            Row {
                                id: navRow
                                anchors.centerIn: parent
                                spacing: 6
                                Label {
                                    id: navLabel
                                    textFormat: Text.PlainText
                                    text: navButton.modelData.label
                                    anchors.verticalCenter: parent.verticalCenter
                                    color: navButton.current ? Theme.accent : Theme.text
                                    font.weight: navButton.current ? Font.DemiBold : Font.Normal
                                    font.pixelSize: Theme.body
                                }
                                Rectangle {
                                    objectName: "unreadBadge"
                                    visible: navButton.modelData.badge !== ""
                                    anchors.verticalCenter: parent.verticalCenter
                                    implicitWidth: Math.max(20, badgeLabel.implicitWidth + 10)
                                    implicitHeight: 18
                                    radius: 9
                                    color: Theme.accent
                                    Text {
                                        id: badgeLabel
                                        objectName: "unreadBadgeText"
                                        anchors.centerIn: parent
                                        textFormat: Text.PlainText
                                        text: navButton.modelData.badge
                                        color: "white"
                                        font.pixelSize: 11
                                        font.weight: Font.Bold
                                    }
                                }
                            }
                        }
                    }
                }
            }

            Item { Layout.fillWidth: true }

            RowLayout {
                visible: root.source.embedded && adminModel.tenants.length > 0
                spacing: 6
                Label { textFormat: Text.PlainText; text: qsTr("Acting as"); color: Theme.muted; font.pixelSize: Theme.small + 1 }
                ComboBox {
                    id: actingTenant
                    objectName: "actingTenant"
                    implicitWidth: 170
                    model: adminModel.tenants
                    textRole: "name"
                    valueRole: "id"
                    // Computed from the list itself: indexOfValue() would not be asked again
                    // when the tenants arrive after the acting id, and the box would show the
                    // first tenant while the app acts as another.
                    currentIndex: {
                        const list = adminModel.tenants
                        for (let i = 0; i < list.length; ++i) {
                            if (list[i].id === root.source.actingTenantId)
                                return i
                        }
                        return -1
                    }
                    onActivated: {
                        root.source.actingTenantId = currentValue
                        settings.setValue("feed/actingTenantId", currentValue)
                    }
                }
            }

            ConnectionChip { source: root.source }

            ToolButton {
                objectName: "shortcutsButton"
                text: "?"
                font.pixelSize: 16
                font.weight: Font.DemiBold
                onClicked: shortcutsSheet.open()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Keyboard shortcuts (?)")
                Accessible.name: qsTr("Keyboard shortcuts")
            }

            ToolButton {
                text: "⟳"
                font.pixelSize: 18
                onClicked: root.refresh()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Refresh (F5)")
                Accessible.name: qsTr("Refresh")
            }
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        ErrorBanner {
            Layout.fillWidth: true
            Layout.margins: visible ? 12 : 0
            Layout.bottomMargin: 0
            text: feedModel.errorString !== "" ? feedModel.errorString
                : (root.currentTab === 1 ? adminModel.errorString : "")
            onDismissed: {
                if (feedModel.errorString !== "")
                    feedModel.clearError()
                else
                    adminModel.clearError()
            }
        }

        StackLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            currentIndex: root.currentTab

            FeedPage {
                id: feedPage
                objectName: "feedPage"
                source: root.source
                feedModel: feedModel
                readMarker: readMarker
                tenants: root.source.embedded ? adminModel.tenants : []
                reading: root.active && root.currentTab === 0
                onShortcutsRequested: shortcutsSheet.open()
            }
            Loader {
                active: root.adminAvailable
                sourceComponent: AdminPage { admin: adminModel }
            }
        }
    }
}
