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

from vaniexample import AgentApp, Gst, GstVani

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


class Agent(AgentApp):
    def __init__(self, args):
        super().__init__(args.live, args.input, args.out)
        self.agent.set_property("system-prompt", SYSTEM_PROMPT)
        self.agent.set_property("tools", json.dumps(TOOLS))
        if args.grammar:
            self.agent.set_property("stt", "vanisphinxstt grammar=%s" % args.grammar)
        llm = self.agent.get_property("llm-element")
        llm.connect("tool-call", self.on_tool_call)
        self.next_table = 0

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
