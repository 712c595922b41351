#include "router.h"

#include "core/errors.h"
#include "httperror.h"
#include "core/logcategories.h"
#include "core/metrics.h"

#include <algorithm>
#include <exception>

namespace af {

namespace {

QStringList splitPath(QByteArrayView path)
{
    QStringList out;
    if (path.isEmpty() || path == "/")
        return out;
    if (path.front() == '/')
        path = path.sliced(1);
    for (const QByteArray &seg : path.toByteArray().split('/'))
        out.append(QString::fromUtf8(QByteArray::fromPercentEncoding(seg)));
    return out;
}

template <typename Fn, typename OnError>
auto guarded(const HttpRequest &request, Fn &&fn, OnError &&onError) -> decltype(fn())
{
    // The path is logged without its query: the query may carry an access_token.
    try {
        return fn();
    } catch (const Error &e) {
        if (e.kind() == Error::Kind::Unavailable)
            qCWarning(lcHttp) << "database unavailable for" << request.method() << request.path()
                              << ":" << e.what();
        return onError(HttpResponse::forError(e));
    } catch (const HttpError &e) {
        return onError(HttpResponse::error(e.status(), QString::fromUtf8(e.what())));
    } catch (const std::exception &e) {
        qCWarning(lcHttp) << "handler failed for" << request.method() << request.path() << ":"
                          << e.what();
    } catch (...) {
        qCWarning(lcHttp) << "handler failed for" << request.method() << request.path()
                          << "with an unknown exception";
    }
    return onError(HttpResponse::error(500, QStringLiteral("internal error")));
}

} // namespace

Router::Route &Router::routeFor(const QString &pattern)
{
    for (Route &r : m_routes) {
        if (r.pattern == pattern)
            return r;
    }
    Route r;
    r.pattern = pattern;
    r.segments = splitPath(pattern.toUtf8());
    r.metricsRoute = Metrics::instance().routeIndex(pattern);
    m_routes.append(r);
    return m_routes.last();
}

void Router::addRoute(const QByteArray &method, const QString &pattern, RouteHandler handler)
{
    routeFor(pattern).handlers.insert(method.toUpper(), std::move(handler));
}

void Router::get(const QString &pattern, RouteHandler handler)
{
    addRoute("GET", pattern, std::move(handler));
}

void Router::post(const QString &pattern, RouteHandler handler)
{
    addRoute("POST", pattern, std::move(handler));
}

void Router::put(const QString &pattern, RouteHandler handler)
{
    addRoute("PUT", pattern, std::move(handler));
}

void Router::patch(const QString &pattern, RouteHandler handler)
{
    addRoute("PATCH", pattern, std::move(handler));
}

void Router::del(const QString &pattern, RouteHandler handler)
{
    addRoute("DELETE", pattern, std::move(handler));
}

void Router::getFast(const QString &pattern, FastHandler fast)
{
    routeFor(pattern).getFast = std::move(fast);
}

void Router::addStream(const QString &pattern, StreamHandler handler)
{
    routeFor(pattern).stream = std::move(handler);
}

bool Router::matches(const Route &route, const QStringList &segments, RouteParams *params)
{
    if (route.segments.size() != segments.size())
        return false;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QString &p = route.segments[i];
        if (p.startsWith(QLatin1Char(':'))) {
            if (segments[i].isEmpty())
                return false;
            if (params)
                params->insert(p.mid(1), segments[i]);
        } else if (p != segments[i]) {
            return false;
        }
    }
    return true;
}

bool Router::moreSpecific(const Route &a, const Route &b)
{
    for (qsizetype i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
        const bool aParam = a.segments[i].startsWith(QLatin1Char(':'));
        const bool bParam = b.segments[i].startsWith(QLatin1Char(':'));
        if (aParam != bParam)
            return !aParam;
    }
    return false;
}

Router::Match Router::match(const QByteArray &method, const QByteArray &rawPath) const
{
    const QStringList segments = splitPath(rawPath);
    QList<const Route *> candidates;
    for (const Route &r : m_routes) {
        if (matches(r, segments, nullptr))
            candidates.append(&r);
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Route *a, const Route *b) { return moreSpecific(*a, *b); });

    Match m;
    if (candidates.isEmpty()) {
        m.error = HttpResponse::error(404, QStringLiteral("no such route"));
        return m;
    }
    const bool head = method == "HEAD";
    m.metricsRoute = candidates.first()->metricsRoute;
    QStringList allowed;
    for (const Route *r : std::as_const(candidates)) {
        auto it = r->handlers.constFind(method);
        if (it == r->handlers.constEnd() && head)
            it = r->handlers.constFind("GET");
        // A stream has no head to give without starting it: HEAD is 405 there.
        const bool streamHit = r->stream && method == "GET";
        if (it != r->handlers.constEnd() || streamHit) {
            matches(*r, segments, &m.params);
            m.metricsRoute = r->metricsRoute;
            if (it != r->handlers.constEnd()) {
                m.kind = Match::Kind::Handler;
                m.handler = it.value();
                if (it.key() == "GET")
                    m.fast = r->getFast;
            } else {
                m.kind = Match::Kind::Stream;
                m.stream = r->stream;
            }
            return m;
        }
        for (auto h = r->handlers.constBegin(); h != r->handlers.constEnd(); ++h)
            allowed.append(QString::fromLatin1(h.key()));
        if (r->handlers.contains("GET"))
            allowed << QStringLiteral("GET") << QStringLiteral("HEAD");
        else if (r->stream)
            allowed << QStringLiteral("GET");
    }
    allowed.removeDuplicates();
    allowed.sort();
    m.error = HttpResponse::error(405, QStringLiteral("method not allowed"));
    m.error.setHeader("Allow", allowed.join(QStringLiteral(", ")).toLatin1());
    return m;
}

HttpResponse Router::invoke(const RouteHandler &handler, const HttpRequest &request,
                            const RouteParams &params)
{
    return guarded(
        request, [&] { return handler(request, params); },
        [](const HttpResponse &r) { return r; });
}

StreamResult Router::invokeStream(const StreamHandler &handler, const HttpRequest &request,
                                  const RouteParams &params)
{
    return guarded(
        request, [&] { return handler(request, params); },
        [](const HttpResponse &r) { return StreamResult::reject(r); });
}

HttpResponse Router::handle(const HttpRequest &request) const
{
    const Match m = match(request.method(), request.rawPath());
    switch (m.kind) {
    case Match::Kind::Handler:
        return invoke(m.handler, request, m.params);
    case Match::Kind::Stream:
        return HttpResponse::error(500, QStringLiteral("stream route called as a plain route"));
    case Match::Kind::Error:
        break;
    }
    return m.error;
}

} // namespace af
