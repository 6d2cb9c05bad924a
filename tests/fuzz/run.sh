#!/bin/sh
# Builds the libFuzzer targets with clang + ASan/UBSan and runs each for a
# given time on its corpus (tests/fuzz/corpus/<name>). Crashers are written
# to tests/fuzz/crashers/; move fixed ones to tests/fuzz/regressions/.
# Usage: tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build-fuzz"
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"sse llmstream context chunkscan flow"}
failed=0

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$top" -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dintrospection=disabled -Dtests=disabled -Dopenai=disabled >/dev/null
fi
ninja -C "$build" >/dev/null
mkdir -p "$top/tests/fuzz/crashers"
for t in $targets; do
  # crashers found before stay fixed: replay them first
  "$build/tests/fuzz/fuzz_$t" "$top"/tests/fuzz/regressions/* >/dev/null 2>&1 || {
    echo "fuzz_$t: a regression input fails again"; exit 1; }
  work=$(mktemp -d)
  cp "$top/tests/fuzz/corpus/$t/"* "$work/"
  echo "== fuzz_$t for ${seconds}s"
  status=0
  UBSAN_OPTIONS=halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=65536 \
    -artifact_prefix="$top/tests/fuzz/crashers/$t-" "$work" >"$work.log" 2>&1 ||
    status=$?
  grep -E "^#[0-9]+ +DONE|Done [0-9]+ runs|ERROR|SUMMARY" "$work.log" || true
  rm -rf "$work" "$work.log"
  if [ "$status" -ne 0 ]; then
    echo "fuzz_$t found a crash (exit $status): see tests/fuzz/crashers/"
    failed=1
  fi
done
exit "${failed:-0}"
