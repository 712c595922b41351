#include "sseconnection.h"

#include "connectionhandle.h"
#include "core/logcategories.h"
#include "feed/broadcaster.h"
#include "servercontext.h"
#include "sseclient.h"

#include <QSocketNotifier>
#include <QThreadPool>

#include <cerrno>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace af {

namespace {
constexpr QByteArrayView kEventCreated = "event: activity.event.created\n";
constexpr uint32_t kIn = EPOLLIN | EPOLLRDHUP;
/// The replay is written while less than this waits for the kernel: a reader that
/// keeps reading gets all of it, one that stops holds only this much.
constexpr qint64 kReplayWindow = 64 * 1024;
} // namespace

SseHub *SseHub::of(QObject *home, ServerContext *context)
{
    if (auto *hub = home->findChild<SseHub *>(QString(), Qt::FindDirectChildrenOnly))
        return hub;
    return new SseHub(context, home);
}

SseHub::SseHub(ServerContext *context, QObject *parent)
    : QObject(parent)
    , m_context(context)
    , m_handle(std::make_shared<ConnectionHandle>(this))
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        qCCritical(lcHttp) << "epoll_create1 failed:" << qt_error_string(errno);
    } else {
        m_notifier = new QSocketNotifier(m_epoll, QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, [this] { onEpoll(); });
    }
    m_inbox = std::make_shared<SseInbox>(m_handle, [this] { onInbox(); });
    connect(&m_keepalive, &QTimer::timeout, this, [this] { onKeepalive(); });
    m_keepalive.start(m_context->config().sseKeepaliveMs);
    connect(&m_tokenTimer, &QTimer::timeout, this, [this] { onTokenCheck(); });
    if (m_context->streamTokenCheck())
        m_tokenTimer.start(m_context->config().streamTokenCheckMs);
}

SseHub::~SseHub()
{
    m_handle->detach();
    for (auto &[id, c] : m_conns)
        closeConn(*c);
    m_conns.clear();
    if (m_epoll >= 0)
        ::close(m_epoll);
}

SseHub::Conn *SseHub::find(quint64 id) const
{
    const auto it = m_conns.find(id);
    return it == m_conns.end() || it->second->closed ? nullptr : it->second.get();
}

void SseHub::adopt(int fd, const StreamResult &accept, const QString &peerAddress)
{
    const HttpServerConfig &cfg = m_context->config();
    if (m_keepalive.interval() != cfg.sseKeepaliveMs)
        m_keepalive.start(cfg.sseKeepaliveMs);
    if (m_context->streamTokenCheck() && !m_tokenTimer.isActive())
        m_tokenTimer.start(cfg.streamTokenCheckMs);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

    const quint64 id = m_context->nextSseId();
    auto owned = std::make_unique<Conn>();
    Conn &c = *owned;
    c.fd = fd;
    c.tenantId = accept.tenantId;
    c.tokenId = accept.tokenId;
    c.lastEventId = accept.lastEventId;
    c.client = std::make_shared<SseClient>(
        id, c.tenantId, peerAddress, cfg.sseBacklogLimit, m_inbox,
        [this, id] { disconnectClient(id, "backlog limit or admin request"); });
    m_conns.emplace(id, std::move(owned));
    // Listed before the first write, so that a failing write (which closes and unlists)
    // cannot leave a closed client in the list.
    m_context->addSseClient(c.client);

    epoll_event ev{};
    ev.events = kIn;
    ev.data.u64 = id;
    if (m_epoll < 0 || ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
        qCWarning(lcHttp) << "cannot watch an SSE socket:" << qt_error_string(errno);
        closeConn(c);
        reap();
        return;
    }

    write(c, "HTTP/1.1 200 OK\r\n"
             "Content-Type: text/event-stream\r\n"
             "Cache-Control: no-cache\r\n"
             "Connection: keep-alive\r\n"
             "X-Accel-Buffering: no\r\n\r\n"
             "retry: "
                 + QByteArray::number(cfg.sseRetryMs) + "\n\n",
          -1);

    const ReplayProvider &provider = m_context->replayProvider();
    c.holding = c.lastEventId >= 0 && provider;
    // Register before asking for the replay: an event committed in between is then
    // either in the replay or held here, never lost.
    if (!c.closed) {
        if (Broadcaster *b = m_context->broadcaster()) {
            b->registerFeedClient(c.tenantId, c.client);
            c.registered = true;
        } else {
            qCWarning(lcHttp) << "SSE client accepted without a broadcaster";
        }
    }
    qCInfo(lcHttp) << "SSE client" << id << "tenant" << c.tenantId << "from" << peerAddress
                   << "connected";

    if (c.holding && !c.closed) {
        const qint64 last = c.lastEventId;
        ReplayProvider fn = provider;
        std::shared_ptr<ConnectionHandle> handle = m_handle;
        m_context->pool()->start([fn, last, handle, id, this] {
            try {
                Replay replay = fn(last);
                handle->post([this, id, replay] { applyReplay(id, replay); });
            } catch (const std::exception &e) {
                qCWarning(lcHttp) << "SSE replay failed:" << e.what();
                handle->post([this, id] { disconnectClient(id, "replay failed"); });
            } catch (...) {
                handle->post([this, id] { disconnectClient(id, "replay failed"); });
            }
        });
    }
    reap();
}

