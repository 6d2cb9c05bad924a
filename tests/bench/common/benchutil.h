/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What every benchmark prints: the machine it ran on and percentiles.
 */
#ifndef __VANI_BENCH_UTIL_H__
#define __VANI_BENCH_UTIL_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* CPU model, cores, kernel and GStreamer version, one line. */
void vani_bench_print_machine (void);

/* Sorts @values_us (gint64 microseconds) and prints n, p50, p90, p95, p99
 * and max in milliseconds under @label. */
void vani_bench_report (const gchar * label, GArray * values_us);

/* The @percent percentile of sorted @values_us. */
gint64 vani_bench_percentile (GArray * values_us, guint percent);

/* Resident memory of this process, in KiB. */
glong vani_bench_rss_kib (void);

/* The PCM of a 16 kHz mono S16LE WAV file with the canonical 44-byte
 * header; aborts when it cannot be read. */
GBytes *vani_bench_read_wav_pcm (const gchar * path);

/* A speaker for an appsrc: the word, then a pause, over and over, in 20 ms
 * buffers, as a sound card gives them. */
#define VANI_BENCH_RATE 16000
#define VANI_BENCH_CHUNK_BYTES (VANI_BENCH_RATE * 2 / 50)

typedef struct
{
  GBytes *word;
  gsize period;                 /* word + pause, in bytes */
  gsize pos;                    /* in the period */
  GstClockTime pts;
} VaniBenchSpeaker;

void vani_bench_speaker_init (VaniBenchSpeaker * speaker, GBytes * word,
    guint pause_ms);
void vani_bench_speaker_clear (VaniBenchSpeaker * speaker);
/* Pushes the next 20 ms into @appsrc; TRUE when it ended a word + pause. */
gboolean vani_bench_speaker_push (VaniBenchSpeaker * speaker,
    GstElement * appsrc);

G_END_DECLS

#endif /* __VANI_BENCH_UTIL_H__ */
