#!/usr/bin/env python3
# gst-rustvani: writes the scripted LLM replies that let the example flows run
# offline against vani-fake-server (docs/flows/run.sh). Run it after changing
# the scripts below; its output is committed.
# SPDX-License-Identifier: LGPL-2.1-or-later
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

SCRIPTS = {
    "restaurant": {
        "user": ["For four people, please.", "At half past seven."],
        "replies": [
            ("text", "Welcome to the Lotus! How many people is the booking for?"),
            ("call", "record_party_size", {"size": 4}),
            ("text", "Lovely, a table for four. What time would you like to come?"),
            ("call", "record_time", {"time": "19:30"}),
            ("text", "You are booked for four at half past seven. See you tonight, goodbye!"),
        ],
    },
    "patient-intake": {
        "user": ["March third, nineteen eighty.", "Just aspirin.",
                 "I am allergic to penicillin.", "Yes, that is right."],
        "replies": [
            ("text", "Hello, I am Maya from the Riverside clinic. What is your date of birth?"),
            ("call", "verify_birthday", {"birthday": "1980-03-03"}),
            ("text", "Thank you. Which medications do you take at the moment?"),
            ("call", "record_medications", {"medications": ["aspirin"]}),
            ("text", "Got it. Do you have any allergies?"),
            ("call", "record_allergies", {"allergies": ["penicillin"]}),
            ("summary", "Born on 3 March 1980, the patient takes aspirin and is allergic to penicillin."),
            ("text", "You were born on the third of March 1980, you take aspirin, and you are allergic to penicillin. Is that correct?"),
            ("call", "confirm_review", {}),
        ],
    },
    "order-status": {
        "user": ["It is A one two three."],
        "replies": [
            ("text", "Hello, this is Kite bookshop. What is your order number?"),
            ("call", "look_up_order", {"order_id": "A123"}),
            ("text", "Good news: order A123 has shipped and arrives on Friday. Goodbye!"),
        ],
    },
}


def chunk(delta, finish=None):
    return "data: " + json.dumps({
        "id": "chatcmpl-flow", "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }, separators=(",", ":")) + "\n\n"


def text_reply(text):
    words = text.split(" ")
    sse = chunk({"role": "assistant", "content": ""})
    for i, word in enumerate(words):
        sse += chunk({"content": word if i == 0 else " " + word})
    return sse + chunk({}, "stop") + "data: [DONE]\n\n"


def call_reply(name, arguments, n):
    call = {"index": 0, "id": "call_%d" % n, "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}
    return (chunk({"role": "assistant", "content": None, "tool_calls": [call]})
            + chunk({}, "tool_calls") + "data: [DONE]\n\n")


def summary_reply(text):
    return json.dumps({"id": "chatcmpl-summary", "object": "chat.completion",
                       "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": text}}]})


for name, script in SCRIPTS.items():
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    with open(os.path.join(folder, "user.txt"), "w") as f:
        f.write("\n".join(script["user"]) + "\n")
    for n, reply in enumerate(script["replies"], 1):
        kind = reply[0]
        if kind == "text":
            body, ext = text_reply(reply[1]), "sse"
        elif kind == "call":
            body, ext = call_reply(reply[1], reply[2], n), "sse"
        else:
            body, ext = summary_reply(reply[1]), "json"
        with open(os.path.join(folder, "%02d-%s.%s" % (n, kind, ext)), "w") as f:
            f.write(body)
