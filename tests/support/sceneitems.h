#pragma once
#include <QQuickItem>
#include <QString>

namespace aftest {

/// @brief The first item below @p root (depth first, @p root included) whose objectName is
/// @p name; with @p visibleOnly, an item that is hidden does not count (pages and
/// delegates keep hidden copies of their buttons).
inline QQuickItem *findItem(QQuickItem *root, const QString &name, bool visibleOnly = false)
{
    if (!root)
        return nullptr;
    if (root->objectName() == name && (!visibleOnly || root->isVisible()))
        return root;
    const auto children = root->childItems();
    for (QQuickItem *child : children)
        if (QQuickItem *found = findItem(child, name, visibleOnly))
            return found;
    return nullptr;
}

} // namespace aftest
