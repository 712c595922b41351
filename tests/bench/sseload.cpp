// af_sse_load: an epoll SSE load generator. The parent forks worker processes that each
// hold a share of the clients (GET /api/activity/stream?access_token=…); then, per round,
// the parent emits one event over HTTP (POST /api/activity/emit + POST /api/activity/drain)
// and collects from every worker the CLOCK_MONOTONIC time at which each client received
// it. Latency = receipt − trigger, for every client.
//
// The clients take the tokens of --tokens-file (one a line) in turn, so that N clients of
// T tenants' tokens hold at most ceil(N / T) streams per tenant: the server's per-tenant
// stream cap stays what it is in production. With --floor the server is
// ../shared/tools/ssefloor.c: a round's trigger is `GET /trigger` (it writes the frame to
// every client at once) instead of an emit and a drain, and the same clients and the same
// clock measure it.
//
// Protocol with the caller (stdin/stdout, one line each): after connecting it prints
// "CONNECTED <n>" and waits for "GO"; after the rounds it prints one JSON line and waits
// for "QUIT" (or EOF) before closing its connections, so the caller can measure the
// server at both points.
#include "benchutil.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using afbench::nowNs;

namespace {

struct Options {
    int port = 0;
    int clients = 1000;
    int procs = 4;
    int rounds = 20;
    int inflight = 24;
    std::vector<std::string> tokens;
    std::string secret;
    bool floor = false;
    int tenant = 1; ///< round r emits as tenant `tenant + r`
    int timeoutMs = 20000;
};

struct Client {
    int fd = -1;
    bool connected = false; ///< saw the response head
    bool closed = false;
    std::string buf;
    long long lastId = -1;
    std::int64_t lastAt = 0;
};

bool writeAll(int fd, const std::string &s)
{
    size_t off = 0;
    while (off < s.size()) {
        const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        off += size_t(n);
    }
    return true;
}

void raiseNofile()
{
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
}

int openClient(const Options &o)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(o.port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Worker: holds `count` clients; answers the parent's commands on `cmdFd`, replies on `outFd`.
// Its clients are the clients first … first + count − 1 of the whole run.
[[noreturn]] void worker(const Options &o, int first, int count, int cmdFd, int outFd)
{
    raiseNofile();
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<Client> clients(static_cast<size_t>(count));
    auto requestOf = [&o, first](int i) {
        const std::string &token = o.tokens.empty() ? std::string() : o.tokens[size_t(first + i) % o.tokens.size()];
        return "GET /api/activity/stream?access_token=" + token +
               " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    };
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = ~0ull;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, cmdFd, &ev);

    int next = 0, pending = 0, connected = 0, failed = 0;
    auto startSome = [&] {
        while (next < count && pending < o.inflight) {
            Client &c = clients[size_t(next)];
            c.fd = openClient(o);
            if (c.fd < 0) {
                ++failed;
                c.closed = true;
                ++next;
                continue;
            }
            epoll_event e{};
            e.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
            e.data.u64 = uint64_t(next);
            ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &e);
            ++pending;
            ++next;
        }
    };
    auto closeClient = [&](Client &c) {
        if (c.closed)
            return;
        if (!c.connected) {
            --pending;
            ++failed;
        }
        c.closed = true;
        ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
    };
    bool reportedConnected = false;
    std::string cmdBuf;
    std::vector<epoll_event> events(1024);
    char buf[65536];
    const std::int64_t connectDeadline = nowNs() + 120'000'000'000LL;
    for (;;) {
        startSome();
        if (!reportedConnected && (connected + failed == count || nowNs() > connectDeadline)) {
            reportedConnected = true;
            writeAll(outFd, "C " + std::to_string(connected) + " " + std::to_string(failed) + "\n");
        }
        const int n = ::epoll_wait(ep, events.data(), int(events.size()), 100);
        for (int i = 0; i < n; ++i) {
            const epoll_event &e = events[size_t(i)];
            if (e.data.u64 == ~0ull) {
                const ssize_t r = ::read(cmdFd, buf, sizeof buf);
                if (r <= 0)
                    _exit(0);
                cmdBuf.append(buf, size_t(r));
                size_t nl;
                while ((nl = cmdBuf.find('\n')) != std::string::npos) {
                    const std::string cmd = cmdBuf.substr(0, nl);
                    cmdBuf.erase(0, nl + 1);
                    if (cmd[0] == 'Q')
                        _exit(0);
                    const long long base = std::atoll(cmd.c_str() + 2);
                    if (cmd[0] == 'S') { // max id seen so far
                        long long m = -1;
                        for (const Client &c : clients)
                            m = std::max(m, c.lastId);
                        writeAll(outFd, "S " + std::to_string(m) + "\n");
                    } else if (cmd[0] == 'R') { // how many got an event after `base`
                        int got = 0, closed = 0;
                        for (const Client &c : clients) {
                            got += c.lastId > base;
                            closed += c.closed;
                        }
                        writeAll(outFd, "R " + std::to_string(got) + " " + std::to_string(closed) + "\n");
                    } else if (cmd[0] == 'T') { // their receipt times
                        std::string out = "T";
                        for (const Client &c : clients)
                            if (c.lastId > base)
                                out += " " + std::to_string(c.lastAt);
                        writeAll(outFd, out + "\n");
                    }
                }
                continue;
            }
            Client &c = clients[size_t(e.data.u64)];
            if (c.closed)
                continue;
            if (e.events & EPOLLOUT) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
                const std::string request = requestOf(int(e.data.u64));
                if (err != 0 || ::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) {
                    closeClient(c);
                    continue;
                }
                epoll_event m{};
                m.events = EPOLLIN | EPOLLRDHUP;
                m.data.u64 = e.data.u64;
                ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &m);
            }
            if (e.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                const std::int64_t t = nowNs();
                bool eof = false;
                for (;;) {
                    const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
                    if (r > 0) {
                        c.buf.append(buf, size_t(r));
                        if (r < ssize_t(sizeof buf))
                            break;
                        continue;
                    }
                    if (r == 0 || (errno != EAGAIN && errno != EINTR))
                        eof = true;
                    break;
                }
                if (!c.connected) {
                    const size_t he = c.buf.find("\r\n\r\n");
                    if (he != std::string::npos) {
                        if (c.buf.compare(0, 12, "HTTP/1.1 200") != 0) {
                            closeClient(c);
                            continue;
                        }
                        c.connected = true;
                        --pending;
                        ++connected;
                        c.buf.erase(0, he + 4);
                    }
                }
                if (c.connected) {
                    size_t end;
                    while ((end = c.buf.find("\n\n")) != std::string::npos) {
                        // A created event, or (should a round's event join a tile) the
                        // tile's update: the first frame after the trigger is its receipt.
                        static const char kEvent[] = "event: activity.event.";
                        const size_t idAt = c.buf.find("\nid: ");
                        if (c.buf.compare(0, sizeof kEvent - 1, kEvent) == 0 && idAt < end) {
                            const long long id = std::atoll(c.buf.c_str() + idAt + 5);
                            if (id > c.lastId) {
                                c.lastId = id;
                                c.lastAt = t;
                            }
                        }
                        c.buf.erase(0, end + 2);
                    }
                }
                if (eof)
                    closeClient(c);
            }
        }
    }
}