void SseHub::onEpoll()
{
    epoll_event events[256];
    for (int round = 0; round < 64; ++round) {
        const int n = ::epoll_wait(m_epoll, events, 256, 0);
        if (n <= 0)
            break;
        for (int i = 0; i < n; ++i) {
            Conn *c = find(events[i].data.u64);
            if (!c)
                continue;
            const uint32_t e = events[i].events;
            if (e & EPOLLOUT)
                flushOut(*c);
            if (!c->closed && (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
                readInput(*c);
        }
        if (n < 256)
            break;
    }
    reap();
}

void SseHub::readInput(Conn &c)
{
    // Clients have nothing to say on a stream; drop whatever they send, notice the close.
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        closeConn(c); // 0: the peer closed; < 0: reset or other error
        return;
    }
}

void SseHub::onInbox()
{
    const std::vector<SseInbox::Batch> batches = m_inbox->take();
    for (const SseInbox::Batch &b : batches) {
        const qint64 id = frameId(b.frame);
        const bool created = isEventCreated(b.frame);
        const qint64 size = b.frame.size();
        for (const quint64 cid : b.ids) {
            const auto it = m_conns.find(cid);
            if (it == m_conns.end())
                continue;
            Conn &c = *it->second;
            c.client->delivered(size);
            if (!c.closed)
                deliver(c, b.frame, id, created);
        }
    }
    reap();
}

void SseHub::deliver(Conn &c, const QByteArray &frame, qint64 id, bool created)
{
    if (c.holding) {
        c.held.append(frame);
        c.heldBytes += frame.size();
        checkBacklog(c);
        return;
    }
    // The listener may deliver an event after the replay already carried it: the
    // replay reads committed rows, the broadcast comes a moment later.
    if (alreadySent(c, id, created))
        return;
    write(c, frame, id);
    if (c.replayedMax >= 0 && id > c.replayedMax) {
        c.replayed.clear();
        c.replayed.squeeze();
        c.replayedMax = -1;
    }
}

bool SseHub::alreadySent(const Conn &c, qint64 id, bool created)
{
    if (c.lastEventId < 0 || !created)
        return false;
    return id >= 0 && (id <= c.lastEventId || c.replayed.contains(id));
}

void SseHub::applyReplay(quint64 connId, const Replay &replay)
{
    Conn *cp = find(connId);
    if (!cp || !cp->holding || cp->replayLoaded)
        return;
    Conn &c = *cp;
    c.replayLoaded = true;
    if (replay.resync) {
        write(c, Broadcaster::frame(QStringLiteral("activity.resync"), QByteArrayLiteral("{}")), -1);
    } else {
        c.replay = replay.frames;
        c.replayed.reserve(replay.frames.size());
    }
    pumpReplay(c);
    reap();
}

void SseHub::pumpReplay(Conn &c)
{
    while (!c.closed && c.replayAt < c.replay.size() && c.outBytes < kReplayWindow) {
        const ReplayFrame &f = c.replay.at(c.replayAt++);
        c.replayed.insert(f.seq);
        c.replayedMax = std::max(c.replayedMax, f.seq);
        write(c, f.frame, frameId(f.frame));
    }
    if (c.closed || c.replayAt < c.replay.size())
        return; // flushOut() comes back here once the reader has taken some
    c.replay = QList<ReplayFrame>();
    c.replayAt = 0;
    c.holding = false;
    // Held frames the replay already carried (or the client already had) are dropped;
    // matching on the exact seqs rather than "≤ last seq" also keeps an event whose
    // transaction committed out of seq order. Frames still queued in the inbox are
    // filtered the same way by deliver().
    const QByteArrayList held = std::exchange(c.held, {});
    c.heldBytes = 0;
    for (const QByteArray &f : held) {
        const qint64 id = frameId(f);
        if (!alreadySent(c, id, isEventCreated(f)))
            write(c, f, id);
    }
    checkBacklog(c);
}

void SseHub::write(Conn &c, const QByteArray &frame, qint64 id)
{
    if (c.closed)
        return;
    // Recorded before the bytes leave: a client that has read the frame must never find
    // the admin view still showing the id before it.
    if (id >= 0)
        c.client->setLastEventId(id);
    if (c.out.isEmpty()) {
        // Straight to the kernel; only the remainder (usually nothing) is kept.
        qsizetype sent = 0;
        while (sent < frame.size()) {
            const ssize_t n = ::send(c.fd, frame.constData() + sent, size_t(frame.size() - sent),
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                sent += n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            closeConn(c);
            return;
        }
        if (sent < frame.size()) {
            c.out.append(frame);
            c.outOffset = sent;
            c.outBytes = frame.size() - sent;
            watchOut(c, true);
        }
    } else {
        c.out.append(frame);
        c.outBytes += frame.size();
    }
    checkBacklog(c);
}

void SseHub::flushOut(Conn &c)
{
    while (!c.out.isEmpty()) {
        const QByteArray &front = c.out.constFirst();
        const ssize_t n = ::send(c.fd, front.constData() + c.outOffset,
                                 size_t(front.size() - c.outOffset), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            closeConn(c);
            return;
        }
        c.outOffset += n;
        c.outBytes -= n;
        if (c.outOffset == front.size()) {
            c.out.removeFirst();
            c.outOffset = 0;
        }
    }
    if (c.out.isEmpty()) {
        c.out = QByteArrayList(); // give the list's storage back
        watchOut(c, false);
    }
    checkBacklog(c);
    if (c.replayLoaded && c.holding)
        pumpReplay(c);
}

void SseHub::watchOut(Conn &c, bool on)
{
    if (c.watchingOut == on)
        return;
    c.watchingOut = on;
    epoll_event ev{};
    ev.events = on ? (kIn | EPOLLOUT) : kIn;
    ev.data.u64 = c.client->id();
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
}

void SseHub::checkBacklog(Conn &c)
{
    if (c.closed)
        return;
    const qint64 backlog = c.outBytes + c.heldBytes;
    c.client->setSocketBacklog(backlog);
    if (backlog + c.client->queuedBytes() > m_context->config().sseBacklogLimit) {
        qCInfo(lcHttp) << "SSE client" << c.client->id() << "disconnected: backlog limit";
        closeConn(c);
    }
}

void SseHub::onKeepalive()
{
    static const QByteArray keepalive = QByteArrayLiteral(": keepalive\n\n");
    for (auto &[id, c] : m_conns) {
        if (!c->closed)
            write(*c, keepalive, -1);
    }
    reap();
}

void SseHub::onTokenCheck()
{
    // One query per hub and round for every token its streams were opened with: a
    // revocation (written to the database by any instance) ends them within a round.
    if (m_tokenCheckRunning)
        return;
    QSet<int> ids;
    for (const auto &[id, c] : m_conns) {
        if (!c->closed && c->tokenId > 0)
            ids.insert(c->tokenId);
    }
    if (ids.isEmpty())
        return;
    m_tokenCheckRunning = true;
    StreamTokenCheck check = m_context->streamTokenCheck();
    std::shared_ptr<ConnectionHandle> handle = m_handle;
    m_context->pool()->start([check, ids, handle, this] {
        QSet<int> revoked;
        try {
            const QSet<int> valid = check(ids.values());
            revoked = ids - valid;
        } catch (const std::exception &e) {
            qCWarning(lcHttp) << "stream token check failed; streams kept:" << e.what();
        } catch (...) {
            qCWarning(lcHttp) << "stream token check failed; streams kept";
        }
        handle->post([this, revoked] { closeRevoked(revoked); });
    });
}

void SseHub::closeRevoked(const QSet<int> &revoked)
{
    m_tokenCheckRunning = false;
    if (revoked.isEmpty())
        return;
    for (auto &[id, c] : m_conns) {
        if (!c->closed && revoked.contains(c->tokenId)) {
            qCInfo(lcHttp) << "SSE client" << id << "disconnected: its token was revoked";
            closeConn(*c);
        }
    }
    reap();
}

void SseHub::disconnectClient(quint64 id, const char *reason)
{
    Conn *c = find(id);
    if (!c)
        return;
    qCInfo(lcHttp) << "SSE client" << id << "disconnected:" << reason;
    closeConn(*c);
    reap();
}

void SseHub::closeConn(Conn &c)
{
    if (c.closed)
        return;
    c.closed = true;
    if (c.registered)
        m_context->broadcaster()->unregisterFeedClient(c.tenantId, c.client.get());
    c.client->close();
    c.client->setSocketBacklog(0);
    m_context->removeSseClient(c.client->id());
    m_context->releaseSseSlot(c.tenantId);
    if (m_epoll >= 0)
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
    c.out.clear();
    c.held.clear();
    c.replay.clear();
    m_dead.push_back(c.client->id());
}

void SseHub::reap()
{
    for (const quint64 id : m_dead)
        m_conns.erase(id);
    m_dead.clear();
}

qint64 SseHub::frameId(const QByteArray &frame)
{
    qsizetype pos = -1;
    if (frame.startsWith("id: ")) {
        pos = 4;
    } else {
        const qsizetype dataAt = frame.indexOf("\ndata:");
        const qsizetype at = frame.indexOf("\nid: ");
        if (at < 0 || (dataAt >= 0 && at > dataAt))
            return -1;
        pos = at + 5;
    }
    const qsizetype end = frame.indexOf('\n', pos);
    bool ok = false;
    const qint64 id = QByteArrayView(frame).sliced(pos, (end < 0 ? frame.size() : end) - pos).toLongLong(&ok);
    return ok ? id : -1;
}

bool SseHub::isEventCreated(const QByteArray &frame)
{
    return frame.startsWith(kEventCreated);
}

} // namespace af
