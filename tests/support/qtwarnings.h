#pragma once
#include <QStringList>
#include <QtGlobal>

#include <mutex>

namespace aftest {

/// @brief Collects every Qt warning while it lives (QML errors and binding loops arrive as
/// warnings), so that a scene test can end by asserting there were none. Messages still
/// reach the previous handler. Thread-safe: the scene graph and workers warn from their
/// own threads. One at a time.
class QtWarnings
{
public:
    QtWarnings()
    {
        s_current = this;
        m_previous = qInstallMessageHandler(&QtWarnings::handle);
    }
    ~QtWarnings()
    {
        qInstallMessageHandler(m_previous);
        s_current = nullptr;
    }
    QtWarnings(const QtWarnings &) = delete;
    QtWarnings &operator=(const QtWarnings &) = delete;

    [[nodiscard]] QStringList messages() const
    {
        std::lock_guard lock(m_mutex);
        return m_messages;
    }
    /// @brief The warnings, one a line, for a failure message.
    [[nodiscard]] std::string text() const { return messages().join(QLatin1Char('\n')).toStdString(); }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        QtWarnings *self = s_current;
        if (!self)
            return;
        if (type == QtWarningMsg || type == QtCriticalMsg || type == QtFatalMsg) {
            std::lock_guard lock(self->m_mutex);
            self->m_messages.append(message);
        }
        if (self->m_previous)
            self->m_previous(type, context, message);
    }

    static inline QtWarnings *s_current = nullptr;
    QtMessageHandler m_previous = nullptr;
    mutable std::mutex m_mutex;
    QStringList m_messages;
};

} // namespace aftest
