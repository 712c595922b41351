#include "callerkeys.h"

#include "httprequest.h"

#include <QCryptographicHash>
#include <QHostAddress>

namespace af {

CallerKeys::CallerKeys(int capacity)
    : m_capacity(capacity < 1 ? 1 : capacity)
{
}

QByteArray CallerKeys::credentialDigest(const HttpRequest &request)
{
    QByteArray credential = request.header("authorization");
    if (credential.isEmpty())
        credential = request.queryValue(QStringLiteral("access_token")).toUtf8();
    if (credential.isEmpty())
        credential = request.header("x-drain-secret");
    if (credential.isEmpty())
        return {};
    return QCryptographicHash::hash(credential, QCryptographicHash::Sha256);
}

QByteArray CallerKeys::addressKey(const QString &peerAddress)
{
    const QHostAddress address(peerAddress);
    bool v4 = false;
    const quint32 ip4 = address.toIPv4Address(&v4); // also an IPv4-mapped IPv6 address
    if (v4)
        return "ip4:" + QHostAddress(ip4).toString().toLatin1();
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        // One host or site usually holds a whole /64 and picks addresses in it freely.
        const Q_IPV6ADDR ip6 = address.toIPv6Address();
        return "ip6:" + QByteArray(reinterpret_cast<const char *>(ip6.c), 8).toHex();
    }
    return "peer:" + peerAddress.toUtf8(); // not an IP address (a test's socket pair)
}

QByteArray CallerKeys::keyFor(const QByteArray &digest, const QString &peerAddress) const
{
    if (!digest.isEmpty()) {
        std::lock_guard<std::mutex> lock(m_mutex);
        const auto it = m_verified.constFind(digest);
        if (it != m_verified.cend())
            return it.value();
    }
    return addressKey(peerAddress);
}

bool CallerKeys::learn(const QByteArray &digest, const QByteArray &verifiedAs, int status)
{
    if (digest.isEmpty())
        return false;
    std::lock_guard<std::mutex> lock(m_mutex);
    if (status == 401)
        return m_verified.remove(digest) > 0;
    if (verifiedAs.isEmpty())
        return false;
    const auto known = m_verified.constFind(digest);
    if (known != m_verified.cend() && known.value() == verifiedAs)
        return false;
    if (m_verified.size() >= m_capacity && known == m_verified.cend())
        m_verified.clear();
    m_verified.insert(digest, verifiedAs);
    return true;
}

int CallerKeys::size() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return int(m_verified.size());
}

} // namespace af
