#pragma once
#include "core/event.h"

#include <QString>

/// @brief The words of an event card, built once from the catalogue's texts: the title,
/// the tenant and the description the card shows, then its reactions and comments, as a
/// screen reader says them (the type's display name, then "Acme, 3 badges earned, 2 hype").
class CardText
{
public:
    /// @brief What a screen reader says for @p event's card.
    [[nodiscard]] static QString accessibleName(const af::Event &event);
    /// @brief "2 hype, 1 respect": only the reactions the event has, in catalogue order.
    [[nodiscard]] static QString reactionsText(const af::ReactionCounts &counts);
};
