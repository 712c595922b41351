#pragma once
#include "core/event.h"

#include <pqxx/row>

#include <string>

namespace af {

/// @brief How a statement reads domain types from rows: the select lists and their
/// readers stay side by side, so a column cannot be added to one and not the other.
class EventRows
{
public:
    /// @brief µs since the epoch of a timestamptz expression, exactly (numeric epoch).
    [[nodiscard]] static std::string micros(const std::string &expr);

    /// @brief The select list of one event: @p alias names an activity_events row (or a
    /// relation with its columns), @p viewer the tenant whose reactions are "mine". The
    /// statement must add `CROSS JOIN LATERAL <reactionsLateral(alias, viewer)> rx`.
    [[nodiscard]] static std::string eventColumns(const std::string &alias);
    /// @brief The per-event reaction counts and the viewer's own reactions, one row.
    [[nodiscard]] static std::string reactionsLateral(const std::string &alias,
                                                      const std::string &viewer);
    static constexpr int kEventColumnCount = 15;
    /// @brief The event read from columns @p first … @p first + kEventColumnCount − 1.
    [[nodiscard]] static Event readEvent(const pqxx::row &row, int first = 0);

    /// @brief Counts per reaction (in catalogue order) of event @p eventExpr, one row.
    [[nodiscard]] static std::string reactionCountColumns(const std::string &eventExpr);
    [[nodiscard]] static ReactionCounts readCounts(const pqxx::row &row, int first = 0);
    /// @brief json_build_object of the same counts, for NOTIFY payloads.
    [[nodiscard]] static std::string reactionCountsJson(const std::string &alias);

    /// @brief The select list of one comment over alias @p c; readComment reads it.
    [[nodiscard]] static std::string commentColumns(const std::string &c);
    static constexpr int kCommentColumnCount = 6;
    [[nodiscard]] static Comment readComment(const pqxx::row &row, int first = 0);

    [[nodiscard]] static QString text(const pqxx::field &f);
};

} // namespace af
