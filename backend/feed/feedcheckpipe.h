#pragma once
#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

struct pg_conn;
class QSocketNotifier;

namespace af {

/// @brief The feed read's token-and-version check without a worker: one PostgreSQL
/// connection per network thread in libpq's pipeline mode. The checks of the requests that
/// thread reads go out back to back and their answers come back on its event loop, so a
/// request whose page is kept is answered there with no handoff to another thread.
///
/// Each check is the statement a worker would run (a fresh snapshot, after whatever the
/// client's previous request committed), so an answer is as exact as the worker's. Checks
/// of one token that wait together share one statement: it is sent after every one of
/// them arrived, so its snapshot is as fresh as each would have had on its own (a check
/// never joins a statement already sent); at most kMaxInFlightPerToken statements of one
/// token are out at once, so that its further checks gather. Callers take turns: at most
/// kMaxInFlightPerCaller of one caller's statements are out at once and
/// kMaxWaitingPerCaller of its checks wait, so a flood of one caller delays another's
/// check by a few statements at most; past that a check is refused and the request takes
/// the worker path (whose queue parks a flooder). Nothing blocks the thread: the
/// connection is made on a thread of its own, and until it is up (or after it fails)
/// check() refuses.
class FeedCheckPipe
{
public:
    /// @brief What a check found: the active token's tenant and the feed version it read,
    /// or no tenant (unknown or revoked token), or a failure (the caller falls back to a
    /// worker, which checks again and reports any error).
    struct Outcome {
        enum class Kind { Active, NotActive, Failed };
        Kind kind = Kind::Failed;
        int tenantId = 0;
        qint64 version = 0;
    };
    using Done = std::function<void(const Outcome &)>;

    static constexpr const char *kApplicationName = "activityfeed-feed-check";
    static constexpr int kMaxInFlight = 64;
    static constexpr int kMaxInFlightPerCaller = 48;
    /// Few, so that the checks of a busy token wait together and share a statement.
    static constexpr int kMaxInFlightPerToken = 2;
    static constexpr int kMaxWaitingPerCaller = 256;
    /// A check out longer than this fails with every other one out, and the connection is
    /// made again: a stalled database sends its requests to the workers, which answer 503.
    static constexpr std::chrono::milliseconds kStallAfter{2000};

    /// @brief The pipe of the calling network thread to @p connString, made on first use
    /// and deleted when that thread finishes.
    static FeedCheckPipe &forThisThread(const std::string &connString);

    explicit FeedCheckPipe(std::string connString);
    ~FeedCheckPipe();
    FeedCheckPipe(const FeedCheckPipe &) = delete;
    FeedCheckPipe &operator=(const FeedCheckPipe &) = delete;

    /// @brief Queues the check of the token whose SHA-256 is @p sha for @p caller; false
    /// (and @p done never runs) when the pipe is not connected or the caller has as many
    /// checks waiting as it may. Otherwise @p done runs later on this thread.
    bool check(const QByteArray &caller, const QByteArray &sha, Done done);

private:
    struct Waiting {
        QByteArray sha;
        std::vector<Done> dones; ///< the checks of this token that share its statement
    };
    struct CallerQueue {
        std::deque<Waiting> statements; ///< at most one of a token
        int checks = 0; ///< the dones in them
    };
    struct Sent {
        QByteArray caller;
        QByteArray sha;
        std::vector<Done> dones;
        Outcome outcome;
        std::chrono::steady_clock::time_point at;
    };

    void connectInBackground();
    void adopt(pg_conn *conn);
    void pump();
    void flush();
    void onReadable();
    void checkStall();
    void drop(); ///< fails what is out and what waits, closes the connection

    std::string m_connString;
    QObject m_home; ///< lives on the network thread: the connecting thread posts to it
    std::thread m_connecting;
    bool m_connectPending = false;
    std::chrono::steady_clock::time_point m_retryAt{};
    pg_conn *m_conn = nullptr;
    std::unique_ptr<QSocketNotifier> m_read;
    std::unique_ptr<QSocketNotifier> m_write;
    QTimer m_stallTimer;

    std::deque<Sent> m_inFlight;
    QHash<QByteArray, CallerQueue> m_waiting;
    QHash<QByteArray, int> m_callerInFlight;
    QHash<QByteArray, int> m_tokenInFlight;
    std::deque<QByteArray> m_turns; ///< callers with checks waiting, in turn order
};

} // namespace af
