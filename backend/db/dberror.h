#pragma once
#include <stdexcept>
#include <string>

namespace af {

/// @brief The database cannot be reached (connect failed, pool exhausted, link broken).
class DbUnavailable : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// @brief Input that the caller must fix; the message is a sentence for the user.
class BadInput : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// @brief Something named by the caller does not exist.
class NotFound : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

} // namespace af
