#include "httpconnection.h"

#include "connectionhandle.h"
#include "core/logcategories.h"
#include "core/metrics.h"
#include "router.h"
#include "servercontext.h"
#include "sseconnection.h"
#include "sseclient.h"

#include <QDeadlineTimer>
#include <QTcpSocket>
#include <QThreadPool>

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>

namespace af {

namespace {
constexpr qint64 kReadChunk = 64 * 1024;
constexpr qint64 kWriteBacklogPause = 1 << 20;

/// Queued runs on a worker; Parked runs once the caller's earlier requests are done (the
/// connection reads no further meanwhile); only a full server is answered busy, now.
bool admitted(bool &parked, ServerContext::Admission admission)
{
    if (admission == ServerContext::Admission::Parked)
        parked = true;
    return admission != ServerContext::Admission::ServerFull;
}

} // namespace

HttpConnection::HttpConnection(qintptr descriptor, ServerContext *context, QObject *parent)
    : QObject(parent)
    , m_context(context)
    , m_socket(new QTcpSocket(this))
    , m_parser(context->config().limits)
    , m_handle(std::make_shared<ConnectionHandle>(this))
{
    const HttpServerConfig &cfg = context->config();
    if (!m_socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcHttp) << "cannot adopt an accepted socket:" << m_socket->errorString();
        deleteLater();
        return;
    }
    m_peerAddress = m_socket->peerAddress().toString();
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // A bounded read buffer lets TCP push back on a client that sends faster than we serve.
    m_socket->setReadBufferSize(4 * kReadChunk);

    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(cfg.requestTimeoutMs);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(cfg.idleTimeoutMs);
    m_lingerTimer.setSingleShot(true);

    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::process);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_sseWaiting) {
            if (m_socket->bytesToWrite() == 0)
                completeHandOff();
        } else if (m_closing) {
            if (m_socket->bytesToWrite() == 0)
                shutdownWrite();
        } else if (m_socket->bytesToWrite() < kWriteBacklogPause / 2) {
            process();
        }
    });
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        m_handle->detach();
        if (m_sseSlotHeld) {
            m_sseSlotHeld = false;
            m_context->releaseSseSlot(m_sseAccept.tenantId);
        }
        m_requestTimer.stop();
        m_idleTimer.stop();
        m_lingerTimer.stop();
        deleteLater();
    });
    connect(&m_requestTimer, &QTimer::timeout, this, [this] {
        if (!m_closing && !m_stopParsing)
            fail(408, QStringLiteral("request not complete in time"));
    });
    connect(&m_idleTimer, &QTimer::timeout, this, [this] {
        if (m_slots.empty() && !m_parser.hasPartialRequest())
            beginClose();
    });
    connect(&m_lingerTimer, &QTimer::timeout, this, [this] {
        if (!m_socket)
            return;
        m_socket->abort();
        if (m_sseSlotHeld) { // a hand-off that never completed
            m_sseSlotHeld = false;
            m_context->releaseSseSlot(m_sseAccept.tenantId);
            deleteLater();
        }
    });
    m_idleTimer.start();
    process();
}

HttpConnection::~HttpConnection()
{
    m_handle->detach();
    if (m_sseSlotHeld)
        m_context->releaseSseSlot(m_sseAccept.tenantId);
}

bool HttpConnection::paused() const
{
    return m_parked || int(m_slots.size()) >= m_context->config().maxPipelined
           || m_socket->bytesToWrite() > kWriteBacklogPause;
}

void HttpConnection::process()
{
    // finish() calls back into process(); a flag instead of recursion keeps the stack
    // flat when thousands of pipelined requests are answered synchronously (404s).
    if (m_processing) {
        m_processAgain = true;
        return;
    }
    m_processing = true;
    do {
        m_processAgain = false;
        processBuffered();
    } while (m_processAgain && !m_closing && m_socket);
    m_processing = false;
}

