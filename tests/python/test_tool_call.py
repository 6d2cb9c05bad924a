#!/usr/bin/env python3
# gst-rustvani: answering vanillm's tool-call signal from Python.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Python handler answers a tool call through PyGObject; the model's second
request carries the result, and the final answer streams out."""

import json
import os
import subprocess
import unittest

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVani", "1.0")
from gi.repository import GLib, Gst, GstVani  # noqa: E402

FIXTURES = os.path.join(os.environ["VANI_TEST_SOURCE_DIR"], "servers", "fixtures")


class ToolCallTest(unittest.TestCase):
    def setUp(self):
        Gst.init(None)
        self.server = subprocess.Popen(
            [os.environ["VANI_FAKE_SERVER"],
             "--chat-reply", os.path.join(FIXTURES, "weather-call.sse"),
             "--chat-reply", os.path.join(FIXTURES, "weather-answer.sse")],
            stdout=subprocess.PIPE, text=True)
        line = self.server.stdout.readline().strip()
        self.assertTrue(line.startswith("VANI_FAKE_SERVER_URL="), line)
        self.base_url = line.split("=", 1)[1]

    def tearDown(self):
        self.server.terminate()
        self.server.wait(timeout=10)

    def test_python_handler_answers(self):
        pipeline = Gst.parse_launch(
            "appsrc name=src caps=text/x-raw,format=utf8 ! vanillm name=llm "
            "! appsink name=sink sync=false")
        llm = pipeline.get_by_name("llm")
        llm.set_property("base-url", self.base_url)
        llm.set_property("api-key", "sk-python-test")
        calls = []

        def on_tool_call(element, name, arguments, call_id, promise):
            calls.append((name, json.loads(arguments), call_id))
            reply = Gst.Structure.new_empty("vani/tool-result")
            reply.set_value("result", json.dumps({"temperature_c": 31}))
            promise.reply(reply)

        llm.connect("tool-call", on_tool_call)
        tool_messages = []
        bus = pipeline.get_bus()

        pipeline.set_state(Gst.State.PLAYING)
        src = pipeline.get_by_name("src")
        src.emit("push-buffer", Gst.Buffer.new_wrapped(b"Weather in Pune?\n"))
        src.emit("end-of-stream")

        sink = pipeline.get_by_name("sink")
        text = b""
        while True:
            sample = sink.emit("try-pull-sample", 20 * Gst.SECOND)
            if sample is None:
                break
            text += sample.get_buffer().extract_dup(0, sample.get_buffer().get_size())
        while True:
            msg = bus.pop_filtered(Gst.MessageType.ELEMENT)
            if msg is None:
                break
            if GstVani.bus_message_get_message_type(msg) == GstVani.BusMessageType.TOOL_CALL:
                tool_messages.append(msg.get_structure().get_string("result"))
        pipeline.set_state(Gst.State.NULL)

        self.assertEqual(calls, [("get_weather", {"city": "Pune"}, "call_weather_1")])
        self.assertEqual(text.decode(), "It is 31 degrees in Pune.")
        self.assertEqual(tool_messages, ['{"temperature_c": 31}'])
        context = llm.get_property("context")
        roles = [json.loads(context.to_json(False))["messages"][i]["role"]
                 for i in range(context.get_n_messages())]
        self.assertEqual(roles, ["user", "assistant", "tool", "assistant"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
