#pragma once
#include "appoptions.h"
#include "runtime/backendruntime.h"

/// @brief `activityfeed serve`: the backend and HTTP/SSE server until SIGINT/SIGTERM.
int runServe(int argc, char **argv, const AppOptions &options);

/// @brief The embedded backend's settings from the command line (serve and desktop).
af::BackendRuntime::Config runtimeConfig(const AppOptions &options);
