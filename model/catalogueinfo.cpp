#include "catalogueinfo.h"

#include "core/catalogue.h"
#include "core/text.h"

QVariantList CatalogueInfo::reactions()
{
    QVariantList out;
    for (const af::ReactionInfo &r : af::Catalogue::reactions())
        out.append(QVariantMap{{QStringLiteral("name"), r.name},
                               {QStringLiteral("label"), r.label},
                               {QStringLiteral("glyph"), r.glyph}});
    return out;
}

QVariantList CatalogueInfo::eventTypes()
{
    QVariantList out;
    for (const af::EventTypeInfo &t : af::Catalogue::eventTypes())
        out.append(QVariantMap{{QStringLiteral("type"), t.type},
                               {QStringLiteral("displayName"), t.displayName},
                               {QStringLiteral("icon"), t.icon}});
    return out;
}

int CatalogueInfo::commentMaxLength()
{
    return af::Catalogue::limits().commentMaxCodePoints;
}

QString CatalogueInfo::count(int n, const QString &one, const QString &other)
{
    return af::Text::count(n, one, other);
}
