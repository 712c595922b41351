#pragma once
// Small helpers shared by the benchmark executables: statistics, process memory, a
// blocking keep-alive HTTP/1.1 client for 127.0.0.1 and a monotonic clock in ns.
#include <QByteArray>
#include <QList>
#include <QPair>

#include <cstdint>
#include <string>
#include <vector>

namespace afbench {

/// @brief CLOCK_MONOTONIC in nanoseconds (the same clock in every process of the machine).
std::int64_t nowNs();
/// @brief The @p q quantile (0..1) of @p v (sorted in place), nearest-rank.
double quantile(std::vector<double> &v, double q);
double median(std::vector<double> v);
/// @brief VmRSS of a process in KiB (0 if unknown); pid 0 is this process.
long rssKiB(long pid = 0);
/// @brief The machine's 1-minute load average (/proc/loadavg; 0 if unknown).
double loadAverage();

/// @brief One blocking keep-alive connection to 127.0.0.1:port.
class HttpClient
{
public:
    struct Reply {
        int status = 0;
        QByteArray body;
    };
    explicit HttpClient(int port);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    /// @brief Sends one request and reads the whole answer (Content-Length framing);
    /// reconnects once if the server closed the connection. status 0 on failure.
    Reply request(const char *method, const QByteArray &target,
                  const QList<QPair<QByteArray, QByteArray>> &headers = {},
                  const QByteArray &body = {});

private:
    bool connectNow();
    bool sendAll(const QByteArray &data);
    int m_port;
    int m_fd = -1;
    QByteArray m_in;
};

} // namespace afbench
