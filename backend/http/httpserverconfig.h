#pragma once
#include "httprequestparser.h"

#include <QString>

namespace af {

/// @brief Everything the HTTP server lets a caller tune; the defaults are the product's transport and SSE limits.
/// Set it before listen(); connections read it without locking.
struct HttpServerConfig
{
    QString host = QStringLiteral("127.0.0.1"); ///< "localhost", "*" / "" (any), or an address
    quint16 port = 0;                           ///< 0 picks a free port
    HttpParserLimits limits;                    ///< 16 KiB head (431), 64 KiB body (413)
    int requestTimeoutMs = 10'000;   ///< a request must be complete this long after its first byte (408)
    int idleTimeoutMs = 60'000;      ///< idle keep-alive connections are closed after this
    int maxSseClients = 10'000;      ///< 503 past it
    int maxStreamsPerTenant = 50;    ///< 429 + Retry-After past it, so no tenant takes them all
    int streamRetryAfterSec = 30;    ///< Retry-After of that 429
    int streamTokenCheckMs = 400;    ///< how often open streams' tokens are checked again
    qint64 sseBacklogLimit = 1 << 20; ///< unsent SSE bytes past which a client is cut
    int sseKeepaliveMs = 25'000;     ///< `: keepalive` comment interval
    int sseRetryMs = 3'000;          ///< the `retry:` sent first
    int networkThreads = 2;          ///< event loops that own the sockets
    int workerThreads = 0;           ///< handler pool; 0 = max(4, 2 × cores)
    int maxQueuedRequests = 4'096;   ///< requests waiting for or in a worker; 503 + Retry-After past it
    int maxQueuedPerCaller = 256;    ///< of those, from one caller (credential, else peer address)
    int maxRunningPerCaller = 0;     ///< workers one caller may hold at once; 0 = half the pool (at least 1)
    int maxRunningPerCallerShared = 1; ///< the same for a caller with a backlog while another caller has work
    /// Of one worker's time, the share (percent) such a caller gets meanwhile: after each of
    /// its jobs it waits (at most 50 ms) until its time on a worker is that share.
    int backlogWorkerPercent = 10;
    int maxQueueWaitMs = 10'000;     ///< a request not started this long after it was read: 503 + Retry-After
    int maxPipelined = 32;           ///< requests in flight per connection before reading pauses
    int lingerMs = 2'000;            ///< how long a closing connection drains unread input
};

} // namespace af
