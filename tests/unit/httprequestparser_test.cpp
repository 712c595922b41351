#include "http/httprequestparser.h"
#include "http/streamtypes.h"

#include <gtest/gtest.h>

#include <vector>

using af::HttpRequest;
using af::HttpRequestParser;

namespace {

struct Outcome
{
    std::vector<HttpRequest> requests;
    int errorStatus = 0;
    bool partial = false;
};

/// Feeds @p input in pieces of @p chunk bytes (0: all at once), draining after each.
Outcome parseInChunks(const QByteArray &input, qsizetype chunk, af::HttpParserLimits limits = {})
{
    HttpRequestParser parser(limits);
    Outcome out;
    const qsizetype step = chunk <= 0 ? qMax<qsizetype>(1, input.size()) : chunk;
    for (qsizetype pos = 0; pos < input.size() && out.errorStatus == 0; pos += step) {
        parser.feed(QByteArrayView(input).sliced(pos, qMin(step, input.size() - pos)));
        for (;;) {
            HttpRequest r;
            const auto s = parser.next(r);
            if (s == HttpRequestParser::Status::Ready) {
                out.requests.push_back(r);
                continue;
            }
            if (s == HttpRequestParser::Status::Failed)
                out.errorStatus = parser.errorStatus();
            break;
        }
    }
    out.partial = parser.hasPartialRequest();
    return out;
}

struct Case
{
    const char *name;
    QByteArray input;
    int status;      ///< 0: parses
    int requests;    ///< complete requests expected before the end or the error
};

const QByteArray kBig(20000, 'a');

std::vector<Case> cases()
{
    return {
        {"simple get", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, 1},
        {"http 1.0", "GET /a HTTP/1.0\r\n\r\n", 0, 1},
        {"post with body", "POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", 0, 1},
        {"pipelined three", "GET /1 HTTP/1.1\r\nHost: t\r\n\r\nPOST /2 HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nabGET /3 HTTP/1.1\r\nHost: t\r\n\r\n", 0, 3},
        {"leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n", 0, 1},
        {"absolute form", "GET http://host:8080/a/b?x=1 HTTP/1.1\r\nHost: t\r\n\r\n", 0, 1},
        {"zero content length", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", 0, 1},
        {"header without value", "GET / HTTP/1.1\r\nHost: t\r\nX-Empty:\r\n\r\n", 0, 1},
        {"obs-text in value", "GET / HTTP/1.1\r\nHost: t\r\nX-A: caf\xc3\xa9\r\n\r\n", 0, 1},
        {"both CL and TE", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400, 0},
        {"TE then CL", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, 0},
        {"repeated CL same", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, 0},
        {"repeated CL differing", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\ncontent-length: 4\r\n\r\nabcd", 400, 0},
        {"CL list", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\n\r\nabc", 400, 0},
        {"CL negative", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400, 0},
        {"CL plus sign", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc", 400, 0},
        {"CL hex", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0x3\r\n\r\nabc", 400, 0},
        {"CL empty", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length:\r\n\r\n", 400, 0},
        {"CL huge", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400, 0},
        {"chunked body", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 411, 0},
        {"TE identity", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity\r\n\r\n", 411, 0},
        {"TE on 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, 0},
        {"bare LF request line", "GET / HTTP/1.1\nHost: x\r\n\r\n", 400, 0},
        {"bare LF header", "GET / HTTP/1.1\r\nHost: x\n\r\n", 400, 0},
        {"bare LF end", "GET / HTTP/1.1\r\nHost: x\r\n\n", 400, 0},
        {"leading bare LF", "\nGET / HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0},
        {"bare CR in value", "GET / HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n", 400, 0},
        {"obs-fold space", "GET / HTTP/1.1\r\nHost: t\r\nX-A: a\r\n b\r\n\r\n", 400, 0},
        {"obs-fold tab", "GET / HTTP/1.1\r\nHost: t\r\nX-A: a\r\n\tb\r\n\r\n", 400, 0},
        {"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, 0},
        {"empty header name", "GET / HTTP/1.1\r\nHost: t\r\n: x\r\n\r\n", 400, 0},
        {"no colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 400, 0},
        {"bad name char", "GET / HTTP/1.1\r\nHost: t\r\nX(A): x\r\n\r\n", 400, 0},
        {"NUL in value", QByteArray("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 29), 400, 0},
        {"NUL in target", QByteArray("GET /\0 HTTP/1.1\r\n\r\n", 19), 400, 0},
        {"encoded NUL in path", "GET /a%00b HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0},
        {"bad percent", "GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0},
        {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 400, 0},
        {"HTTP/0.9 style", "GET /\r\n\r\n", 400, 0},
        {"lower-case version", "GET / http/1.1\r\n\r\n", 400, 0},
        {"double space", "GET  / HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0},
        {"bad method", "G(T / HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0},
        {"relative target", "GET a/b HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0},
        {"fragment", "GET /a#b HTTP/1.1\r\nHost: t\r\n\r\n", 400, 0},
        {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400, 0},
        {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0, 1},
        {"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, 0},
        {"body too large", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 65537\r\n\r\n", 413, 0},
        {"head too large", "GET /" + kBig + " HTTP/1.1\r\nHost: t\r\n\r\n", 431, 0},
        {"many headers", "GET / HTTP/1.1\r\nHost: t\r\n" + QByteArray("X-A: b\r\n").repeated(3000) + "\r\n", 431, 0},
        {"good then smuggled", "GET /1 HTTP/1.1\r\nHost: t\r\n\r\nPOST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, 1},
    };
}

} // namespace

TEST(HttpRequestParser, TableWholeAndByteAtATime)
{
    for (const Case &c : cases()) {
        for (qsizetype chunk : {qsizetype(0), qsizetype(1), qsizetype(7)}) {
            SCOPED_TRACE(std::string(c.name) + " chunk " + std::to_string(chunk));
            const Outcome o = parseInChunks(c.input, chunk);
            EXPECT_EQ(o.errorStatus, c.status);
            EXPECT_EQ(int(o.requests.size()), c.requests);
            if (c.status == 0) {
                EXPECT_FALSE(o.partial);
            }
        }
    }
}

TEST(HttpRequestParser, EverySplitPointGivesTheSameRequests)
{
    const QByteArray input = "POST /api/x%20y?a=1&b=%C3%A9 HTTP/1.1\r\nHost: h\r\n"
                             "Content-Length: 11\r\nX-Trace: t\r\n\r\nhello world"
                             "GET /second HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    for (qsizetype split = 0; split <= input.size(); ++split) {
        HttpRequestParser parser;
        std::vector<HttpRequest> got;
        for (const QByteArray &piece : {input.left(split), input.mid(split)}) {
            parser.feed(piece);
            HttpRequest r;
            while (parser.next(r) == HttpRequestParser::Status::Ready)
                got.push_back(r);
        }
        ASSERT_EQ(got.size(), 2u) << "split " << split;
        EXPECT_EQ(got[0].method(), "POST");
        EXPECT_EQ(got[0].path(), QStringLiteral("/api/x y"));
        EXPECT_EQ(got[0].rawPath(), "/api/x%20y");
        EXPECT_EQ(got[0].queryValue(QStringLiteral("b")), QStringLiteral("é"));
        EXPECT_EQ(got[0].body(), "hello world");
        EXPECT_EQ(got[0].header("x-trace"), "t");
        EXPECT_TRUE(got[0].keepAlive());
        EXPECT_EQ(got[1].path(), QStringLiteral("/second"));
        EXPECT_FALSE(got[1].keepAlive());
        EXPECT_FALSE(parser.hasPartialRequest());
    }
}

TEST(HttpRequestParser, FieldsAndHelpers)
{
    const Outcome o = parseInChunks("GET /s?access_token=abc&lastEventId=42 HTTP/1.0\r\n"
                                    "AUTHORIZATION:  Bearer tok-123 \r\n"
                                    "Connection: Keep-Alive\r\nLast-Event-ID: 7\r\n\r\n",
                                    1);
    ASSERT_EQ(o.requests.size(), 1u);
    const HttpRequest &r = o.requests[0];
    EXPECT_EQ(r.minorVersion(), 0);
    EXPECT_EQ(r.bearerToken(), QStringLiteral("tok-123"));
    EXPECT_TRUE(r.keepAlive());
    EXPECT_TRUE(r.hasHeader("authorization"));
    EXPECT_EQ(r.queryValue(QStringLiteral("access_token")), QStringLiteral("abc"));
    EXPECT_TRUE(r.queryValue(QStringLiteral("missing")).isNull());
    EXPECT_EQ(af::lastEventIdOf(r), 7);
}

TEST(HttpRequestParser, KeepAliveRules)
{
    EXPECT_TRUE(parseInChunks("GET / HTTP/1.1\r\nHost: t\r\n\r\n", 0).requests[0].keepAlive());
    EXPECT_FALSE(parseInChunks("GET / HTTP/1.0\r\n\r\n", 0).requests[0].keepAlive());
    EXPECT_FALSE(parseInChunks("GET / HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, close\r\n\r\n", 0)
                     .requests[0].keepAlive());
}

TEST(HttpRequestParser, BearerNeedsTheScheme)
{
    EXPECT_TRUE(parseInChunks("GET / HTTP/1.1\r\nHost: t\r\nAuthorization: Basic abc\r\n\r\n", 0)
                    .requests[0].bearerToken().isEmpty());
    EXPECT_TRUE(parseInChunks("GET / HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer\r\n\r\n", 0)
                    .requests[0].bearerToken().isEmpty());
}

TEST(HttpRequestParser, LastEventIdFromQuery)
{
    EXPECT_EQ(af::lastEventIdOf(parseInChunks("GET /?lastEventId=42 HTTP/1.1\r\nHost: t\r\n\r\n", 0).requests[0]), 42);
    EXPECT_EQ(af::lastEventIdOf(parseInChunks("GET /?lastEventId=x HTTP/1.1\r\nHost: t\r\n\r\n", 0).requests[0]), -1);
    EXPECT_EQ(af::lastEventIdOf(parseInChunks("GET / HTTP/1.1\r\nHost: t\r\n\r\n", 0).requests[0]), -1);
}

TEST(HttpRequestParser, ConfigurableLimits)
{
    af::HttpParserLimits small{64, 4};
    EXPECT_EQ(parseInChunks("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", 1, small).errorStatus, 413);
    EXPECT_EQ(parseInChunks("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nhell", 1, small).errorStatus, 0);
    EXPECT_EQ(parseInChunks("GET /" + QByteArray(80, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n", 1, small).errorStatus, 431);
    // 431 is reported before the whole oversized line has arrived.
    EXPECT_EQ(parseInChunks("GET /" + QByteArray(80, 'a'), 1, small).errorStatus, 431);
    // Endless empty lines count against the head limit too.
    EXPECT_EQ(parseInChunks(QByteArray("\r\n").repeated(40), 1, small).errorStatus, 431);
}

TEST(HttpRequestParser, PartialStateAndFailureIsFinal)
{
    HttpRequestParser p;
    HttpRequest r;
    EXPECT_FALSE(p.hasPartialRequest());
    p.feed("GET / HT");
    EXPECT_EQ(p.next(r), HttpRequestParser::Status::NeedMore);
    EXPECT_TRUE(p.hasPartialRequest());
    p.feed("TP/1.1\r\nHost: t\r\n\r\nPOST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
    EXPECT_EQ(p.next(r), HttpRequestParser::Status::Ready);
    EXPECT_EQ(p.next(r), HttpRequestParser::Status::NeedMore);
    EXPECT_TRUE(p.hasPartialRequest());
    p.feed("defghij");
    EXPECT_EQ(p.next(r), HttpRequestParser::Status::Ready);
    EXPECT_EQ(r.body(), "abcdefghij");
    EXPECT_FALSE(p.hasPartialRequest());
    p.feed("GET / HTTP/1.1\nHost: x\r\n\r\n");
    EXPECT_EQ(p.next(r), HttpRequestParser::Status::Failed);
    EXPECT_EQ(p.errorStatus(), 400);
    EXPECT_FALSE(p.errorMessage().isEmpty());
    p.feed("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(p.next(r), HttpRequestParser::Status::Failed);
}

TEST(HttpRequestParser, ManyPipelinedRequestsStayLinear)
{
    const QByteArray one = "POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc";
    const QByteArray all = one.repeated(5000);
    const Outcome o = parseInChunks(all, 1000);
    EXPECT_EQ(o.errorStatus, 0);
    EXPECT_EQ(o.requests.size(), 5000u);
    EXPECT_EQ(o.requests.back().body(), "abc");
}

TEST(HttpRequestParser, ExpectContinueOncePerWaitingBody)
{
    HttpRequestParser p;
    HttpRequest r;
    p.feed("POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n");
    EXPECT_EQ(p.next(r), HttpRequestParser::Status::NeedMore);
    EXPECT_TRUE(p.takeExpectContinue());
    EXPECT_FALSE(p.takeExpectContinue());
    p.feed("abc");
    EXPECT_EQ(p.next(r), HttpRequestParser::Status::Ready);
    // The body came with the head: nothing to announce.
    p.feed("POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx");
    EXPECT_EQ(p.next(r), HttpRequestParser::Status::Ready);
    EXPECT_FALSE(p.takeExpectContinue());
}
