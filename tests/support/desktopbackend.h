#pragma once
#include "pgharness.h"

#include "embeddedadminbackend.h"

#include "http/httpserver.h"
#include "runtime/backendruntime.h"
#include "feed/adminservice.h"
#include "runtime/serverpanel.h"

#include <QStringList>

#include <memory>
#include <string>

namespace aftest {

/// @brief The embedded backend as app/desktoplaunch.cpp wires it, for the desktop scene
/// tests: the whole runtime on a fresh database and a free port of 127.0.0.1, the
/// tenants Acme and Globex, the server panel, and the local admin over both. It does not
/// wait for LISTEN: a test that needs live pushes waits for it where it matters, so that
/// rows it drains before then reach the window only through paging.
class DesktopBackend
{
public:
    explicit DesktopBackend(const std::string &prefix) : cs(freshDatabase(prefix))
    {
        af::BackendRuntime::Config c;
        c.databaseUrl = QString::fromStdString(cs);
        c.listenHost = QStringLiteral("127.0.0.1");
        c.listenPort = 0; // a free port
        runtime = std::make_unique<af::BackendRuntime>(c);
        runtime->start();
        acme = runtime->admin().createTenant(QStringLiteral("Acme")).tenantId;
        globex = runtime->admin().createTenant(QStringLiteral("Globex")).tenantId;
        panel = std::make_unique<af::ServerPanel>(runtime->server(), runtime->pool(),
                                                  runtime->server().serverPort());
        admin = std::make_unique<EmbeddedAdminBackend>(runtime->admin(),
                                                       EmbeddedAdminBackend::ServerHooks::of(*panel));
    }
    ~DesktopBackend()
    {
        admin.reset();
        panel.reset();
        runtime->stop();
    }
    DesktopBackend(const DesktopBackend &) = delete;
    DesktopBackend &operator=(const DesktopBackend &) = delete;

    std::string cs;
    std::unique_ptr<af::BackendRuntime> runtime;
    std::unique_ptr<af::ServerPanel> panel;
    std::unique_ptr<EmbeddedAdminBackend> admin;
    int acme = 0;
    int globex = 0;
};

} // namespace aftest
