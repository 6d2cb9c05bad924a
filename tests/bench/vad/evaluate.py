#!/usr/bin/env python3
# gst-rustvani: vanivad accuracy, endpointing and CPU on tests/media/vad.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints frame-level precision/recall (10 ms grid) of the default vanivad
settings against labels.txt; the endpointing delay (true speech end → the
moment user-stopped-speaking is emitted, i.e. its backdated time plus
stop-secs); how many mid-sentence pauses (pauses.txt) were taken as turn ends;
and the CPU time vanivad adds per second of audio.

Run inside the devenv:  meson devenv -C build tests/bench/vad/evaluate.py"""

import os
import re
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MEDIA = os.path.join(HERE, "..", "..", "media", "vad")
STOP_SECS = 0.8
EVENT = re.compile(r"vani/user-(started|stopped)-speaking, stream-time=\(guint64\)(\d+)")


def read_table(name):
    table = {}
    with open(os.path.join(MEDIA, name)) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            file, start, end = line.split()
            table.setdefault(file, []).append((float(start), float(end)))
    return table


def detect(path):
    out = subprocess.run(
        ["gst-launch-1.0", "-m", "filesrc", "location=" + path, "!", "wavparse",
         "!", "vanivad", "!", "fakesink", "sync=false"],
        capture_output=True, text=True, check=True).stdout
    segments, start = [], None
    for kind, ns in EVENT.findall(out):
        t = int(ns) / 1e9
        if kind == "started":
            start = t
        elif start is not None:
            segments.append((start, t))
            start = None
    return segments


def duration(path):
    return float(subprocess.run(["soxi", "-D", path], capture_output=True,
                                text=True, check=True).stdout)


def inside(t, segments):
    return any(s <= t < e for s, e in segments)


def cpu_seconds(pipeline):
    before = os.times()
    subprocess.run(["gst-launch-1.0", "-q"] + pipeline, check=True,
                   stdout=subprocess.DEVNULL)
    after = os.times()
    return (after.children_user - before.children_user +
            after.children_system - before.children_system)


def main():
    labels, pauses = read_table("labels.txt"), read_table("pauses.txt")
    print("machine: %d cores, %s" % (os.cpu_count(), next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
         if line.startswith("model name")), "unknown CPU")))
    tp = fp = fn = 0
    delays, wrong_ends, total_pauses = [], 0, 0
    for file in sorted(labels):
        path = os.path.join(MEDIA, file)
        truth, got = labels[file], detect(path)
        frames = int(duration(path) * 100)
        for i in range(frames):
            t = i / 100.0 + 0.005
            a, b = inside(t, truth), inside(t, got)
            tp += a and b
            fp += b and not a
            fn += a and not b
        for _, true_end in truth:
            ends = [e for _, e in got if abs(e - true_end) < 0.5]
            if ends:
                delays.append(ends[0] + STOP_SECS - true_end)
        for ps, pe in pauses.get(file, []):
            total_pauses += 1
            wrong_ends += any(ps - 0.1 <= e <= pe + 0.1 for _, e in got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print("files: %d, speech segments: %d" % (len(labels),
                                               sum(len(v) for v in labels.values())))
    print("frame-level precision %.3f recall %.3f F1 %.3f" %
          (precision, recall, 2 * precision * recall / (precision + recall)))
    print("endpointing: true end -> user-stopped-speaking emitted: "
          "mean %.0f ms, min %.0f ms, max %.0f ms (stop-secs %.1f s)" %
          (1000 * sum(delays) / len(delays), 1000 * min(delays),
           1000 * max(delays), STOP_SECS))
    print("mid-sentence pauses taken as turn ends: %d of %d" %
          (wrong_ends, total_pauses))

    with tempfile.TemporaryDirectory() as tmp:
        long_wav = os.path.join(tmp, "long.wav")
        files = [os.path.join(MEDIA, f) for f in sorted(labels)] * 20
        subprocess.run(["sox"] + files + [long_wav], check=True)
        seconds = duration(long_wav)
        base = ["filesrc", "location=" + long_wav, "!", "wavparse", "!"]
        with_vad = min(cpu_seconds(base + ["vanivad", "!", "fakesink", "sync=false"])
                       for _ in range(3))
        without = min(cpu_seconds(base + ["fakesink", "sync=false"]) for _ in range(3))
    per_second = (with_vad - without) / seconds
    print("CPU: %.1f s of 16 kHz audio, pipeline with vanivad %.3f s, without %.3f s"
          % (seconds, with_vad, without))
    print("vanivad: %.1f µs CPU per second of audio = %.2f%% of a core per stream,"
          " ~%d real-time streams per core" %
          (per_second * 1e6, per_second * 100, int(1 / per_second) if per_second > 0 else 0))


if __name__ == "__main__":
    main()
