#pragma once
#include <QObject>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

/// @brief The catalogue as QML reads it (`Catalogue.reactions`, …): the same one the
/// backend and the browser page use, so a glyph or a limit is never written in QML.
class CatalogueInfo : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Catalogue)
    QML_SINGLETON
    Q_PROPERTY(QVariantList reactions READ reactions CONSTANT)
    Q_PROPERTY(QVariantList eventTypes READ eventTypes CONSTANT)
    Q_PROPERTY(int commentMaxLength READ commentMaxLength CONSTANT)

public:
    using QObject::QObject;

    /// @brief [{name, label, glyph}] in the order of FeedModel's reactionCounts.
    [[nodiscard]] static QVariantList reactions();
    /// @brief [{type, displayName, icon}]
    [[nodiscard]] static QVariantList eventTypes();
    [[nodiscard]] static int commentMaxLength();
    /// @brief "1 row" / "3 rows".
    Q_INVOKABLE static QString count(int n, const QString &one, const QString &other);
};
