// db/sqlarray: array literals and the dollar-quoted literal a statement written away from
// its connection uses.
#include "db/sqlarray.h"

#include <gtest/gtest.h>

namespace {

/// The tag that opens @p quoted ("$q$", "$q0$", …), checked to close it too.
std::string tagOf(const std::string &quoted)
{
    const size_t end = quoted.find('$', 1);
    EXPECT_NE(end, std::string::npos) << quoted;
    const std::string tag = quoted.substr(0, end + 1);
    EXPECT_GE(quoted.size(), 2 * tag.size());
    EXPECT_EQ(quoted.substr(quoted.size() - tag.size()), tag) << quoted;
    return tag;
}

} // namespace

TEST(SqlArray, ArraysQuoteTextElementsOnly)
{
    EXPECT_EQ(af::sqlUuidArray(std::vector<QString>{QStringLiteral("a"), QStringLiteral("b")}), "{a,b}");
    EXPECT_EQ(af::sqlUuidArray(std::vector<QUuid>{QUuid(QStringLiteral("{5f0c0000-1111-2222-3333-444455556666}"))}),
              "{5f0c0000-1111-2222-3333-444455556666}");
    EXPECT_EQ(af::sqlUuidArray(std::vector<QString>{}), "{}");
    EXPECT_EQ(af::sqlIntArray({3, -1, 42}), "{3,-1,42}");
    EXPECT_EQ(af::sqlIntArray({}), "{}");
    EXPECT_EQ(af::sqlTextArray({"x", "say \"hi\"", "back\\slash"}), "{\"x\",\"say \\\"hi\\\"\",\"back\\\\slash\"}");
}

TEST(SqlArray, DollarQuotingPicksATagTheTextDoesNotHold)
{
    for (const std::string &text : std::vector<std::string>{std::string("{\"(1,2)\",\"(3,4)\"}"), std::string("it's $q$ here"),
                                   std::string("$q$ and $q0$ and $q1$"), std::string("ends in $q"), std::string()}) {
        const std::string quoted = af::sqlDollarQuoted(text);
        const std::string tag = tagOf(quoted);
        EXPECT_EQ(quoted.substr(tag.size(), quoted.size() - 2 * tag.size()), text);
        EXPECT_EQ((text + tag).find(tag), text.size()) << "tag " << tag << " closes early in " << text;
    }
    EXPECT_EQ(af::sqlDollarQuoted("plain"), "$q$plain$q$");
}
