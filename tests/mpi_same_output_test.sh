#!/usr/bin/env bash
# `mpirun -np 3 colossim COMMAND ARGS` prints exactly what one process prints: `plan` splits its
# plan batches across ranks (each case's, with --against-published), `design` its designs, `sweep` its
# points, `validate` its cases. With --threads, also what
# two threads print (the commands that take --threads).
# Usage: mpi_same_output_test.sh COLOSSIM MPIEXEC [--threads] COMMAND ARGS...
set -euo pipefail
colossim=$1 mpiexec=$2
shift 2
threads=false
if [ "$1" = "--threads" ]; then threads=true; shift; fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Under the sanitizer preset, OpenMPI's own allocations (in libmpi and its plugins) show up as leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
if $threads; then
  one=$("$colossim" "$@" --threads 1)
  two=$("$colossim" "$@" --threads 2)
  [ "$one" = "$two" ] || { echo "threads differ from one process"; exit 1; }
  ranks=$("$mpiexec" -np 3 "$colossim" "$@" --threads 1)
else
  one=$("$colossim" "$@")
  ranks=$("$mpiexec" -np 3 "$colossim" "$@")
fi
[ -n "$one" ] || { echo "no output"; exit 1; }
[ "$one" = "$ranks" ] || { echo "MPI ranks differ from one process"; diff <(echo "$one") <(echo "$ranks"); exit 1; }
echo "1 passed, 0 failed"
