#pragma once
#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <functional>

namespace aftest {

/// @brief A TCP port on 127.0.0.1 that was free a moment ago (for a child process that
/// must be told its port before it starts).
quint16 freePort();

/// @brief Runs the real `activityfeed` binary with @p args and `--database-url @p cs`;
/// returns its stdout. @p rc gets the exit code, -1 when it crashed or hung (60 s).
QByteArray runCli(const QString &cs, const QStringList &args, int *rc = nullptr);

/// @brief The environment of a desktop started as a child: no database from the caller's
/// environment (it must manage its own), the offscreen platform, and its settings under
/// @p configHome so that nothing of the developer's own desktop leaks in or out.
QProcessEnvironment desktopEnvironment(const QString &configHome);

/// @brief Polls @p pred every 5 ms, without an event loop, until it holds (true) or
/// @p timeoutMs pass (false): for conditions that other threads make true.
bool waitFor(const std::function<bool()> &pred, int timeoutMs = 5000);

} // namespace aftest
