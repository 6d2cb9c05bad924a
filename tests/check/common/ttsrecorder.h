/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Records what a TTS element pushes, in order: events by name ("tts-text:
 * Hello.") and runs of audio ("audio"), so tests can assert the exact
 * interleaving of events and audio, which GstHarness's separate queues lose.
 */
#ifndef __TTS_RECORDER_H__
#define __TTS_RECORDER_H__

#include <gst/check/gstharness.h>

G_BEGIN_DECLS

typedef struct _TtsRecorder TtsRecorder;

TtsRecorder *tts_recorder_new (GstHarness * h);
void tts_recorder_free (TtsRecorder * r);
void tts_recorder_clear (TtsRecorder * r);
gboolean tts_recorder_wait (TtsRecorder * r, const gchar * entry);
gchar *tts_recorder_dump (TtsRecorder * r);
guint64 tts_recorder_samples_after (TtsRecorder * r, const gchar * entry);
guint64 tts_recorder_total_samples (TtsRecorder * r);
GstClockTime tts_recorder_first_pts_after (TtsRecorder * r,
    const gchar * entry, gboolean * discont);
guint tts_recorder_count_gaps (TtsRecorder * r);

void tts_test_push_reply (GstHarness * h, guint64 id, const gchar * text,
    gsize token_len);
void tts_test_flush (GstHarness * h);

G_END_DECLS

#endif
