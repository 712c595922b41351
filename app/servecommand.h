#pragma once
#include "appoptions.h"

/// @brief `activityfeed serve`: the backend and HTTP/SSE server until SIGINT/SIGTERM.
int runServe(int argc, char **argv, const AppOptions &options);
