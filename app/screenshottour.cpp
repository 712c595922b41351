#include "screenshottour.h"

#include <QAbstractItemModel>
#include <QCoreApplication>
#include <QDir>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <memory>

namespace {

int firstRow(QAbstractItemModel *model, const QByteArray &role, const std::function<bool(const QVariant &)> &pred)
{
    const int r = model->roleNames().key(role, -1);
    for (int i = 0; model && r >= 0 && i < model->rowCount(); ++i)
        if (pred(model->data(model->index(i, 0), r)))
            return i;
    return 0;
}

} // namespace

void startScreenshotTour(QQmlApplicationEngine &engine, const QString &dir)
{
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().value(0));
    if (!window)
        return;
    QDir().mkpath(dir);
    window->resize(1280, 800);
    auto *feedPage = window->findChild<QObject *>(QStringLiteral("feedPage"));
    auto *model = window->findChild<QAbstractItemModel *>(QStringLiteral("feedModel"));
    auto save = [window, dir](const char *name) {
        const QString path = dir + QLatin1Char('/') + QLatin1String(name);
        window->grabWindow().save(path);
        std::fprintf(stdout, "screenshot: %s\n", path.toUtf8().constData());
    };
    struct Step { int delayMs; std::function<void()> run; };
    auto steps = std::make_shared<std::vector<Step>>(std::vector<Step>{
        {5000, [save] { save("feed-1280x800.png"); }},
        {100, [feedPage, model] {
             const int row = firstRow(model, "isGroup", [](const QVariant &v) { return v.toBool(); });
             QMetaObject::invokeMethod(feedPage, "openEvent", Q_ARG(QVariant, row));
         }},
        {2000, [save] { save("tile-1280x800.png"); }},
        {100, [feedPage, model] {
             const int row = firstRow(model, "commentCount", [](const QVariant &v) { return v.toInt() > 0; });
             QMetaObject::invokeMethod(feedPage, "openEvent", Q_ARG(QVariant, row));
         }},
        {2000, [save] { save("comments-1280x800.png"); }},
        {100, [window, feedPage] {
             QMetaObject::invokeMethod(feedPage, "closeEvent");
             window->setProperty("currentTab", 1);
         }},
        {2500, [save] { save("admin-1280x800.png"); }},
        {100, [window] {
             window->setProperty("currentTab", 0);
             window->resize(800, 600);
         }},
        {1500, [save] { save("feed-800x600.png"); }},
        {100, [] { QCoreApplication::quit(); }},
    });
    auto next = std::make_shared<std::function<void(size_t)>>();
    *next = [steps, next](size_t i) {
        if (i >= steps->size())
            return;
        QTimer::singleShot((*steps)[i].delayMs, [steps, next, i] {
            (*steps)[i].run();
            (*next)(i + 1);
        });
    };
    (*next)(0);
}
