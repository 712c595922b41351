#include "testruntime.h"
#include "pgharness.h"
#include "testprocess.h"

#include "feed/notifylistener.h"
#include "http/httpserver.h"

namespace aftest {

TestRuntime::TestRuntime(const std::string &prefix, const QStringList &tenantNames, const Configure &configure)
    : cs(freshDatabase(prefix))
{
    af::BackendRuntime::Config cfg;
    cfg.databaseUrl = QString::fromStdString(cs);
    cfg.listenPort = 0; // a free port
    if (configure)
        configure(cfg);
    runtime = std::make_unique<af::BackendRuntime>(cfg);
    runtime->start();
    port = runtime->server().serverPort();
    tenants = addTenants(cs, tenantNames);
    m_ready = waitFor([this] { return runtime->listener().connected(); });
}

TestRuntime::~TestRuntime()
{
    runtime->stop();
}

} // namespace aftest
