#pragma once
#include "benchreport.h"

#include <string>

namespace pqxx {
class connection_base;
}

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
/// @brief A CHECKPOINT of the cluster @p conn is on, before each timed phase: the shared
/// buffers hold no dirty page, so a phase pays for the pages it writes itself, not for
/// those of the phase before it (the queue's COPY before a drain, the drain before the raw
/// COPY, the feed's million-row load before the SSE rounds). Without it the first of three
/// drain runs took 1.7 s and the next two 2.15 s, and the raw COPY after a drain
/// 0.84–1.18 s, depending on what the pool still had to write out.
void settle(pqxx::connection_base &conn);

} // namespace afbench
