/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "ttsrecorder.h"

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/vani/vani.h>

#define WAIT_SECONDS 60

typedef struct
{
  gchar *name;
  guint64 samples;              /* for "audio" runs */
  GstClockTime first_pts;
  gboolean discont;
} Entry;

struct _TtsRecorder
{
  GstHarness *h;
  gulong probe;
  GMutex lock;
  GCond cond;
  GPtrArray *entries;
  GstClockTime expected_pts;    /* where the next buffer should start */
  guint gaps;                   /* buffers that did not start there */
};

static void
entry_free (Entry * e)
{
  g_free (e->name);
  g_free (e);
}

static gchar *
event_name (GstEvent * event)
{
  GstVaniEventType type = gst_vani_event_get_event_type (event);
  gchar *text = NULL, *name;

  if (type == GST_VANI_EVENT_TTS_TEXT) {
    gst_vani_event_parse_tts_text (event, &text);
    name = g_strdup_printf ("tts-text:%s", text);
    g_free (text);
    return name;
  }
  if (type != GST_VANI_EVENT_NONE)     /* "vani/tts-started" → "tts-started" */
    return g_strdup (gst_vani_event_type_get_name (type) + strlen ("vani/"));
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_FLUSH_STOP:
      return g_strdup (GST_EVENT_TYPE_NAME (event));      /* "eos" */
    default:
      return NULL;              /* stream-start, caps, segment... */
  }
}

static void
record_buffer (TtsRecorder * r, GstBuffer * buffer)
{
  Entry *last = r->entries->len ?
      g_ptr_array_index (r->entries, r->entries->len - 1) : NULL;
  guint64 samples = gst_buffer_get_size (buffer) / 2;

  if (!last || g_strcmp0 (last->name, "audio") != 0) {
    last = g_new0 (Entry, 1);
    last->name = g_strdup ("audio");
    last->first_pts = GST_BUFFER_PTS (buffer);
    last->discont = GST_BUFFER_IS_DISCONT (buffer);
    g_ptr_array_add (r->entries, last);
  }
  last->samples += samples;
  if (GST_CLOCK_TIME_IS_VALID (r->expected_pts) &&
      GST_BUFFER_PTS (buffer) != r->expected_pts)
    r->gaps++;
  r->expected_pts = GST_BUFFER_PTS (buffer) + GST_BUFFER_DURATION (buffer);
}

static GstPadProbeReturn
probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  TtsRecorder *r = user_data;

  g_mutex_lock (&r->lock);
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    record_buffer (r, GST_PAD_PROBE_INFO_BUFFER (info));
  } else {
    gchar *name = event_name (GST_PAD_PROBE_INFO_EVENT (info));

    if (name) {
      Entry *e = g_new0 (Entry, 1);

      e->name = name;
      g_ptr_array_add (r->entries, e);
    }
  }
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
  return GST_PAD_PROBE_OK;
}

TtsRecorder *
tts_recorder_new (GstHarness * h)
{
  TtsRecorder *r = g_new0 (TtsRecorder, 1);

  r->h = h;
  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  r->expected_pts = GST_CLOCK_TIME_NONE;
  r->probe = gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      probe, r, NULL);
  return r;
}

void
tts_recorder_free (TtsRecorder * r)
{
  gst_pad_remove_probe (r->h->sinkpad, r->probe);
  g_ptr_array_unref (r->entries);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
  g_free (r);
}

void
tts_recorder_clear (TtsRecorder * r)
{
  g_mutex_lock (&r->lock);
  g_ptr_array_set_size (r->entries, 0);
  r->expected_pts = GST_CLOCK_TIME_NONE;
  r->gaps = 0;
  g_mutex_unlock (&r->lock);
}

static gint
find_locked (TtsRecorder * r, const gchar * name)
{
  guint i;

  for (i = 0; i < r->entries->len; i++)
    if (g_strcmp0 (((Entry *) g_ptr_array_index (r->entries, i))->name,
            name) == 0)
      return i;
  return -1;
}

/* Waits (at most a minute, so a broken element fails instead of hanging)
 * until @entry has been recorded. */
gboolean
tts_recorder_wait (TtsRecorder * r, const gchar * entry)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_TIME_SPAN_SECOND;
  gboolean found;

  g_mutex_lock (&r->lock);
  while (!(found = find_locked (r, entry) >= 0) &&
      g_cond_wait_until (&r->cond, &r->lock, deadline));
  found = find_locked (r, entry) >= 0;
  g_mutex_unlock (&r->lock);
  return found;
}

/* "tts-started | tts-text:Hi. | audio | tts-stopped" */
gchar *
tts_recorder_dump (TtsRecorder * r)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_mutex_lock (&r->lock);
  for (i = 0; i < r->entries->len; i++) {
    if (i)
      g_string_append (s, " | ");
    g_string_append (s, ((Entry *) g_ptr_array_index (r->entries, i))->name);
  }
  g_mutex_unlock (&r->lock);
  return g_string_free (s, FALSE);
}

static Entry *
audio_after_locked (TtsRecorder * r, const gchar * entry)
{
  gint i = find_locked (r, entry);
  Entry *next;

  if (i < 0 || (guint) i + 1 >= r->entries->len)
    return NULL;
  next = g_ptr_array_index (r->entries, i + 1);
  return g_strcmp0 (next->name, "audio") == 0 ? next : NULL;
}

/* Samples in the audio run right after @entry (0 if none). */
guint64
tts_recorder_samples_after (TtsRecorder * r, const gchar * entry)
{
  Entry *e;
  guint64 samples;

  g_mutex_lock (&r->lock);
  e = audio_after_locked (r, entry);
  samples = e ? e->samples : 0;
  g_mutex_unlock (&r->lock);
  return samples;
}

guint64
tts_recorder_total_samples (TtsRecorder * r)
{
  guint64 samples = 0;
  guint i;

  g_mutex_lock (&r->lock);
  for (i = 0; i < r->entries->len; i++)
    samples += ((Entry *) g_ptr_array_index (r->entries, i))->samples;
  g_mutex_unlock (&r->lock);
  return samples;
}

GstClockTime
tts_recorder_first_pts_after (TtsRecorder * r, const gchar * entry,
    gboolean * discont)
{
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  Entry *e;

  g_mutex_lock (&r->lock);
  e = audio_after_locked (r, entry);
  if (e) {
    pts = e->first_pts;
    if (discont)
      *discont = e->discont;
  }
  g_mutex_unlock (&r->lock);
  return pts;
}

/* Buffers that did not start where the previous one ended. */
guint
tts_recorder_count_gaps (TtsRecorder * r)
{
  guint gaps;

  g_mutex_lock (&r->lock);
  gaps = r->gaps;
  g_mutex_unlock (&r->lock);
  return gaps;
}

/* A reply between llm-response-start and -end, streamed as tokens of
 * @token_len bytes (0: in one buffer). */
void
tts_test_push_reply (GstHarness * h, guint64 id, const gchar * text,
    gsize token_len)
{
  gsize len = strlen (text), i;

  if (token_len == 0)
    token_len = MAX (len, 1);
  fail_unless (gst_harness_push_event (h,
          gst_vani_event_new_llm_response_start (id)));
  for (i = 0; i < len; i += token_len) {
    gsize n = MIN (token_len, len - i);

    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_new_memdup (text + i, n)), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h,
          gst_vani_event_new_llm_response_end (id)));
}

/* A flush from upstream, then the new segment FLUSH_STOP calls for. */
void
tts_test_flush (GstHarness * h)
{
  GstSegment segment;

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (FALSE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}
