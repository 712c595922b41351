#include "gamificationroutes.h"

#include "apiauth.h"
#include "apicontext.h"
#include "core/errors.h"
#include "apiroutes.h"
#include "jsonbody.h"

#include "core/catalogue.h"
#include "hooks/gamification.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace af
{

namespace
{

HttpResponse jsonAnswer(int status, const QJsonObject &o)
{
    return HttpResponse::json(status, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

template <typename T> QJsonArray toArray(const std::vector<T> &items)
{
    QJsonArray a;
    for (const T &item : items)
        a.append(item.toJson());
    return a;
}

/// `{"<name>": [...], "nextCursor": null or string}`, as the comments page answers.
template <typename T> HttpResponse pageAnswer(const QString &name, const OwnPage<T> &page)
{
    return jsonAnswer(200, {{name, toArray(page.items)},
                            {QStringLiteral("nextCursor"),
                             page.nextCursor.isEmpty() ? QJsonValue() : QJsonValue(page.nextCursor)}});
}

int listLimit(const HttpRequest &req)
{
    const Limits &l = Catalogue::limits();
    return JsonBody::limitQuery(req, l.listPageDefault, l.listPageMax);
}

} // namespace

qint64 GamificationRoutes::parseId(const QString &text, const char *what)
{
    bool digits = !text.isEmpty() && text.size() <= 18;
    for (const QChar c : text)
        digits = digits && c >= QLatin1Char('0') && c <= QLatin1Char('9');
    const qint64 id = digits ? text.toLongLong() : 0;
    if (id <= 0)
        throw BadInput(std::string(what) + " must be a positive integer");
    return id;
}

void GamificationRoutes::registerAll(Router &router, ApiContext &ctx, Gamification &g)
{
    const QString id = QStringLiteral("id");

    // --- tasks ---
    router.post(QStringLiteral("/api/tasks"),
                ApiRoutes::guarded([&ctx, &g](const HttpRequest &req, const RouteParams &) {
                    const int tenant = ApiAuth::requireTenant(ctx, req);
                    const QJsonObject body = JsonBody::parseObject(req);
                    const QString title = JsonBody::requireString(body, QStringLiteral("title"));
                    const Task task = g.createTask(tenant, title);
                    return jsonAnswer(201, {{QStringLiteral("ok"), true},
                                            {QStringLiteral("task"), task.toJson()}});
                }));
    router.get(QStringLiteral("/api/tasks"),
               ApiRoutes::guarded([&ctx, &g](const HttpRequest &req, const RouteParams &) {
                   const int tenant = ApiAuth::requireTenant(ctx, req);
                   const int limit = listLimit(req);
                   return pageAnswer(QStringLiteral("tasks"),
                                     g.tasks(tenant, req.queryValue(QStringLiteral("cursor")), limit));
               }));
    router.patch(QStringLiteral("/api/tasks/:id"),
                 ApiRoutes::guarded([&ctx, &g, id](const HttpRequest &req, const RouteParams &p) {
                     const int tenant = ApiAuth::requireTenant(ctx, req);
                     const qint64 taskId = parseId(p.value(id), "task id");
                     const QJsonObject body = JsonBody::parseObject(req);
                     const QString status = JsonBody::requireString(body, QStringLiteral("status"));
                     const TaskUpdate u = g.setTaskStatus(tenant, taskId, status);
                     return jsonAnswer(200, {{QStringLiteral("ok"), true},
                                             {QStringLiteral("task"), u.task.toJson()}});
                 }));

    // --- the caller's own challenges ---
    router.post(
        QStringLiteral("/api/gamification/challenges"),
        ApiRoutes::guarded([&ctx, &g](const HttpRequest &req, const RouteParams &) {
            const int tenant = ApiAuth::requireTenant(ctx, req);
            const QJsonObject body = JsonBody::parseObject(req);
            const QString title = JsonBody::requireString(body, QStringLiteral("title"));
            const QString xpField = QStringLiteral("xpReward");
            int xp = RankTable::kDefaultChallengeXp;
            if (body.contains(xpField) && !body.value(xpField).isNull())
                xp = int(JsonBody::requireInteger(body, xpField, 1, RankTable::kMaxXpReward));
            const Challenge c = g.createChallenge(tenant, title, xp);
            return jsonAnswer(
                201, {{QStringLiteral("ok"), true}, {QStringLiteral("challenge"), c.toJson()}});
        }));
    router.get(
        QStringLiteral("/api/gamification/challenges"),
        ApiRoutes::guarded([&ctx, &g](const HttpRequest &req, const RouteParams &) {
            const int tenant = ApiAuth::requireTenant(ctx, req);
            const int limit = listLimit(req);
            return pageAnswer(QStringLiteral("challenges"),
                              g.challenges(tenant, req.queryValue(QStringLiteral("cursor")), limit));
        }));
    router.post(QStringLiteral("/api/gamification/challenges/:id/complete"),
                ApiRoutes::guarded([&ctx, &g, id](const HttpRequest &req, const RouteParams &p) {
                    const int tenant = ApiAuth::requireTenant(ctx, req);
                    const qint64 challengeId = parseId(p.value(id), "challenge id");
                    const ChallengeCompletion r = g.completeChallenge(tenant, challengeId);
                    return jsonAnswer(200, {{QStringLiteral("ok"), true},
                                            {QStringLiteral("challenge"), r.challenge.toJson()}});
                }));
    router.get(QStringLiteral("/api/gamification/profile"),
               ApiRoutes::guarded([&ctx, &g](const HttpRequest &req, const RouteParams &) {
                   const int tenant = ApiAuth::requireTenant(ctx, req);
                   const GamificationProfile p = g.profile(tenant);
                   return jsonAnswer(200, {{QStringLiteral("totalXp"), p.totalXp},
                                           {QStringLiteral("rank"), p.rank},
                                           {QStringLiteral("streakDays"), p.streakDays}});
               }));

    // --- the shared arena ---
    router.get(QStringLiteral("/api/arena/challenges"),
               ApiRoutes::guarded([&ctx, &g](const HttpRequest &req, const RouteParams &) {
                   const int tenant = ApiAuth::requireTenant(ctx, req);
                   return jsonAnswer(
                       200, {{QStringLiteral("challenges"), toArray(g.arenaChallenges(tenant))}});
               }));
    router.post(QStringLiteral("/api/arena/claim"),
                ApiRoutes::guarded([&ctx, &g](const HttpRequest &req, const RouteParams &) {
                    const int tenant = ApiAuth::requireTenant(ctx, req);
                    const QJsonObject body = JsonBody::parseObject(req);
                    const qint64 arenaId = JsonBody::requireInteger(
                        body, QStringLiteral("challengeId"), 1, 2147483647);
                    const ArenaClaim c = g.claimArena(tenant, arenaId);
                    if (!c.claimed)
                        throw Conflict("this arena reward has already been claimed");
                    return jsonAnswer(200, {{QStringLiteral("ok"), true},
                                            {QStringLiteral("badgeName"), c.badgeName},
                                            {QStringLiteral("xpAwarded"), c.xpAwarded}});
                }));
}

} // namespace af
