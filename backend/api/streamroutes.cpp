#include "apiauth.h"
#include "apicontext.h"
#include "core/errors.h"
#include "apiroutes.h"
#include "core/catalogue.h"
#include "core/eventjson.h"
#include "feed/broadcaster.h"
#include "feed/feedservice.h"

namespace af {

void ApiRoutes::registerStream(Router &router, ApiContext &ctx)
{
    router.addStream(QStringLiteral("/api/activity/stream"),
                     [&ctx](const HttpRequest &req, const RouteParams &) {
                         const int tenant = ApiAuth::requireTenant(ctx, req, true);
                         return StreamResult::accept(tenant, lastEventIdOf(req));
                     });
}

ReplayProvider ApiRoutes::replayProvider(ApiContext &ctx)
{
    return [&ctx](qint64 lastEventId) {
        const int max = Catalogue::limits().replayMax;
        const std::vector<Event> events = ctx.feed.eventsAfter(lastEventId, max + 1);
        Replay out;
        if (int(events.size()) > max) {
            out.resync = true;
            return out;
        }
        out.frames.reserve(int(events.size()));
        const QString name = QStringLiteral("activity.event.created");
        for (const Event &e : events)
            out.frames.append(ReplayFrame{e.seq, Broadcaster::frame(name, EventJson::event(e), e.seq)});
        return out;
    };
}

} // namespace af
