#!/usr/bin/env python3
# gst-rustvani example: a spoken conversation with vaniagent.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Says a few questions with espeak-ng (different voices, pauses between
them), plays them in real time into vaniagent (vanivad, vanisphinxstt,
vanillm, vaniespeaktts) and writes the bot's voice to answer.wav, printing
both sides of the conversation and each turn's latency as it goes.

    examples/voice.py [--out answer.wav] [--live] [--model NAME]

--live talks through the microphone and speakers instead. The LLM is
$OPENAI_BASE_URL / $OPENAI_API_KEY (vanillm's defaults)."""

import argparse
import os
import subprocess
import tempfile
import time

from vaniexample import AgentApp, Gst, GstVani

HERE = os.path.dirname(os.path.abspath(__file__))
GRAMMAR = os.path.join(HERE, "voice-demo.gram")
QUESTIONS = [  # (voice, words per minute, text)
    ("en-us", 150, "hello who are you"),
    ("en-gb+f3", 140, "what can a pipeline do for a voice agent"),
    ("en-us+m3", 150, "thank you goodbye"),
]
PAUSE_SECONDS = 7
VAD_STOP_SECONDS = 0.8


def sh(*args):
    subprocess.run(args, check=True, capture_output=True)


def make_questions(tmp):
    """One 16 kHz WAV: silence, question, pause, question, ..."""
    parts = []
    for i, (voice, wpm, text) in enumerate(QUESTIONS):
        raw = os.path.join(tmp, "q%d-raw.wav" % i)
        wav = os.path.join(tmp, "q%d.wav" % i)
        gap = os.path.join(tmp, "gap%d.wav" % i)
        sh("espeak-ng", "-v", voice, "-s", str(wpm), "-w", raw, text)
        sh("sox", raw, "-r", "16000", "-c", "1", "-b", "16", wav)
        sh("sox", "-n", "-r", "16000", "-c", "1", "-b", "16", gap, "trim", "0",
           str(1 if i == 0 else PAUSE_SECONDS))
        parts += [gap, wav]
    tail = os.path.join(tmp, "tail.wav")
    sh("sox", "-n", "-r", "16000", "-c", "1", "-b", "16", tail, "trim", "0",
       str(PAUSE_SECONDS))
    out = os.path.join(tmp, "questions.wav")
    sh("sox", *parts, tail, out)
    return out


class Demo(AgentApp):
    def __init__(self, args, questions):
        super().__init__(args.live, questions, args.out)
        # the grammar helps pocketsphinx with the scripted questions only
        stt = "vanisphinxstt" if args.live else "vanisphinxstt grammar=%s" % GRAMMAR
        self.agent.set_property("stt", stt)
        self.agent.set_property("llm", "vanillm model=%s" % args.model)
        self.agent.set_property("system-prompt", "You are a friendly voice "
                                "assistant. Answer in one or two short sentences.")
        self.user_stopped_at = None

    def on_vani_message(self, kind, s):
        if kind == GstVani.BusMessageType.USER_STOPPED_SPEAKING:
            self.user_stopped_at = time.monotonic()
        elif kind == GstVani.BusMessageType.BOT_STARTED_SPEAKING and self.user_stopped_at:
            decided = time.monotonic() - self.user_stopped_at
            print("  (voice-to-voice %.0f ms: %.0f ms end-of-speech wait + "
                  "%.0f ms from the VAD's decision to the first bot audio)" %
                  ((decided + VAD_STOP_SECONDS) * 1000, VAD_STOP_SECONDS * 1000,
                   decided * 1000))
            self.user_stopped_at = None
        super().on_vani_message(kind, s)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="answer.wav")
    parser.add_argument("--live", action="store_true")
    parser.add_argument("--model", default="gpt-4.1-mini")
    args = parser.parse_args()
    Gst.init(None)
    with tempfile.TemporaryDirectory() as tmp:
        questions = None if args.live else make_questions(tmp)
        Demo(args, questions).run()
    if not args.live:
        print("The bot's voice is in %s" % args.out)


if __name__ == "__main__":
    main()
