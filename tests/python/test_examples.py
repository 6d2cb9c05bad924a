#!/usr/bin/env python3
# gst-rustvani: the example applications, run offline as the tutorial does.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""examples/agent-tool.c and examples/agent_tool.py against the scripted
server: a spoken request becomes a book_table call answered by the app, and
the model's confirmation is spoken into the output file."""

import os
import subprocess
import sys
import tempfile
import unittest

TESTS = os.environ["VANI_TEST_SOURCE_DIR"]
EXAMPLES = os.path.join(os.path.dirname(TESTS), "examples")
WAV = os.path.join(TESTS, "media", "stt", "book-table.wav")
GRAMMAR = os.path.join(TESTS, "media", "stt", "restaurant.gram")
BYTES_PER_SECOND = 22050 * 2  # vaniespeaktts, mono S16LE


class ExamplesTest(unittest.TestCase):
    def setUp(self):
        self.server = subprocess.Popen(
            [os.environ["VANI_FAKE_SERVER"],
             "--chat-reply", os.path.join(EXAMPLES, "scripted", "book-table-call.sse"),
             "--answers", os.path.join(EXAMPLES, "scripted", "book-table-answers.txt")],
            stdout=subprocess.PIPE, text=True)
        line = self.server.stdout.readline().strip()
        self.assertTrue(line.startswith("VANI_FAKE_SERVER_URL="), line)
        self.env = dict(os.environ, OPENAI_BASE_URL=line.split("=", 1)[1],
                        OPENAI_API_KEY="sk-example-test")
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.server.terminate()
        self.server.wait(timeout=10)
        self.tmp.cleanup()

    def run_example(self, command):
        out = os.path.join(self.tmp.name, "answer.wav")
        done = subprocess.run(command + ["--grammar", GRAMMAR, "--out", out, WAV],
                              env=self.env, capture_output=True, text=True,
                              timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.splitlines()
        self.assertIn("user: book a table for two people", lines)
        self.assertIn('tool: book_table({"people": 2, "time": "19:30"}) -> '
                      '{"booked": true, "table": 1, "people": 2, "time": "19:30"}',
                      lines)
        self.assertIn("bot:  Your table for two is booked for half past "
                      "seven. See you tonight!", lines)
        # espeak-ng says the 66-character answer in roughly 2 to 8 seconds
        seconds = (os.path.getsize(out) - 44) / BYTES_PER_SECOND
        self.assertTrue(2 < seconds < 8, "%.2f s of answer" % seconds)

    def test_c_example(self):
        self.run_example([os.environ["VANI_EXAMPLE_AGENT_TOOL"]])

    def test_python_example(self):
        self.run_example([sys.executable, os.path.join(EXAMPLES, "agent_tool.py")])


if __name__ == "__main__":
    unittest.main()