void HttpConnection::processBuffered()
{
    if (m_closing) {
        // Lingering close: drain and drop input so that our answer is not reset away.
        m_socket->skip(m_socket->bytesAvailable());
        return;
    }
    bool completed = false;
    while (!m_stopParsing && !paused()) {
        HttpRequest request;
        const auto status = m_parser.next(request);
        if (status == HttpRequestParser::Status::Ready) {
            completed = true;
            dispatch(std::move(request));
            continue;
        }
        if (status == HttpRequestParser::Status::Failed) {
            fail(m_parser.errorStatus(), m_parser.errorMessage());
            return;
        }
        if (m_parser.takeExpectContinue() && m_slots.empty())
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        if (m_socket->bytesAvailable() <= 0)
            break;
        m_parser.feed(m_socket->read(kReadChunk));
    }
    updateTimers(completed);
}

void HttpConnection::dispatch(HttpRequest &&request)
{
    request.setPeerAddress(m_peerAddress);
    // Who is asking, before any database lookup: a credential seen to verify counts as
    // its tenant however many connections carry it; anything else as its address.
    const QByteArray credential = CallerKeys::credentialDigest(request);
    const QByteArray caller = m_context->callerKeys().keyFor(credential, m_peerAddress);
    ServerContext *context = m_context;
    if (!credential.isEmpty())
        request.setOnVerified([context, credential](const QByteArray &identity) {
            context->verified(credential, identity);
        });
    const quint64 id = m_nextSlotId++;
    m_slots.emplace_back();
    m_slots.back().id = id;
    const bool keepAlive = request.keepAlive();
    const bool head = request.isHead();
    if (!keepAlive)
        m_stopParsing = true;

    Router::Match match = m_context->router().match(request.method(), request.rawPath());
    const int maxWait = m_context->config().maxQueueWaitMs;
    std::shared_ptr<ConnectionHandle> handle = m_handle;
    switch (match.kind) {
    case Router::Match::Kind::Error:
        Metrics::instance().countRequest(match.metricsRoute, match.error.status());
        finish(id, match.error.serialize(keepAlive, head), !keepAlive);
        return;
    case Router::Match::Kind::Handler:
        if (match.fast && m_context->tryStartFast(caller)) {
            // A kept answer found without a worker is written from this thread; anything
            // else goes to the worker queue as if the fast path had not been there.
            struct Pending {
                HttpRequest request;
                Router::Match match;
            };
            auto pending = std::make_shared<Pending>(Pending{std::move(request), std::move(match)});
            if (pending->match.fast(pending->request, caller, [handle, context, this, id, keepAlive, head, caller, credential, pending](
                                           std::optional<HttpResponse> answer) {
                    context->finishFast(caller);
                    if (!handle->isAttached())
                        return; // the connection closed while the check was out
                    if (!answer) {
                        startOnWorker(id, keepAlive, head, caller, credential, std::move(pending->match),
                                      std::move(pending->request));
                        return;
                    }
                    Metrics::instance().countRequest(pending->match.metricsRoute, answer->status());
                    finish(id, answer->serialize(keepAlive, head), !keepAlive);
                }))
                return;
            m_context->finishFast(caller);
            request = std::move(pending->request);
            match = std::move(pending->match);
        }
        startOnWorker(id, keepAlive, head, caller, credential, std::move(match), std::move(request));
        return;
    case Router::Match::Kind::Stream:
        // Nothing after a stream request is read: the connection becomes the stream.
        m_stopParsing = true;
        m_streamPending = true;
        if (!admitted(m_parked, m_context->tryStartRequest(
            caller,
            [handle, id, keepAlive, this, route = match.metricsRoute, stream = std::move(match.stream),
             params = std::move(match.params), request = std::move(request), read = QDeadlineTimer(maxWait),
             context, credential] {
                const StreamResult result = read.hasExpired() ? StreamResult::reject(saturated())
                                                              : Router::invokeStream(stream, request, params);
                context->callerKeys().learn(credential, {},
                                            result.accepted ? 200 : result.rejection.status());
                Metrics::instance().countRequest(route, result.accepted ? 200 : result.rejection.status());
                handle->post([this, id, result, keepAlive] { finishStream(id, result, keepAlive); });
            },
            resumer(), credential)))
            finishStream(id, StreamResult::reject(saturated()), keepAlive);
        return;
    }
}

