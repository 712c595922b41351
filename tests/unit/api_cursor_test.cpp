#include "core/cursor.h"
#include "core/text.h"

#include <gtest/gtest.h>

using af::Cursor;

TEST(ApiCursor, FeedRoundTripKeepsMicroseconds)
{
    const qint64 us = 1771840800123456LL; // 2026-02-23T10:00:00.123456Z
    const auto pos = Cursor::decodeFeed(Cursor::encodeFeed(us, 1042));
    ASSERT_TRUE(pos);
    EXPECT_EQ(pos->timestamp, QStringLiteral("2026-02-23T10:00:00.123456Z"));
    EXPECT_EQ(pos->tieBreaker, QStringLiteral("1042"));
}

TEST(ApiCursor, NegativeMicrosFloor)
{
    EXPECT_EQ(Cursor::isoFromMicros(-1), QStringLiteral("1969-12-31T23:59:59.999999Z"));
    EXPECT_EQ(Cursor::isoFromMicros(0), QStringLiteral("1970-01-01T00:00:00.000000Z"));
}

TEST(ApiCursor, CommentRoundTrip)
{
    const QString id = QStringLiteral("5f0c0000-1111-2222-3333-444455556666");
    const auto pos = Cursor::decodeComment(Cursor::encodeComment(5, id));
    ASSERT_TRUE(pos);
    EXPECT_EQ(pos->tieBreaker, id);
    EXPECT_EQ(pos->timestamp, QStringLiteral("1970-01-01T00:00:00.000005Z"));
}

TEST(ApiCursor, PlainIsoTimestampIsAnExclusiveBound)
{
    const auto pos = Cursor::decodeFeed(QStringLiteral("2026-02-23T10:00:00.000000Z"));
    ASSERT_TRUE(pos);
    EXPECT_EQ(pos->tieBreaker, QStringLiteral("0"));
    EXPECT_TRUE(Cursor::decodeFeed(QStringLiteral("2026-02-23")));
    EXPECT_TRUE(Cursor::decodeFeed(QStringLiteral("2026-02-23T10:00:00+02:00")));
}

TEST(ApiCursor, GarbageIsRefused)
{
    for (const char *bad : {"now", "infinity", "'; DROP TABLE x; --", "%%%", "YWJj", "MTIzOmFiYw",
                            "OTk5OTk5OTk5OTk5OTk5OTk5OTk6MQ", "2026-02-23T10:00:00Zjunk"})
        EXPECT_FALSE(Cursor::decodeFeed(QString::fromUtf8(bad))) << bad;
    EXPECT_FALSE(Cursor::decodeComment(Cursor::encodeFeed(1, 2)));
}

TEST(ApiCursor, Limits)
{
    struct Case {
        const char *text;
        std::optional<int> expected;
    };
    const Case cases[] = {{"", 20},       {"1", 1},         {"50", 50},  {"51", 50},
                          {"007", 7},     {"99999999999999999999", 50}, {"0", std::nullopt},
                          {"-1", std::nullopt}, {"1.5", std::nullopt}, {"abc", std::nullopt},
                          {"+5", std::nullopt}, {" 5", std::nullopt}, {"1e3", std::nullopt},
                          {"000", std::nullopt}};
    for (const auto &c : cases)
        EXPECT_EQ(Cursor::parseLimit(QString::fromLatin1(c.text), 20, 50), c.expected) << c.text;
}

TEST(ApiCursor, UuidsAndCodePoints)
{
    EXPECT_TRUE(Cursor::isUuid(QStringLiteral("5F0C0000-1111-2222-3333-444455556666")));
    EXPECT_FALSE(Cursor::isUuid(QStringLiteral("{5f0c0000-1111-2222-3333-444455556666}")));
    EXPECT_FALSE(Cursor::isUuid(QStringLiteral("5f0c00001111222233334444555566667777")));
    EXPECT_FALSE(Cursor::isUuid(QStringLiteral("not-a-uuid")));
    EXPECT_EQ(af::Text::codePoints(QString::fromUtf8("\xF0\x9F\x98\x80")), 1);
    EXPECT_EQ(af::Text::codePoints(QString::fromUtf8("e\xCC\x81")), 2);
    EXPECT_EQ(af::Text::codePoints(QString()), 0);
}
