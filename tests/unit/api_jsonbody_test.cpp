#include "core/errors.h"
#include "api/jsonbody.h"
#include "http/httperror.h"
#include "core/errors.h"
#include "http/httprequest.h"

#include <QJsonObject>

#include <gtest/gtest.h>

using af::JsonBody;

TEST(ApiJsonBody, Utf8Validation)
{
    EXPECT_TRUE(JsonBody::isValidUtf8("plain"));
    EXPECT_TRUE(JsonBody::isValidUtf8("\xF0\x9F\x98\x80 e\xCC\x81"));
    EXPECT_FALSE(JsonBody::isValidUtf8("\xff"));
    EXPECT_FALSE(JsonBody::isValidUtf8("\xc0\xaf"));         // overlong '/'
    EXPECT_FALSE(JsonBody::isValidUtf8("\xe0\x80\xaf"));     // overlong
    EXPECT_FALSE(JsonBody::isValidUtf8("\xed\xa0\x80"));     // surrogate
    EXPECT_FALSE(JsonBody::isValidUtf8("\xf4\x90\x80\x80")); // past U+10FFFF
    EXPECT_FALSE(JsonBody::isValidUtf8("\xe2\x82"));         // truncated
}

TEST(ApiJsonBody, ContentTypes)
{
    EXPECT_TRUE(JsonBody::isJsonContentType("application/json"));
    EXPECT_TRUE(JsonBody::isJsonContentType("Application/JSON; charset=UTF-8"));
    EXPECT_FALSE(JsonBody::isJsonContentType("application/json; charset=latin1"));
    EXPECT_FALSE(JsonBody::isJsonContentType("text/plain"));
    EXPECT_FALSE(JsonBody::isJsonContentType(""));
    EXPECT_FALSE(JsonBody::isJsonContentType("application/jsonx"));
}

TEST(ApiJsonBody, FieldsAndStatuses)
{
    af::HttpRequest req;
    req.setBody("{\"a\":1}");
    try {
        (void)JsonBody::parse(req);
        FAIL();
    } catch (const af::HttpError &e) {
        EXPECT_EQ(e.status(), 415);
    }
    req.addHeader("content-type", "application/json");
    const QJsonObject o = JsonBody::parseObject(req);
    EXPECT_EQ(JsonBody::requireInteger(o, "a", 1, 5), 1);
    EXPECT_THROW((void)JsonBody::requireString(o, "a"), af::BadInput);
    EXPECT_THROW((void)JsonBody::requireString(o, "b"), af::BadInput);
    EXPECT_THROW((void)JsonBody::requireInteger(QJsonObject{{"a", 1e300}}, "a", 1, 5), af::BadInput);
    EXPECT_THROW((void)JsonBody::requireInteger(QJsonObject{{"a", 2.5}}, "a", 1, 5), af::BadInput);
    EXPECT_EQ(JsonBody::positiveQueryInt("42", "x"), 42);
    for (const char *bad : {"", "0", "-1", "abc", "99999999999", "1.0"})
        EXPECT_THROW((void)JsonBody::positiveQueryInt(QString::fromLatin1(bad), "x"), af::BadInput) << bad;
}
