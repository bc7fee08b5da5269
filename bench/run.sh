#!/usr/bin/env bash
# Builds the server and the benchmarks in Release and runs the whole suite, printing one table; arguments go to it
# (e.g. --quick, --skip-firing, --scales 10000,100000). The deadline bench alone: bench/JointOps.Deadlines.Bench (see README).
# PostgreSQL: JOINTOPS_BENCH_POSTGRES (an Npgsql connection string for a role with CREATEDB), else a throwaway
# cluster from the installed binaries (apt-get install postgresql; the service need not run).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/JointOps.Load -c Release --nologo -v quiet
exec dotnet bench/JointOps.Load/bin/Release/net10.0/JointOps.Load.dll suite "$@"
