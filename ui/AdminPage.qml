import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import ActivityFeed.Models

// The local admin: queue and drain, tenants and tokens, test events, the HTTP server.
ScrollView {
    id: page
    required property AdminModel admin
    contentWidth: availableWidth
    clip: true

    function tenantName(id) {
        for (const t of admin.tenants)
            if (t.id === id)
                return t.name
        return id === undefined || id === null ? qsTr("all tenants") : qsTr("tenant %1").arg(id)
    }
    function shortTime(iso) {
        if (!iso)
            return ""
        const d = new Date(iso)
        return isNaN(d) ? iso : d.toLocaleString(Qt.locale(), Locale.ShortFormat)
    }

    GridLayout {
        id: grid
        width: Math.min(page.availableWidth - 40, 1200)
        x: (page.availableWidth - width) / 2
        y: 20
        columns: width >= 880 ? 2 : 1
        columnSpacing: 16
        rowSpacing: 16

        // ---- Queue
        AdminSection {
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            title: qsTr("Queue")
            subtitle: qsTr("Events wait in the queue until a drain groups them into the feed.")

            RowLayout {
                spacing: 28
                ColumnLayout {
                    spacing: 0
                    Label { textFormat: Text.PlainText; objectName: "queueDepth"; text: page.admin.queueDepth.toLocaleString(Qt.locale(), "f", 0); font.pixelSize: 30; font.weight: Font.DemiBold; color: Theme.text }
                    Label { textFormat: Text.PlainText; text: qsTr("rows waiting"); color: Theme.muted; font.pixelSize: Theme.small }
                }
                ColumnLayout {
                    spacing: 0
                    Label { textFormat: Text.PlainText; text: page.admin.oldestAgeText; font.pixelSize: 20; font.weight: Font.DemiBold; color: Theme.text; Layout.topMargin: 8 }
                    Label { textFormat: Text.PlainText; text: qsTr("oldest unprocessed"); color: Theme.muted; font.pixelSize: Theme.small }
                }
            }
            RowLayout {
                spacing: 10
                Button {
                    objectName: "drainButton"
                    text: page.admin.draining ? qsTr("Draining…") : qsTr("Drain now")
                    highlighted: true
                    enabled: !page.admin.draining
                    onClicked: page.admin.drainNow()
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("Ctrl+D")
                }
                BusyIndicator { running: page.admin.draining; visible: running; implicitWidth: 28; implicitHeight: 28 }
                Label {
                    textFormat: Text.PlainText
                    objectName: "lastDrain"
                    text: page.admin.lastDrainText
                    color: Theme.success
                    font.weight: Font.DemiBold
                }
            }
            RowLayout {
                spacing: 10
                Label { textFormat: Text.PlainText; text: qsTr("Auto-drain"); color: Theme.text }
                ComboBox {
                    id: autoDrain
                    readonly property var seconds: [0, 10, 30, 60, 300]
                    model: [qsTr("Off"), qsTr("every 10 s"), qsTr("every 30 s"), qsTr("every minute"), qsTr("every 5 minutes")]
                    currentIndex: Math.max(0, seconds.indexOf(page.admin.autoDrainSeconds))
                    onActivated: (i) => page.admin.autoDrainSeconds = seconds[i]
                }
            }
            Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }
            RowLayout {
                spacing: 10
                Label { textFormat: Text.PlainText; text: qsTr("Purge processed rows older than"); color: Theme.text }
                SpinBox { id: purgeDays; from: 1; to: 3650; value: 30; editable: true }
                Label { textFormat: Text.PlainText; text: qsTr("days"); color: Theme.text }
                Button { text: qsTr("Purge"); onClicked: page.admin.purgeProcessed(purgeDays.value) }
            }
        }

        // ---- Drain preview
        AdminSection {
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            title: qsTr("Drain preview")
            subtitle: qsTr("What a drain would publish now (nothing is written).")
            Label {
                textFormat: Text.PlainText
                visible: page.admin.preview.length === 0
                text: qsTr("The queue is empty.")
                color: Theme.faint
            }
            Repeater {
                model: page.admin.preview
                delegate: RowLayout {
                    id: tileRow
                    required property var modelData
                    Layout.fillWidth: true
                    spacing: 10
                    Text { textFormat: Text.PlainText; text: tileRow.modelData.icon || "•"; font.pixelSize: 18; font.family: Theme.emojiFont }
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 0
                        PlainLabel { Layout.fillWidth: true; text: tileRow.modelData.description || tileRow.modelData.eventType; elide: Text.ElideRight }
                        PlainLabel {
                            Layout.fillWidth: true
                            text: (tileRow.modelData.tenantName || page.tenantName(tileRow.modelData.tenantId)) + " · " + tileRow.modelData.eventType
                            color: Theme.muted; font.pixelSize: Theme.small; elide: Text.ElideRight
                        }
                    }
                    Label {
                        textFormat: Text.PlainText
                        text: tileRow.modelData.summary
                        color: tileRow.modelData.rows >= 3 ? Theme.accent : Theme.muted
                        font.pixelSize: Theme.small
                    }
                }
            }
            Button { text: qsTr("Refresh preview"); flat: true; onClicked: page.admin.refreshPreview() }
        }

        // ---- Tenants and tokens
        AdminSection {
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            title: qsTr("Tenants and tokens")
            subtitle: qsTr("A token lets a browser or another desktop act as its tenant. It is shown once.")

            Rectangle {
                visible: page.admin.revealedToken !== ""
                Layout.fillWidth: true
                implicitHeight: tokenBox.implicitHeight + 20
                radius: 8
                color: Theme.accentSoft
                border.color: Theme.accent
                ColumnLayout {
                    id: tokenBox
                    anchors.fill: parent
                    anchors.margins: 10
                    spacing: 6
                    PlainLabel {
                        text: qsTr("New token for %1 — copy it now, it will not be shown again:").arg(page.admin.revealedTokenTenant)
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                        font.pixelSize: Theme.small + 1
                    }
                    RowLayout {
                        TextField {
                            id: tokenField
                            objectName: "revealedToken"
                            Layout.fillWidth: true
                            readOnly: true
                            text: page.admin.revealedToken
                            font.family: "monospace"
                            selectByMouse: true
                        }
                        Button { text: qsTr("Copy"); onClicked: { tokenField.selectAll(); tokenField.copy() } }
                        Button { text: qsTr("Done"); onClicked: page.admin.dismissToken() }
                    }
                }
            }

            RowLayout {
                Layout.fillWidth: true
                TextField {
                    id: newTenant
                    Layout.fillWidth: true
                    placeholderText: qsTr("New tenant name")
                    onAccepted: createButton.clicked()
                }
                Button {
                    id: createButton
                    text: qsTr("Create tenant")
                    enabled: newTenant.text.trim() !== ""
                    onClicked: { page.admin.createTenant(newTenant.text); newTenant.clear() }
                }
            }

            Repeater {
                model: page.admin.tenants
                delegate: ColumnLayout {
                    id: tenantItem
                    required property var modelData
                    Layout.fillWidth: true
                    spacing: 4
                    RowLayout {
                        Layout.fillWidth: true
                        PlainLabel { text: tenantItem.modelData.name; font.weight: Font.DemiBold }
                        Label { textFormat: Text.PlainText; text: "#" + tenantItem.modelData.id; color: Theme.faint; font.pixelSize: Theme.small }
                        Item { Layout.fillWidth: true }
                        Button { text: qsTr("Issue token"); flat: true; onClicked: page.admin.issueToken(tenantItem.modelData.id, "desktop") }
                    }
                    Repeater {
                        model: tenantItem.modelData.tokens || []
                        delegate: RowLayout {
                            id: tokenRow
                            required property var modelData
                            readonly property bool revoked: !!tokenRow.modelData.revoked_at
                            Layout.fillWidth: true
                            Layout.leftMargin: 14
                            PlainLabel {
                                Layout.fillWidth: true
                                text: "🔑 " + (tokenRow.modelData.label || qsTr("token #%1").arg(tokenRow.modelData.id))
                                      + " · " + qsTr("issued %1").arg(page.shortTime(tokenRow.modelData.created_at))
                                color: tokenRow.revoked ? Theme.faint : Theme.text
                                font.strikeout: tokenRow.revoked
                                font.pixelSize: Theme.small + 1
                                elide: Text.ElideRight
                            }
                            Label { textFormat: Text.PlainText; visible: tokenRow.revoked; text: qsTr("revoked"); color: Theme.danger; font.pixelSize: Theme.small }
                            Button { visible: !tokenRow.revoked; text: qsTr("Revoke"); flat: true; onClicked: page.admin.revokeToken(tokenRow.modelData.id) }
                        }
                    }
                    Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }
                }
            }
        }

        // ---- Test event
        AdminSection {
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            title: qsTr("Emit a test event")
            subtitle: qsTr("Queues one event through the event library; drain to publish it.")
            GridLayout {
                columns: 2
                columnSpacing: 10
                Label { textFormat: Text.PlainText; text: qsTr("Tenant"); color: Theme.text }
                ComboBox {
                    id: emitTenant
                    Layout.fillWidth: true
                    model: page.admin.tenants
                    textRole: "name"
                    valueRole: "id"
                }
                Label { textFormat: Text.PlainText; text: qsTr("Type"); color: Theme.text }
                ComboBox {
                    id: emitType
                    Layout.fillWidth: true
                    model: Catalogue.eventTypes
                    textRole: "displayName"
                    valueRole: "type"
                    displayText: currentIndex >= 0 ? model[currentIndex].icon + "  " + currentText : ""
                }
            }
            Button {
                text: qsTr("Emit")
                enabled: emitTenant.currentIndex >= 0
                onClicked: page.admin.emitTestEvent(emitTenant.currentValue, emitType.currentValue)
            }
            PlainLabel { text: page.admin.statusText; color: Theme.muted; font.pixelSize: Theme.small; wrapMode: Text.Wrap; Layout.fillWidth: true }
        }

        // ---- Server
        AdminSection {
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            title: qsTr("Server")
            subtitle: qsTr("The HTTP API, the live stream and the browser page.")
            readonly property var server: page.admin.server
            RowLayout {
                Layout.fillWidth: true
                Label { textFormat: Text.PlainText; text: qsTr("Listening on"); color: Theme.muted }
                PlainLabel { text: page.admin.server.listen || "—"; font.family: "monospace" }
                Item { Layout.fillWidth: true }
                Switch {
                    objectName: "lanSwitch"
                    text: qsTr("Open to LAN")
                    checked: !!page.admin.server.lanOpen
                    onToggled: page.admin.setLanOpen(checked)
                }
            }
            Repeater {
                model: page.admin.server.lanOpen ? (page.admin.server.lanUrls || []) : []
                delegate: TextField {
                    required property string modelData
                    Layout.fillWidth: true
                    readOnly: true
                    selectByMouse: true
                    text: modelData
                    font.family: "monospace"
                }
            }
            Label {
                textFormat: Text.PlainText
                text: qsTr("Live clients (%1)").arg((page.admin.server.clients || []).length)
                color: Theme.muted
                font.pixelSize: Theme.small
                font.weight: Font.DemiBold
                font.capitalization: Font.AllUppercase
            }
            Label {
                textFormat: Text.PlainText
                visible: (page.admin.server.clients || []).length === 0
                text: qsTr("No browser or remote desktop is connected.")
                color: Theme.faint
            }
            Repeater {
                model: page.admin.server.clients || []
                delegate: RowLayout {
                    id: clientRow
                    required property var modelData
                    Layout.fillWidth: true
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 0
                        PlainLabel {
                            Layout.fillWidth: true
                            text: (clientRow.modelData.tenantName || page.tenantName(clientRow.modelData.tenantId)) + " · " + clientRow.modelData.address
                            elide: Text.ElideRight
                        }
                        PlainLabel {
                            Layout.fillWidth: true
                            text: qsTr("since %1 · last event %2").arg(page.shortTime(clientRow.modelData.since)).arg(clientRow.modelData.lastEventId || "—")
                            color: Theme.muted
                            font.pixelSize: Theme.small
                            elide: Text.ElideRight
                        }
                    }
                    Button { text: qsTr("Disconnect"); flat: true; onClicked: page.admin.disconnectClient(String(clientRow.modelData.id)) }
                }
            }
        }

        // ---- Drain log
        AdminSection {
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            title: qsTr("Drain log")
            subtitle: qsTr("Every drain, from the app, the CLI, the API or auto-drain.")
            Label {
                textFormat: Text.PlainText
                visible: page.admin.drainLog.length === 0
                text: qsTr("No drains yet.")
                color: Theme.faint
            }
            Repeater {
                model: page.admin.drainLog.slice(0, 12)
                delegate: RowLayout {
                    id: runRow
                    required property var modelData
                    Layout.fillWidth: true
                    spacing: 10
                    Label { textFormat: Text.PlainText; text: runRow.modelData.error ? "❌" : "✅"; font.pixelSize: 13 }
                    PlainLabel { text: page.shortTime(runRow.modelData.started_at); color: Theme.muted; font.pixelSize: Theme.small }
                    PlainLabel { text: runRow.modelData.trigger || ""; font.pixelSize: Theme.small; color: Theme.accent }
                    PlainLabel {
                        Layout.fillWidth: true
                        text: runRow.modelData.error ? runRow.modelData.error
                              : runRow.modelData.summary
                        color: runRow.modelData.error ? Theme.danger : Theme.text
                        font.pixelSize: Theme.small + 1
                        elide: Text.ElideRight
                    }
                }
            }
        }
        Item { Layout.columnSpan: grid.columns; implicitHeight: 8 }
    }
}
