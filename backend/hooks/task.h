#pragma once
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace af
{

/// @brief A tenant's task as the API shows it.
struct Task {
    qint64 id = 0;
    QString title;
    QString status;    ///< todo, doing or done
    QString createdAt; ///< ISO 8601 UTC with microseconds
    QString doneAt;    ///< empty while not done

    [[nodiscard]] QJsonObject toJson() const
    {
        return {{QStringLiteral("id"), id},
                {QStringLiteral("title"), title},
                {QStringLiteral("status"), status},
                {QStringLiteral("created_at"), createdAt},
                {QStringLiteral("done_at"), doneAt.isEmpty() ? QJsonValue() : QJsonValue(doneAt)}};
    }
};

} // namespace af
