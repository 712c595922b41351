#include "http/httpresponse.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <gtest/gtest.h>

using af::HttpResponse;

TEST(HttpResponse, ErrorIsJsonWithMessage)
{
    const HttpResponse r = HttpResponse::error(404, QStringLiteral("no \"such\" route"));
    EXPECT_EQ(r.status(), 404);
    EXPECT_EQ(r.header("content-type"), "application/json; charset=utf-8");
    const QJsonObject o = QJsonDocument::fromJson(r.body()).object();
    EXPECT_EQ(o.value(QStringLiteral("error")).toString(), QStringLiteral("no \"such\" route"));
}

TEST(HttpResponse, SerializeAddsFramingHeaders)
{
    HttpResponse r = HttpResponse::json(201, R"({"ok":true})");
    r.setHeader("Content-Length", "999"); // ignored: the server frames the body itself
    const QByteArray wire = r.serialize(true);
    EXPECT_TRUE(wire.startsWith("HTTP/1.1 201 Created\r\n"));
    EXPECT_TRUE(wire.contains("\r\nContent-Length: 11\r\n"));
    EXPECT_FALSE(wire.contains("999"));
    EXPECT_TRUE(wire.contains("\r\nConnection: keep-alive\r\n\r\n"));
    EXPECT_TRUE(wire.endsWith("\r\n\r\n{\"ok\":true}"));
    EXPECT_TRUE(r.serialize(false).contains("Connection: close\r\n"));
}

TEST(HttpResponse, HeadKeepsLengthDropsBody)
{
    const QByteArray wire = HttpResponse::json(200, "[1,2]").serialize(true, true);
    EXPECT_TRUE(wire.contains("Content-Length: 5\r\n"));
    EXPECT_TRUE(wire.endsWith("\r\n\r\n"));
}

TEST(HttpResponse, NoContentHasNoBody)
{
    HttpResponse r(204, "ignored");
    const QByteArray wire = r.serialize(true);
    EXPECT_FALSE(wire.contains("Content-Length"));
    EXPECT_TRUE(wire.endsWith("\r\n\r\n"));
}

TEST(HttpResponse, HeaderValuesCannotSplitTheResponse)
{
    HttpResponse r(200);
    r.setHeader("X-Echo", "a\r\nSet-Cookie: evil=1");
    const QByteArray wire = r.serialize(true);
    EXPECT_FALSE(wire.contains("\r\nSet-Cookie"));
}

TEST(HttpResponse, ReasonPhrases)
{
    const std::pair<int, const char *> table[] = {
        {200, "OK"}, {201, "Created"}, {202, "Accepted"}, {204, "No Content"},
        {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
        {405, "Method Not Allowed"}, {408, "Request Timeout"}, {409, "Conflict"},
        {411, "Length Required"}, {413, "Content Too Large"}, {415, "Unsupported Media Type"},
        {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"}, {503, "Service Unavailable"}};
    for (const auto &[status, phrase] : table)
        EXPECT_EQ(HttpResponse::reasonPhrase(status), QByteArray(phrase)) << status;
}
