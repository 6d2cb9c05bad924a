/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vanivad on the labelled set in tests/media/vad (espeak-ng voices mixed with
 * silence, white and brown noise at 20/10/5 dB SNR, and a level change) at
 * every supported rate, plus its event, flush, EOS and caps behaviour.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/vani/vani.h>

#define START_TOLERANCE (500 * GST_MSECOND)
#define STOP_TOLERANCE (300 * GST_MSECOND)

typedef struct
{
  GstClockTime start, end;
} Segment;

/* Events seen at the sink: started/stopped pairs. */
static GstPadProbeReturn
collect_speech (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GArray *segments = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstClockTime t;

  if (gst_vani_event_parse_user_started_speaking (event, &t, NULL)) {
    Segment s = { t, GST_CLOCK_TIME_NONE };

    g_array_append_val (segments, s);
  } else if (gst_vani_event_parse_user_stopped_speaking (event, &t, NULL)) {
    fail_unless (segments->len > 0, "stopped without started");
    g_array_index (segments, Segment, segments->len - 1).end = t;
  }
  return GST_PAD_PROBE_OK;
}

/* Runs @file through vanivad at @rate; returns the detected segments. */
static GArray *
detect (const gchar * file, gint rate)
{
  GArray *segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  gchar *path = g_build_filename (VANI_TESTS_DIR, "media", "vad", file, NULL);
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse "
      "! audioresample ! audio/x-raw,rate=%d ! vanivad name=vad "
      "! fakesink name=sink sync=false", path, rate);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstMessage *msg;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, collect_speech,
      segments, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "%s did not play to the end", file);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
  return segments;
}

/* labels.txt: "file start end" per true speech segment. */
static GHashTable *
load_labels (void)
{
  GHashTable *labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_array_unref);
  gchar *path = g_build_filename (VANI_TESTS_DIR, "media", "vad",
      "labels.txt", NULL);
  gchar *contents = NULL, **lines;
  guint i;

  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i]; i++) {
    gchar **f = g_strsplit (lines[i], " ", 3);
    GArray *list;
    Segment s;

    if (lines[i][0] != '#' && g_strv_length (f) == 3) {
      list = g_hash_table_lookup (labels, f[0]);
      if (!list) {
        list = g_array_new (FALSE, FALSE, sizeof (Segment));
        g_hash_table_insert (labels, g_strdup (f[0]), list);
      }
      s.start = g_ascii_strtod (f[1], NULL) * GST_SECOND;
      s.end = g_ascii_strtod (f[2], NULL) * GST_SECOND;
      g_array_append_val (list, s);
    }
    g_strfreev (f);
  }
  g_strfreev (lines);
  g_free (contents);
  g_free (path);
  return labels;
}

static GstClockTimeDiff
diff (GstClockTime a, GstClockTime b)
{
  return GST_CLOCK_DIFF (b, a);
}

static void
check_rate (gint rate)
{
  GHashTable *labels = load_labels ();
  GHashTableIter iter;
  gpointer key, value;

  fail_unless (g_hash_table_size (labels) >= 8);
  g_hash_table_iter_init (&iter, labels);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    GArray *want = value, *got = detect (key, rate);
    guint i;

    fail_unless_equals_int_hex (got->len, want->len);
    for (i = 0; i < want->len; i++) {
      Segment *w = &g_array_index (want, Segment, i);
      Segment *g = &g_array_index (got, Segment, i);

      fail_unless (ABS (diff (g->start, w->start)) <= START_TOLERANCE,
          "%s@%d segment %u starts at %" GST_TIME_FORMAT ", label %"
          GST_TIME_FORMAT, (gchar *) key, rate, i, GST_TIME_ARGS (g->start),
          GST_TIME_ARGS (w->start));
      fail_unless (GST_CLOCK_TIME_IS_VALID (g->end));
      fail_unless (ABS (diff (g->end, w->end)) <= STOP_TOLERANCE,
          "%s@%d segment %u ends at %" GST_TIME_FORMAT ", label %"
          GST_TIME_FORMAT, (gchar *) key, rate, i, GST_TIME_ARGS (g->end),
          GST_TIME_ARGS (w->end));
    }
    g_array_unref (got);
  }
  g_hash_table_unref (labels);
}

GST_START_TEST (test_labelled_set_16k)
{
  check_rate (16000);
}

GST_END_TEST;

GST_START_TEST (test_labelled_set_8k)
{
  check_rate (8000);
}

GST_END_TEST;

GST_START_TEST (test_labelled_set_24k)
{
  check_rate (24000);
}

GST_END_TEST;

GST_START_TEST (test_labelled_set_48k)
{
  check_rate (48000);
}

GST_END_TEST;

/* --- unit behaviour with a harness --- */

static GstHarness *
vad_harness (void)
{
  GstHarness *h = gst_harness_new ("vanivad");

  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,channels=1,rate=16000");
  return h;
}

