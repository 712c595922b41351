#pragma once
#include "adminbackend.h"
#include "feedsource.h"

#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTest>
#include <QUrl>

namespace aftest {

/// @brief Main.qml on @p source and @p admin in @p engine, as runDesktop() builds it, shown
/// at 1280×800: the window once it is exposed, or nullptr when the scene did not load as
/// one window or was never exposed. The desktop scene tests all start from here.
inline QQuickWindow *showMainWindow(QQmlApplicationEngine &engine, FeedSource *source,
                                    AdminBackend *admin)
{
    engine.setInitialProperties({
        {QStringLiteral("source"), QVariant::fromValue<FeedSource *>(source)},
        {QStringLiteral("adminBackend"), QVariant::fromValue<AdminBackend *>(admin)},
    });
    engine.load(QUrl(QStringLiteral("qrc:/ActivityFeed/Main.qml")));
    if (engine.rootObjects().size() != 1)
        return nullptr;
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().first());
    if (!window)
        return nullptr;
    window->resize(1280, 800);
    window->show();
    return QTest::qWaitForWindowExposed(window) ? window : nullptr;
}

/// @brief A left click at the centre of @p item, as a person would; false for no item.
inline bool click(QQuickWindow *window, QQuickItem *item)
{
    if (!item)
        return false;
    const QPointF centre = item->mapToScene(QPointF(item->width() / 2, item->height() / 2));
    QTest::mouseClick(window, Qt::LeftButton, {}, centre.toPoint());
    return true;
}

} // namespace aftest
