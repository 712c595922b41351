#pragma once
#include "testruntime.h"

#include "embeddedadminbackend.h"

#include "http/httpserver.h"
#include "runtime/backendruntime.h"
#include "runtime/serverpanel.h"

#include <QStringList>

#include <memory>
#include <string>

namespace aftest {

/// @brief The embedded backend as app/desktoplaunch.cpp wires it, for the desktop scene
/// tests: the whole runtime on a fresh database with the tenants Acme and Globex, the
/// server panel, and the local admin over both. The admin and the panel go before the
/// runtime stops.
class DesktopBackend
{
public:
    explicit DesktopBackend(const std::string &prefix)
        : backend(prefix, {QStringLiteral("Acme"), QStringLiteral("Globex")}),
          panel(std::make_unique<af::ServerPanel>(runtime->server(), runtime->pool(),
                                                  runtime->server().serverPort())),
          admin(std::make_unique<EmbeddedAdminBackend>(runtime->admin(),
                                                       EmbeddedAdminBackend::ServerHooks::of(*panel))),
          acme(backend.tenants.ids.value(0)), globex(backend.tenants.ids.value(1))
    {
    }
    ~DesktopBackend()
    {
        admin.reset();
        panel.reset();
    }
    DesktopBackend(const DesktopBackend &) = delete;
    DesktopBackend &operator=(const DesktopBackend &) = delete;

    TestRuntime backend; // stopped last, after everything that uses it
    std::string &cs = backend.cs;
    std::unique_ptr<af::BackendRuntime> &runtime = backend.runtime;
    std::unique_ptr<af::ServerPanel> panel;
    std::unique_ptr<EmbeddedAdminBackend> admin;
    int acme = 0;
    int globex = 0;
};

} // namespace aftest
