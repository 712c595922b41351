#pragma once
#include "callerkeys.h"
#include "httpserverconfig.h"
#include "router.h"
#include "streamtypes.h"

#include <QHash>
#include <QThreadPool>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace af {

class Broadcaster;
class SseClient;

/// @brief What every connection of one HttpServer shares: configuration, router,
/// worker pool, broadcaster, replay provider and the registry of SSE clients.
/// The registry is thread-safe; the rest is set before listening and then only read.
class ServerContext
{
public:
    explicit ServerContext(const HttpServerConfig &config);
    ~ServerContext();
    ServerContext(const ServerContext &) = delete;
    ServerContext &operator=(const ServerContext &) = delete;

    [[nodiscard]] const HttpServerConfig &config() const { return m_config; }
    void setConfig(const HttpServerConfig &config) { m_config = config; }
    [[nodiscard]] Router &router() { return m_router; }
    [[nodiscard]] const Router &router() const { return m_router; }
    [[nodiscard]] QThreadPool *pool() { return &m_pool; }
    /// @brief Whose turn each request takes (verified credentials, else addresses).
    [[nodiscard]] CallerKeys &callerKeys() { return m_callerKeys; }
    enum class Admission {
        Queued,     ///< the job runs when its caller's turn comes
        Parked,     ///< the caller already has maxQueuedPerCaller waiting: the job waits behind them
        ServerFull, ///< maxQueuedRequests are waiting or running: nothing queued, answer 503
    };
    /// @brief Queues a request handler of caller @p callerKey for the pool. Callers take
    /// turns for the workers, so one that floods waits behind itself only. A Parked job
    /// joins its caller's queue as soon as one of the caller's waiting jobs starts; then
    /// @p resume is called (from any thread; false: the connection is gone and the job is
    /// dropped). Its connection reads nothing meanwhile, so a flood of pipelined requests
    /// costs the server the bound of its queue, not the rate at which the flooder sends.
    /// @p credential: the digest of the credential the request presents (or empty), so
    /// that its job can follow the credential once it verifies (verified()).
    [[nodiscard]] Admission tryStartRequest(const QByteArray &callerKey, std::function<void()> job,
                                            std::function<bool()> resume, const QByteArray &credential = {});
    /// @brief Whether a request of @p callerKey may be answered without a worker (a route's
    /// fast path, on its network thread): not while the caller has a backlog and others
    /// have work. Counted as the caller's work until finishFast(@p callerKey).
    [[nodiscard]] bool tryStartFast(const QByteArray &callerKey);
    void finishFast(const QByteArray &callerKey);
    /// @brief A handler (on a worker) has just proved @p credential to be @p identity:
    /// CallerKeys learns it, and the credential's jobs still waiting under another key
    /// (its address's, while it was unverified) move to the identity's queue. Without the
    /// move, a tenant's first burst, read before any of it was verified, stays in its
    /// address's queue, and every other caller from that address (a NAT, localhost)
    /// waits behind it.
    void verified(const QByteArray &credential, const QByteArray &identity);
    [[nodiscard]] Broadcaster *broadcaster() const { return m_broadcaster; }
    void setBroadcaster(Broadcaster *broadcaster) { m_broadcaster = broadcaster; }
    [[nodiscard]] const ReplayProvider &replayProvider() const { return m_replayProvider; }
    void setReplayProvider(ReplayProvider provider) { m_replayProvider = std::move(provider); }
    [[nodiscard]] const StreamTokenCheck &streamTokenCheck() const { return m_tokenCheck; }
    void setStreamTokenCheck(StreamTokenCheck check) { m_tokenCheck = std::move(check); }
    /// @brief Called (from any thread) whenever an SSE client comes or goes.
    void setSseChangedCallback(std::function<void()> cb) { m_sseChanged = std::move(cb); }

