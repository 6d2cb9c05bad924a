#!/bin/sh
# The short fuzz pass of every test run in CI: each libFuzzer target for
# $VANI_FUZZ_SECONDS seconds (CI: 20), after replaying the regressions.
# Skipped (exit 77) when VANI_FUZZ_SECONDS is unset or 0, or without clang.
set -u
seconds=${VANI_FUZZ_SECONDS:-0}
if [ "$seconds" -eq 0 ] || ! command -v clang >/dev/null; then
  echo "skipped: set VANI_FUZZ_SECONDS (and install clang) to fuzz"
  exit 77
fi
exec "$(dirname "$0")/run.sh" "$seconds"
