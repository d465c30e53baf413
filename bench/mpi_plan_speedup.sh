#!/usr/bin/env bash
# Wall time of `colossim plan` on the open-keys 70B scenario with 1 and 2 MPI ranks (one thread
# each), and the ratio. Run from the repository root after building the release preset.
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
bin=build/release/colossim
scenario=${1:-bench/plan-deepseek-v3-open.yaml}
t() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
one=$(t mpirun -np 1 "$bin" plan "$scenario" --threads 1 --top 5)
two=$(t mpirun -np 2 "$bin" plan "$scenario" --threads 1 --top 5)
echo "1 rank: ${one} s, 2 ranks: ${two} s, speed-up $(echo "scale=2; $one / $two" | bc)x"
