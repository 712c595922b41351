#pragma once
#include "core/errors.h"

#include <string>

#include <pqxx/except>

namespace af {

/// @brief Turns libpqxx failures into the API's error classes at the service boundary.
class PgErrors
{
public:
    /// @brief Runs @p fn; a lost link becomes Unavailable, a rejected value (SQLSTATE
    /// class 22) BadInput. Everything else passes through unchanged.
    template<typename Fn>
    static auto guard(Fn &&fn) -> decltype(fn())
    {
        try {
            return fn();
        } catch (const pqxx::broken_connection &) {
            throw Unavailable("the database is unavailable");
        } catch (const pqxx::in_doubt_error &) {
            throw Unavailable("the database link broke during commit");
        } catch (const pqxx::data_exception &e) {
            throw BadInput("invalid value: " + firstLine(e.what()));
        } catch (const pqxx::sql_error &e) {
            if (isUnavailable(e.sqlstate()))
                throw Unavailable("the database is unavailable");
            throw;
        }
    }

    [[nodiscard]] static bool isUnavailable(const std::string &sqlstate);
    [[nodiscard]] static std::string firstLine(const char *message);
};

} // namespace af
