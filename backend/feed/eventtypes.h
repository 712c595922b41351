#pragma once
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace af {

/// @brief How one event type is shown: label, emoji and the description rules.
struct EventTypeInfo {
    QString type;        ///< e.g. "badge_earned"
    QString displayName; ///< e.g. "Badge earned"
    QString icon;        ///< an emoji
};

/// @brief The six event types of the feed and their display table (CONTRACT §3).
class EventTypes
{
public:
    [[nodiscard]] static const QStringList &all();
    [[nodiscard]] static bool isKnown(const QString &type);
    /// @brief nullptr for an unknown type.
    [[nodiscard]] static const EventTypeInfo *info(const QString &type);
    /// @brief The description of a single event built from its payload.
    [[nodiscard]] static QString describe(const QString &type, const QJsonObject &payload);
    /// @brief The plural description of a grouped tile, e.g. "5 badges earned".
    [[nodiscard]] static QString describeGroup(const QString &type, int count);
};

} // namespace af
