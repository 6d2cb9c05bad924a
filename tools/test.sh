#!/bin/sh
# Configures, builds and runs every gst-rustvani test, then prints
# "N passed, N failed" counted from meson's test log.
# Usage: tools/test.sh [BUILD_DIR]   (default: build)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$top/build"}
werror=${VANI_WERROR:-true}

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" -Dwerror="$werror" || exit 1
else
  meson setup --reconfigure "$build" "$top" -Dwerror="$werror" >/dev/null || exit 1
fi
ninja -C "$build" || exit 1

meson test -C "$build" --print-errorlogs --num-processes 2
status=$?

log="$build/meson-logs/testlog.json"
passed=$(grep -c '"result": "OK"' "$log" 2>/dev/null)
failed=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" 2>/dev/null)
skipped=$(grep -c '"result": "SKIP"' "$log" 2>/dev/null)
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"

if [ "$status" -ne 0 ] || [ "${failed:-0}" -ne 0 ] || [ "${passed:-0}" -eq 0 ]; then
  exit 1
fi
exit 0
