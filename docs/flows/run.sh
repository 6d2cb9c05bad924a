#!/bin/sh
# Runs an example flow offline. The scripted server (vani-fake-server) plays
# the LLM with the replies in scripted/NAME/, the caller's lines in
# scripted/NAME/user.txt are typed in one every few seconds, and espeak-ng
# speaks the bot into NAME.wav. It prints each node entered, each function
# call, and the end.
#
# Usage: docs/flows/run.sh restaurant|patient-intake|order-status
# (order-status has an application handler, so it runs order_status.py.)
# VANI_CALLER_PAUSE: seconds between the caller's lines (6).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${VANI_BUILD:-$top/build}
name=${1:?usage: run.sh restaurant|patient-intake|order-status}

replies=""
for f in "$here/scripted/$name"/[0-9]*; do
  replies="$replies --chat-reply $f"
done
urlfile=$(mktemp)
# shellcheck disable=SC2086
"$build/tests/servers/vani-fake-server" $replies >"$urlfile" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$urlfile"' EXIT INT TERM
while ! grep -q '^VANI_FAKE_SERVER_URL=' "$urlfile"; do sleep 0.1; done
OPENAI_BASE_URL=$(sed -n 's/^VANI_FAKE_SERVER_URL=//p' "$urlfile")
OPENAI_API_KEY=sk-local
export OPENAI_BASE_URL OPENAI_API_KEY

# An empty first line starts the stream, so the flow starts and the bot
# greets; the caller answers after the bot has had time to speak.
pause=${VANI_CALLER_PAUSE:-6}
caller() {
  echo
  sleep "$pause"
  while IFS= read -r line; do
    echo "caller: $line" >&2
    echo "$line"
    sleep "$pause"
  done <"$here/scripted/$name/user.txt"
}

if [ -f "$here/$(echo "$name" | tr - _).py" ]; then
  caller | meson devenv -C "$build" -w "$PWD" /usr/bin/python3 \
    "$here/$(echo "$name" | tr - _).py" "$here/$name.json" "$name.wav"
  exit 0
fi

echo "gst-launch-1.0 fdsrc ! text/x-raw,format=utf8 ! vaniuseraggregator flow=$name.json ! vanillm ! vaniespeaktts ! vaniassistantaggregator ! audioconvert ! wavenc ! filesink location=$name.wav"
caller | meson devenv -C "$build" -w "$PWD" gst-launch-1.0 -m fdsrc \
  ! text/x-raw,format=utf8 ! vaniuseraggregator flow="$here/$name.json" \
  ! vanillm ! vaniespeaktts ! vaniassistantaggregator ! audioconvert \
  ! wavenc ! filesink location="$name.wav" |
  sed -n -e 's/.*vani\/flow-node-entered, from=(string)\([^,]*\), to=(string)\([^,]*\), reason=(string)\([^;]*\);/node: \1 -> \2 (\3)/p' \
    -e 's/.*vani\/tool-call, call-id=(string)[^,]*, name=(string)\([^,]*\),.*/function called: \1/p' \
    -e 's/.*vani\/flow-ended.*/flow ended/p' \
    -e 's/^Got EOS from element.*/EOS: the conversation is over/p'
echo "The bot's voice is in $name.wav"
