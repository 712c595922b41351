#pragma once
#include <QDateTime>
#include <QString>

/// @brief "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then a date.
[[nodiscard]] QString relativeTime(const QDateTime &then, const QDateTime &now);

/// @brief Parses the API's ISO 8601 UTC timestamps (with microseconds).
[[nodiscard]] QDateTime parseTimestamp(const QString &iso);
