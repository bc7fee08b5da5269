#!/usr/bin/env bash
# Runs every benchmark and prints their tables: first the engine's (JointOps.Bench, BenchmarkDotNet; with --quick a
# stopwatch pass of a few seconds), then the suite (JointOps.Load: the pgbench floor, the deadline bench, decisions,
# submissions and reads at each scale, one table with the ratios). Arguments go to the suite (e.g. --quick,
# --skip-firing, --scales 10000,100000); `--engine-only` runs the engine's alone, `--no-engine` skips it.
# The deadline bench alone: bench/JointOps.Deadlines.Bench (see README).
# PostgreSQL: JOINTOPS_BENCH_POSTGRES (an Npgsql connection string for a role with CREATEDB), else a throwaway
# cluster from the installed binaries (apt-get install postgresql; the service need not run).
set -euo pipefail
cd "$(dirname "$0")/.."
engine=yes engine_args=() suite_args=()
for arg in "$@"; do
  case $arg in
    --engine-only) engine=only ;;
    --no-engine) engine=no ;;
    --quick) engine_args=(--quick); suite_args+=("$arg") ;;
    *) suite_args+=("$arg") ;;
  esac
done
if [[ $engine != no ]]; then
  dotnet build bench/JointOps.Bench -c Release --nologo -v quiet
  dotnet bench/JointOps.Bench/bin/Release/net10.0/JointOps.Bench.dll "${engine_args[@]}"
  [[ $engine == only ]] && exit 0
fi
dotnet build bench/JointOps.Load -c Release --nologo -v quiet
exec dotnet bench/JointOps.Load/bin/Release/net10.0/JointOps.Load.dll suite "${suite_args[@]}"
