#include "benchutil.h"

#include <QFile>

#include <algorithm>
#include <arpa/inet.h>
#include <cmath>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace afbench {

std::int64_t nowNs()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double quantile(std::vector<double> &v, double q)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto rank = std::size_t(std::ceil(q * double(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

long rssKiB(long pid)
{
    QFile f(pid == 0 ? QStringLiteral("/proc/self/status")
                     : QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLong();
    }
    return 0;
}

double loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    return f.readAll().split(' ').value(0).toDouble();
}

HttpClient::HttpClient(int port) : m_port(port) {}

HttpClient::~HttpClient()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool HttpClient::connectNow()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_in.clear();
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0)
        return false;
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(quint16(m_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(m_fd);
        m_fd = -1;
        return false;
    }
    return true;
}

bool HttpClient::sendAll(const QByteArray &data)
{
    qsizetype off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(m_fd, data.constData() + off, size_t(data.size() - off), MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        off += n;
    }
    return true;
}

HttpClient::Reply HttpClient::request(const char *method, const QByteArray &target,
                                      const QList<QPair<QByteArray, QByteArray>> &headers,
                                      const QByteArray &body)
{
    QByteArray req = QByteArray(method) + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto &h : headers)
        req += h.first + ": " + h.second + "\r\n";
    if (!body.isEmpty() || qstrcmp(method, "POST") == 0)
        req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    req += "\r\n";
    req += body;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (m_fd < 0 && !connectNow())
            return {};
        if (!sendAll(req)) {
            ::close(m_fd);
            m_fd = -1;
            continue;
        }
        // Read the head, then Content-Length bytes of body.
        qsizetype headEnd = -1;
        qsizetype need = -1;
        char buf[65536];
        for (;;) {
            if (headEnd < 0) {
                headEnd = m_in.indexOf("\r\n\r\n");
                if (headEnd >= 0) {
                    const QByteArray head = m_in.left(headEnd).toLower();
                    const qsizetype cl = head.indexOf("content-length:");
                    need = cl < 0 ? 0 : head.mid(cl + 15, head.indexOf('\r', cl) - cl - 15).trimmed().toLongLong();
                }
            }
            if (headEnd >= 0 && m_in.size() >= headEnd + 4 + need) {
                Reply r;
                r.status = m_in.mid(9, 3).toInt();
                r.body = m_in.mid(headEnd + 4, need);
                m_in.remove(0, headEnd + 4 + need);
                return r;
            }
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n <= 0)
                break;
            m_in.append(buf, n);
        }
        ::close(m_fd);
        m_fd = -1;
        if (headEnd >= 0)
            return {};
    }
    return {};
}

} // namespace afbench
