#pragma once
#include <QByteArray>
#include <QString>

#include <functional>

/// @brief Incremental parser of a text/event-stream (WHATWG "server-sent events").
///
/// Bytes may be fed split at any offset; each complete event is handed to the callback.
class SseParser
{
public:
    using EventHandler = std::function<void(const QString &event, const QByteArray &data,
                                            const QString &id)>;

    explicit SseParser(EventHandler handler);

    /// @brief Consumes the next bytes of the stream.
    void feed(const QByteArray &bytes);
    /// @brief Forgets a partial line and event (a new connection starts clean).
    void reset();

    /// @brief The last `id:` seen, kept across events as the spec asks (Last-Event-ID).
    [[nodiscard]] QString lastEventId() const { return m_lastEventId; }
    /// @brief The last valid `retry:` in milliseconds, or -1.
    [[nodiscard]] int retryMs() const { return m_retryMs; }

private:
    void processLine(const QByteArray &line);
    void dispatch();

    EventHandler m_handler;
    QByteArray m_buffer;
    QString m_event;
    QByteArray m_data;
    bool m_hasData = false;
    QString m_lastEventId;
    int m_retryMs = -1;
    bool m_skipLf = false;
};
