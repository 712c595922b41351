#pragma once
#include <stdexcept>
#include <string>

namespace af {

/// @brief An HTTP-shaped failure of an API call (403, 409, 429 …); the message is a
/// sentence for the user. 400/404/503 use BadInput/NotFound/DbUnavailable from dberror.h.
class ApiError : public std::runtime_error
{
public:
    ApiError(int status, const std::string &message, int retryAfterSeconds = 0)
        : std::runtime_error(message), m_status(status), m_retryAfter(retryAfterSeconds)
    {
    }
    [[nodiscard]] int status() const { return m_status; }
    /// @brief Seconds for the Retry-After header of a 429; 0 when not applicable.
    [[nodiscard]] int retryAfter() const { return m_retryAfter; }

private:
    int m_status;
    int m_retryAfter;
};

} // namespace af
