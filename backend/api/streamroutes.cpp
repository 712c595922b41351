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
        const std::vector<FeedChange> changes = ctx.feed.changesAfter(lastEventId, max + 1);
        Replay out;
        if (int(changes.size()) > max) {
            out.resync = true;
            return out;
        }
        if (changes.empty()) {
            // An id this database never handed out: it was replaced or restored, and the
            // client's feed belongs to another history. The sequence (not max(seq)) also
            // counts seqs of rows since removed and of tombstones, which draw from it too.
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
        // The current state of every event after the id, and every removal, in seq order.
        out.frames.reserve(int(changes.size()));
        const QString created = QStringLiteral("activity.event.created");
        for (const FeedChange &c : changes) {
            const StreamMessage m = std::holds_alternative<Event>(c.value)
                ? StreamMessage::of(std::get<Event>(c.value), created)
                : StreamMessage::of(std::get<EventRemoved>(c.value));
            out.frames.append(ReplayFrame{c.seq(), m.frame});
        }
        return out;
    };
}

} // namespace af