    enum class SlotAnswer { Reserved, ServerFull, TenantFull };
    /// @brief Takes one of the maxSseClients places and one of @p tenantId's
    /// maxStreamsPerTenant; nothing is taken unless both are free.
    [[nodiscard]] SlotAnswer tryReserveSseSlot(int tenantId);
    void releaseSseSlot(int tenantId);
    /// @brief Streams (reserved, handed off or open) of @p tenantId.
    [[nodiscard]] int tenantStreams(int tenantId) const;
    [[nodiscard]] quint64 nextSseId() { return ++m_lastSseId; }
    void addSseClient(const std::shared_ptr<SseClient> &client);
    void removeSseClient(quint64 id);
    [[nodiscard]] QList<SseClientInfo> sseClients() const;
    [[nodiscard]] int sseClientCount() const;
    /// @brief Asks client @p id's thread to disconnect it; false if no such client.
    bool disconnectSseClient(quint64 id);

private:
    HttpServerConfig m_config;
    Router m_router;
    QThreadPool m_pool;
    int m_workers = 1; ///< request handlers at once (the pool has a few more threads for streams)
    CallerKeys m_callerKeys;
    Broadcaster *m_broadcaster = nullptr;
    ReplayProvider m_replayProvider;
    std::function<void()> m_sseChanged;
    StreamTokenCheck m_tokenCheck;

    mutable std::mutex m_slotMutex;
    int m_sseSlots = 0;
    QHash<int, int> m_tenantSlots;
    std::atomic<quint64> m_lastSseId{0};
    void startQueued(); ///< with m_queueMutex held: fills the free workers, caller by caller
    /// @brief With m_queueMutex held: whether a caller other than @p callerKey has work
    /// waiting or running.
    [[nodiscard]] bool othersActive(const QByteArray &callerKey) const;

    std::mutex m_queueMutex;
    int m_queuedRequests = 0; ///< waiting or running
    int m_runningRequests = 0;
    struct Queued {
        std::function<void()> job;
        QByteArray credential;
    };
    QHash<QByteArray, std::deque<Queued>> m_callerQueues;
    QHash<QByteArray, int> m_callerRunning; ///< workers each caller holds now
    QHash<QByteArray, int> m_fastRunning; ///< requests each caller has out without a worker
    struct Running {
        QByteArray key; ///< whose worker it counts as (changes when its credential verifies)
        QByteArray credential;
    };
    std::list<Running> m_running; ///< one per job on a worker
    /// The two callers that most recently started or finished a job, most recent first:
    /// whoever was active in the last kRecentMs counts as having work (othersActive).
    struct Seen {
        QByteArray key;
        std::chrono::steady_clock::time_point at;
    };
    Seen m_recent[2];
    void noteActive(const QByteArray &callerKey); ///< with m_queueMutex held
    using Clock = std::chrono::steady_clock;
    /// @brief With m_queueMutex held: @p callerKey's job has just held a worker for
    /// @p used; if the caller has a backlog while others have work, it starts its next job
    /// only after a pause that keeps its time on a worker to backlogWorkerPercent.
    void paceAfter(const QByteArray &callerKey, Clock::duration used);
    QHash<QByteArray, Clock::time_point> m_pacedUntil; ///< paced callers' next start
    /// The pacer thread runs startQueued at m_paceWakeAt: a paced caller may be the only one
    /// with work left, and then no job ends and nothing arrives to start its next one.
    Clock::time_point m_paceWakeAt = Clock::time_point::max();
    std::condition_variable m_paceWake;
    bool m_stopping = false;
    void runPacer();
    std::deque<QByteArray> m_callerTurns; ///< callers with work waiting, in turn order
    struct Parked {
        std::function<void()> job;
        std::function<bool()> resume;
        QByteArray credential;
    };
    QHash<QByteArray, std::deque<Parked>> m_parked; ///< per caller, oldest first (one per connection)
    void admitParked(const QByteArray &callerKey); ///< with m_queueMutex held
    void enqueue(const QByteArray &callerKey, Queued queued); ///< with m_queueMutex held
    mutable std::mutex m_mutex;
    QHash<quint64, std::shared_ptr<SseClient>> m_sseClients;
    std::thread m_pacer; ///< last: it starts once everything above is built
};

} // namespace af
