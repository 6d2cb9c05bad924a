#!/usr/bin/env python3
# gst-rustvani example: a flow whose function is answered by the application.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The order-status flow: the LLM calls look_up_order, a function with a
"handler", so vanillm's tool-call signal brings it here. This program looks
the order up, stores what the next node needs in the flow state, and names
the next node in its answer ("shipped" or "delayed").

    order_status.py order-status.json out.wav < caller-lines.txt

docs/flows/run.sh order-status runs it offline with the scripted server."""

import json
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVani", "1.0")
from gi.repository import GLib, Gst, GstVani  # noqa: E402

ORDERS = {
    "A123": {"status": "shipped", "arrival": "Friday"},
    "B456": {"status": "delayed"},
}


class OrderLine:
    def __init__(self, flow_file, out):
        self.pipeline = Gst.parse_launch(
            "appsrc name=caller format=time caps=text/x-raw,format=utf8 "
            "! vaniuseraggregator name=user ! vanillm name=llm ! vaniespeaktts "
            "! vaniassistantaggregator ! audioconvert ! wavenc "
            "! filesink location=%s" % out)
        self.flow = GstVani.Flow.new_from_file(flow_file)
        self.user = self.pipeline.get_by_name("user")
        self.user.set_property("flow-object", self.flow)
        self.pipeline.get_by_name("llm").connect("tool-call", self.on_tool_call)
        self.caller = self.pipeline.get_by_name("caller")
        self.loop = GLib.MainLoop()
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    def on_tool_call(self, llm, name, arguments, call_id, promise):
        """vanillm's thread: look the order up and choose the next node."""
        try:
            order_id = str(json.loads(arguments).get("order_id", "")).upper()
        except (ValueError, AttributeError):
            order_id = ""
        order = ORDERS.get(order_id)
        if name != "look_up_order" or order is None:
            promise.reply(GstVani.Flow.reply_new(
                json.dumps({"error": "no order %s" % order_id}), None))
            return
        if "arrival" in order:
            self.flow.set_state_value("arrival", json.dumps(order["arrival"]))
        print("handler: %s(%s) -> node %s" % (name, order_id, order["status"]))
        promise.reply(GstVani.Flow.reply_new(json.dumps(order), order["status"]))

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            kind = GstVani.bus_message_get_message_type(msg)
            s = msg.get_structure()
            if kind == GstVani.BusMessageType.FLOW_NODE_ENTERED:
                print("node: %s -> %s (%s)" % (s.get_value("from"), s.get_value("to"),
                                               s.get_value("reason")))
            elif kind == GstVani.BusMessageType.BOT_STOPPED_SPEAKING:
                last = self.user.get_property("context").get_last_message()
                if last and last.get_role() == GstVani.Role.ASSISTANT and last.get_content():
                    print("bot:  %s" % last.get_content())
            elif kind == GstVani.BusMessageType.FLOW_ENDED:
                print("flow ended")
        elif msg.type == Gst.MessageType.ERROR:
            print("error: %s" % msg.parse_error()[0].message, file=sys.stderr)
            self.loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            self.loop.quit()

    def read_caller(self):
        # an empty buffer starts the stream: the flow starts, the bot greets
        self.caller.emit("push-buffer", Gst.Buffer.new())
        for line in sys.stdin:
            if line.strip():
                self.caller.emit("push-buffer",
                                 Gst.Buffer.new_wrapped(line.strip().encode()))

    def run(self):
        self.pipeline.set_state(Gst.State.PLAYING)
        threading.Thread(target=self.read_caller, daemon=True).start()
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    Gst.init(None)
    OrderLine(sys.argv[1], sys.argv[2]).run()


if __name__ == "__main__":
    main()
