#pragma once
#include <QString>
#include <climits>
#include <vector>

#include <pqxx/connection>

namespace af {

struct Migration {
    int version = 0;
    QString name;
    QString sql;
};

/// @brief Applies the numbered SQL files shipped under :/sql in order, each in its own
/// transaction, under a session advisory lock so that concurrent starts are safe.
class Migrator
{
public:
    /// @brief The migrations shipped with this build, in order.
    [[nodiscard]] static std::vector<Migration> bundled();

    /// @brief Applies every pending migration up to @p targetVersion; returns how many ran.
    static int migrate(pqxx::connection &conn, int targetVersion = INT_MAX);

    /// @brief The highest applied version, 0 for an empty database.
    [[nodiscard]] static int currentVersion(pqxx::connection &conn);
};

} // namespace af