void HttpConnection::startOnWorker(quint64 id, bool keepAlive, bool head, const QByteArray &caller,
                                   const QByteArray &credential, Router::Match &&match, HttpRequest &&request)
{
    const int maxWait = m_context->config().maxQueueWaitMs;
    std::shared_ptr<ConnectionHandle> handle = m_handle;
    ServerContext *context = m_context;
    if (!admitted(m_parked, m_context->tryStartRequest(
        caller,
        [handle, id, keepAlive, head, this, route = match.metricsRoute, handler = std::move(match.handler),
         params = std::move(match.params), request = std::move(request), read = QDeadlineTimer(maxWait), context, credential] {
            // A request that waited past its deadline (a database that takes writes
            // slower than they come) is answered busy without running, so waiting is
            // bounded however long the queue behind a slow database grows.
            const HttpResponse response =
                read.hasExpired() ? saturated() : Router::invoke(handler, request, params);
            // A verification was learnt as it happened (verified()); a 401 forgets.
            context->callerKeys().learn(credential, {}, response.status());
            Metrics::instance().countRequest(route, response.status());
            const QByteArray bytes = response.serialize(keepAlive, head);
            handle->post([this, id, bytes, keepAlive] { finish(id, bytes, !keepAlive); });
        },
        resumer(), credential)))
        finish(id, saturated().serialize(keepAlive, head), !keepAlive);
}

std::function<bool()> HttpConnection::resumer()
{
    // Called by the worker queue, from any thread, once the parked request has a place.
    return [handle = m_handle, this] {
        return handle->post([this] {
            m_parked = false;
            process();
        });
    };
}

HttpResponse HttpConnection::saturated()
{
    HttpResponse r = HttpResponse::error(503, QStringLiteral("the server is busy; retry shortly"));
    r.setHeader("Retry-After", "1");
    return r;
}

HttpConnection::Slot *HttpConnection::slotFor(quint64 id)
{
    if (m_slots.empty() || id < m_slots.front().id)
        return nullptr;
    const quint64 index = id - m_slots.front().id;
    return index < m_slots.size() ? &m_slots[index] : nullptr;
}

void HttpConnection::finish(quint64 id, const QByteArray &bytes, bool closeAfter)
{
    Slot *slot = slotFor(id);
    if (!slot)
        return;
    slot->ready = true;
    slot->bytes = bytes;
    slot->closeAfter = closeAfter;
    flush();
    if (!m_closing)
        process();
}

void HttpConnection::finishStream(quint64 id, const StreamResult &result, bool keepAlive)
{
    m_streamPending = false;
    if (!result.accepted) {
        m_stopParsing = !keepAlive;
        finish(id, result.rejection.serialize(keepAlive), !keepAlive);
        return;
    }
    Slot *slot = slotFor(id);
    if (!slot)
        return;
    slot->ready = true;
    slot->streamAccepted = true;
    slot->stream = result;
    flush();
}

void HttpConnection::fail(int status, const QString &message)
{
    // Every parse failure closes: after a framing doubt nothing that follows is trusted.
    m_stopParsing = true;
    m_requestTimer.stop();
    const quint64 id = m_nextSlotId++;
    m_slots.emplace_back();
    m_slots.back().id = id;
    qCDebug(lcHttp) << "rejecting request from" << m_peerAddress << "with" << status << message;
    Metrics::instance().countRequest(Metrics::kUnparsedRoute, status);
    finish(id, HttpResponse::error(status, message).serialize(false), true);
}

void HttpConnection::flush()
{
    while (!m_slots.empty() && m_slots.front().ready && !m_closing) {
        Slot slot = std::move(m_slots.front());
        m_slots.pop_front();
        if (slot.streamAccepted) {
            handOffToSse(slot.stream);
            return;
        }
        m_socket->write(slot.bytes);
        if (slot.closeAfter)
            beginClose();
    }
    updateTimers(false);
}

