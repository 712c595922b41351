#!/usr/bin/env bash
# The benchmark suite (issue 8): builds Release into build-bench, runs every benchmark
# (emit, drain, feed query, HTTP throughput, SSE fan-out, start-up, desktop model; about
# 10–13 minutes on 2 cores), prints the table with each target and pass/fail, and writes
# the figures to build-bench/bench-results.json (EXPLAIN plans and logs beside it, in
# build-bench/bench-artifacts/). Extra arguments go to af_bench, e.g. --smoke or
# --only emit,drain.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  echo "Installing wrk (HTTP throughput benchmark)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends wrk
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target af_bench
# 19 000 SSE clients need as many open files in the server and the load generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec ./build-bench/tests/bench/af_bench --out build-bench/bench-results.json "$@"
