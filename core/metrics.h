#pragma once
#include <QByteArray>
#include <QString>

#include <array>
#include <atomic>
#include <mutex>

namespace af {

/// @brief The process's Prometheus counters and the text format they are exported in.
/// Counting is a relaxed atomic add (a few nanoseconds): the HTTP connection and the
/// drainer call it on every request and drain. Gauges that already live somewhere (queue
/// depth, pool, emitter, SSE clients) are not copied here: the /metrics route reads them
/// when it is scraped and writes them with the helpers below. It lives in the lowest
/// layer so that the drainer and the HTTP layer can both count without an upward include.
class Metrics
{
public:
    /// Route index for a request that matched no route, and for bytes that never became a
    /// request (parse errors, 408, 413, 431).
    static constexpr int kUnmatchedRoute = 0;
    static constexpr int kUnparsedRoute = 1;
    static constexpr int kMaxRoutes = 96;
    static constexpr int kStatusSlots = 12; ///< distinct statuses counted per route
    /// Upper bounds of the drain duration histogram, in seconds.
    static constexpr std::array<double, 11> kDrainBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                          0.5,   1,    2.5,   10,   60};

    /// @brief The one registry of this process (every server and drain in it counts here).
    static Metrics &instance();

    /// @brief The index of route @p pattern ("/api/activity/events/:id/sources"), made
    /// once at registration. Only registered patterns get one, never a raw path, so the
    /// `route` label has as many values as the router has routes.
    int routeIndex(const QString &pattern);
    /// @brief One answered request; lock-free.
    void countRequest(int routeIndex, int status) noexcept;
    /// @brief One finished drain, @p failed when it threw (its committed batches count).
    void countDrain(qint64 rows, qint64 events, double seconds, bool failed) noexcept;
    /// @brief A drain batch that read its rows again: another drain had taken rows that
    /// the batch before it read ahead.
    void countDrainReadAgain() noexcept;
    [[nodiscard]] quint64 drainReadsAgain() const noexcept;

    /// @brief One request answered on its network thread, without a worker (a kept page).
    void countNetworkThreadAnswer() noexcept;
    [[nodiscard]] quint64 networkThreadAnswers() const noexcept;
    /// @brief One token-and-version statement of a network thread's feed check answered,
    /// for @p checks checks of one token (the ones past the first shared it).
    void countFeedCheckStatement(int checks) noexcept;
    [[nodiscard]] quint64 feedCheckStatements() const noexcept;
    [[nodiscard]] quint64 feedChecksShared() const noexcept;

    /// @brief Appends every counter of this registry in the text exposition format.
    void writeCounters(QByteArray &out) const;

    /// @brief `# HELP` and `# TYPE` lines of one metric family.
    static void family(QByteArray &out, const char *name, const char *type, const char *help);
    /// @brief One sample line; @p labels is already formatted (`a="b",c="d"`) or empty.
    static void sample(QByteArray &out, const char *name, const QByteArray &labels, double value);
    /// @brief `name="value"` with the value escaped as the format requires.
    [[nodiscard]] static QByteArray label(const char *name, const QString &value);

private:
    Metrics() = default;

    struct StatusSlot {
        std::atomic<int> status{0}; ///< 0: free
        std::atomic<quint64> count{0};
    };
    struct Route {
        QString pattern; ///< written once under m_routesMutex before the route is used
        std::array<StatusSlot, kStatusSlots> slots;
        std::atomic<quint64> otherStatuses{0}; ///< when every slot holds another status
    };

    std::array<Route, kMaxRoutes> m_routes;
    std::atomic<int> m_routeCount{2};
    std::mutex m_routesMutex;

    std::atomic<quint64> m_networkThreadAnswers{0};
    std::atomic<quint64> m_feedCheckStatements{0};
    std::atomic<quint64> m_feedChecksShared{0};
    std::atomic<quint64> m_drainRuns{0};
    std::atomic<quint64> m_drainFailures{0};
    std::atomic<quint64> m_drainReadsAgain{0};
    std::atomic<quint64> m_drainRows{0};
    std::atomic<quint64> m_drainEvents{0};
    std::atomic<quint64> m_drainMicros{0};
    std::array<std::atomic<quint64>, kDrainBuckets.size()> m_drainBucketCounts{};
};

} // namespace af
