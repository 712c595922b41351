#include "servercontext.h"

#include "sseclient.h"

#include <QThread>

#include <algorithm>

namespace af {

namespace {
/// How long a caller counts as having work after its last job: a client that sends its
/// requests one after another (every interactive one) has none waiting in the gaps, and
/// without this a flooder got its second worker back between each two of them.
constexpr auto kRecentMs = std::chrono::milliseconds(250);
/// The longest pause a paced caller waits after one job. A job's time on a worker may be
/// a wait on a lock, not CPU, and a pause past this would only push the caller's queue
/// towards its deadline (maxQueueWaitMs) without sparing anyone's CPU.
constexpr auto kMaxPace = std::chrono::milliseconds(50);

/// Moves the entries of @p credential out of every caller's queue of @p queues but @p key's
/// into @p moved, in their order; a queue left empty goes. Answers the callers it took from.
template<typename Entries>
QList<QByteArray> takeCredential(QHash<QByteArray, Entries> &queues, const QByteArray &key,
                                 const QByteArray &credential, Entries &moved)
{
    QList<QByteArray> took;
    for (auto it = queues.begin(); it != queues.end();) {
        if (it.key() == key) {
            ++it;
            continue;
        }
        Entries kept;
        for (auto &entry : it.value())
            (entry.credential == credential ? moved : kept).push_back(std::move(entry));
        if (kept.size() != it.value().size())
            took.append(it.key());
        it.value() = std::move(kept);
        it = it.value().empty() ? queues.erase(it) : std::next(it);
    }
    return took;
}
} // namespace

ServerContext::ServerContext(const HttpServerConfig &config)
    : m_config(config)
{
    // Handlers mostly wait on PostgreSQL, so more threads than cores pays off.
    m_workers = config.workerThreads > 0 ? config.workerThreads
                                         : std::max(4, 2 * QThread::idealThreadCount());
    // The streams' own jobs (a token check per network thread at a time, replays) start
    // on the pool outside the request queue: without threads of their own they took a
    // request's worker, and a request the queue had started waited for a thread.
    m_pool.setMaxThreadCount(m_workers + std::max(1, config.networkThreads));
    m_pool.setObjectName(QStringLiteral("af-http-workers"));
    m_pacer = std::thread([this] { runPacer(); });
}

ServerContext::~ServerContext()
{
    {
        std::lock_guard<std::mutex> lock(m_queueMutex);
        m_stopping = true;
    }
    m_paceWake.notify_all();
    m_pacer.join();
    // Running jobs end (and start what their caller's turn allows) before the queues go.
    m_pool.waitForDone();
}

void ServerContext::runPacer()
{
    std::unique_lock<std::mutex> lock(m_queueMutex);
    while (!m_stopping) {
        if (m_paceWakeAt == Clock::time_point::max()) {
            m_paceWake.wait(lock);
        } else if (Clock::now() < m_paceWakeAt) {
            m_paceWake.wait_until(lock, m_paceWakeAt);
        } else {
            m_paceWakeAt = Clock::time_point::max();
            startQueued();
        }
    }
}

void ServerContext::paceAfter(const QByteArray &callerKey, Clock::duration used)
{
    const auto queue = m_callerQueues.constFind(callerKey);
    const int percent = std::clamp(m_config.backlogWorkerPercent, 1, 100);
    if (queue == m_callerQueues.cend() || int(queue->size()) < m_workers || !othersActive(callerKey)
        || percent >= 100) {
        m_pacedUntil.remove(callerKey);
        return;
    }
    // Holding a flooder to one worker still let it keep one core busy with its cheap
    // statements (and our network threads with its answers): beside a build on two
    // cores, the other caller's statement then waited for a core. Pacing it by the time
    // its jobs take leaves the cores to the others while they have work, and still moves
    // its queue on.
    const Clock::time_point now = Clock::now();
    Clock::time_point &until = m_pacedUntil[callerKey];
    const auto pause = std::chrono::duration_cast<Clock::duration>(used * (100 - percent) / percent);
    until = std::min(std::max(until, now) + pause, now + std::chrono::duration_cast<Clock::duration>(kMaxPace));
}

ServerContext::Admission ServerContext::tryStartRequest(const QByteArray &callerKey,
                                                        std::function<void()> job,
                                                        std::function<bool()> resume,
                                                        const QByteArray &credential)
{
    std::lock_guard<std::mutex> lock(m_queueMutex);
    const auto mine = m_callerQueues.constFind(callerKey);
    if (mine != m_callerQueues.cend() && int(mine->size()) >= m_config.maxQueuedPerCaller) {
        // Not a 503: answering a flood as fast as it arrives is the work it wants us to do.
        m_parked[callerKey].push_back({std::move(job), std::move(resume), credential});
        return Admission::Parked;
    }
    if (m_queuedRequests >= m_config.maxQueuedRequests)
        return Admission::ServerFull;
    enqueue(callerKey, {std::move(job), credential});
    ++m_queuedRequests;
    startQueued();
    return Admission::Queued;
}

void ServerContext::enqueue(const QByteArray &callerKey, Queued queued)
{
    auto &queue = m_callerQueues[callerKey];
    if (queue.empty())
        m_callerTurns.push_back(callerKey);
    queue.push_back(std::move(queued));
}

void ServerContext::verified(const QByteArray &credential, const QByteArray &identity)
{
    if (credential.isEmpty() || !m_callerKeys.learn(credential, identity, 200))
        return; // known already: its requests were keyed by it when they were read
    const QByteArray key = m_callerKeys.keyFor(credential, QString());
    std::lock_guard<std::mutex> lock(m_queueMutex);
    // Only a credential's first verification gets here (a real token, once per process
    // or after a 401 forgot it), so a pass over what waits is rare, and bounded by
    // maxQueuedRequests. Moved jobs keep their order and their place in the count.
    std::deque<Queued> moved;
    std::deque<Parked> movedParked;
    // A queue emptied here keeps its turn entry: startQueued skips it once the queue is gone.
    QList<QByteArray> shrunk = takeCredential(m_callerQueues, key, credential, moved);
    takeCredential(m_parked, key, credential, movedParked);
    // The credential's jobs already on a worker count as the identity's from now on, or
    // the address would stay at its cap of running jobs (a write waiting on a lock holds
    // its worker for seconds) and its other callers would wait that long for a turn.
    for (Running &r : m_running) {
        if (r.credential != credential || r.key == key)
            continue;
        const auto old = m_callerRunning.find(r.key);
        if (old != m_callerRunning.end() && --old.value() <= 0)
            m_callerRunning.erase(old);
        ++m_callerRunning[key];
        r.key = key;
    }
    for (Queued &q : moved)
        enqueue(key, std::move(q));
    for (Parked &p : movedParked)
        m_parked[key].push_back(std::move(p));
    // Parked jobs wait for a place in their caller's queue, and are let in only as one of
    // its jobs starts: the queues that lost jobs here (a neighbour behind the same
    // address may be parked there) and the identity's new one let them in now.
    shrunk.append(key);
    for (const QByteArray &k : shrunk) {
        while (m_parked.contains(k) && int(m_callerQueues.value(k).size()) < m_config.maxQueuedPerCaller)
            admitParked(k);
    }
    startQueued();
}

void ServerContext::admitParked(const QByteArray &callerKey)
{
    const auto it = m_parked.find(callerKey);
    if (it == m_parked.end())
        return;
    // One in for the one that just left the caller's queue, which therefore stays at its
    // bound; the total stays near maxQueuedRequests because only a caller already admitted
    // up to maxQueuedPerCaller can have parked jobs.
    while (!it->empty()) {
        Parked p = std::move(it->front());
        it->pop_front();
        if (!p.resume())
            continue; // its connection closed while it waited
        enqueue(callerKey, {std::move(p.job), std::move(p.credential)});
        ++m_queuedRequests;
        break;
    }
    if (it->empty())
        m_parked.erase(it);
}

void ServerContext::startQueued()
{
    // One pass over the callers in turn order without a start ends it: each of them is
    // at its cap of workers.
    std::size_t untried = m_callerTurns.size();
    // A caller whose requests all wait on the database (a locked table, a slow disk)
    // must not hold every worker: the others' requests still find one free.
    const int threads = m_workers;
    const int cap = m_config.maxRunningPerCaller > 0 ? std::min(m_config.maxRunningPerCaller, threads)
                                                     : std::max(1, threads / 2);
    // A free worker is not enough when the caller holding the others keeps PostgreSQL's
    // CPU busy: another caller's statement then waits for a core behind the flooder's.
    // So while anyone else has work waiting or running, a caller with a backlog (as many
    // requests waiting as there are workers: a flood, not a client) gets no more than
    // maxRunningPerCallerShared workers; alone it may use its full cap. A caller with a
    // short queue keeps its cap, or one request of its waiting on a lock would hold up
    // its next ones for as long as the lock is held.
    const int sharedCap = std::max(1, std::min(cap, m_config.maxRunningPerCallerShared));
    while (m_runningRequests < threads && untried > 0) {
        const QByteArray key = m_callerTurns.front();
        m_callerTurns.pop_front();
        --untried;
        auto it = m_callerQueues.find(key);
        if (it == m_callerQueues.end())
            continue; // its jobs moved to the identity their credential proved (verified())
        const bool shared = int(it->size()) >= threads && othersActive(key);
        if (shared) {
            const auto paced = m_pacedUntil.constFind(key);
            if (paced != m_pacedUntil.cend() && *paced > Clock::now()) {
                if (*paced < m_paceWakeAt) {
                    m_paceWakeAt = *paced;
                    m_paceWake.notify_one();
                }
                m_callerTurns.push_back(key);
                continue;
            }
        }
        if (m_callerRunning.value(key) >= (shared ? sharedCap : cap)) {
            m_callerTurns.push_back(key);
            continue;
        }
        ++m_callerRunning[key];
        const auto running = m_running.insert(m_running.end(), {key, it->front().credential});
        std::function<void()> job = std::move(it->front().job);
        it->pop_front();
        if (it->empty())
            m_callerQueues.erase(it);
        else
            m_callerTurns.push_back(key); // its next request waits for the others' turns
        admitParked(key);
        ++m_runningRequests;
        untried = m_callerTurns.size();
        noteActive(key);
        m_pool.start([this, running, job = std::move(job), started = Clock::now()] {
            job();
            std::lock_guard<std::mutex> lock(m_queueMutex);
            paceAfter(running->key, Clock::now() - started);
            --m_runningRequests;
            --m_queuedRequests;
            const auto mine = m_callerRunning.find(running->key);
            if (mine != m_callerRunning.end() && --mine.value() <= 0)
                m_callerRunning.erase(mine);
            noteActive(running->key);
            m_running.erase(running);
            startQueued();
        });
    }
}

bool ServerContext::tryStartFast(const QByteArray &callerKey)
{
    std::lock_guard<std::mutex> lock(m_queueMutex);
    const int mine = m_fastRunning.value(callerKey);
    // Answers without a worker are cheap, but a flood of them still keeps the CPU busy:
    // a caller with a backlog (as many out that way as there are workers, or any request
    // waiting for a worker) takes the worker queue while anyone else has work, where it is
    // held to one worker and paced. Alone it may have as many out as it sends.
    const bool backlog = mine >= m_workers || m_callerQueues.contains(callerKey) || m_parked.contains(callerKey);
    if (backlog && othersActive(callerKey))
        return false;
    ++m_fastRunning[callerKey];
    noteActive(callerKey);
    return true;
}

void ServerContext::finishFast(const QByteArray &callerKey)
{
    std::lock_guard<std::mutex> lock(m_queueMutex);
    const auto it = m_fastRunning.find(callerKey);
    if (it != m_fastRunning.end() && --it.value() <= 0)
        m_fastRunning.erase(it);
    noteActive(callerKey);
}

bool ServerContext::othersActive(const QByteArray &callerKey) const
{
    // m_callerRunning holds only callers with a worker now; m_callerQueues only callers
    // with work waiting. Either one naming someone else means someone else is served.
    const int runningOthers = int(m_callerRunning.size()) - (m_callerRunning.contains(callerKey) ? 1 : 0);
    const int waitingOthers = int(m_callerQueues.size()) - (m_callerQueues.contains(callerKey) ? 1 : 0);
    const int fastOthers = int(m_fastRunning.size()) - (m_fastRunning.contains(callerKey) ? 1 : 0);
    if (runningOthers > 0 || waitingOthers > 0 || fastOthers > 0)
        return true;
    // m_recent[0] is the most recent caller; if that is this one, m_recent[1] is the most
    // recent other.
    const Seen &other = m_recent[0].key == callerKey ? m_recent[1] : m_recent[0];
    return !other.key.isEmpty() && std::chrono::steady_clock::now() - other.at < kRecentMs;
}

void ServerContext::noteActive(const QByteArray &callerKey)
{
    if (m_recent[0].key != callerKey)
        m_recent[1] = std::move(m_recent[0]);
    m_recent[0] = {callerKey, std::chrono::steady_clock::now()};
}

ServerContext::SlotAnswer ServerContext::tryReserveSseSlot(int tenantId)
{
    std::lock_guard<std::mutex> lock(m_slotMutex);
    if (m_sseSlots >= m_config.maxSseClients)
        return SlotAnswer::ServerFull;
    int &mine = m_tenantSlots[tenantId];
    if (mine >= m_config.maxStreamsPerTenant) {
        if (mine == 0)
            m_tenantSlots.remove(tenantId);
        return SlotAnswer::TenantFull;
    }
    ++mine;
    ++m_sseSlots;
    return SlotAnswer::Reserved;
}

void ServerContext::releaseSseSlot(int tenantId)
{
    std::lock_guard<std::mutex> lock(m_slotMutex);
    --m_sseSlots;
    const auto it = m_tenantSlots.find(tenantId);
    if (it != m_tenantSlots.end() && --it.value() <= 0)
        m_tenantSlots.erase(it);
}

int ServerContext::tenantStreams(int tenantId) const
{
    std::lock_guard<std::mutex> lock(m_slotMutex);
    return m_tenantSlots.value(tenantId);
}

void ServerContext::addSseClient(const std::shared_ptr<SseClient> &client)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_sseClients.insert(client->id(), client);
    }
    if (m_sseChanged)
        m_sseChanged();
}

void ServerContext::removeSseClient(quint64 id)
{
    bool removed = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        removed = m_sseClients.remove(id) > 0;
    }
    if (removed && m_sseChanged)
        m_sseChanged();
}

QList<SseClientInfo> ServerContext::sseClients() const
{
    QList<SseClientInfo> out;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        out.reserve(m_sseClients.size());
        for (const auto &c : m_sseClients)
            out.append(c->info());
    }
    std::sort(out.begin(), out.end(),
              [](const SseClientInfo &a, const SseClientInfo &b) { return a.id < b.id; });
    return out;
}

int ServerContext::sseClientCount() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return int(m_sseClients.size());
}

bool ServerContext::disconnectSseClient(quint64 id)
{
    std::shared_ptr<SseClient> client;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        client = m_sseClients.value(id);
    }
    if (!client)
        return false;
    client->requestDisconnect();
    return true;
}

} // namespace af
