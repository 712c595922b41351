#pragma once
#include <stdexcept>
#include <string>

namespace af {

/// @brief A refusal that only HTTP knows (415 for a body that is not JSON); domain
/// failures are af::Error and map in HttpResponse::forError.
class HttpError : public std::runtime_error
{
public:
    HttpError(int status, const std::string &message) : std::runtime_error(message), m_status(status) {}
    [[nodiscard]] int status() const { return m_status; }

private:
    int m_status;
};

} // namespace af
