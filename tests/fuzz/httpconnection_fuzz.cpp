// libFuzzer target for af::HttpConnection: the input is fed as the bytes of a real TCP
// connection on 127.0.0.1 (both ends made here), to a connection with a plain route, an
// echo route and a stream route, then the client half-closes. The first byte picks the
// write chunk size. Checks, besides ASan/UBSan: the connection always finishes (answers,
// closes, or becomes a stream) and everything it writes is a sequence of HTTP/1.1 answers,
// optionally followed by a stream.
#include "feed/broadcaster.h"
#include "http/httpconnection.h"
#include "http/servercontext.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThreadPool>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

struct World
{
    World()
    {
        static int argc = 1;
        static char name[] = "httpconnection_fuzz";
        static char *argv[] = {name, nullptr};
        app = new QCoreApplication(argc, argv);
        af::HttpServerConfig cfg;
        cfg.requestTimeoutMs = 300;
        cfg.idleTimeoutMs = 300;
        cfg.lingerMs = 50;
        cfg.workerThreads = 2;
        cfg.limits = af::HttpParserLimits{4096, 2048};
        context = new af::ServerContext(cfg);
        context->setBroadcaster(&broadcaster);
        af::Router &r = context->router();
        r.get(QStringLiteral("/hello"), [](const af::HttpRequest &, const af::RouteParams &) {
            return af::HttpResponse(200, "hello", "text/plain");
        });
        r.post(QStringLiteral("/echo/:id"), [](const af::HttpRequest &req, const af::RouteParams &) {
            return af::HttpResponse(200, req.body(), "application/octet-stream");
        });
        r.addStream(QStringLiteral("/stream"), [](const af::HttpRequest &req, const af::RouteParams &) {
            if (req.hasHeader("x-deny"))
                return af::StreamResult::reject(af::HttpResponse::error(401, QStringLiteral("no")));
            return af::StreamResult::accept(1, af::lastEventIdOf(req));
        });
        listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(listener, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(listener, 16) != 0
            || ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &len) != 0)
            abort();
    }
    QCoreApplication *app;
    af::Broadcaster broadcaster;
    af::ServerContext *context;
    int listener = -1;
    sockaddr_in address{};
};

World &world()
{
    static World w;
    return w;
}

/// The loopback pair itself failed: not a finding in HttpConnection, so say which call.
[[noreturn]] void harnessFailure(const char *call, int error)
{
    std::fprintf(stderr, "httpconnection_fuzz: %s on the loopback pair failed: %s\n", call, std::strerror(error));
    abort();
}

/// @p headSent: the input holds a HEAD request somewhere, so an answer may stop after
/// its head although it names the Content-Length its GET would have had.
bool answersLookRight(const QByteArray &out, bool headSent)
{
    // Every answer starts a status line; a stream's frames follow its 200 head.
    qsizetype pos = 0;
    while (pos < out.size()) {
        if (!out.mid(pos).startsWith("HTTP/1.1 "))
            return false;
        const qsizetype headEnd = out.indexOf("\r\n\r\n", pos);
        if (headEnd < 0)
            return false;
        const QByteArray head = out.mid(pos, headEnd - pos).toLower();
        if (head.contains("text/event-stream"))
            return true;
        const qsizetype cl = head.indexOf("\r\ncontent-length: ");
        if (cl < 0)
            return false;
        const qsizetype bodyAt = headEnd + 4;
        if (headSent && (bodyAt == out.size() || out.mid(bodyAt).startsWith("HTTP/1.1 "))) {
            pos = bodyAt; // the answer to a HEAD: no body follows
            continue;
        }
        pos = bodyAt + head.mid(cl + 18, head.indexOf("\r\n", cl + 2) - cl - 18).toLongLong();
    }
    return pos == out.size();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16384)
        return 0;
    World &w = world();
    // Non-blocking from the start: a blocking connect() can be cut short by libFuzzer's
    // own timer signal (EINTR), which once failed a clean-clone run with no finding.
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (::connect(client, reinterpret_cast<sockaddr *>(&w.address), sizeof w.address) != 0) {
        if (errno != EINPROGRESS && errno != EINTR)
            harnessFailure("connect", errno);
        pollfd p{client, POLLOUT, 0};
        int r;
        while ((r = ::poll(&p, 1, 5000)) < 0 && errno == EINTR) {
        }
        int err = 0;
        socklen_t len = sizeof err;
        if (r != 1 || ::getsockopt(client, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
            harnessFailure("connect", r == 1 ? err : ETIMEDOUT);
    }
    int server;
    while ((server = ::accept4(w.listener, nullptr, nullptr, SOCK_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (server < 0)
        harnessFailure("accept", errno);
    auto *home = new QObject;
    new af::HttpConnection(server, w.context, home);

    const size_t chunk = (data[0] & 0x3f) * 16 + 1;
    size_t sent = 1;
    bool halfClosed = false;
    QByteArray out;
    QElapsedTimer t;
    t.start();
    for (;;) {
        if (sent < size) {
            const ssize_t n = ::send(client, data + sent, std::min(chunk, size - sent), MSG_NOSIGNAL);
            if (n > 0)
                sent += size_t(n);
        } else if (!halfClosed) {
            ::shutdown(client, SHUT_WR);
            halfClosed = true;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        char buf[65536];
        ssize_t n;
        bool peerClosed = false;
        while ((n = ::recv(client, buf, sizeof buf, 0)) > 0)
            out.append(buf, n);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            peerClosed = true;
        const bool streaming = out.contains("text/event-stream");
        if (peerClosed || (streaming && halfClosed && t.elapsed() > 20))
            break;
        if (t.elapsed() > 5000)
            abort(); // a connection that neither answers nor closes: a missing timer
    }
    ::close(client);
    w.context->pool()->waitForDone();
    delete home; // closes a stream, if one was made
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    const bool headSent = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size)).contains("HEAD ");
    if (!answersLookRight(out, headSent))
        abort();
    return 0;
}
