#!/bin/sh
# Builds gst-rustvani with ASan + UBSan (build-asan/) and runs vani-stress:
# random state changes, barge-ins and a long run of turns. Any memory error,
# undefined behaviour or leak (LeakSanitizer, at exit) fails it.
# Usage: tests/stress/run.sh [STATE_CHANGES] [BARGE_INS] [TURNS] [APP_FLUSHES]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build-asan"

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Dpocketsphinx=disabled -Despeak=disabled >/dev/null
fi
ninja -C "$build" tests/stress/vani-stress gst/vani/libgstvani.so \
  ext/openai/libgstvaniopenai.so >/dev/null

export GST_PLUGIN_PATH="$build/gst/vani:$build/ext/openai"
export GST_REGISTRY_1_0="$build/registry-stress.bin"
# GStreamer's plugin scanner is not built with ASan: scan in-process
export GST_REGISTRY_FORK=no
export G_SLICE=always-malloc G_DEBUG=gc-friendly
export ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0
export LSAN_OPTIONS="suppressions=$top/tests/stress/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
exec "$build/tests/stress/vani-stress" --state-changes "${1:-1000}" \
  --barge-ins "${2:-1000}" --turns "${3:-1000}" --app-flushes "${4:-200}"
