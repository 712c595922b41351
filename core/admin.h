#pragma once
#include <QString>

#include <optional>
#include <vector>

namespace af {

/// @brief The queue as the admin page shows it.
struct QueueStats {
    int queueDepth = 0;                    ///< rows not yet drained
    std::optional<qint64> oldestSeconds;   ///< age of the oldest of them; none when empty
};

/// @brief What one drain did. The drainer fills it; the admin page, the CLI and the drain
/// route show it (EventJson::drain writes it): a new field goes here and there only.
struct DrainResult {
    int processed = 0; ///< queue rows marked processed
    int inserted = 0;  ///< activity_events rows inserted
    int updated = 0;   ///< published events that grew (or took folded rows)
    int removed = 0;   ///< singles folded into a tile (tombstones)
};

/// @brief One event a drain would make now, with what the admin page shows of it.
struct PreviewRow {
    int tenantId = 0;
    QString tenantName;
    QString eventType;
    QString icon;
    QString description;
    int rows = 0;            ///< queue rows that would make this event, published ones included
    int newRows = 0;         ///< of those, rows not yet drained
    bool joins = false;      ///< grows an event already in the feed instead of adding one
    int folds = 0;           ///< published singles it folds into itself
    QString firstAt, lastAt; ///< ISO 8601, of the first and last of those rows
};

/// @brief One row of the drain log (drain_runs). Times are ISO 8601.
struct DrainRun {
    qint64 id = 0;
    QString startedAt;
    QString finishedAt;       ///< empty while it runs
    QString trigger;          ///< "desktop", "cli", "api", "auto"
    std::optional<int> tenantId; ///< none: every tenant
    DrainResult result;
    QString error;            ///< empty when it succeeded
};

/// @brief One API token of a tenant as the admin lists it (never the secret).
struct TokenSummary {
    int id = 0;
    QString label;
    QString createdAt;
    QString revokedAt; ///< empty while active
};

/// @brief One tenant with its tokens, oldest first.
struct TenantSummary {
    int id = 0;
    QString name;
    QString createdAt;
    std::vector<TokenSummary> tokens;
};

/// @brief A token just made: the secret is shown once; only its SHA-256 is stored.
struct IssuedToken {
    int id = 0;       ///< api_tokens.id
    int tenantId = 0;
    QString token;
};

} // namespace af
