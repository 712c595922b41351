#pragma once
#include <stdexcept>
#include <string>

namespace af {

/// @brief A failure of a domain call that the caller can act on. The message is a
/// sentence for the user; each edge (HTTP routes, the desktop, the CLI) maps the kind
/// once: to a status, a banner or an exit code.
class Error : public std::runtime_error
{
public:
    enum class Kind { BadInput, Unauthenticated, NotFound, Forbidden, Conflict, RateLimited, Unavailable };

    Error(Kind kind, const std::string &message, int retryAfterSeconds = 0)
        : std::runtime_error(message), m_kind(kind), m_retryAfter(retryAfterSeconds)
    {
    }
    [[nodiscard]] Kind kind() const { return m_kind; }
    /// @brief Seconds until a RateLimited call may succeed; 0 otherwise.
    [[nodiscard]] int retryAfter() const { return m_retryAfter; }

private:
    Kind m_kind;
    int m_retryAfter;
};

/// @brief Input that the caller must fix.
struct BadInput : Error {
    explicit BadInput(const std::string &m) : Error(Kind::BadInput, m) {}
};
/// @brief No credential, or one that is unknown or revoked.
struct Unauthenticated : Error {
    explicit Unauthenticated(const std::string &m) : Error(Kind::Unauthenticated, m) {}
};
/// @brief Something named by the caller does not exist (or is not the caller's to see).
struct NotFound : Error {
    explicit NotFound(const std::string &m) : Error(Kind::NotFound, m) {}
};
/// @brief The caller may not do this (its own event, a missing secret).
struct Forbidden : Error {
    explicit Forbidden(const std::string &m) : Error(Kind::Forbidden, m) {}
};
/// @brief The call conflicts with what is there already (a second claim).
struct Conflict : Error {
    explicit Conflict(const std::string &m) : Error(Kind::Conflict, m) {}
};
/// @brief Too many calls; retry after the given seconds.
struct RateLimited : Error {
    RateLimited(const std::string &m, int retryAfterSeconds)
        : Error(Kind::RateLimited, m, retryAfterSeconds)
    {
    }
};
/// @brief The database cannot be reached or is stuck; the same call may work later.
struct Unavailable : Error {
    explicit Unavailable(const std::string &m) : Error(Kind::Unavailable, m) {}
};

} // namespace af
