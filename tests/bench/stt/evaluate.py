#!/usr/bin/env python3
# gst-rustvani: vanisphinxstt word error rate and real-time factor.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Word error rate of vanisphinxstt on tests/media/stt (espeak-ng sentences)
with the general language model and with the restaurant JSGF grammar, and
the real-time factor (CPU seconds / audio seconds).

Run inside the devenv:  meson devenv -C build -w $PWD tests/bench/stt/evaluate.py"""

import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
MEDIA = os.path.normpath(os.path.join(HERE, "..", "..", "media", "stt"))


def edit_distance(ref, hyp):
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)]


def recognise(path, extra):
    before = os.times()
    out = subprocess.run(
        ["gst-launch-1.0", "-q", "filesrc", "location=" + path, "!", "wavparse",
         "!", "vanivad", "!", "vanisphinxstt"] + extra + ["!", "fdsink"],
        capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL).stdout
    after = os.times()
    cpu = (after.children_user - before.children_user +
           after.children_system - before.children_system)
    return out.strip(), cpu


def duration(path):
    return float(subprocess.run(["soxi", "-D", path], capture_output=True,
                                text=True, check=True).stdout)


def main():
    print("machine: %d cores, %s" % (os.cpu_count(), next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
         if line.startswith("model name")), "unknown CPU")))
    refs = [line.strip().split("|") for line in open(os.path.join(MEDIA, "transcripts.txt"))]
    modes = [("language model", []),
             ("JSGF grammar", ["grammar=" + os.path.join(MEDIA, "restaurant.gram")])]
    audio = sum(duration(os.path.join(MEDIA, f)) for f, _ in refs)
    for name, extra in modes:
        errors = words = 0
        cpu = 0.0
        for file, text in refs:
            hyp, seconds = recognise(os.path.join(MEDIA, file), extra)
            errors += edit_distance(text.split(), hyp.split())
            words += len(text.split())
            cpu += seconds
            print("  %-16s %-30s -> %s" % (file, text, hyp))
        print("%s: WER %.1f%% (%d errors / %d words), real-time factor %.3f "
              "(%.2f s CPU for %.1f s of audio, start-up included)" %
              (name, 100.0 * errors / words, errors, words, cpu / audio, cpu, audio))


if __name__ == "__main__":
    main()
