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

namespace af {

using RouteParams = QHash<QString, QString>;
/// @brief A route handler; runs on the worker pool and may throw (see Router::invoke).
using RouteHandler = std::function<HttpResponse(const HttpRequest &, const RouteParams &)>;
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
        StreamHandler stream;
        int metricsRoute = 0;
    };

    Route &routeFor(const QString &pattern);
    static bool matches(const Route &route, const QStringList &segments, RouteParams *params);
    static bool moreSpecific(const Route &a, const Route &b);

    QList<Route> m_routes;
};

} // namespace af
