#!/usr/bin/env python3
# gst-rustvani: flows from Python, and the example flows of docs/flows.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A dynamic flow built in Python through introspection, whose handler
chooses the next node; and docs/flows/run.sh for each example flow, which
must walk every node to its end offline."""

import json
import os
import subprocess
import unittest

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVani", "1.0")
from gi.repository import GLib, Gst, GstVani  # noqa: E402

TESTS = os.environ["VANI_TEST_SOURCE_DIR"]
FLOWS = os.path.join(os.path.dirname(TESTS), "docs", "flows")


def chunk(delta, finish=None):
    return "data: " + json.dumps({"choices": [{"index": 0, "delta": delta,
                                               "finish_reason": finish}]}) + "\n\n"


class FlowsTest(unittest.TestCase):
    def start_server(self, replies):
        self.server = subprocess.Popen(
            [os.environ["VANI_FAKE_SERVER"]] +
            sum([["--chat-reply", r] for r in replies], []),
            stdout=subprocess.PIPE, text=True)
        line = self.server.stdout.readline().strip()
        self.assertTrue(line.startswith("VANI_FAKE_SERVER_URL="), line)
        return line.split("=", 1)[1]

    def tearDown(self):
        if getattr(self, "server", None):
            self.server.terminate()
            self.server.wait(timeout=10)

    def test_dynamic_flow_from_python(self):
        tmp = os.environ.get("TMPDIR", "/tmp")
        call = os.path.join(tmp, "vani-py-flow-call.sse")
        with open(call, "w") as f:
            f.write(chunk({"role": "assistant", "tool_calls": [{
                "index": 0, "id": "call_1", "type": "function",
                "function": {"name": "pick", "arguments": "{\"colour\": \"red\"}"}}]})
                + chunk({}, "tool_calls") + "data: [DONE]\n\n")
        base_url = self.start_server([call])
        Gst.init(None)

        flow = GstVani.Flow.new()
        self.assertTrue(flow.add_node_from_json("choose", json.dumps({
            "role_message": "You sell paint.",
            "task_messages": [{"role": "system", "content": "Ask for a colour."}],
            "functions": [{"name": "pick", "handler": "pick",
                           "parameters": {"type": "object",
                                          "properties": {"colour": {"type": "string"}}}}]})))
        flow.set_initial_node("choose")
        entered = []
        flow.connect("node-entered", lambda f, frm, to, why: entered.append((frm, to, why)))

        pipeline = Gst.parse_launch(
            "appsrc name=src format=time caps=text/x-raw,format=utf8 "
            "! vaniuseraggregator name=user ! vanillm name=llm ! fakesink sync=false")
        pipeline.get_by_name("user").set_property("flow-object", flow)
        llm = pipeline.get_by_name("llm")
        llm.set_property("base-url", base_url)
        llm.set_property("api-key", "sk-python-flow")

        def on_tool_call(element, name, arguments, call_id, promise):
            colour = json.loads(arguments)["colour"]
            # the node the answer names is built on the spot
            flow.add_node_from_json(colour, json.dumps({
                "context_strategy": "reset",
                "task_messages": [{"role": "system",
                                   "content": "Sell {{colour}} paint."}]}))
            promise.reply(GstVani.Flow.reply_new(json.dumps({"ok": True}), colour))

        llm.connect("tool-call", on_tool_call)
        loop = GLib.MainLoop()

        def on_message(bus, msg):
            if (msg.type == Gst.MessageType.ELEMENT and
                    GstVani.bus_message_get_message_type(msg) ==
                    GstVani.BusMessageType.FLOW_NODE_ENTERED and
                    msg.get_structure().get_value("to") == "red"):
                loop.quit()
            elif msg.type == Gst.MessageType.ERROR:
                loop.quit()

        bus = pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", on_message)
        pipeline.set_state(Gst.State.PLAYING)
        src = pipeline.get_by_name("src")
        src.emit("push-buffer", Gst.Buffer.new_wrapped(b"Red, please."))
        GLib.timeout_add_seconds(30, loop.quit)
        loop.run()
        pipeline.set_state(Gst.State.NULL)

        self.assertEqual(entered, [(None, "choose", "start"), ("choose", "red", "pick")])
        self.assertEqual(flow.get_state_value("colour"), "\"red\"")
        self.assertEqual(flow.get_current_node(), "red")
        messages = json.loads(pipeline.get_by_name("user").get_property("messages"))
        self.assertEqual([(m["role"], m["content"]) for m in messages],
                         [("system", "You sell paint."), ("system", "Sell red paint.")])

    def run_example(self, name):
        done = subprocess.run([os.path.join(FLOWS, "run.sh"), name],
                              cwd=os.environ.get("TMPDIR", "/tmp"),
                              env=dict(os.environ, VANI_CALLER_PAUSE="3",
                                       VANI_BUILD=os.environ["VANI_BUILD_DIR"]),
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout.splitlines()

    def test_restaurant_example(self):
        lines = self.run_example("restaurant")
        self.assertEqual([l for l in lines if l.startswith("node:")], [
            "node: NULL -> greeting (start)",
            "node: greeting -> choose_time (record_party_size)",
            "node: choose_time -> confirm (record_time)"])
        self.assertIn("EOS: the conversation is over", lines)

    def test_patient_intake_example(self):
        lines = self.run_example("patient-intake")
        self.assertIn("node: allergies -> review (record_allergies)", lines)
        self.assertIn("node: review -> goodbye (confirm_review)", lines)
        self.assertIn("flow ended", lines)
        self.assertIn("EOS: the conversation is over", lines)

    def test_order_status_example(self):
        lines = self.run_example("order-status")
        self.assertIn("handler: look_up_order(A123) -> node shipped", lines)
        self.assertIn("node: ask_order -> shipped (look_up_order)", lines)
        self.assertIn("bot:  Good news: order A123 has shipped and arrives on "
                      "Friday. Goodbye!", lines)


if __name__ == "__main__":
    unittest.main()
