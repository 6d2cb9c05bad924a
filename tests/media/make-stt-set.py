#!/usr/bin/env python3
# gst-rustvani: builds the speech-to-text test set in tests/media/stt/.
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Short espeak-ng sentences (16 kHz mono) with 0.3 s of silence around them
and their reference transcripts (transcripts.txt: "file|text"). The words are
those of a restaurant booking, so a JSGF grammar (restaurant.gram) can narrow
the vocabulary. Needs espeak-ng and sox. Run: tests/media/make-stt-set.py"""

import os
import tempfile

from mediatools import run, silence, utterance

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "stt")
SET = [
    ("book-table", "en-us", 150, "book a table for two people"),
    ("tomorrow", "en-us", 140, "tomorrow at seven"),
    ("cancel", "en-gb", 150, "cancel my reservation"),
    ("four-people", "en-us+f3", 145, "book a table for four people"),
    ("eight", "en-us", 150, "today at eight"),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "transcripts.txt"), "w") as refs:
        for name, voice, speed, text in SET:
            with tempfile.TemporaryDirectory() as tmp:
                speech = utterance(tmp, voice, speed, text, 1)
                gap = silence(tmp, 0.3, 2)
                run("sox", gap, speech, gap, os.path.join(OUT, name + ".wav"))
            refs.write("%s.wav|%s\n" % (name, text))
            print(name, text)


if __name__ == "__main__":
    main()
