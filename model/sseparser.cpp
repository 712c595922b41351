#include "sseparser.h"

SseParser::SseParser(EventHandler handler) : m_handler(std::move(handler)) {}

void SseParser::reset()
{
    m_buffer.clear();
    m_event.clear();
    m_data.clear();
    m_hasData = false;
    m_skipLf = false;
}

void SseParser::feed(const QByteArray &bytes)
{
    // Lines end with CRLF, LF or CR; a CR at the end of one chunk may pair with an LF
    // at the start of the next, hence m_skipLf.
    qsizetype start = 0;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes.at(i);
        if (m_skipLf) {
            m_skipLf = false;
            if (c == '\n') {
                start = i + 1;
                continue;
            }
        }
        if (c != '\n' && c != '\r')
            continue;
        m_buffer.append(bytes.constData() + start, i - start);
        processLine(m_buffer);
        m_buffer.clear();
        m_skipLf = (c == '\r');
        start = i + 1;
    }
    m_buffer.append(bytes.constData() + start, bytes.size() - start);
}

void SseParser::processLine(const QByteArray &line)
{
    if (line.isEmpty()) {
        dispatch();
        return;
    }
    if (line.startsWith(':'))
        return; // comment, e.g. the keepalive
    const qsizetype colon = line.indexOf(':');
    const QByteArray field = colon < 0 ? line : line.left(colon);
    QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
    if (value.startsWith(' '))
        value.remove(0, 1);

    if (field == "event") {
        m_event = QString::fromUtf8(value);
    } else if (field == "data") {
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value);
        m_hasData = true;
    } else if (field == "id") {
        if (!value.contains('\0'))
            m_lastEventId = QString::fromUtf8(value);
    } else if (field == "retry") {
        bool ok = false;
        const int ms = value.toInt(&ok);
        if (ok && ms >= 0)
            m_retryMs = ms;
    }
}

void SseParser::dispatch()
{
    if (m_hasData && m_handler)
        m_handler(m_event.isEmpty() ? QStringLiteral("message") : m_event, m_data, m_lastEventId);
    m_event.clear();
    m_data.clear();
    m_hasData = false;
}
