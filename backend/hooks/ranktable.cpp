#include "ranktable.h"

namespace af
{

const std::vector<Rank> &RankTable::ranks()
{
    static const std::vector<Rank> table = {
        {QStringLiteral("Rookie"), 0},    {QStringLiteral("Apprentice"), 100},
        {QStringLiteral("Adept"), 500},   {QStringLiteral("Expert"), 1500},
        {QStringLiteral("Master"), 5000}, {QStringLiteral("Legend"), 15000},
    };
    return table;
}

const Rank &RankTable::rankFor(qint64 totalXp)
{
    const auto &table = ranks();
    const Rank *held = &table.front();
    for (const Rank &r : table) {
        if (totalXp >= r.minXp)
            held = &r;
    }
    return *held;
}

std::optional<Rank> RankTable::rankUp(qint64 pre, qint64 post)
{
    if (post <= pre)
        return std::nullopt;
    const Rank &before = rankFor(pre);
    const Rank &after = rankFor(post);
    if (after.minXp == before.minXp)
        return std::nullopt;
    return after;
}

} // namespace af
