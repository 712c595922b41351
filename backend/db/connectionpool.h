#pragma once
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/connection>

namespace af {

/// @brief A small pool of libpqxx connections; a lease gives one thread sole use of one.
class ConnectionPool
{
public:
    class Lease
    {
    public:
        Lease(ConnectionPool *pool, std::unique_ptr<pqxx::connection> conn);
        Lease(Lease &&other) noexcept;
        Lease &operator=(Lease &&) = delete;
        Lease(const Lease &) = delete;
        ~Lease();
        pqxx::connection &operator*() const { return *m_conn; }
        pqxx::connection *operator->() const { return m_conn.get(); }
        [[nodiscard]] pqxx::connection &get() const { return *m_conn; }

    private:
        ConnectionPool *m_pool;
        std::unique_ptr<pqxx::connection> m_conn;
    };

    /// @brief @p statementTimeout: how long one statement of a lease may run before the
    /// database cancels it (a lock held forever must not hold a request forever).
    ConnectionPool(std::string connString, int size,
                   std::chrono::milliseconds statementTimeout = std::chrono::seconds(30));
    ~ConnectionPool();

    /// @brief Waits up to @p wait for a free connection; throws Unavailable if none or
    /// the server cannot be reached.
    Lease acquire(std::chrono::milliseconds wait = std::chrono::milliseconds(5000));

    [[nodiscard]] const std::string &connectionString() const { return m_connString; }
    [[nodiscard]] int size() const { return m_size; }
    /// @brief Connections leased out right now (for /metrics).
    [[nodiscard]] int inUse() const;

    /// @brief Opens a connection outside the pool (LISTEN, long jobs); throws Unavailable.
    static std::unique_ptr<pqxx::connection> connect(const std::string &connString);

private:
    void giveBack(std::unique_ptr<pqxx::connection> conn);

    std::string m_connString;
    int m_size;
    std::chrono::milliseconds m_statementTimeout;
    int m_out = 0;
    struct Idle {
        std::unique_ptr<pqxx::connection> conn;
        std::chrono::steady_clock::time_point since;
    };
    std::vector<Idle> m_idle;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
};

} // namespace af
