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
    title: qsTr("Activity Feed")
    color: Theme.window

    AppSettings { id: settings }

    FeedModel {
        id: feedModel
        objectName: "feedModel"
        source: root.source
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
    }
    onClosing: {
        settings.setValue("window/maximized", visibility === Window.Maximized)
        if (visibility !== Window.Maximized)
            settings.setValue("window/geometry", Qt.rect(x, y, width, height))
        settings.setValue("window/tab", currentTab)
    }

    function refresh() {
        feedModel.reload()
        if (adminAvailable)
            adminModel.refresh()
    }

    Shortcut { sequences: [StandardKey.Refresh, "Ctrl+R", "F5"]; onActivated: root.refresh() }
    Shortcut { sequence: "Ctrl+D"; enabled: root.adminAvailable; onActivated: adminModel.drainNow() }
    Shortcut { sequences: ["Ctrl+K", "Ctrl+L"]; onActivated: { root.currentTab = 0; feedPage.focusComposer() } }
    Shortcut { sequence: "Ctrl+1"; onActivated: root.currentTab = 0 }
    Shortcut { sequence: "Ctrl+2"; enabled: root.adminAvailable; onActivated: root.currentTab = 1 }
    Shortcut { sequence: "Ctrl+Home"; onActivated: feedPage.scrollToTop() }
    Shortcut { sequence: "Esc"; enabled: feedPage.panelOpen; onActivated: feedPage.closeEvent() }

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
                        { label: qsTr("Feed"), tab: 0, shown: true },
                        { label: qsTr("Admin"), tab: 1, shown: root.adminAvailable }
                    ]
                    delegate: AbstractButton {
                        id: navButton
                        required property var modelData
                        objectName: "tab_" + modelData.tab
                        visible: modelData.shown
                        readonly property bool current: root.currentTab === modelData.tab
                        implicitWidth: navLabel.implicitWidth + 28
                        implicitHeight: 34
                        hoverEnabled: true
                        onClicked: root.currentTab = modelData.tab
                        background: Rectangle {
                            radius: 8
                            color: navButton.current ? Theme.accentSoft
                                 : navButton.hovered ? Theme.surfaceAlt : "transparent"
                        }
                        contentItem: Label {
                            id: navLabel
                            text: navButton.modelData.label
                            horizontalAlignment: Text.AlignHCenter
                            verticalAlignment: Text.AlignVCenter
                            color: navButton.current ? Theme.accent : Theme.text
                            font.weight: navButton.current ? Font.DemiBold : Font.Normal
                            font.pixelSize: Theme.body
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
                    currentIndex: indexOfValue(root.source.actingTenantId)
                    onActivated: {
                        root.source.actingTenantId = currentValue
                        settings.setValue("feed/actingTenantId", currentValue)
                    }
                }
            }

            ConnectionChip { source: root.source }

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
            }
            Loader {
                active: root.adminAvailable
                sourceComponent: AdminPage { admin: adminModel }
            }
        }
    }
}