struct Worker {
    pid_t pid = 0;
    int cmd = -1;
    FILE *out = nullptr;
};

std::string readLine(FILE *f)
{
    std::string s;
    int ch;
    while ((ch = std::fgetc(f)) != EOF && ch != '\n')
        s += char(ch);
    return s;
}

std::vector<std::string> readTokens(const char *path)
{
    std::vector<std::string> out;
    if (FILE *f = std::fopen(path, "r")) {
        for (std::string line = readLine(f); !line.empty(); line = readLine(f))
            out.push_back(line);
        std::fclose(f);
    }
    return out;
}

std::vector<std::string> ask(std::vector<Worker> &ws, const std::string &cmd)
{
    for (Worker &w : ws)
        writeAll(w.cmd, cmd + "\n");
    std::vector<std::string> out;
    for (Worker &w : ws)
        out.push_back(readLine(w.out));
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        const char *v = argv[i + 1];
        if (k == "--port") o.port = std::atoi(v);
        else if (k == "--clients") o.clients = std::atoi(v);
        else if (k == "--procs") o.procs = std::atoi(v);
        else if (k == "--rounds") o.rounds = std::atoi(v);
        else if (k == "--tokens-file") o.tokens = readTokens(v);
        else if (k == "--floor") o.floor = std::atoi(v) != 0;
        else if (k == "--secret") o.secret = v;
        else if (k == "--tenant") o.tenant = std::atoi(v);
        else if (k == "--inflight") o.inflight = std::atoi(v);
    }
    std::signal(SIGPIPE, SIG_IGN);
    if (o.tokens.empty() && !o.floor) {
        std::fprintf(stderr, "af_sse_load: --tokens-file names no tokens\n");
        return 2;
    }
    std::vector<Worker> ws;
    const int procs = std::max(1, std::min(o.procs, o.clients));
    for (int p = 0; p < procs; ++p) {
        int toWorker[2], fromWorker[2];
        if (::pipe2(toWorker, O_CLOEXEC) != 0 || ::pipe2(fromWorker, O_CLOEXEC) != 0)
            return 2;
        const int share = o.clients / procs + (p < o.clients % procs ? 1 : 0);
        const int first = p * (o.clients / procs) + std::min(p, o.clients % procs);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(toWorker[1]);
            ::close(fromWorker[0]);
            for (const Worker &w : ws) {
                ::close(w.cmd);
                std::fclose(w.out);
            }
            worker(o, first, share, toWorker[0], fromWorker[1]);
        }
        ::close(toWorker[0]);
        ::close(fromWorker[1]);
        ws.push_back({pid, toWorker[1], ::fdopen(fromWorker[0], "r")});
    }
    int connected = 0, failed = 0;
    for (Worker &w : ws) {
        const std::string line = readLine(w.out);
        int c = 0, f = 0;
        std::sscanf(line.c_str(), "C %d %d", &c, &f);
        connected += c;
        failed += f;
    }
    std::printf("CONNECTED %d %d\n", connected, failed);
    std::fflush(stdout);
    char line[256];
    if (!std::fgets(line, sizeof line, stdin))
        return 0;

    afbench::HttpClient http(o.port);
    const QList<QPair<QByteArray, QByteArray>> secret{{"x-drain-secret", QByteArray::fromStdString(o.secret)}};
    std::vector<double> p50s, p99s, maxs, all, firsts, spreads;
    int missedTotal = 0, httpErrors = 0;
    for (int round = 0; round < o.rounds; ++round) {
        long long base = -1;
        for (const std::string &s : ask(ws, "S 0"))
            base = std::max(base, std::atoll(s.c_str() + 2));
        const std::int64_t t0 = nowNs();
        // Each round's event comes from the next tenant, so that it is a new single (three
        // of one tenant and type within the tile window would make a tile).
        const QByteArray body = QByteArrayLiteral("{\"tenantId\":") + QByteArray::number(o.tenant + round) +
                                ",\"eventType\":\"badge_earned\",\"payload\":{\"badgeName\":\"Bench round " +
                                QByteArray::number(round) + "\",\"xpAwarded\":5}}";
        if (o.floor) {
            // ssefloor closes the connection after each answer: a new one per round.
            const auto t = afbench::HttpClient(o.port).request("GET", "/trigger");
            if (t.status != 200) {
                ++httpErrors;
                std::fprintf(stderr, "round %d: trigger %d\n", round, t.status);
            }
        } else if (const auto e = http.request("POST", "/api/activity/emit", secret, body),
                   d = http.request("POST", "/api/activity/drain", secret, {});
                   e.status != 202 || d.status != 200) {
            ++httpErrors;
            std::fprintf(stderr, "round %d: emit %d drain %d %s\n", round, e.status, d.status, d.body.constData());
        }
        int got = 0, closed = 0;
        const std::int64_t deadline = t0 + std::int64_t(o.timeoutMs) * 1'000'000;
        for (;;) {
            got = closed = 0;
            for (const std::string &s : ask(ws, "R " + std::to_string(base))) {
                int g = 0, c = 0;
                std::sscanf(s.c_str(), "R %d %d", &g, &c);
                got += g;
                closed += c;
            }
            if (got + closed >= o.clients || nowNs() > deadline)
                break;
            ::usleep(5000); // polling interval, with the deadline above
        }
        std::vector<double> lat;
        lat.reserve(size_t(got));
        for (const std::string &s : ask(ws, "T " + std::to_string(base))) {
            const char *p = s.c_str() + 1;
            char *end = nullptr;
            for (;;) {
                const long long t = std::strtoll(p, &end, 10);
                if (end == p)
                    break;
                lat.push_back(double(t - t0) / 1e6);
                p = end;
            }
        }
        missedTotal += connected - int(lat.size());
        all.insert(all.end(), lat.begin(), lat.end());
        std::vector<double> l = lat;
        p50s.push_back(afbench::quantile(l, 0.50));
        p99s.push_back(afbench::quantile(l, 0.99));
        maxs.push_back(l.empty() ? 0 : l.back());
        // The first receipt is the trigger's own path (for our server: emit, drain, NOTIFY,
        // the listener's read); what follows it is the fan-out.
        firsts.push_back(l.empty() ? 0 : l.front());
        spreads.push_back(l.empty() ? 0 : afbench::quantile(l, 0.99) - l.front());
        ::usleep(200000); // pacing between measured rounds (bench, asserts nothing)
    }
    QJsonObject r{{"clients", o.clients},
                  {"connected", connected},
                  {"connect_failed", failed},
                  {"rounds", o.rounds},
                  {"p50_ms", afbench::median(p50s)},
                  {"p99_ms", afbench::median(p99s)},
                  {"max_ms", afbench::median(maxs)},
                  {"pooled_p99_ms", afbench::quantile(all, 0.99)},
                  {"first_receipt_ms", afbench::median(firsts)},
                  {"fanout_p99_ms", afbench::median(spreads)},
                  {"missed_receipts", missedTotal},
                  {"http_errors", httpErrors}};
    std::printf("%s\n", QJsonDocument(r).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    std::fgets(line, sizeof line, stdin);
    ask(ws, "Q");
    for (Worker &w : ws)
        ::waitpid(w.pid, nullptr, 0);
    return 0;
}
