#pragma once
#include <QString>
#include <QUrl>

class QGuiApplication;
class AdminBackend;
namespace af {
class Broadcaster;
class FeedService;
class MarkerService;
} // namespace af

/// @brief What the desktop window runs against: a remote instance (remoteUrl set) or
/// the in-process backend (feedService and broadcaster set).
struct DesktopOptions {
    QUrl remoteUrl;     ///< `--remote URL`; empty for embedded mode
    QString token;      ///< `--token-file`, $ACTIVITYFEED_TOKEN or `--token`; empty: the keychain's
    af::FeedService *feedService = nullptr; ///< embedded: must outlive runDesktop()
    af::Broadcaster *broadcaster = nullptr; ///< embedded: the one the SSE server uses
    af::MarkerService *markerService = nullptr; ///< embedded: the read markers
    AdminBackend *adminBackend = nullptr;   ///< embedded: the local admin; null hides it
    int defaultTenantId = -1; ///< embedded: acting tenant when none was saved (e.g. the first)
};

/// @brief Builds the FeedSource for @p options, loads Main.qml and runs the event loop.
/// Returns the exit code (non-zero with a sentence on stderr if the window cannot start).
int runDesktop(QGuiApplication &app, const DesktopOptions &options);

/// @brief Shows @p message (what went wrong and how to fix it) in a small window until it
/// is closed, for a desktop started where nobody reads stderr. Returns 1.
int runStartupError(QGuiApplication &app, const QString &message);
