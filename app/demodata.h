#pragma once
#include "appoptions.h"

#include <pqxx/connection>

/// @brief `demo-data [--events N]`: demo tenants, N queue rows of a realistic mix (all six
/// types, about 30 % in bursts that group) over the past week, a drain, then reactions and
/// comments from other tenants.
int runDemoData(pqxx::connection &conn, const AppOptions &options);

/// @brief `arena add TITLE BADGE XP`.
int runArenaCommand(pqxx::connection &conn, const AppOptions &options);
