#!/usr/bin/env bash
# Builds the server and the benchmark in Release and runs the benchmark; arguments go to it (e.g. --quick).
# PostgreSQL: JOINTOPS_BENCH_POSTGRES (an Npgsql connection string for a role with CREATEDB), else a throwaway
# cluster from the installed binaries (apt-get install postgresql; the service need not run).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release --nologo -v quiet
dotnet build bench/JointOps.Deadlines.Bench -c Release --nologo -v quiet
exec dotnet bench/JointOps.Deadlines.Bench/bin/Release/net10.0/JointOps.Deadlines.Bench.dll "$@"
