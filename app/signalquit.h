#pragma once
#include <QObject>

#include <functional>

class QSocketNotifier;

/// @brief Turns SIGTERM, SIGINT and SIGHUP (a logout, `kill`, Ctrl+C) into @p onSignal
/// on the Qt event loop, so every mode shuts down the way it does when asked nicely. The
/// handler only writes a byte to a socket pair (the one async-signal-safe thing to do);
/// the event loop reads it. One instance per process.
class SignalQuit : public QObject
{
    Q_OBJECT
public:
    explicit SignalQuit(std::function<void()> onSignal, QObject *parent = nullptr);
    ~SignalQuit() override;

    /// @brief Did the handlers install (false: the process keeps the default actions)?
    [[nodiscard]] bool installed() const { return m_notifier != nullptr; }

private:
    std::function<void()> m_onSignal;
    QSocketNotifier *m_notifier = nullptr;
};
