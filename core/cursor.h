#pragma once
#include <QString>

#include <optional>

namespace af {

/// @brief Opaque keyset cursors and the small validators of the API (pure functions).
///
/// A feed cursor is base64url("<created_at as µs since epoch>:<seq>"); a comment cursor
/// is base64url("<created_at µs>:<uuid>"). A plain ISO 8601 timestamp is also accepted
/// as an exclusive bound (seq/id then 0/nil).
class Cursor
{
public:
    /// @brief A decoded position: the timestamp as ISO text PostgreSQL parses exactly,
    /// and the tie-breaker as text ("0" / nil uuid for a plain timestamp).
    struct Position {
        QString timestamp;
        QString tieBreaker;
    };

    [[nodiscard]] static QString encodeFeed(qint64 epochMicros, qint64 seq);
    [[nodiscard]] static QString encodeComment(qint64 epochMicros, const QString &uuid);
    /// @brief nullopt for anything that is neither a feed cursor nor an ISO timestamp.
    [[nodiscard]] static std::optional<Position> decodeFeed(const QString &cursor);
    [[nodiscard]] static std::optional<Position> decodeComment(const QString &cursor);

    /// @brief ISO 8601 UTC with microseconds for µs since epoch; empty when out of range.
    [[nodiscard]] static QString isoFromMicros(qint64 epochMicros);
    /// @brief A date or date-time PostgreSQL will parse (no words such as "now").
    [[nodiscard]] static bool isIsoTimestamp(const QString &text);
    /// @brief Canonical 8-4-4-4-12 hex form only.
    [[nodiscard]] static bool isUuid(const QString &text);
    /// @brief Parses a limit query value: empty → @p def, positive → min(value, @p max),
    /// anything else → nullopt.
    [[nodiscard]] static std::optional<int> parseLimit(const QString &text, int def, int max);
};

} // namespace af
