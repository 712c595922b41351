#pragma once
#include "appoptions.h"

/// @brief The desktop app: embedded backend (or --remote), then the window.
int launchDesktop(int argc, char **argv, const AppOptions &options);
