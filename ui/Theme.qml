pragma Singleton
import QtQuick

// Colours derived from the system palette, so the app follows light and dark themes.
QtObject {
    readonly property SystemPalette palette: SystemPalette { colorGroup: SystemPalette.Active }
    readonly property bool dark: palette.window.hslLightness < 0.5

    readonly property color window: dark ? Qt.darker(palette.window, 1.15) : "#f2f3f5"
    readonly property color surface: dark ? Qt.lighter(palette.window, 1.18) : "#ffffff"
    readonly property color surfaceAlt: dark ? Qt.lighter(palette.window, 1.35) : "#f6f7f9"
    readonly property color text: palette.windowText
    readonly property color muted: Qt.rgba(text.r, text.g, text.b, 0.62)
    readonly property color faint: Qt.rgba(text.r, text.g, text.b, 0.40)
    readonly property color border: Qt.rgba(text.r, text.g, text.b, dark ? 0.16 : 0.11)
    readonly property color accent: dark ? Qt.lighter(palette.highlight, 1.35) : palette.highlight
    readonly property color accentSoft: Qt.rgba(accent.r, accent.g, accent.b, dark ? 0.26 : 0.12)
    readonly property color danger: dark ? "#ff8a80" : "#b3261e"
    readonly property color dangerSoft: dark ? "#4a2323" : "#fdecea"
    readonly property color success: dark ? "#81c995" : "#1e8e3e"
    // The keyboard focus ring: strong enough to see on every surface, light or dark.
    readonly property color focus: dark ? "#8ab4f8" : "#1a56c4"
    readonly property color warning: dark ? "#fdd663" : "#b06000"

    readonly property string emojiFont: "Noto Color Emoji"
    readonly property int gap: 8
    readonly property int radius: 12
    readonly property int small: 12
    readonly property int body: 14
    readonly property int title: 15
    readonly property int headline: 20
}
