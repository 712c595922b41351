#pragma once
#include "feedsource.h"

#include <QThreadPool>

#include <functional>

/// @brief Runs one blocking backend call on @p pool and hands its answer (or its exception
/// as an HTTP-like status) to @p done on @p owner's thread, if @p context still exists.
/// @p onReply, if set, sees every reply first on the owner's thread (connection state).
void callBackend(QThreadPool &pool, QObject *owner, QObject *context,
                 std::function<QByteArray()> work, int okStatus, FeedSource::Callback done,
                 std::function<void(const FeedReply &)> onReply = {});
