#include "apiauth.h"
#include "apicontext.h"
#include "core/errors.h"
#include "apiroutes.h"
#include "core/catalogue.h"
#include "core/eventjson.h"
#include "db/connectionpool.h"
#include "db/pgerrors.h"
#include "feed/broadcaster.h"
#include "feed/feedservice.h"
#include "feed/tenants.h"

#include <pqxx/pqxx>

namespace af {

void ApiRoutes::registerStream(Router &router, ApiContext &ctx)
{
    router.addStream(QStringLiteral("/api/activity/stream"),
                     [&ctx](const HttpRequest &req, const RouteParams &) {
                         const TokenOwner owner = ApiAuth::requireToken(ctx, req, true);
                         return StreamResult::accept(owner.tenantId, lastEventIdOf(req),
                                                     owner.tokenId);
                     });
}

StreamTokenCheck ApiRoutes::streamTokenCheck(ApiContext &ctx)
{
    return [&ctx](const QList<int> &tokenIds) {
        return PgErrors::guard([&] {
            auto lease = ctx.pool.acquire();
            const std::vector<int> active =
                Tenants::activeTokenIds(*lease, std::vector<int>(tokenIds.begin(), tokenIds.end()));
            return QSet<int>(active.begin(), active.end());
        });
    };
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
        if (events.empty()) {
            // An id this database never handed out: it was replaced or restored, and the
            // client's feed belongs to another history. The sequence (not max(seq)) also
            // counts seqs of rows since removed.
            const qint64 head = PgErrors::guard([&] {
                auto lease = ctx.pool.acquire();
                pqxx::nontransaction tx(*lease);
                return tx.exec1("SELECT coalesce(pg_sequence_last_value("
                                "pg_get_serial_sequence('activity_events', 'seq')), 0)")[0]
                    .as<qint64>();
            });
            out.resync = lastEventId > head;
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
