#include "httprequestparser.h"

namespace af {

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

QByteArrayView trimOws(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

} // namespace

HttpRequestParser::HttpRequestParser(HttpParserLimits limits)
    : m_limits(limits)
{
}

void HttpRequestParser::feed(QByteArrayView data)
{
    if (!failed())
        m_buf.append(data);
}

HttpRequestParser::Status HttpRequestParser::fail(int status, const QString &message)
{
    m_errorStatus = status;
    m_errorMessage = message;
    m_buf.clear();
    m_start = m_scan = m_lineStart = 0;
    m_lines.clear();
    return Status::Failed;
}

HttpRequestParser::Status HttpRequestParser::next(HttpRequest &out)
{
    if (failed())
        return Status::Failed;
    if (!m_inBody) {
        const char *d = m_buf.constData();
        const qsizetype size = m_buf.size();
        while (m_scan < size) {
            const char c = d[m_scan];
            if (c == '\0')
                return fail(400, QStringLiteral("NUL byte in the request head"));
            if (c != '\n') {
                ++m_scan;
                if (m_scan - m_start > m_limits.maxHeadBytes)
                    return fail(431, QStringLiteral("request line and headers are too large"));
                continue;
            }
            if (m_scan == m_lineStart || d[m_scan - 1] != '\r')
                return fail(400, QStringLiteral("bare LF line ending"));
            const qsizetype lineLength = m_scan - 1 - m_lineStart;
            ++m_scan;
            if (m_scan - m_start > m_limits.maxHeadBytes)
                return fail(431, QStringLiteral("request line and headers are too large"));
            if (lineLength == 0 && m_lines.isEmpty()) {
                // Empty lines before a request line are tolerated (RFC 9112 §2.2).
                m_lineStart = m_scan;
                continue;
            }
            if (lineLength == 0) {
                if (!parseHead())
                    return Status::Failed;
                m_inBody = true;
                m_bodyStart = m_scan;
                m_expectContinue = m_bodyLength > 0 && m_pending.minorVersion() == 1
                                   && m_pending.header("expect").compare("100-continue", Qt::CaseInsensitive) == 0
                                   && m_buf.size() - m_bodyStart < m_bodyLength;
                break;
            }
            m_lines.append({m_lineStart, lineLength});
            m_lineStart = m_scan;
        }
        if (!m_inBody)
            return Status::NeedMore;
    }
    if (m_buf.size() - m_bodyStart < m_bodyLength)
        return Status::NeedMore;

    m_expectContinue = false;
    m_pending.setBody(m_buf.mid(m_bodyStart, m_bodyLength));
    out = std::move(m_pending);
    m_pending = HttpRequest();
    m_start = m_bodyStart + m_bodyLength;
    m_scan = m_lineStart = m_start;
    m_lines.clear();
    m_inBody = false;
    m_bodyLength = 0;
    // Compact only now and then so that many pipelined requests stay linear.
    if (m_start == m_buf.size()) {
        m_buf.clear();
        m_start = m_scan = m_lineStart = 0;
    } else if (m_start > 64 * 1024 || m_start * 2 > m_buf.size()) {
        m_buf.remove(0, m_start);
        m_start = m_scan = m_lineStart = 0;
    }
    return Status::Ready;
}

bool HttpRequestParser::parseHead()
{
    const char *d = m_buf.constData();
    if (!parseRequestLine(QByteArrayView(d + m_lines[0].first, m_lines[0].second)))
        return false;
    for (qsizetype i = 1; i < m_lines.size(); ++i) {
        if (!parseHeaderLine(QByteArrayView(d + m_lines[i].first, m_lines[i].second)))
            return false;
    }
    return checkFraming();
}

bool HttpRequestParser::parseRequestLine(QByteArrayView line)
{
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 <= sp1 + 1) {
        fail(400, QStringLiteral("malformed request line"));
        return false;
    }
    const QByteArrayView method = line.first(sp1);
    const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);
    if (!isToken(method)) {
        fail(400, QStringLiteral("malformed request line"));
        return false;
    }
    if (version == "HTTP/1.1") {
        m_pending.setMinorVersion(1);
    } else if (version == "HTTP/1.0") {
        m_pending.setMinorVersion(0);
    } else {
        fail(400, QStringLiteral("unsupported HTTP version (only HTTP/1.0 and HTTP/1.1)"));
        return false;
    }
    for (char c : target) {
        if (c < 0x21 || c > 0x7e || c == '#') {
            fail(400, QStringLiteral("invalid request target"));
            return false;
        }
    }
    m_pending.setMethod(method.toByteArray());
    return parseTarget(target.toByteArray());
}

