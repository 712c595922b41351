#pragma once
#include <QByteArray>
#include <QList>
#include <QStringList>

#include <string>

namespace aftest {

/// @brief Tenants made for a test, in the order asked for: ids[i] holds tokens[i] (its
/// bearer token) whose own id is tokenIds[i].
struct TestTenants {
    QList<int> ids;
    QList<QByteArray> tokens;
    QList<int> tokenIds;
};

/// @brief Adds the tenants @p names to the database @p cs through af::Tenants (as the CLI
/// and the admin do), each with one fresh token.
TestTenants addTenants(const std::string &cs, const QStringList &names);

} // namespace aftest
