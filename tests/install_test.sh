#!/bin/sh
# `cmake --install` gives a colossim that stands alone: the installed command finds the installed
# validation cases (not the source tree's), and the docs, examples and licence are there.
# Usage: install_test.sh BUILD_DIR
set -eu
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
bin=$prefix/bin/colossim
share=$prefix/share/colossim/validation
doc=$prefix/share/doc/colossim
for f in "$doc/SCENARIO.md" "$doc/LICENSE" "$doc/README.md" "$doc/examples/llama3-70b-on-1024-h100.yaml" \
         "$share/collectives.json" "$share/runs"; do
  [ -e "$f" ] || { echo "not installed: $f"; exit 1; }
done
"$bin" --version | grep -q "^colossim " || { echo "installed --version failed"; exit 1; }
# Keep two of the installed cases: the installed command must judge exactly those two.
ls "$share/cases"/*/*.yaml | tail -n +3 | xargs rm
count=$(env -u COLOSSIM_VALIDATION_DIR "$bin" validate --json |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)["cases"]))')
[ "$count" = 2 ] || { echo "installed validate judged $count cases, expected the 2 installed"; exit 1; }
# COLOSSIM_VALIDATION_DIR names another copy.
count=$(COLOSSIM_VALIDATION_DIR=$share "$bin" validate --runs --json |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)["cases"]))')
[ "$count" -gt 2 ] || { echo "validate --runs with COLOSSIM_VALIDATION_DIR judged $count"; exit 1; }
echo "installed colossim reads its installed cases"
