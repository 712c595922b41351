#pragma once
#include <QObject>
#include <QPointer>

/// @brief Points @p slot, a property of @p owner, at @p next: everything the old object
/// had connected to @p owner is cut first, so that a replaced source or model can no
/// longer reach it. False when @p slot held @p next already (nothing to connect, nothing
/// to announce); on true the caller connects @p next (when not null) and emits.
template <typename T>
bool rebind(QObject *owner, QPointer<T> &slot, T *next)
{
    if (slot == next)
        return false;
    if (slot)
        slot->disconnect(owner);
    slot = next;
    return true;
}