void HttpConnection::handOffToSse(const StreamResult &accept)
{
    const auto answer = m_context->tryReserveSseSlot(accept.tenantId);
    if (answer == ServerContext::SlotAnswer::ServerFull) {
        qCWarning(lcHttp) << "SSE client limit reached; refusing" << m_peerAddress;
        m_socket->write(HttpResponse::error(503, QStringLiteral("too many stream clients"))
                            .serialize(false));
        beginClose();
        return;
    }
    if (answer == ServerContext::SlotAnswer::TenantFull) {
        const HttpServerConfig &cfg = m_context->config();
        qCInfo(lcHttp) << "tenant" << accept.tenantId << "is at its stream limit; refusing"
                       << m_peerAddress;
        HttpResponse r = HttpResponse::error(
            429, QStringLiteral("this tenant already has %1 open streams; close one or retry later")
                     .arg(cfg.maxStreamsPerTenant));
        r.setHeader("Retry-After", QByteArray::number(cfg.streamRetryAfterSec));
        m_socket->write(r.serialize(false));
        beginClose();
        return;
    }
    m_sseSlotHeld = true;
    m_sseAccept = accept;
    m_requestTimer.stop();
    m_idleTimer.stop();
    // A client that pipelined answers ahead of its stream request and never reads them
    // would hold the stream slot for ever: it gets the request timeout to take them.
    m_lingerTimer.start(m_context->config().requestTimeoutMs);
    // Answers written before the stream request go out first; the stream then takes
    // the bare descriptor, so nothing may be left in the socket's write buffer.
    m_sseWaiting = true; // until then bytesWritten completes the hand-off
    if (m_socket->bytesToWrite() > 0)
        m_socket->flush();
    if (m_sseWaiting && m_socket->bytesToWrite() == 0)
        completeHandOff();
}

void HttpConnection::completeHandOff()
{
    m_sseWaiting = false;
    m_lingerTimer.stop();
    const int fd = ::fcntl(int(m_socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        qCWarning(lcHttp) << "cannot take over an SSE socket:" << qt_error_string(errno);
        m_sseSlotHeld = false;
        m_context->releaseSseSlot(m_sseAccept.tenantId);
        m_socket->abort();
        return;
    }
    m_handle->detach();
    m_socket->disconnect(this);
    // Closes Qt's descriptor only (no shutdown): the connection lives on in fd.
    m_socket->abort();
    m_socket = nullptr;
    m_sseSlotHeld = false;
    SseHub::of(parent(), m_context)->adopt(fd, m_sseAccept, m_peerAddress);
    deleteLater();
}

void HttpConnection::beginClose()
{
    if (m_closing)
        return;
    m_closing = true;
    m_stopParsing = true;
    m_requestTimer.stop();
    m_idleTimer.stop();
    // A peer that never reads must not keep us waiting for the flush forever.
    m_lingerTimer.start(qMax(m_context->config().lingerMs, m_context->config().requestTimeoutMs));
    if (m_socket->bytesToWrite() == 0)
        shutdownWrite();
    m_socket->skip(m_socket->bytesAvailable());
}

void HttpConnection::shutdownWrite()
{
    if (m_writeShut)
        return;
    m_writeShut = true;
    // Half-close, then read until the peer closes (or the linger time is up): closing
    // with unread input would send an RST that can destroy the answer in flight.
    ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    m_lingerTimer.start(m_context->config().lingerMs);
}

void HttpConnection::updateTimers(bool completedRequest)
{
    if (m_closing || !m_socket)
        return;
    // While paused the client waits for us, not the other way round: no 408 then.
    const bool partial = !m_stopParsing && !paused()
                         && (m_parser.hasPartialRequest() || m_socket->bytesAvailable() > 0);
    if (partial) {
        if (completedRequest || !m_requestTimer.isActive())
            m_requestTimer.start();
    } else {
        m_requestTimer.stop();
    }
    if (!partial && m_slots.empty() && !m_streamPending) {
        if (!m_idleTimer.isActive())
            m_idleTimer.start();
    } else {
        m_idleTimer.stop();
    }
}

} // namespace af
