#!/usr/bin/env bash
# The HTML pages in headless Chromium (Debian chromium, installed by scripts/bootstrap): each
# loads with no console error and its DOM holds every chart's SVG with something drawn in it.
# Pages: the report of a scenario; a sweep and a plan search of one with its plan left open; the
# frontier of a scenario with a design: block; the ramp of one with a bringup: block.
set -euo pipefail
colossim=$1
scenario=$2
open=$3
design=$4
bringup=$5
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium is not installed (scripts/bootstrap installs it)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
charts=0

# check PAGE ID... : load PAGE.html, fail on console messages, then each figure ID must hold an
# SVG with at least one shape.
check() {
  local page=$1
  shift
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$dir/profile" \
    --enable-logging=stderr --v=0 --dump-dom "file://$dir/$page.html" >"$dir/$page-dom.html" \
    2>"$dir/$page-log"
  if grep -E "CONSOLE|Uncaught" "$dir/$page-log"; then
    echo "console messages while loading the $page page"
    exit 1
  fi
  for id in "$@"; do
    awk -v id="$id" 'index($0, "<figure id=\"" id "\"") {on=1} on {print} on && /<\/figure>/ {exit}' \
      "$dir/$page-dom.html" >"$dir/$page-$id.svg"
    grep -q "<svg" "$dir/$page-$id.svg" || { echo "no chart $id in the $page page"; exit 1; }
    grep -qE "<(rect|path|circle)" "$dir/$page-$id.svg" ||
      { echo "chart $id of the $page page drew nothing"; exit 1; }
    charts=$((charts + 1))
  done
}

"$colossim" report "$scenario" -o "$dir/report.html"
check report timeline breakdown memory power goodput interruptions fabric

"$colossim" sweep "$open" --set cluster.gpus=64,128 --set training.global_batch=64,128 \
  --format html --out "$dir/sweep.html"
check sweep tokens_per_s mfu step_time_s memory_gib_per_gpu time_to_train_days goodput
# One line per value of the second axis.
grep -q "training.global_batch=128" "$dir/sweep-tokens_per_s.svg" ||
  { echo "the sweep chart has no series per batch"; exit 1; }

"$colossim" plan "$open" --format html >"$dir/plan.html"
check plan plans-step plans-mfu plans-memory
[ "$(grep -c "<rect" "$dir/plan-plans-step.svg")" -ge 2 ] ||
  { echo "the plan page drew fewer than two plans"; exit 1; }

"$colossim" design "$design" --format html >"$dir/design.html"
check design frontier
grep -q "<circle" "$dir/design-frontier.svg" || { echo "the frontier drew no design"; exit 1; }
grep -q "<path" "$dir/design-frontier.svg" || { echo "the frontier drew no frontier"; exit 1; }

"$colossim" bringup "$bringup" --format html >"$dir/bringup.html"
check bringup bringup-gpus bringup-tokens bringup-power
echo "pages rendered in $("$browser" --version 2>/dev/null | head -1): $charts charts"
