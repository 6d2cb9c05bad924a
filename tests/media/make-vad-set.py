#!/usr/bin/env python3
# gst-rustvani: builds the labelled VAD test set in tests/media/vad/.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Each file is speech from espeak-ng (several voices and speeds), trimmed of
its own silence with sox, laid out with known silences, then mixed with white
or brown noise at a set SNR, or with a level change. labels.txt lists, per
file, the true speech segments (start end, seconds). A segment that holds a
short mid-sentence pause is one segment: a good endpointer does not end the
turn there (it is also listed in pauses.txt for the endpointing benchmark).

Needs espeak-ng and sox. Run: tests/media/make-vad-set.py"""

import os
import tempfile

from mediatools import RATE, duration, rms, run, silence, utterance

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "vad")

# name, voice, speed, noise, snr_db, layout
# layout: list of ("say", text) | ("gap", seconds) | ("pause", seconds) |
#         ("quiet", text): an utterance 20 dB quieter
SET = [
    ("clean-us-175", "en-us", 175, None, None,
     [("gap", 1.0), ("say", "Hello, I would like to book a table for two."),
      ("gap", 1.5), ("say", "Tomorrow evening at seven, please."), ("gap", 1.2)]),
    ("clean-gb-130", "en-gb", 130, None, None,
     [("gap", 0.8), ("say", "What time does the restaurant open on Sunday?"),
      ("gap", 2.0), ("say", "Thank you very much."), ("gap", 1.0)]),
    ("white20-f3-160", "en-us+f3", 160, "whitenoise", 20,
     [("gap", 1.2), ("say", "Can you tell me the weather in Pune today?"),
      ("gap", 1.6), ("say", "And tomorrow?"), ("gap", 1.2)]),
    ("white10-m7-190", "en+m7", 190, "whitenoise", 10,
     [("gap", 1.0), ("say", "Please cancel my reservation for Friday."),
      ("gap", 1.8), ("say", "Yes, I am sure."), ("gap", 1.0)]),
    ("brown10-us-150", "en-us", 150, "brownnoise", 10,
     [("gap", 1.5), ("say", "I need a taxi to the airport."),
      ("gap", 1.5), ("say", "At six in the morning."), ("gap", 1.0)]),
    ("white5-gb-170", "en-gb", 170, "whitenoise", 5,
     [("gap", 1.0), ("say", "Turn on the lights in the kitchen."),
      ("gap", 2.0), ("say", "Now turn them off."), ("gap", 1.0)]),
    ("level-change-us-165", "en-us", 165, None, None,
     [("gap", 1.0), ("say", "This sentence is spoken at a normal level."),
      ("gap", 1.5), ("quiet", "This one is twenty decibels quieter."), ("gap", 1.2)]),
    ("pauses-f2-155", "en-us+f2", 155, "whitenoise", 20,
     [("gap", 1.0), ("say", "I want to order"), ("pause", 0.45),
      ("say", "a large pizza"), ("pause", 0.35), ("say", "with extra cheese."),
      ("gap", 2.0), ("say", "That is all."), ("gap", 1.0)]),
]


def build(tmp, name, voice, speed, noise, snr, layout):
    parts, labels, pauses = [], [], []
    t, seg_start, n = 0.0, None, 0
    speech_parts = []
    for kind, value in layout:
        n += 1
        if kind in ("say", "quiet"):
            path = utterance(tmp, voice, speed, value, n)
            if kind == "quiet":
                quiet = os.path.join(tmp, "q%d.wav" % n)
                run("sox", path, quiet, "gain", "-20")
                path = quiet
            speech_parts.append(path)
            if seg_start is None:
                seg_start = t
            parts.append(path)
            t += duration(path)
        elif kind == "pause":
            pauses.append((t, t + value))
            parts.append(silence(tmp, value, n))
            t += value
        else:
            if seg_start is not None:
                labels.append((seg_start, t))
                seg_start = None
            parts.append(silence(tmp, value, n))
            t += value
    if seg_start is not None:
        labels.append((seg_start, t))

    clean = os.path.join(tmp, "clean.wav")
    run("sox", *parts, clean)
    out = os.path.join(OUT, name + ".wav")
    if noise:
        speech_rms = sum(rms(p) for p in speech_parts) / len(speech_parts)
        raw_noise = os.path.join(tmp, "noise.wav")
        run("sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", raw_noise,
            "synth", "%.3f" % t, noise, "vol", "0.5")
        scale = speech_rms / (10 ** (snr / 20.0)) / rms(raw_noise)
        run("sox", "-m", clean, "-v", "%.6f" % scale, raw_noise, "-b", "16", out)
    else:
        run("sox", clean, out)
    return labels, pauses


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "labels.txt"), "w") as lab, \
            open(os.path.join(OUT, "pauses.txt"), "w") as pau:
        lab.write("# file start_s end_s (true speech segments)\n")
        pau.write("# file start_s end_s (mid-sentence pauses inside a segment)\n")
        for entry in SET:
            with tempfile.TemporaryDirectory() as tmp:
                labels, pauses = build(tmp, *entry)
            for s, e in labels:
                lab.write("%s.wav %.3f %.3f\n" % (entry[0], s, e))
            for s, e in pauses:
                pau.write("%s.wav %.3f %.3f\n" % (entry[0], s, e))
            print(entry[0], ["%.2f-%.2f" % l for l in labels])


if __name__ == "__main__":
    main()
