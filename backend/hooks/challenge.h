#pragma once
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace af
{

/// @brief A tenant's own challenge as the API shows it.
struct Challenge {
    qint64 id = 0;
    QString title;
    QString status; ///< active or completed
    int xpReward = 0;
    QString completedAt; ///< empty while active

    [[nodiscard]] QJsonObject toJson() const
    {
        return {{QStringLiteral("id"), id},
                {QStringLiteral("title"), title},
                {QStringLiteral("status"), status},
                {QStringLiteral("xp_reward"), xpReward},
                {QStringLiteral("completed_at"),
                 completedAt.isEmpty() ? QJsonValue() : QJsonValue(completedAt)}};
    }
};

} // namespace af
