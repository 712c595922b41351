#pragma once
#include <atomic>
#include <string>
#include <thread>

namespace af {

class Broadcaster;

/// @brief LISTENs on `activity_feed` on its own connection and thread, and turns each
/// notification into Broadcaster calls (ARCHITECTURE "Data flow"): `{"k":"events"}` →
/// every event with a larger seq than the last seen, as `activity.event.created` to all;
/// `{"k":"push","event":…,"tenants":[…],"data":{…}}` → that event to those tenants.
/// Reconnects by itself and catches up on the events committed meanwhile.
class NotifyListener
{
public:
    NotifyListener(std::string connString, Broadcaster &broadcaster);
    ~NotifyListener();
    NotifyListener(const NotifyListener &) = delete;
    NotifyListener &operator=(const NotifyListener &) = delete;

    void start();
    void stop();

    /// @brief Is the LISTEN connection up right now?
    [[nodiscard]] bool connected() const { return m_connected.load(); }
    /// @brief The highest event seq delivered so far.
    [[nodiscard]] long long lastSeq() const { return m_lastSeq.load(); }

    /// @brief More new events than this at once reach clients as one `activity.resync`.
    static constexpr int kMaxLiveBatch = 1000;

    /// @brief Handles one notification payload (public for tests).
    void handle(const std::string &payload, class NotifyListenerSession &session);

private:
    void run();

    std::string m_connString;
    Broadcaster &m_broadcaster;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_connected{false};
    std::atomic<long long> m_lastSeq{-1};
    std::thread m_thread;
};

} // namespace af
