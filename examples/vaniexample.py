# gst-rustvani examples: what the Python examples share.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""AgentApp: a vaniagent pipeline fed by a WAV file played in real time (or
the microphone), its voice written to a WAV file (or the speakers), and the
conversation printed from the bus messages as it goes. The examples subclass
it and add what they show."""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVani", "1.0")
from gi.repository import GLib, Gst, GstVani  # noqa: E402


class AgentApp:
    def __init__(self, live=False, input_wav=None, out="answer.wav"):
        if live:
            desc = ("autoaudiosrc ! vaniagent name=agent ! audioconvert "
                    "! audioresample ! autoaudiosink")
        else:
            # clocksync plays the file in real time, as a microphone would
            desc = ("filesrc location=%s ! wavparse ! clocksync ! vaniagent "
                    "name=agent ! audioconvert ! wavenc ! filesink "
                    "location=%s" % (input_wav, out))
        self.pipeline = Gst.parse_launch(desc)
        self.agent = self.pipeline.get_by_name("agent")
        self.loop = GLib.MainLoop()
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            self.on_vani_message(GstVani.bus_message_get_message_type(msg),
                                 msg.get_structure())
        elif msg.type == Gst.MessageType.WARNING:
            print("warning: %s" % msg.parse_warning()[0].message, file=sys.stderr)
        elif msg.type == Gst.MessageType.ERROR:
            print("error: %s" % msg.parse_error()[0].message, file=sys.stderr)
            self.loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            self.loop.quit()

    def on_vani_message(self, kind, s):
        """One gst-rustvani bus message (see docs/events.md)."""
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