/* @ms of a 440 Hz tone at @amplitude (0 = silence), timestamped at @ts. */
static GstBuffer *
tone (guint ms, gdouble amplitude, GstClockTime ts)
{
  guint n = 16 * ms, i;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, n * 2, NULL);
  GstMapInfo map;
  gint16 *s;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  s = (gint16 *) map.data;
  for (i = 0; i < n; i++)
    s[i] = (gint16) (amplitude * 32767 * sin (2 * G_PI * 440 * i / 16000.0) +
        g_random_int_range (-30, 31));
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = ts;
  GST_BUFFER_DURATION (buf) = ms * GST_MSECOND;
  return buf;
}

/* Counts user-started/stopped events the harness received. */
static void
count_speech_events (GstHarness * h, guint * started, guint * stopped,
    GstClockTime * start_time)
{
  GstEvent *event;

  *started = *stopped = 0;
  while ((event = gst_harness_try_pull_event (h))) {
    GstClockTime t;

    if (gst_vani_event_parse_user_started_speaking (event, &t, NULL)) {
      (*started)++;
      if (start_time)
        *start_time = t;
    }
    if (gst_vani_event_parse_user_stopped_speaking (event, NULL, NULL))
      (*stopped)++;
    gst_event_unref (event);
  }
}

GST_START_TEST (test_silence_gives_nothing_and_audio_passes)
{
  GstHarness *h = vad_harness ();
  guint started, stopped, i;

  for (i = 0; i < 100; i++) {
    GstBuffer *in = tone (20, 0.0, i * 20 * GST_MSECOND), *out;

    gst_buffer_ref (in);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (out == in, "vanivad must pass buffers through in place");
    gst_buffer_unref (out);
    gst_buffer_unref (in);
  }
  count_speech_events (h, &started, &stopped, NULL);
  fail_unless_equals_int (started, 0);
  fail_unless_equals_int (stopped, 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_backdated_start_and_eos_stop)
{
  GstHarness *h = vad_harness ();
  GstClockTime start = GST_CLOCK_TIME_NONE;
  guint started, stopped, i;

  /* 1 s of quiet, then a loud tone in odd-sized buffers */
  for (i = 0; i < 50; i++)
    gst_harness_push (h, tone (20, 0.0, i * 20 * GST_MSECOND));
  for (i = 0; i < 20; i++)
    gst_harness_push (h, tone (30, 0.5, GST_SECOND + i * 30 * GST_MSECOND));
  count_speech_events (h, &started, &stopped, &start);
  fail_unless_equals_int (started, 1);
  /* backdated to the start of the tone, not start-secs later */
  fail_unless (ABS (GST_CLOCK_DIFF (GST_SECOND, start)) <= 20 * GST_MSECOND,
      "start at %" GST_TIME_FORMAT, GST_TIME_ARGS (start));

  /* EOS while speaking still closes the speech */
  gst_harness_push_event (h, gst_event_new_eos ());
  count_speech_events (h, &started, &stopped, NULL);
  fail_unless_equals_int (stopped, 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_flush_resets_without_stop)
{
  GstHarness *h = vad_harness ();
  guint started, stopped, i;
  gboolean speaking;

  for (i = 0; i < 25; i++)
    gst_harness_push (h, tone (20, 0.0, i * 20 * GST_MSECOND));
  for (i = 25; i < 55; i++)
    gst_harness_push (h, tone (20, 0.5, i * 20 * GST_MSECOND));
  g_object_get (h->element, "speaking", &speaking, NULL);
  fail_unless (speaking);
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  g_object_get (h->element, "speaking", &speaking, NULL);
  fail_if (speaking);
  count_speech_events (h, &started, &stopped, NULL);
  fail_unless_equals_int (started, 1);
  fail_unless_equals_int (stopped, 0);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_wrong_caps_refused)
{
  const gchar *bad[] = {
    "audio/x-raw,format=S16LE,layout=interleaved,channels=2,rate=16000",
    "audio/x-raw,format=F32LE,layout=interleaved,channels=1,rate=16000",
    "audio/x-raw,format=S16LE,layout=interleaved,channels=1,rate=44100",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GstHarness *h = gst_harness_new ("vanivad");

    gst_harness_set_src_caps_str (h, bad[i]);
    fail_unless_equals_int (gst_harness_push (h, tone (10, 0.0, 0)),
        GST_FLOW_NOT_NEGOTIATED);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

static Suite *
vanivad_suite (void)
{
  Suite *s = suite_create ("vanivad");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_silence_gives_nothing_and_audio_passes);
  tcase_add_test (tc, test_backdated_start_and_eos_stop);
  tcase_add_test (tc, test_flush_resets_without_stop);
  tcase_add_test (tc, test_wrong_caps_refused);
  tcase_add_test (tc, test_labelled_set_16k);
  tcase_add_test (tc, test_labelled_set_8k);
  tcase_add_test (tc, test_labelled_set_24k);
  tcase_add_test (tc, test_labelled_set_48k);
  return s;
}

GST_CHECK_MAIN (vanivad);
