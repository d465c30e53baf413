#!/usr/bin/env bash
# The HTML report in headless Chromium (Debian chromium, installed by scripts/bootstrap): it
# loads with no console error and its DOM holds every chart's SVG with something drawn in it.
set -euo pipefail
colossim=$1
scenario=$2
design=${3:-}  # a scenario with a design: block: its frontier chart too
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium is not installed (scripts/bootstrap installs it)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$colossim" report "$scenario" -o "$dir/report.html"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$dir/profile" \
  --enable-logging=stderr --v=0 --dump-dom "file://$dir/report.html" >"$dir/dom.html" 2>"$dir/log"
if grep -E "CONSOLE|Uncaught" "$dir/log"; then
  echo "console messages while loading the report"
  exit 1
fi
for id in timeline breakdown memory power goodput interruptions fabric; do
  # The figure's SVG, as the browser parsed it, with at least one shape in it.
  awk -v id="$id" 'index($0, "<figure id=\"" id "\"") {on=1} on {print} on && /<\/figure>/ {exit}' \
    "$dir/dom.html" >"$dir/$id.svg"
  grep -q "<svg" "$dir/$id.svg" || { echo "no chart $id in the rendered page"; exit 1; }
  grep -qE "<(rect|path|circle)" "$dir/$id.svg" || { echo "chart $id drew nothing"; exit 1; }
done
if [ -n "$design" ]; then
  "$colossim" design "$design" --format html >"$dir/design.html"
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$dir/profile" \
    --enable-logging=stderr --v=0 --dump-dom "file://$dir/design.html" >"$dir/design-dom.html" 2>"$dir/design-log"
  if grep -E "CONSOLE|Uncaught" "$dir/design-log"; then
    echo "console messages while loading the design page"
    exit 1
  fi
  awk 'index($0, "<figure id=\"frontier\"") {on=1} on {print} on && /<\/figure>/ {exit}' \
    "$dir/design-dom.html" >"$dir/frontier.svg"
  grep -q "<circle" "$dir/frontier.svg" || { echo "the design frontier drew no design"; exit 1; }
  grep -q "<path" "$dir/frontier.svg" || { echo "the design frontier drew no frontier"; exit 1; }
fi
echo "report rendered in $("$browser" --version 2>/dev/null | head -1): 7 charts"
