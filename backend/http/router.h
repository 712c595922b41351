#pragma once
#include "httprequest.h"
#include "httpresponse.h"
#include "streamtypes.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace af {

using RouteParams = QHash<QString, QString>;
/// @brief A route handler; runs on the worker pool and may throw (see Router::invoke).
using RouteHandler = std::function<HttpResponse(const HttpRequest &, const RouteParams &)>;
/// @brief A route's answer without a worker, tried first: runs on the connection's network
/// thread and must not block; it is given the caller key the worker queue would use, so it
/// can keep callers' turns too. It returns false when it does not take the request (the
/// handler then runs as usual). When it returns true it calls its second argument exactly
/// once, later, on the same thread: with the response, or with nothing to hand the request
/// to the handler after all.
using FastAnswer = std::function<void(std::optional<HttpResponse>)>;
using FastHandler = std::function<bool(const HttpRequest &, const QByteArray &caller, FastAnswer)>;
/// @brief A stream (SSE) route handler; runs on the worker pool.
using StreamHandler = std::function<StreamResult(const HttpRequest &, const RouteParams &)>;

/// @brief Maps method + path pattern (`/api/activity/events/:id/sources`) to handlers.
/// Register every route before the server listens; matching is then read-only and
/// safe from any thread.
class Router
{
public:
    /// @brief The outcome of matching one request.
    struct Match
    {
        enum class Kind { Handler, Stream, Error };
        Kind kind = Kind::Error;
        RouteHandler handler;
        FastHandler fast; ///< set when the route has one for this method
        StreamHandler stream;
        RouteParams params;
        HttpResponse error; ///< 404 or 405 (+ Allow) when kind == Error
        int metricsRoute = 0; ///< the pattern's Metrics::routeIndex (unmatched for a 404)
    };

    /// @brief Adds @p handler for @p method (upper case) on @p pattern.
    void addRoute(const QByteArray &method, const QString &pattern, RouteHandler handler);
    void get(const QString &pattern, RouteHandler handler);
    void post(const QString &pattern, RouteHandler handler);
    void put(const QString &pattern, RouteHandler handler);
    void patch(const QString &pattern, RouteHandler handler);
    void del(const QString &pattern, RouteHandler handler);
    /// @brief Adds @p fast before the handler of GET (and HEAD) on @p pattern.
    void getFast(const QString &pattern, FastHandler fast);
    /// @brief Adds an SSE route answering GET on @p pattern.
    void addStream(const QString &pattern, StreamHandler handler);

    /// @brief Finds the route for @p method on the still percent-encoded @p rawPath.
    /// Literal segments beat `:param` ones; HEAD falls back to GET.
    [[nodiscard]] Match match(const QByteArray &method, const QByteArray &rawPath) const;

    /// @brief Runs @p handler, turning exceptions into answers: af::Error by
    /// HttpResponse::forError, HttpError by its status, anything else 500.
    [[nodiscard]] static HttpResponse invoke(const RouteHandler &handler,
                                             const HttpRequest &request,
                                             const RouteParams &params);
    /// @brief The same mapping for stream handlers (exceptions become rejections).
    [[nodiscard]] static StreamResult invokeStream(const StreamHandler &handler,
                                                   const HttpRequest &request,
                                                   const RouteParams &params);
    /// @brief match() then invoke() for an ordinary route (stream routes answer 500).
    [[nodiscard]] HttpResponse handle(const HttpRequest &request) const;

private:
    struct Route
    {
        QString pattern;
        QStringList segments; ///< ":name" for a parameter
        QHash<QByteArray, RouteHandler> handlers;
        FastHandler getFast;
        StreamHandler stream;
        int metricsRoute = 0;
    };

    Route &routeFor(const QString &pattern);
    static bool matches(const Route &route, const QStringList &segments, RouteParams *params);
    static bool moreSpecific(const Route &a, const Route &b);

    QList<Route> m_routes;
};

} // namespace af
