// libFuzzer target for af::HttpRequestParser. The first input byte picks the feeding
// chunk size and the limits; the rest is the byte stream. The same bytes fed at once
// and fed in chunks must give the same requests and the same verdict (a differential
// check: any divergence is a framing bug, the root of request smuggling).
#include "http/httprequestparser.h"
#include "http/streamtypes.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace {

struct Seen
{
    QByteArray method, target, rawPath, body;
    QString path;
    QList<af::HttpRequest::Header> headers;
    bool operator==(const Seen &o) const
    {
        return method == o.method && target == o.target && rawPath == o.rawPath && body == o.body
               && path == o.path && headers == o.headers;
    }
};

struct Run
{
    std::vector<Seen> requests;
    int error = 0;
};

Run run(QByteArrayView input, qsizetype chunk, const af::HttpParserLimits &limits)
{
    af::HttpRequestParser parser(limits);
    Run out;
    for (qsizetype pos = 0; pos < input.size() && out.error == 0; pos += chunk) {
        parser.feed(input.sliced(pos, std::min(chunk, input.size() - pos)));
        for (;;) {
            af::HttpRequest r;
            const auto s = parser.next(r);
            if (s == af::HttpRequestParser::Status::Failed) {
                out.error = parser.errorStatus();
                if (out.error != 400 && out.error != 411 && out.error != 413 && out.error != 431)
                    abort();
                if (parser.errorMessage().isEmpty())
                    abort();
                break;
            }
            if (s == af::HttpRequestParser::Status::NeedMore)
                break;
            if (r.body().size() > limits.maxBodyBytes)
                abort();
            for (const auto &h : r.headers()) {
                if (h.first != h.first.toLower() || h.first.isEmpty())
                    abort();
                if (h.second.contains('\r') || h.second.contains('\n') || h.second.contains('\0'))
                    abort();
            }
            if (r.method().isEmpty() || r.rawPath().isEmpty() || r.path().contains(QChar(0)))
                abort();
            // Exercise the helpers the handlers call.
            (void)r.keepAlive();
            (void)r.bearerToken();
            (void)af::lastEventIdOf(r);
            out.requests.push_back({r.method(), r.target(), r.rawPath(), r.body(), r.path(), r.headers()});
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t control = data[0];
    const qsizetype chunk = (control & 0x3f) + 1;
    af::HttpParserLimits limits;
    if (control & 0x40)
        limits = af::HttpParserLimits{256, 64};
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const Run whole = run(input, std::max<qsizetype>(1, input.size()), limits);
    const Run pieces = run(input, chunk, limits);
    if (whole.error != pieces.error || whole.requests.size() != pieces.requests.size())
        abort();
    for (std::size_t i = 0; i < whole.requests.size(); ++i) {
        if (!(whole.requests[i] == pieces.requests[i]))
            abort();
    }
    return 0;
}
