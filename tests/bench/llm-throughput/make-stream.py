#!/usr/bin/env python3
"""Writes a chat-completions SSE body: N small content deltas, then a tool
call whose arguments arrive in 200 fragments, like a long real answer."""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
out = sys.stdout
def chunk(delta, finish=None):
    out.write("data: " + json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion.chunk",
        "created": 0, "model": "bench",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]},
        separators=(",", ":")) + "\n\n")

chunk({"role": "assistant", "content": ""})
for i in range(n):
    chunk({"content": " word%d" % (i % 1000)})
chunk({"tool_calls": [{"index": 0, "id": "call_b", "type": "function",
                       "function": {"name": "log", "arguments": ""}}]})
args = json.dumps({"text": "x" * 1000})
for i in range(0, len(args), 5):
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": args[i:i + 5]}}]})
chunk({}, "tool_calls")
out.write("data: [DONE]\n\n")
