#!/usr/bin/env python3
# gst-rustvani: the API key never shows.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A whole spoken turn through `gst-launch-1.0 -v -m` with GST_DEBUG=*:9:
the key (from OPENAI_API_KEY, as the docs say: GStreamer's own parser logs
a launch line's arguments at DEBUG level, so a key never goes on one)
appears nowhere: not in the debug log, not in the property dumps of -v, not
in the bus messages of -m, and not in the warnings of a server that echoes
it back."""

import os
import subprocess
import tempfile
import unittest

KEY = "sk-secret-0a9f8e7d6c5b4a39"
MEDIA = os.path.join(os.environ["VANI_TEST_SOURCE_DIR"], "media", "stt")
FIXTURES = os.path.join(os.environ["VANI_TEST_SOURCE_DIR"], "servers", "fixtures")


class SecretsTest(unittest.TestCase):
    def start_server(self, *args):
        server = subprocess.Popen([os.environ["VANI_FAKE_SERVER"], *args],
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(server.wait, timeout=10)
        self.addCleanup(server.terminate)
        line = server.stdout.readline().strip()
        self.assertTrue(line.startswith("VANI_FAKE_SERVER_URL="), line)
        return line.split("=", 1)[1]

    def run_launch(self, url, log_path):
        services = " ".join(
            f'{slot}="{element} base-url={url}"'
            for slot, element in (("stt", "vaniopenaistt"),
                                  ("llm", "vanillm"),
                                  ("tts", "vaniopenaitts")))
        # the word, then a second of silence so that the VAD ends the turn
        launch = (
            f"concat name=c ! audioconvert ! audioresample "
            f"! audio/x-raw,rate=16000,channels=1,format=S16LE "
            f"! vaniagent name=agent {services} ! fakesink "
            f"filesrc location={os.path.join(MEDIA, 'eight.wav')} ! wavparse "
            f"! audioconvert ! audio/x-raw,format=S16LE,rate=16000,channels=1 "
            f"! c. audiotestsrc wave=silence num-buffers=150 samplesperbuffer=160 "
            f"! audio/x-raw,format=S16LE,rate=16000,channels=1 ! c.")
        env = dict(os.environ, OPENAI_API_KEY=KEY, GST_DEBUG="*:9",
                   GST_DEBUG_FILE=log_path, GST_DEBUG_NO_COLOR="1")
        return subprocess.run(["gst-launch-1.0", "-v", "-m", *launch.split()],
                              env=env, capture_output=True, text=True,
                              timeout=300)

    def assert_no_key(self, what, text):
        for secret in (KEY, KEY[3:]):
            at = text.find(secret)
            if at >= 0:
                line = text[text.rfind("\n", 0, at) + 1:text.find("\n", at)]
                self.fail(f"the API key appeared in {what}: {line[:300]}")

    def test_key_never_shows(self):
        url = self.start_server("--transcripts",
                                os.path.join(MEDIA, "transcripts.txt"))
        with tempfile.TemporaryDirectory() as tmp:
            log_path = os.path.join(tmp, "debug.log")
            result = self.run_launch(url, log_path)
            with open(log_path, errors="replace") as f:
                log = f.read()
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        # the turn happened: the key was really used
        self.assertIn("bot-started-speaking", result.stdout)
        self.assertGreater(len(log), 1_000_000)
        self.assert_no_key("the debug log", log)
        self.assert_no_key("gst-launch's output (-v, -m)", result.stdout)
        self.assert_no_key("gst-launch's errors", result.stderr)

    def test_key_echoed_by_server_is_redacted(self):
        url = self.start_server("--transcripts",
                                os.path.join(MEDIA, "transcripts.txt"),
                                "--chat-reply",
                                os.path.join(FIXTURES, "error-echoes-key.json"))
        with tempfile.TemporaryDirectory() as tmp:
            result = self.run_launch(url, os.path.join(tmp, "debug.log"))
        self.assertIn("Incorrect API key provided", result.stdout)
        self.assert_no_key("the warning", result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()
