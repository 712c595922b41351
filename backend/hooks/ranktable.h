#pragma once
#include <QString>

#include <optional>
#include <vector>

namespace af
{

/// @brief One rank of the XP ladder.
struct Rank {
    QString name;
    qint64 minXp = 0; ///< the total XP from which this rank holds
};

/// @brief The one table of ranks and XP amounts; pure.
class RankTable
{
public:
    static constexpr int kTaskDoneXp = 10;
    static constexpr int kDefaultChallengeXp = 50;
    static constexpr int kMaxXpReward = 100000;

    /// @brief Every rank, lowest first.
    [[nodiscard]] static const std::vector<Rank> &ranks();
    /// @brief The rank held with @p totalXp XP (Rookie below 100, and for anything negative).
    [[nodiscard]] static const Rank &rankFor(qint64 totalXp);
    /// @brief The highest rank crossed when the total moves from @p pre to @p post, if any.
    [[nodiscard]] static std::optional<Rank> rankUp(qint64 pre, qint64 post);
};

} // namespace af
