#pragma once
#include <QByteArray>
#include <QHash>
#include <QString>

#include <mutex>

namespace af {

class HttpRequest;

/// @brief Who a request counts as in the worker queue, decided on the network thread
/// without a database call. A credential that has not been seen to verify counts as
/// its peer's address (IPv4 address, IPv6 /64), so a thousand made-up tokens from one
/// address are one caller; once a handler has verified the credential (ApiAuth does, on
/// the worker), its requests count as the identity it proved (the tenant), wherever
/// they come from. Thread-safe.
class CallerKeys
{
public:
    /// @brief @p capacity: verified credentials remembered; past it all are forgotten at
    /// once (each is learnt again by its next request). Only a real token gets in, so
    /// the bound is about tokens in use, not about what an attacker can send.
    explicit CallerKeys(int capacity = 16384);

    /// @brief The SHA-256 of the credential @p request presents (bearer token,
    /// `?access_token=`, `x-drain-secret`), or empty when it presents none.
    [[nodiscard]] static QByteArray credentialDigest(const HttpRequest &request);
    /// @brief The key of an unverified caller at @p peerAddress: "ip4:a.b.c.d" (an
    /// IPv4-mapped IPv6 address counts as its IPv4 address), "ip6:" + the first 64 bits.
    [[nodiscard]] static QByteArray addressKey(const QString &peerAddress);

    /// @brief The queue key of a request presenting @p digest from @p peerAddress.
    [[nodiscard]] QByteArray keyFor(const QByteArray &digest, const QString &peerAddress) const;
    /// @brief After a handler ran: @p verifiedAs is who it proved to be (empty: it proved
    /// nothing), @p status its answer. A 401 forgets the credential (a revoked token goes
    /// back to its address's turn).
    /// Returns whether @p digest now counts as another identity than before.
    bool learn(const QByteArray &digest, const QByteArray &verifiedAs, int status);
    [[nodiscard]] int size() const;

private:
    int m_capacity;
    mutable std::mutex m_mutex;
    QHash<QByteArray, QByteArray> m_verified; ///< credential digest → identity key
};

} // namespace af
