#include "pgerrors.h"

namespace af {

bool PgErrors::isUnavailable(const std::string &sqlstate)
{
    // 08: connection exception, 57P0x: server shutting down / cannot connect now,
    // 53: insufficient resources (too many connections).
    // 57014: statement timeout (the pool's statement_timeout) — the database is stuck.
    return sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0
        || sqlstate.rfind("53", 0) == 0 || sqlstate == "57014";
}

std::string PgErrors::firstLine(const char *message)
{
    std::string text(message ? message : "");
    if (text.rfind("ERROR:", 0) == 0)
        text.erase(0, 6);
    const auto nl = text.find('\n');
    if (nl != std::string::npos)
        text.resize(nl);
    while (!text.empty() && text.front() == ' ')
        text.erase(0, 1);
    return text;
}

} // namespace af
