#pragma once
#include "testtenants.h"

#include "runtime/backendruntime.h"

#include <functional>
#include <memory>
#include <string>

namespace aftest {

/// @brief The whole backend as `serve` starts it (BackendRuntime) on a fresh migrated
/// database and a free port of 127.0.0.1, with tenants that each hold one token. Ready
/// once constructed: its LISTEN connection is up (or ready() says it never came). Stopped
/// when destroyed.
class TestRuntime
{
public:
    using Configure = std::function<void(af::BackendRuntime::Config &)>;

    TestRuntime(const std::string &prefix, const QStringList &tenantNames, const Configure &configure = {});
    ~TestRuntime();
    TestRuntime(const TestRuntime &) = delete;
    TestRuntime &operator=(const TestRuntime &) = delete;

    /// @brief The LISTEN connection came up within 5 s of the start.
    [[nodiscard]] bool ready() const { return m_ready; }

    std::string cs;
    std::unique_ptr<af::BackendRuntime> runtime;
    quint16 port = 0;
    TestTenants tenants;

private:
    bool m_ready = false;
};

} // namespace aftest
