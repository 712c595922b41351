#pragma once
#include <QJsonObject>
#include <QString>

#include <vector>

namespace af
{

/// @brief One event a hook decided to fire; emitted only after the domain change commits.
struct HookEvent {
    QString type;        ///< e.g. "xp_rank_up"
    QJsonObject payload; ///< the type's payload fields, as resources/catalogue.json's templates read them
};

using HookEvents = std::vector<HookEvent>;

} // namespace af
