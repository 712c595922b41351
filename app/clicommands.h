#pragma once
#include "appoptions.h"

/// @brief The one-shot admin commands (migrate, tenant, token, emit, drain, arena,
/// demo-data); returns the process exit code. Errors go to stderr as a sentence.
int runCliCommand(const AppOptions &options);
