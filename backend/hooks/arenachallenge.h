#pragma once
#include <QJsonObject>
#include <QString>

namespace af
{

/// @brief A shared arena challenge, with whether the viewing tenant has claimed it.
struct ArenaChallenge {
    qint64 id = 0;
    QString title;
    QString badgeName;
    int xpReward = 0;
    bool claimed = false;

    [[nodiscard]] QJsonObject toJson() const
    {
        return {{QStringLiteral("id"), id},
                {QStringLiteral("title"), title},
                {QStringLiteral("badge_name"), badgeName},
                {QStringLiteral("xp_reward"), xpReward},
                {QStringLiteral("claimed"), claimed}};
    }
};

} // namespace af
