#include "tenants.h"

#include "core/errors.h"
#include "db/sqlarray.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

#include <pqxx/pqxx>

namespace af {

namespace {

QDateTime ts(const pqxx::field &f)
{
    if (f.is_null())
        return {};
    return QDateTime::fromString(QString::fromStdString(f.as<std::string>()), Qt::ISODateWithMs);
}

std::string hexBytea(const QByteArray &bytes)
{
    return "\\x" + bytes.toHex().toStdString();
}

QString checkedName(const QString &raw)
{
    const QString name = raw.trimmed();
    if (name.isEmpty())
        throw BadInput("a tenant name must not be empty");
    if (name.size() > 200)
        throw BadInput("a tenant name must be at most 200 characters");
    if (name.contains(QChar(0)))
        throw BadInput("a tenant name must not contain NUL characters");
    return name;
}

} // namespace

QString Tenants::generateToken()
{
    QByteArray raw(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(raw.data()),
                                         reinterpret_cast<quint32 *>(raw.data() + raw.size()));
    return QStringLiteral("aft_") +
           QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding |
                                            QByteArray::OmitTrailingEquals));
}

QByteArray Tenants::sha256(const QString &token)
{
    return QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256);
}

IssuedToken Tenants::add(pqxx::connection &conn, const QString &rawName)
{
    const QString name = checkedName(rawName);
    const QString token = generateToken();
    try {
        pqxx::work tx(conn);
        const int id = tx.exec_params1("INSERT INTO tenants (name) VALUES ($1) RETURNING id",
                                       name.toStdString())[0]
                           .as<int>();
        const int tokenId =
            tx.exec_params1("INSERT INTO api_tokens (tenant_id, token_sha256, label) "
                            "VALUES ($1, $2::bytea, 'initial') RETURNING id",
                            id, hexBytea(sha256(token)))[0]
                .as<int>();
        tx.commit();
        return {tokenId, id, token};
    } catch (const pqxx::unique_violation &) {
        throw BadInput("a tenant named '" + name.toStdString() + "' already exists");
    }
}

std::vector<Tenant> Tenants::list(pqxx::connection &conn)
{
    pqxx::read_transaction tx(conn);
    const auto r = tx.exec(
        "SELECT t.id, t.name, af_ts(t.created_at), "
        "(SELECT count(*) FROM api_tokens k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL) "
        "FROM tenants t ORDER BY t.id");
    std::vector<Tenant> out;
    out.reserve(r.size());
    for (const auto &row : r)
        out.push_back({row[0].as<int>(), QString::fromStdString(row[1].as<std::string>()),
                       ts(row[2]), row[3].as<int>()});
    return out;
}

int Tenants::resolve(pqxx::connection &conn, const QString &idOrName)
{
    pqxx::read_transaction tx(conn);
    bool numeric = false;
    const int id = idOrName.toInt(&numeric);
    const auto r = numeric ? tx.exec_params("SELECT id FROM tenants WHERE id = $1", id)
                           : tx.exec_params("SELECT id FROM tenants WHERE name = $1",
                                            idOrName.trimmed().toStdString());
    if (r.empty())
        throw NotFound("no tenant '" + idOrName.toStdString() + "'");
    return r[0][0].as<int>();
}

IssuedToken Tenants::issueToken(pqxx::connection &conn, int tenantId, const QString &label)
{
    const QString token = generateToken();
    pqxx::work tx(conn);
    const auto exists = tx.exec_params("SELECT 1 FROM tenants WHERE id = $1", tenantId);
    if (exists.empty())
        throw NotFound("no tenant with id " + std::to_string(tenantId));
    const int tokenId = tx.exec_params1("INSERT INTO api_tokens (tenant_id, token_sha256, label) "
                                        "VALUES ($1, $2::bytea, $3) RETURNING id",
                                        tenantId, hexBytea(sha256(token)),
                                        label.left(200).toStdString())[0]
                            .as<int>();
    tx.commit();
    return {tokenId, tenantId, token};
}

bool Tenants::revokeToken(pqxx::connection &conn, int tokenId)
{
    pqxx::work tx(conn);
    const auto r = tx.exec_params("UPDATE api_tokens SET revoked_at = now() "
                                  "WHERE id = $1 AND revoked_at IS NULL RETURNING id",
                                  tokenId);
    tx.commit();
    return !r.empty();
}

std::vector<TokenInfo> Tenants::tokens(pqxx::connection &conn, std::optional<int> tenantId)
{
    pqxx::read_transaction tx(conn);
    static const char *sql = "SELECT k.id, k.tenant_id, t.name, coalesce(k.label, ''), "
                             "af_ts(k.created_at), af_ts(k.revoked_at) "
                             "FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id "
                             "WHERE $1::int IS NULL OR k.tenant_id = $1::int ORDER BY k.id";
    const auto r = tenantId ? tx.exec_params(sql, *tenantId) : tx.exec_params(sql, nullptr);
    std::vector<TokenInfo> out;
    out.reserve(r.size());
    for (const auto &row : r)
        out.push_back({row[0].as<int>(), row[1].as<int>(),
                       QString::fromStdString(row[2].as<std::string>()),
                       QString::fromStdString(row[3].as<std::string>()), ts(row[4]), ts(row[5])});
    return out;
}

std::optional<int> Tenants::tenantForToken(pqxx::connection &conn, const QString &token)
{
    const std::optional<TokenOwner> owner = ownerOfToken(conn, token);
    if (!owner)
        return std::nullopt;
    return owner->tenantId;
}

std::optional<TokenOwner> Tenants::ownerOfToken(pqxx::connection &conn, const QString &token)
{
    if (token.isEmpty() || token.size() > 256)
        return std::nullopt;
    // Every authenticated request asks this: one prepared statement on its own (no
    // BEGIN/COMMIT round trips), registered once per connection.
    static const std::string sql = "SELECT id, tenant_id FROM api_tokens "
                                   "WHERE token_sha256 = $1::bytea AND revoked_at IS NULL";
    conn.prepare("af_token_tenant", sql);
    pqxx::nontransaction tx(conn);
    const auto r = tx.exec_prepared("af_token_tenant", hexBytea(sha256(token)));
    if (r.empty())
        return std::nullopt;
    return TokenOwner{r[0][0].as<int>(), r[0][1].as<int>()};
}

std::vector<int> Tenants::activeTokenIds(pqxx::connection &conn, const std::vector<int> &tokenIds)
{
    std::vector<int> out;
    if (tokenIds.empty())
        return out;
    conn.prepare("af_active_tokens", "SELECT id FROM api_tokens "
                                     "WHERE id = ANY($1::int[]) AND revoked_at IS NULL");
    pqxx::nontransaction tx(conn);
    for (const auto &row : tx.exec_prepared("af_active_tokens", sqlIntArray(tokenIds)))
        out.push_back(row[0].as<int>());
    return out;
}

} // namespace af
