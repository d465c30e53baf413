#!/usr/bin/env bash
# `mpirun -np N colossim plan FILE` prints exactly what one process prints (and what N threads
# print). Usage: mpi_plan_test.sh COLOSSIM MPIEXEC SCENARIO
set -euo pipefail
colossim=$1 mpiexec=$2 scenario=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Under the sanitizer preset, OpenMPI's own allocations (in libmpi and its plugins) show up as leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
one=$("$colossim" plan "$scenario" --top 6 --json --threads 1)
threads=$("$colossim" plan "$scenario" --top 6 --json --threads 2)
ranks=$("$mpiexec" -np 3 "$colossim" plan "$scenario" --top 6 --json --threads 1)
[ "$one" = "$threads" ] || { echo "threads differ from one process"; exit 1; }
[ "$one" = "$ranks" ] || { echo "MPI ranks differ from one process"; diff <(echo "$one") <(echo "$ranks"); exit 1; }
echo "1 passed, 0 failed"
