#!/usr/bin/env bash
# Runs the engine's benchmark (JointOps.Bench, BenchmarkDotNet; with --quick a stopwatch pass of a few seconds), then
# builds the server and the deadline benchmark in Release and runs that; arguments go to it (e.g. --quick).
# `--only engine` runs the engine's benchmark alone; `--only firing|decisions` skips it.
# PostgreSQL: JOINTOPS_BENCH_POSTGRES (an Npgsql connection string for a role with CREATEDB), else a throwaway
# cluster from the installed binaries (apt-get install postgresql; the service need not run).
set -euo pipefail
cd "$(dirname "$0")/.."
only="" previous="" engine_args=()
for arg in "$@"; do
  [[ $arg == --quick ]] && engine_args=(--quick)
  [[ $previous == --only ]] && only=$arg
  previous=$arg
done
if [[ -z $only || $only == engine ]]; then
  dotnet build bench/JointOps.Bench -c Release --nologo -v quiet
  dotnet bench/JointOps.Bench/bin/Release/net10.0/JointOps.Bench.dll "${engine_args[@]}"
  [[ $only == engine ]] && exit 0
fi
dotnet build -c Release --nologo -v quiet
dotnet build bench/JointOps.Deadlines.Bench -c Release --nologo -v quiet
exec dotnet bench/JointOps.Deadlines.Bench/bin/Release/net10.0/JointOps.Deadlines.Bench.dll "$@"
