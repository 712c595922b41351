#include "sseparser.h"

#include <QList>
#include <gtest/gtest.h>

namespace {

struct Seen {
    QString event;
    QByteArray data;
    QString id;
};

std::vector<Seen> parse(const QList<QByteArray> &chunks, SseParser *out = nullptr)
{
    std::vector<Seen> seen;
    SseParser parser([&](const QString &e, const QByteArray &d, const QString &id) {
        seen.push_back({e, d, id});
    });
    for (const QByteArray &chunk : chunks)
        parser.feed(chunk);
    if (out)
        *out = parser;
    return seen;
}

const QByteArray kStream = "retry: 3000\n\n: keepalive\n\nevent: activity.event.created\nid: 1043\n"
                           "data: {\"id\":\"a\"}\n\nevent: activity.reaction.updated\r\n"
                           "data: {\"eventId\":\"a\",\"counts\":{}}\r\n\r\n";

TEST(SseParser, ParsesEventsIdsAndComments)
{
    SseParser parser(nullptr);
    const auto seen = parse({kStream}, &parser);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].event, "activity.event.created");
    EXPECT_EQ(seen[0].data, "{\"id\":\"a\"}");
    EXPECT_EQ(seen[0].id, "1043");
    EXPECT_EQ(seen[1].event, "activity.reaction.updated");
    EXPECT_EQ(seen[1].id, "1043") << "the last event id persists";
    EXPECT_EQ(parser.retryMs(), 3000);
}

TEST(SseParser, SplitAtEveryByteGivesTheSameEvents)
{
    QList<QByteArray> bytes;
    for (char c : kStream)
        bytes.append(QByteArray(1, c));
    const auto whole = parse({kStream});
    const auto split = parse(bytes);
    ASSERT_EQ(split.size(), whole.size());
    for (size_t i = 0; i < whole.size(); ++i) {
        EXPECT_EQ(split[i].event, whole[i].event);
        EXPECT_EQ(split[i].data, whole[i].data);
    }
    // A CR at the end of one chunk and LF at the start of the next are one line end.
    const auto crlf = parse({"data: x\r", "\n\r", "\n"});
    ASSERT_EQ(crlf.size(), 1u);
    EXPECT_EQ(crlf[0].data, "x");
    EXPECT_EQ(crlf[0].event, "message");
}

TEST(SseParser, MultiLineDataAndIncompleteEvent)
{
    const auto seen = parse({"data: a\ndata: b\n\ndata: never dispatched\n"});
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].data, "a\nb");
}

} // namespace
