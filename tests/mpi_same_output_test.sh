#!/usr/bin/env bash
# `mpirun -np 3 colossim COMMAND ARGS` prints exactly what one process prints (and what two
# threads print): `plan` and `design` split their plan searches across ranks.
# Usage: mpi_same_output_test.sh COLOSSIM MPIEXEC COMMAND ARGS...
set -euo pipefail
colossim=$1 mpiexec=$2
shift 2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Under the sanitizer preset, OpenMPI's own allocations (in libmpi and its plugins) show up as leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
one=$("$colossim" "$@" --json --threads 1)
threads=$("$colossim" "$@" --json --threads 2)
ranks=$("$mpiexec" -np 3 "$colossim" "$@" --json --threads 1)
[ "$one" = "$threads" ] || { echo "threads differ from one process"; exit 1; }
[ "$one" = "$ranks" ] || { echo "MPI ranks differ from one process"; diff <(echo "$one") <(echo "$ranks"); exit 1; }
echo "1 passed, 0 failed"
