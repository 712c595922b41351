#include "connectionpool.h"

#include "core/errors.h"
#include "core/logcategories.h"

#include <pqxx/except>
#include <pqxx/nontransaction>

namespace af {

ConnectionPool::Lease::Lease(ConnectionPool *pool, std::unique_ptr<pqxx::connection> conn)
    : m_pool(pool), m_conn(std::move(conn))
{
}

ConnectionPool::Lease::Lease(Lease &&other) noexcept
    : m_pool(other.m_pool), m_conn(std::move(other.m_conn))
{
    other.m_pool = nullptr;
}

ConnectionPool::Lease::~Lease()
{
    if (m_pool)
        m_pool->giveBack(std::move(m_conn));
}

ConnectionPool::ConnectionPool(std::string connString, int size,
                               std::chrono::milliseconds statementTimeout)
    : m_connString(std::move(connString)), m_size(size < 1 ? 1 : size),
      m_statementTimeout(statementTimeout)
{
}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<pqxx::connection> ConnectionPool::connect(const std::string &connString)
{
    try {
        return std::make_unique<pqxx::connection>(connString);
    } catch (const std::exception &e) {
        throw Unavailable(std::string("cannot connect to the database: ") + e.what());
    }
}

ConnectionPool::Lease ConnectionPool::acquire(std::chrono::milliseconds wait)
{
    std::unique_ptr<pqxx::connection> conn;
    std::chrono::steady_clock::time_point idleSince;
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        if (!m_cv.wait_for(lock, wait, [this] { return m_out < m_size; }))
            throw Unavailable("all database connections are busy");
        ++m_out;
        if (!m_idle.empty()) {
            conn = std::move(m_idle.back().conn);
            idleSince = m_idle.back().since;
            m_idle.pop_back();
        }
    }
    // A connection idle for a while may have lost its server (a restart): check it with
    // one round trip rather than hand it out and fail the caller's request.
    if (conn && conn->is_open() &&
        std::chrono::steady_clock::now() - idleSince > std::chrono::seconds(5)) {
        try {
            pqxx::nontransaction(*conn).exec("SELECT 1");
        } catch (const std::exception &) {
            conn.reset();
        }
    }
    if (conn && conn->is_open())
        return Lease(this, std::move(conn));
    try {
        conn = connect(m_connString);
        // A database that holds a lock forever must not hold a request forever: the
        // statement is cancelled and the caller answers 503.
        pqxx::nontransaction(*conn).exec0("SET statement_timeout = " +
                                          std::to_string(m_statementTimeout.count()));
    } catch (...) {
        std::lock_guard<std::mutex> lock(m_mutex);
        --m_out;
        m_cv.notify_one();
        throw;
    }
    return Lease(this, std::move(conn));
}

int ConnectionPool::inUse() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_out;
}

void ConnectionPool::giveBack(std::unique_ptr<pqxx::connection> conn)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    --m_out;
    // A connection whose server went away is dropped; the next lease reconnects.
    if (conn && conn->is_open())
        m_idle.push_back({std::move(conn), std::chrono::steady_clock::now()});
    m_cv.notify_one();
}

} // namespace af
