#!/bin/sh
# Benchmark 1: CPU and wall time to consume the same long chat-completions
# stream (100 000 content deltas + a tool call in 200 fragments), served by
# the fake server on loopback, by (a) vanillm in a pipeline to fakesink,
# (b) the official openai npm client in Node, (c) curl -N to /dev/null.
# The server writes 16 KiB at a time, so the clients, not the server, are
# measured. vanillm runs with max-tool-rounds=1 so that, like the others, it
# makes one request (it reports the stopped tool round as a warning).
# Usage: tests/bench/llm-throughput/run.sh [DELTAS] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build="$top/build"
deltas=${1:-100000}
runs=${2:-3}
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM

[ -f "$build/build.ninja" ] || meson setup "$build" "$top" >/dev/null
ninja -C "$build" >/dev/null
[ -d "$here/node_modules/openai" ] || (cd "$here" && npm install --silent --no-audit --no-fund >/dev/null)

python3 "$here/make-stream.py" "$deltas" > "$work/stream.sse"
set --
i=0
while [ $i -lt $((runs * 3)) ]; do set -- "$@" --chat-reply "$work/stream.sse"; i=$((i + 1)); done
"$build/tests/servers/vani-fake-server" --chunk-size 16384 "$@" > "$work/url" &
server_pid=$!
while ! grep -q URL= "$work/url" 2>/dev/null; do sleep 0.1; done
url=$(sed -n 's/^VANI_FAKE_SERVER_URL=//p' "$work/url")

measure() { # name, command...
  name=$1; shift
  /usr/bin/time -f "%U %S %e" -o "$work/t" "$@" >/dev/null 2>"$work/err" || {
    cat "$work/err"; exit 1; }
  set -- $(cat "$work/t")
  echo "$name $(echo "$1 + $2" | bc) $3"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "stream: $deltas content deltas + 200 tool-call deltas, $(wc -c < "$work/stream.sse") bytes"
echo "client cpu_s wall_s"
r=0
while [ $r -lt "$runs" ]; do
  # gst-launch itself, not through `meson devenv` (a Python process whose
  # start-up would be counted)
  measure vanillm sh -c "echo 'stream please' | GST_PLUGIN_PATH='$build/ext/openai' \
    GST_REGISTRY='$work/registry.bin' gst-launch-1.0 -q fdsrc fd=0 \
    ! vanillm base-url=$url api-key=sk-bench model=bench max-tool-rounds=1 ! fakesink"
  measure openai-node node "$here/openai-client.mjs" "$url"
  measure curl curl -sN -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"model":"bench","stream":true,"messages":[]}' "$url/chat/completions"
  r=$((r + 1))
done
