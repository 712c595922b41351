#include "copytext.h"

namespace af {

void CopyText::appendField(std::string &line, std::string_view value)
{
    for (const char c : value) {
        switch (c) {
        case '\\': line += "\\\\"; break;
        case '\n': line += "\\n"; break;
        case '\r': line += "\\r"; break;
        case '\t': line += "\\t"; break;
        case '\b': line += "\\b"; break;
        case '\f': line += "\\f"; break;
        case '\v': line += "\\v"; break;
        default: line += c;
        }
    }
}

} // namespace af
