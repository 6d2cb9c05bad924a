#!/usr/bin/env python3
# gst-rustvani example: a Python application that embeds vaniagent with a tool.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A restaurant's voice agent. The LLM may call book_table(people, time);
this program answers vanillm's tool-call signal, and the model turns the
result into a spoken confirmation. Both sides of the conversation and every
tool call are printed as they happen.

    examples/agent_tool.py [--grammar FILE.gram] [--out answer.wav] FILE.wav
    examples/agent_tool.py --live

The LLM is $OPENAI_BASE_URL / $OPENAI_API_KEY (vanillm's defaults);
docs/tutorial.md shows how to run it offline against the scripted server."""

import argparse
import json
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVani", "1.0")
from gi.repository import GLib, Gst, GstVani  # noqa: E402

SYSTEM_PROMPT = ("You take table bookings for the Lotus restaurant. Ask how "
                 "many people and what time, then book with book_table. "
                 "Answer in one short sentence.")
TOOLS = [{
    "type": "function",
    "function": {
        "name": "book_table",
        "description": "Book a table at the restaurant",
        "parameters": {
            "type": "object",
            "properties": {
                "people": {"type": "integer", "description": "party size"},
                "time": {"type": "string", "description": "e.g. 19:30"},
            },
            "required": ["people"],
        },
    },
}]


class Agent:
    def __init__(self, args):
        if args.live:
            desc = ("autoaudiosrc ! vaniagent name=agent ! audioconvert "
                    "! audioresample ! autoaudiosink")
        else:
            # clocksync plays the file in real time, as a microphone would
            desc = ("filesrc location=%s ! wavparse ! clocksync ! vaniagent "
                    "name=agent ! audioconvert ! wavenc ! filesink "
                    "location=%s" % (args.input, args.out))
        self.pipeline = Gst.parse_launch(desc)
        self.agent = self.pipeline.get_by_name("agent")
        self.agent.set_property("system-prompt", SYSTEM_PROMPT)
        self.agent.set_property("tools", json.dumps(TOOLS))
        if args.grammar:
            self.agent.set_property("stt", "vanisphinxstt grammar=%s" % args.grammar)
        llm = self.agent.get_property("llm-element")
        llm.connect("tool-call", self.on_tool_call)
        self.next_table = 0
        self.loop = GLib.MainLoop()
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    def book_table(self, arguments):
        # the model's JSON: read it, never evaluate it
        try:
            args = json.loads(arguments)
        except ValueError:
            args = {}
        people = args.get("people") if isinstance(args, dict) else None
        if not isinstance(people, int) or not 1 <= people <= 12:
            return {"booked": False, "reason": "we seat parties of 1 to 12"}
        self.next_table += 1
        return {"booked": True, "table": self.next_table, "people": people,
                "time": args.get("time", "19:30")}

    def on_tool_call(self, llm, name, arguments, call_id, promise):
        # vanillm's thread; a slow handler may keep the promise and reply later
        if name == "book_table":
            result = self.book_table(arguments)
        else:
            result = {"error": "no such tool"}
        print("tool: %s(%s) -> %s" % (name, arguments, json.dumps(result)))
        promise.reply(GstVani.tool_reply_new(json.dumps(result), None))

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            self.on_vani_message(msg)
        elif msg.type == Gst.MessageType.WARNING:
            print("warning: %s" % msg.parse_warning()[0].message, file=sys.stderr)
        elif msg.type == Gst.MessageType.ERROR:
            print("error: %s" % msg.parse_error()[0].message, file=sys.stderr)
            self.loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            self.loop.quit()

    def on_vani_message(self, msg):
        kind = GstVani.bus_message_get_message_type(msg)
        s = msg.get_structure()
        if kind == GstVani.BusMessageType.TRANSCRIPT and s.get_value("is-final"):
            print("user: %s" % s.get_value("text"))
        elif kind == GstVani.BusMessageType.BOT_STOPPED_SPEAKING:
            last = self.agent.get_property("context").get_last_message()
            if last and last.get_role() == GstVani.Role.ASSISTANT and last.get_content():
                print("bot:  %s" % last.get_content())
        elif kind == GstVani.BusMessageType.INTERRUPTION:
            print("      (interrupted)")

    def run(self):
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            print("the pipeline did not start", file=sys.stderr)
        else:
            self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", help="a WAV file with the user's voice")
    parser.add_argument("--live", action="store_true",
                        help="talk through the microphone and speakers")
    parser.add_argument("--grammar", help="a JSGF grammar for pocketsphinx")
    parser.add_argument("--out", default="answer.wav")
    args = parser.parse_args()
    if not args.live and not args.input:
        parser.error("give a WAV file or --live")
    Gst.init(None)
    Agent(args).run()


if __name__ == "__main__":
    main()
