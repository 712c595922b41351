#pragma once
#include "core/admin.h" // IssuedToken

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <optional>
#include <vector>

#include <pqxx/connection>

namespace af {

struct Tenant {
    int id = 0;
    QString name;
    QDateTime createdAt;
    int activeTokens = 0;
};

struct TokenInfo {
    int id = 0;
    int tenantId = 0;
    QString tenantName;
    QString label;
    QDateTime createdAt;
    QDateTime revokedAt; ///< null while active
};

/// @brief An active token: which one (api_tokens.id) and whose.
struct TokenOwner {
    int tokenId = 0;
    int tenantId = 0;
};

/// @brief Tenants and their API tokens. Blocking: call on a worker thread.
class Tenants
{
public:
    /// @brief Creates a tenant and its first token; throws BadInput for a bad or taken name.
    static IssuedToken add(pqxx::connection &conn, const QString &name);
    [[nodiscard]] static std::vector<Tenant> list(pqxx::connection &conn);
    /// @brief throws NotFound for an unknown tenant (id or name).
    static IssuedToken issueToken(pqxx::connection &conn, int tenantId, const QString &label = {});
    /// @brief Resolves a tenant by id ("3") or by name; throws NotFound.
    static int resolve(pqxx::connection &conn, const QString &idOrName);
    /// @brief false when no such active token.
    static bool revokeToken(pqxx::connection &conn, int tokenId);
    /// @brief Every token of @p tenantId (of every tenant when empty), by id; never the
    /// token or its hash.
    [[nodiscard]] static std::vector<TokenInfo> tokens(pqxx::connection &conn,
                                                       std::optional<int> tenantId);
    /// @brief The tenant of an active token, or nothing.
    [[nodiscard]] static std::optional<int> tenantForToken(pqxx::connection &conn,
                                                           const QString &token);
    /// @brief The id and tenant of an active token, or nothing.
    [[nodiscard]] static std::optional<TokenOwner> ownerOfToken(pqxx::connection &conn,
                                                                const QString &token);
    /// @brief Which of @p tokenIds are still active (not revoked, still present).
    [[nodiscard]] static std::vector<int> activeTokenIds(pqxx::connection &conn,
                                                         const std::vector<int> &tokenIds);
    /// @brief A new random token: "aft_" + 43 base64url characters (256 bits).
    [[nodiscard]] static QString generateToken();
    [[nodiscard]] static QByteArray sha256(const QString &token);
};

} // namespace af
