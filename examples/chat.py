#!/usr/bin/env python3
# gst-rustvani example: a text conversation with vanillm from Python.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Feeds each line of a file to vanillm as a user turn and prints the
streamed answer as it arrives, with the time to the first token.

    examples/chat.py questions.txt [--model NAME] [--system TEXT]

The server is $OPENAI_BASE_URL / $OPENAI_API_KEY (vanillm's defaults)."""

import argparse
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVani", "1.0")
from gi.repository import GLib, Gst, GstVani  # noqa: E402


class Chat:
    def __init__(self, model, system_prompt):
        self.pipeline = Gst.parse_launch(
            "appsrc name=src format=time caps=text/x-raw,format=utf8 "
            "! vanillm name=llm ! fakesink name=sink signal-handoffs=true sync=false")
        llm = self.pipeline.get_by_name("llm")
        llm.set_property("model", model)
        if system_prompt:
            llm.set_property("system-prompt", system_prompt)
        self.src = self.pipeline.get_by_name("src")
        sink = self.pipeline.get_by_name("sink")
        sink.connect("handoff", self.on_text)
        sink.get_static_pad("sink").add_probe(
            Gst.PadProbeType.EVENT_DOWNSTREAM, self.on_event)
        self.loop = GLib.MainLoop()
        self.pending = []
        self.sent_at = 0.0
        self.first_token = None
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    def on_text(self, sink, buffer, pad):
        ok, info = buffer.map(Gst.MapFlags.READ)
        if ok:
            if self.first_token is None:
                self.first_token = time.monotonic() - self.sent_at
            sys.stdout.write(bytes(info.data).decode("utf-8", "replace"))
            sys.stdout.flush()
            buffer.unmap(info)

    def on_event(self, pad, info):
        event = info.get_event()
        if GstVani.event_get_event_type(event) == GstVani.EventType.LLM_RESPONSE_END:
            GLib.idle_add(self.turn_done)
        return Gst.PadProbeReturn.OK

    def on_message(self, bus, message):
        if message.type == Gst.MessageType.WARNING:
            err, _ = message.parse_warning()
            print(f"\n[warning] {err.message}", file=sys.stderr)
        elif message.type == Gst.MessageType.ERROR:
            err, _ = message.parse_error()
            print(f"\n[error] {err.message}", file=sys.stderr)
            self.loop.quit()
        elif message.type == Gst.MessageType.EOS:
            self.loop.quit()

    def send_next(self):
        if not self.pending:
            self.src.emit("end-of-stream")
            return
        line = self.pending.pop(0)
        print(f"\nUser: {line}\nBot:  ", end="", flush=True)
        self.sent_at = time.monotonic()
        self.first_token = None
        self.src.emit("push-buffer", Gst.Buffer.new_wrapped((line + "\n").encode()))

    def turn_done(self):
        if self.first_token is not None:
            print(f"\n      (first token after {self.first_token * 1000:.0f} ms)")
        self.send_next()
        return False

    def run(self, lines):
        self.pending = [line for line in lines if line.strip()]
        self.pipeline.set_state(Gst.State.PLAYING)
        self.send_next()
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions")
    parser.add_argument("--model", default="gpt-4.1-mini")
    parser.add_argument("--system", default="You are a helpful voice assistant. "
                        "Answer in one or two short sentences.")
    args = parser.parse_args()
    Gst.init(None)
    with open(args.questions, encoding="utf-8") as f:
        Chat(args.model, args.system).run(f.read().splitlines())


if __name__ == "__main__":
    main()
