#pragma once
#include "feedmodel.h"

#include "core/catalogue.h"

#include <QVariantList>

/// The count of reaction @p name on the FeedModel row at @p index, read as QML reads it.
inline int reactionCount(const QModelIndex &index, const char *name)
{
    const QVariantList counts = index.data(FeedModel::ReactionCountsRole).toList();
    const int i = af::Catalogue::reactionIndex(QString::fromLatin1(name));
    return i < 0 || i >= counts.size() ? -1 : counts.at(i).toInt();
}
