# gst-rustvani: espeak-ng and sox helpers for the test-media generators.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by make-vad-set.py and make-stt-set.py."""

import os
import subprocess

RATE = 16000


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True)


def rms(path):
    out = run("sox", path, "-n", "stat").stderr
    for line in out.splitlines():
        if line.startswith("RMS     amplitude"):
            return float(line.split()[-1])
    raise RuntimeError("no RMS for " + path)


def duration(path):
    return float(run("soxi", "-D", path).stdout)


def utterance(tmp, voice, speed, text, n):
    raw = os.path.join(tmp, "raw%d.wav" % n)
    out = os.path.join(tmp, "utt%d.wav" % n)
    run("espeak-ng", "-v", voice, "-s", str(speed), "-w", raw, text)
    # trim espeak's own leading and trailing silence
    run("sox", raw, "-r", str(RATE), "-c", "1", "-b", "16", out,
        "silence", "1", "0.005", "0.3%", "reverse", "silence", "1", "0.005",
        "0.3%", "reverse", "gain", "-n", "-3")
    return out


def silence(tmp, seconds, n):
    out = os.path.join(tmp, "gap%d.wav" % n)
    run("sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", out, "trim", "0",
        "%.3f" % seconds)
    return out
