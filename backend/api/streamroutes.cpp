#include "apiauth.h"
#include "apicontext.h"
#include "apierror.h"
#include "apiroutes.h"
#include "pgerrors.h"

#include "db/connectionpool.h"
#include "feed/broadcaster.h"

#include <pqxx/pqxx>

namespace af {

void ApiRoutes::registerStream(Router &router, ApiContext &ctx)
{
    router.addStream(QStringLiteral("/api/activity/stream"),
                     [&ctx](const HttpRequest &req, const RouteParams &) {
                         try {
                             const int tenant = ApiAuth::requireTenant(ctx, req, true);
                             return StreamResult::accept(tenant, lastEventIdOf(req));
                         } catch (const ApiError &e) {
                             HttpResponse r = HttpResponse::error(e.status(),
                                                                  QString::fromUtf8(e.what()));
                             if (e.status() == 401)
                                 r.setHeader("WWW-Authenticate", "Bearer");
                             return StreamResult::reject(r);
                         }
                     });
}

ReplayProvider ApiRoutes::replayProvider(ApiContext &ctx)
{
    return [&ctx](qint64 lastEventId) {
        return PgErrors::guard([&] {
            auto lease = ctx.pool.acquire();
            lease->prepare("api_replay", R"SQL(
SELECT e.seq, af_event_json(e, NULL)::text
  FROM activity_events e
 WHERE e.seq > $1::bigint
 ORDER BY e.seq
 LIMIT $2::int
)SQL");
            pqxx::read_transaction tx(*lease);
            const pqxx::result r = tx.exec_prepared("api_replay", lastEventId, kMaxReplay + 1);
            Replay out;
            if (r.size() > kMaxReplay) {
                out.resync = true;
                return out;
            }
            out.frames.reserve(int(r.size()));
            const QString name = QStringLiteral("activity.event.created");
            for (const auto &row : r) {
                const qint64 seq = row[0].as<qint64>();
                const QByteArray json(row[1].c_str(), int(row[1].size()));
                out.frames.append(ReplayFrame{seq, Broadcaster::frame(name, json, seq)});
            }
            return out;
        });
    };
}

} // namespace af
