#include "gamification.h"

#include "db/connectionpool.h"
#include "core/catalogue.h"
#include "core/errors.h"
#include "core/logcategories.h"
#include "feed/eventemitter.h"

#include <pqxx/except>

namespace af
{

Gamification::Gamification(ConnectionPool &pool, EventEmitter *emitter, Clock clock)
    : m_pool(pool), m_emitter(emitter), m_clock(std::move(clock))
{
}

void Gamification::setClock(Clock clock)
{
    std::lock_guard<std::mutex> lock(m_clockMutex);
    m_clock = std::move(clock);
}

QDateTime Gamification::now() const
{
    std::lock_guard<std::mutex> lock(m_clockMutex);
    return m_clock ? m_clock().toUTC() : QDateTime::currentDateTimeUtc();
}

template <typename F> auto Gamification::withConnection(F &&f)
{
    auto lease = m_pool.acquire();
    try {
        return f(lease.get());
    } catch (const pqxx::broken_connection &e) {
        throw Unavailable(std::string("database connection lost: ") + e.what());
    } catch (const pqxx::in_doubt_error &e) {
        throw Unavailable(std::string("database connection lost during commit: ") + e.what());
    } catch (const pqxx::foreign_key_violation &) {
        // A tenant deleted between the check and the write.
        throw NotFound("unknown tenant");
    }
}

void Gamification::fire(int tenantId, const HookEvents &hooks) noexcept
{
    for (const HookEvent &h : hooks) {
        try {
            qCDebug(lcHooks, "tenant %d: hook %s", tenantId, qPrintable(h.type));
            if (m_emitter)
                m_emitter->emitEvent(tenantId, h.type, h.payload);
        } catch (...) {
            // emitEvent never throws; the logging above must not fail the request either.
        }
    }
}

Task Gamification::createTask(int tenantId, const QString &title)
{
    const QDateTime t = now();
    return withConnection(
        [&](pqxx::connection &c) { return Tasks::create(c, tenantId, title, t); });
}

namespace
{
int pageLimit(int limit)
{
    const Limits &l = Catalogue::limits();
    return limit <= 0 ? l.listPageDefault : std::min(limit, l.listPageMax);
}
} // namespace

OwnPage<Task> Gamification::tasks(int tenantId, const QString &cursor, int limit)
{
    return withConnection(
        [&](pqxx::connection &c) { return Tasks::list(c, tenantId, cursor, pageLimit(limit)); });
}

TaskUpdate Gamification::setTaskStatus(int tenantId, qint64 taskId, const QString &status)
{
    const QDateTime t = now();
    TaskUpdate u = withConnection(
        [&](pqxx::connection &c) { return Tasks::setStatus(c, tenantId, taskId, status, t); });
    fire(tenantId, u.hooks);
    return u;
}

Challenge Gamification::createChallenge(int tenantId, const QString &title, int xpReward)
{
    const QDateTime t = now();
    return withConnection(
        [&](pqxx::connection &c) { return Challenges::create(c, tenantId, title, xpReward, t); });
}

OwnPage<Challenge> Gamification::challenges(int tenantId, const QString &cursor, int limit)
{
    return withConnection(
        [&](pqxx::connection &c) { return Challenges::list(c, tenantId, cursor, pageLimit(limit)); });
}

ChallengeCompletion Gamification::completeChallenge(int tenantId, qint64 challengeId)
{
    const QDateTime t = now();
    ChallengeCompletion r = withConnection(
        [&](pqxx::connection &c) { return Challenges::complete(c, tenantId, challengeId, t); });
    fire(tenantId, r.hooks);
    return r;
}

GamificationProfile Gamification::profile(int tenantId)
{
    const QDateTime t = now();
    return withConnection([&](pqxx::connection &c) { return XpLedger::profile(c, tenantId, t); });
}

std::vector<ArenaChallenge> Gamification::arenaChallenges(int tenantId)
{
    return withConnection([&](pqxx::connection &c) { return Arena::list(c, tenantId); });
}

ArenaClaim Gamification::claimArena(int tenantId, qint64 arenaChallengeId)
{
    const QDateTime t = now();
    ArenaClaim r = withConnection(
        [&](pqxx::connection &c) { return Arena::claim(c, tenantId, arenaChallengeId, t); });
    fire(tenantId, r.hooks);
    return r;
}

ArenaChallenge Gamification::addArenaChallenge(const QString &title, const QString &badgeName,
                                               qint64 xpReward)
{
    return withConnection(
        [&](pqxx::connection &c) { return Arena::add(c, title, badgeName, xpReward); });
}

} // namespace af
