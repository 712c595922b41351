#include "testtenants.h"

#include "feed/tenants.h"

#include <pqxx/pqxx>

namespace aftest {

TestTenants addTenants(const std::string &cs, const QStringList &names)
{
    pqxx::connection c(cs);
    TestTenants out;
    for (const QString &name : names) {
        const af::IssuedToken t = af::Tenants::add(c, name);
        out.ids.append(t.tenantId);
        out.tokens.append(t.token.toUtf8());
        out.tokenIds.append(t.id);
    }
    return out;
}

} // namespace aftest
