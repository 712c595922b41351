#pragma once
#include "httprequest.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <utility>

namespace af {

/// @brief Size limits the parser enforces; past any of them the request is refused with 400, 413 or 431 and the connection closed.
struct HttpParserLimits
{
    qsizetype maxHeadBytes = 16 * 1024; ///< request line + headers (431 past it)
    qsizetype maxBodyBytes = 64 * 1024; ///< Content-Length (413 past it)
};

/// @brief Pure incremental HTTP/1.0 and 1.1 request parser: feed it any split of the
/// bytes and take complete requests out, several when pipelined. Every failure is final:
/// the connection answers errorStatus() and closes, because after a framing doubt the
/// next request's start cannot be trusted (request smuggling).
class HttpRequestParser
{
public:
    enum class Status {
        NeedMore, ///< no complete request buffered yet
        Ready,    ///< next() filled its argument; call again for a pipelined one
        Failed,   ///< answer errorStatus() with errorMessage() and close
    };

    explicit HttpRequestParser(HttpParserLimits limits = {});

    /// @brief Appends received bytes.
    void feed(QByteArrayView data);
    /// @brief Parses what is buffered; on Ready moves the next request into @p out.
    Status next(HttpRequest &out);

    /// @brief 400, 411, 413 or 431 once next() returned Failed.
    [[nodiscard]] int errorStatus() const { return m_errorStatus; }
    [[nodiscard]] const QString &errorMessage() const { return m_errorMessage; }
    [[nodiscard]] bool failed() const { return m_errorStatus != 0; }
    /// @brief Whether bytes of a not yet complete request are buffered.
    [[nodiscard]] bool hasPartialRequest() const { return m_buf.size() > m_start; }
    [[nodiscard]] qsizetype bufferedBytes() const { return m_buf.size() - m_start; }
    [[nodiscard]] const HttpParserLimits &limits() const { return m_limits; }
    /// @brief True once per request whose head asked `Expect: 100-continue` and whose
    /// body has not fully arrived: the connection may answer `100 Continue` now.
    [[nodiscard]] bool takeExpectContinue() { return std::exchange(m_expectContinue, false); }

private:
    Status fail(int status, const QString &message);
    bool parseHead();
    bool parseRequestLine(QByteArrayView line);
    bool parseTarget(const QByteArray &target);
    bool parseHeaderLine(QByteArrayView line);
    bool checkFraming();

    HttpParserLimits m_limits;
    QByteArray m_buf;
    qsizetype m_start = 0;     ///< first byte of the request being parsed
    qsizetype m_scan = 0;      ///< next head byte to look at
    qsizetype m_lineStart = 0; ///< first byte of the head line being scanned
    QList<QPair<qsizetype, qsizetype>> m_lines; ///< (offset, length) of head lines, no CRLF
    bool m_inBody = false;
    bool m_expectContinue = false;
    qsizetype m_bodyStart = 0;
    qsizetype m_bodyLength = 0;
    HttpRequest m_pending;
    int m_errorStatus = 0;
    QString m_errorMessage;
};

} // namespace af
