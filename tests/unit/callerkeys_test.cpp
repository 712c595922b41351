#include "http/callerkeys.h"
#include "http/httprequest.h"

#include <gtest/gtest.h>

using af::CallerKeys;
using af::HttpRequest;

namespace {

HttpRequest withAuth(const QByteArray &value)
{
    HttpRequest r;
    r.addHeader("authorization", value);
    return r;
}

} // namespace

TEST(CallerKeys, AnAddressIsItsIpv4AddressOrItsIpv6Slash64)
{
    EXPECT_EQ(CallerKeys::addressKey(QStringLiteral("192.0.2.7")), "ip4:192.0.2.7");
    // A dual-stack listener sees IPv4 peers as mapped IPv6 addresses: the same caller.
    EXPECT_EQ(CallerKeys::addressKey(QStringLiteral("::ffff:192.0.2.7")), "ip4:192.0.2.7");
    EXPECT_NE(CallerKeys::addressKey(QStringLiteral("192.0.2.7")), CallerKeys::addressKey(QStringLiteral("192.0.2.8")));
    // Anywhere in one /64 is one caller; the next /64 is another.
    EXPECT_EQ(CallerKeys::addressKey(QStringLiteral("2001:db8:1:2::1")),
              CallerKeys::addressKey(QStringLiteral("2001:db8:1:2:ffff:ffff:ffff:fffe")));
    EXPECT_EQ(CallerKeys::addressKey(QStringLiteral("2001:db8:1:2::1")), "ip6:20010db800010002");
    EXPECT_NE(CallerKeys::addressKey(QStringLiteral("2001:db8:1:2::1")),
              CallerKeys::addressKey(QStringLiteral("2001:db8:1:3::1")));
}

TEST(CallerKeys, AnUnverifiedCredentialIsItsAddressUntilAHandlerVerifiesIt)
{
    CallerKeys keys;
    const QByteArray a = CallerKeys::credentialDigest(withAuth("Bearer made-up-1"));
    const QByteArray b = CallerKeys::credentialDigest(withAuth("Bearer made-up-2"));
    ASSERT_FALSE(a.isEmpty());
    EXPECT_NE(a, b);
    EXPECT_TRUE(CallerKeys::credentialDigest(HttpRequest()).isEmpty());
    const QString peer = QStringLiteral("192.0.2.7");
    EXPECT_EQ(keys.keyFor(a, peer), "ip4:192.0.2.7");
    EXPECT_EQ(keys.keyFor(b, peer), "ip4:192.0.2.7") << "made-up tokens from one address: one caller";

    keys.learn(a, {}, 200); // a route that checks nothing (/healthz) proves nothing
    EXPECT_EQ(keys.keyFor(a, peer), "ip4:192.0.2.7");
    keys.learn(b, {}, 401);
    EXPECT_EQ(keys.keyFor(b, peer), "ip4:192.0.2.7");

    keys.learn(a, "tenant:7", 200);
    EXPECT_EQ(keys.keyFor(a, peer), "tenant:7");
    EXPECT_EQ(keys.keyFor(a, QStringLiteral("198.51.100.1")), "tenant:7") << "wherever it comes from";

    keys.learn(a, {}, 401); // revoked
    EXPECT_EQ(keys.keyFor(a, peer), "ip4:192.0.2.7");
    EXPECT_EQ(keys.size(), 0);
}

TEST(CallerKeys, ItsMemoryIsBounded)
{
    CallerKeys keys(3);
    for (int i = 0; i < 10; ++i)
        keys.learn(CallerKeys::credentialDigest(withAuth("Bearer t" + QByteArray::number(i))),
                   "tenant:" + QByteArray::number(i), 200);
    EXPECT_LE(keys.size(), 3);
    EXPECT_GE(keys.size(), 1);
}
