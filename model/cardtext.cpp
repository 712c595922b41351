#include "cardtext.h"

#include "core/catalogue.h"
#include "core/text.h"

#include <QCoreApplication>
#include <QStringList>

QString CardText::reactionsText(const af::ReactionCounts &counts)
{
    QStringList parts;
    const auto &reactions = af::Catalogue::reactions();
    for (int i = 0; i < int(reactions.size()); ++i)
        if (const int n = counts.of(i); n > 0)
            parts.append(QStringLiteral("%1 %2").arg(n).arg(reactions.at(size_t(i)).label.toLower()));
    return parts.join(QStringLiteral(", "));
}

QString CardText::accessibleName(const af::Event &event)
{
    // The same strings the card shows (title, tenant chip, the catalogue's description),
    // so what is heard never differs from what is seen.
    QStringList parts{event.displayName, event.tenantName, event.description};
    if (const QString reactions = reactionsText(event.reactions); !reactions.isEmpty())
        parts.append(reactions);
    if (event.commentCount > 0)
        parts.append(af::Text::count(event.commentCount,
                                     QCoreApplication::translate("CardText", "comment"),
                                     QCoreApplication::translate("CardText", "comments")));
    parts.removeAll(QString());
    return parts.join(QStringLiteral(", "));
}
