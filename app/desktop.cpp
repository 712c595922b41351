#include "desktop.h"
#include "screenshottour.h"
#include "tokenstore.h"

#include "adminbackend.h"
#include "embeddedfeedsource.h"
#include "remotefeedsource.h"

#include <QGuiApplication>
#include <QIcon>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QSettings>
#include <QtQml/qqmlextensionplugin.h>

#include <cstdio>
#include <memory>

Q_IMPORT_QML_PLUGIN(ActivityFeedPlugin)
Q_IMPORT_QML_PLUGIN(ActivityFeed_ModelsPlugin)

namespace {

std::unique_ptr<FeedSource> makeSource(const DesktopOptions &options, QSettings &settings)
{
    if (!options.remoteUrl.isEmpty()) {
        QString token = options.token;
        const QString url = options.remoteUrl.toString(QUrl::RemoveUserInfo);
        const bool sameUrl = settings.value(QStringLiteral("remote/url")).toString() == url;
        // Older versions kept the token here in plain text: it moves to the keychain.
        const QString legacy = settings.value(QStringLiteral("remote/token")).toString();
        settings.remove(QStringLiteral("remote/token"));
        if (token.isEmpty() && sameUrl)
            token = legacy;
        if (token.isEmpty())
            token = TokenStore::read(url);
        else
            TokenStore::write(url, token);
        if (token.isEmpty()) {
            std::fprintf(stderr, "activityfeed: no token for %s: give it with --token-file PATH or "
                                 "$ACTIVITYFEED_TOKEN\n", url.toUtf8().constData());
            return nullptr;
        }
        settings.setValue(QStringLiteral("remote/url"), url);
        settings.sync();
        return std::make_unique<RemoteFeedSource>(options.remoteUrl, token);
    }
    if (!options.feedService || !options.broadcaster)
        return nullptr;
    const int tenant =
        settings.value(QStringLiteral("feed/actingTenantId"), options.defaultTenantId).toInt();
    return std::make_unique<EmbeddedFeedSource>(*options.feedService, *options.broadcaster,
                                                tenant, nullptr, options.markerService);
}

} // namespace

int runDesktop(QGuiApplication &app, const DesktopOptions &options)
{
    if (QCoreApplication::organizationName().isEmpty())
        QCoreApplication::setOrganizationName(QStringLiteral("ActivityFeed"));
    if (QCoreApplication::applicationName().isEmpty())
        QCoreApplication::setApplicationName(QStringLiteral("activityfeed"));
    QGuiApplication::setApplicationDisplayName(QObject::tr("Activity Feed"));
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(QStringLiteral("Fusion")); // follows the desktop palette

    QSettings settings;
    std::unique_ptr<FeedSource> source = makeSource(options, settings);
    if (!source) {
        if (options.remoteUrl.isEmpty())
            std::fputs("activityfeed: the desktop needs either --remote URL or the embedded backend\n",
                       stderr);
        return 2;
    }
    const bool embedded = source->isEmbedded();

    QQmlApplicationEngine engine;
    engine.setInitialProperties({
        {QStringLiteral("source"), QVariant::fromValue(source.get())},
        {QStringLiteral("adminBackend"),
         QVariant::fromValue(embedded ? options.adminBackend : nullptr)},
    });
    QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app,
                     [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/ActivityFeed/Main.qml")));
    if (engine.rootObjects().isEmpty()) {
        std::fputs("activityfeed: the window could not be created (see the QML errors above)\n",
                   stderr);
        return 1;
    }
    const QString shots = qEnvironmentVariable("AF_SCREENSHOT_DIR");
    if (!shots.isEmpty())
        startScreenshotTour(engine, shots);
    return app.exec();
}

int runStartupError(QGuiApplication &app, const QString &message)
{
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(QStringLiteral("Fusion"));
    QQmlApplicationEngine engine;
    engine.setInitialProperties({{QStringLiteral("message"), message}});
    engine.load(QUrl(QStringLiteral("qrc:/ActivityFeed/StartupError.qml")));
    if (engine.rootObjects().isEmpty())
        return 1; // the sentence is on stderr already
    std::fputs("activityfeed: the error is shown in a window\n", stderr);
    app.exec();
    return 1;
}
