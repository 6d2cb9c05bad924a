#!/usr/bin/env python3
# gst-rustvani: libgstvani through GObject Introspection.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds a context and parses events through `from gi.repository import GstVani`."""

import json
import unittest

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVani", "1.0")
from gi.repository import Gst, GstVani  # noqa: E402


class IntrospectionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        Gst.init(None)
        GstVani.init()

    def test_context_round_trip(self):
        ctx = GstVani.Context.new()
        ctx.add_system_message("You are terse.")
        ctx.add_user_message("नमस्ते, what's 2+2? 🙂")
        ctx.add_assistant_message("4")
        self.assertEqual(ctx.get_n_messages(), 3)

        doc = json.loads(ctx.to_json(False))
        self.assertEqual([m["role"] for m in doc["messages"]],
                         ["system", "user", "assistant"])
        self.assertEqual(doc["messages"][1]["content"], "नमस्ते, what's 2+2? 🙂")

        copy = GstVani.Context.new_from_json(ctx.to_json(True))
        self.assertEqual(json.loads(copy.to_json(False)), doc)

    def test_llm_context_event(self):
        ctx = GstVani.Context.new()
        ctx.add_user_message("hello")
        event = GstVani.event_new_llm_context(ctx)
        self.assertEqual(GstVani.event_get_event_type(event),
                         GstVani.EventType.LLM_CONTEXT)
        ok, parsed = GstVani.event_parse_llm_context(event)
        self.assertTrue(ok)
        self.assertIs(parsed, ctx)

    def test_interim_transcription_event(self):
        event = GstVani.event_new_interim_transcription("namaste", "hi")
        self.assertEqual(GstVani.event_get_event_type(event),
                         GstVani.EventType.INTERIM_TRANSCRIPTION)
        ok, text, language = GstVani.event_parse_interim_transcription(event)
        self.assertTrue(ok)
        self.assertEqual((text, language), ("namaste", "hi"))

    def test_foreign_event_is_not_ours(self):
        self.assertEqual(GstVani.event_get_event_type(Gst.Event.new_eos()),
                         GstVani.EventType.NONE)


if __name__ == "__main__":
    unittest.main(verbosity=2)
