#!/bin/sh
# The main job: builds gst-rustvani and runs a spoken conversation offline:
# questions said by espeak-ng → vaniagent (pocketsphinx, vanillm, espeak-ng)
# → answer.wav, printing both sides and each turn's latency.
# The LLM is the server in OPENAI_BASE_URL / OPENAI_API_KEY when they are set;
# otherwise the project's scripted OpenAI-compatible server.
# Usage: tools/demo.sh [--live] [--text [QUESTIONS_FILE]]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
server_pid=""

cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" >/dev/null
fi
ninja -C "$build" >/dev/null

if [ -z "${OPENAI_BASE_URL:-}" ] && [ -z "${OPENAI_API_KEY:-}" ]; then
  urlfile=$(mktemp)
  "$build/tests/servers/vani-fake-server" --answers "$top/tools/demo-answers.txt" >"$urlfile" &
  server_pid=$!
  while ! grep -q '^VANI_FAKE_SERVER_URL=' "$urlfile"; do sleep 0.1; done
  OPENAI_BASE_URL=$(sed -n 's/^VANI_FAKE_SERVER_URL=//p' "$urlfile")
  rm -f "$urlfile"
  export OPENAI_BASE_URL
  echo "No OPENAI_BASE_URL/OPENAI_API_KEY set: using the project's scripted OpenAI-compatible server at $OPENAI_BASE_URL"
else
  echo "Using the LLM at ${OPENAI_BASE_URL:-https://api.openai.com/v1}"
fi

model="${VANI_MODEL:-gpt-4.1-mini}"
if [ "${1:-}" = "--text" ]; then
  meson devenv -C "$build" -w "$top" /usr/bin/python3 "$top/examples/chat.py" \
    --model "$model" "${2:-$top/tools/demo-questions.txt}"
else
  meson devenv -C "$build" -w "$PWD" /usr/bin/python3 "$top/examples/voice.py" \
    --model "$model" "$@"
fi
