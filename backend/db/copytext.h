#pragma once
#include <string>
#include <string_view>

namespace af {

/// @brief COPY's text format, for lines made without libpqxx's stream_to (which formats
/// each line as it sends it): fields separated by tabs, lines by newlines, and in each
/// field a backslash and the control characters COPY reads as separators escaped.
namespace CopyText {

/// @brief Appends @p value to @p line as one field (no separator).
void appendField(std::string &line, std::string_view value);

} // namespace CopyText
} // namespace af
