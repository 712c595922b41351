// libFuzzer target for SseParser (the desktop's text/event-stream reader). The first byte
// picks a chunk size; the same bytes fed at once and in chunks must give the same events,
// ids and retry, and no event name or id may hold a line break.
#include "sseparser.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace {

struct Event
{
    QString name;
    QByteArray data;
    QString id;
    bool operator==(const Event &o) const { return name == o.name && data == o.data && id == o.id; }
};

struct Run
{
    std::vector<Event> events;
    QString lastId;
    int retry = -1;
};

Run run(const QByteArray &input, qsizetype chunk)
{
    Run out;
    SseParser parser([&out](const QString &name, const QByteArray &data, const QString &id) {
        if (name.contains(QLatin1Char('\n')) || name.contains(QLatin1Char('\r'))
            || id.contains(QLatin1Char('\n')) || id.contains(QLatin1Char('\r'))
            || data.contains('\r'))
            abort();
        out.events.push_back({name, data, id});
    });
    for (qsizetype pos = 0; pos < input.size(); pos += chunk)
        parser.feed(input.mid(pos, chunk));
    out.lastId = parser.lastEventId();
    out.retry = parser.retryMs();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const qsizetype chunk = (data[0] & 0x1f) + 1;
    const QByteArray input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const Run whole = run(input, std::max<qsizetype>(1, input.size()));
    const Run pieces = run(input, chunk);
    if (!(whole.events == pieces.events) || whole.lastId != pieces.lastId
        || whole.retry != pieces.retry)
        abort();
    return 0;
}