bool HttpRequestParser::parseTarget(const QByteArray &target)
{
    m_pending.setTarget(target);
    QByteArrayView rest(target);
    if (target == "*") {
        m_pending.setRawPath(target);
        m_pending.setPath(QStringLiteral("*"));
        return true;
    }
    if (!target.startsWith('/')) {
        // absolute-form (RFC 9112 §3.2.2): keep only the path and query.
        const qsizetype schemeEnd = target.indexOf("://");
        const QByteArray scheme = target.left(schemeEnd).toLower();
        if (schemeEnd <= 0 || (scheme != "http" && scheme != "https")) {
            fail(400, QStringLiteral("invalid request target"));
            return false;
        }
        const qsizetype slash = target.indexOf('/', schemeEnd + 3);
        const qsizetype question = target.indexOf('?', schemeEnd + 3);
        if (slash < 0 || (question >= 0 && question < slash))
            rest = question < 0 ? QByteArrayView("/") : QByteArrayView(target).sliced(question);
        else
            rest = QByteArrayView(target).sliced(slash);
    }
    const qsizetype q = rest.indexOf('?');
    QByteArray rawPath = (q < 0 ? rest : rest.first(q)).toByteArray();
    if (rawPath.isEmpty())
        rawPath = "/";
    for (qsizetype i = 0; i < rawPath.size(); ++i) {
        if (rawPath[i] == '%'
            && (i + 2 >= rawPath.size() || !isHex(rawPath[i + 1]) || !isHex(rawPath[i + 2]))) {
            fail(400, QStringLiteral("invalid percent-encoding in the path"));
            return false;
        }
    }
    const QByteArray decoded = QByteArray::fromPercentEncoding(rawPath);
    if (decoded.contains('\0')) {
        fail(400, QStringLiteral("NUL byte in the path"));
        return false;
    }
    m_pending.setRawPath(rawPath);
    m_pending.setPath(QString::fromUtf8(decoded));
    if (q >= 0)
        m_pending.setQuery(QUrlQuery(QString::fromLatin1(rest.sliced(q + 1))));
    return true;
}

bool HttpRequestParser::parseHeaderLine(QByteArrayView line)
{
    if (line.front() == ' ' || line.front() == '\t') {
        fail(400, QStringLiteral("obsolete header line folding"));
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0 || !isToken(line.first(colon))) {
        fail(400, QStringLiteral("invalid header name"));
        return false;
    }
    const QByteArrayView value = trimOws(line.sliced(colon + 1));
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) {
            fail(400, QStringLiteral("invalid character in a header value"));
            return false;
        }
    }
    m_pending.addHeader(line.first(colon).toByteArray().toLower(), value.toByteArray());
    return true;
}

bool HttpRequestParser::checkFraming()
{
    int contentLengths = 0;
    int transferEncodings = 0;
    int hosts = 0;
    QByteArray contentLength;
    for (const auto &h : m_pending.headers()) {
        if (h.first == "content-length") {
            ++contentLengths;
            contentLength = h.second;
        } else if (h.first == "transfer-encoding") {
            ++transferEncodings;
        } else if (h.first == "host") {
            ++hosts;
        }
    }
    if (hosts > 1) {
        fail(400, QStringLiteral("repeated Host header"));
        return false;
    }
    // HTTP/1.1 makes Host mandatory; a request without it is malformed, not a guess.
    if (hosts == 0 && m_pending.minorVersion() >= 1) {
        fail(400, QStringLiteral("HTTP/1.1 requests need a Host header"));
        return false;
    }
    if (transferEncodings > 0 && m_pending.minorVersion() == 0) {
        fail(400, QStringLiteral("Transfer-Encoding is not allowed on HTTP/1.0"));
        return false;
    }
    if (transferEncodings > 0 && contentLengths > 0) {
        fail(400, QStringLiteral("both Content-Length and Transfer-Encoding"));
        return false;
    }
    if (contentLengths > 1) {
        fail(400, QStringLiteral("repeated Content-Length"));
        return false;
    }
    if (transferEncodings > 0) {
        fail(411, QStringLiteral("request bodies need Content-Length (no chunked encoding)"));
        return false;
    }
    m_bodyLength = 0;
    if (contentLengths == 1) {
        bool digits = !contentLength.isEmpty() && contentLength.size() <= 18;
        for (char c : std::as_const(contentLength))
            digits = digits && c >= '0' && c <= '9';
        if (!digits) {
            fail(400, QStringLiteral("invalid Content-Length"));
            return false;
        }
        m_bodyLength = contentLength.toLongLong();
        if (m_bodyLength > m_limits.maxBodyBytes) {
            m_bodyLength = 0;
            fail(413, QStringLiteral("request body is too large"));
            return false;
        }
    }
    return true;
}

} // namespace af
