#include "apiroutes.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

namespace af {

namespace {

const QByteArray kCsp = QByteArrayLiteral(
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");

QByteArray contentTypeFor(const QString &name)
{
    const QString ext = QFileInfo(name).suffix().toLower();
    if (ext == QLatin1String("html"))
        return "text/html; charset=utf-8";
    if (ext == QLatin1String("js") || ext == QLatin1String("mjs"))
        return "text/javascript; charset=utf-8";
    if (ext == QLatin1String("css"))
        return "text/css; charset=utf-8";
    if (ext == QLatin1String("json") || ext == QLatin1String("webmanifest"))
        return "application/json; charset=utf-8";
    if (ext == QLatin1String("svg"))
        return "image/svg+xml";
    if (ext == QLatin1String("png"))
        return "image/png";
    if (ext == QLatin1String("ico"))
        return "image/x-icon";
    if (ext == QLatin1String("txt"))
        return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

RouteHandler fileHandler(const QString &resource)
{
    QFile file(resource);
    const QByteArray body = file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    const QByteArray type = contentTypeFor(resource);
    return [body, type](const HttpRequest &, const RouteParams &) {
        HttpResponse r(200, body, type);
        r.setHeader("Content-Security-Policy", kCsp);
        r.setHeader("X-Content-Type-Options", "nosniff");
        r.setHeader("Referrer-Policy", "no-referrer");
        r.setHeader("Cache-Control", "no-cache");
        return r;
    };
}

} // namespace

void ApiRoutes::registerStatic(Router &router)
{
    // Files are read once at registration: the page ships inside the binary.
    QDirIterator it(QStringLiteral(":/web"), QDir::Files);
    while (it.hasNext()) {
        const QString resource = it.next();
        const QString name = QFileInfo(resource).fileName();
        router.get(QLatin1Char('/') + name, fileHandler(resource));
        if (name == QLatin1String("index.html"))
            router.get(QStringLiteral("/"), fileHandler(resource));
    }
    // The page's event types, reactions and limits: the catalogue every part reads.
    router.get(QStringLiteral("/catalogue.json"), fileHandler(QStringLiteral(":/catalogue.json")));
}

} // namespace af
