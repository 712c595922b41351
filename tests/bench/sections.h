#pragma once
#include "benchreport.h"

#include <string>

namespace afbench {

/// Each section runs its measurements and adds its figures to @p env.
void benchEmit(BenchEnv &env);
void benchDrain(BenchEnv &env);
void benchFeed(BenchEnv &env);   ///< feed query (direct, HTTP) and wrk throughput
void benchSse(BenchEnv &env);
void benchStartup(BenchEnv &env);
void benchModel(BenchEnv &env);

/// @brief A fresh migrated database with tenants 1..20 ("Tenant 1"…); its connection string.
std::string databaseWithTenants(const std::string &prefix);
/// @brief A free TCP port on 127.0.0.1.
int freePort();

} // namespace afbench
