/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vanisphinxstt on espeak-ng sentences (tests/media/stt): grammar mode gives
 * the exact words, transcripts carry the VAD's times, metrics and interim
 * results are posted, bad settings fail READY naming the file.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/vani/vani.h>

typedef struct
{
  GString *text;
  GstClockTime pts, duration;
  GstClockTime vad_start, vad_stop;
  guint interims;
} Result;

static GstPadProbeReturn
on_sink_data (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Result *r = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_string_append_len (r->text, (const gchar *) map.data, map.size);
    gst_buffer_unmap (buf, &map);
    r->pts = GST_BUFFER_PTS (buf);
    r->duration = GST_BUFFER_DURATION (buf);
  } else {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

    gst_vani_event_parse_user_started_speaking (event, &r->vad_start, NULL);
    gst_vani_event_parse_user_stopped_speaking (event, &r->vad_stop, NULL);
    if (gst_vani_event_get_event_type (event) ==
        GST_VANI_EVENT_INTERIM_TRANSCRIPTION)
      r->interims++;
  }
  return GST_PAD_PROBE_OK;
}

static gchar *
media (const gchar * name)
{
  return g_build_filename (VANI_TESTS_DIR, "media", "stt", name, NULL);
}

/* Recognises @file; returns the text and what went with it. */
static Result *
recognise (const gchar * file, const gchar * extra, gboolean * got_metrics)
{
  Result *r = g_new0 (Result, 1);
  gchar *path = media (file);
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse "
      "! vanivad ! vanisphinxstt %s ! fakesink name=sink sync=false", path,
      extra);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  r->text = g_string_new (NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_sink_data, r, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  *got_metrics = FALSE;
  while ((msg = gst_bus_timed_pop (bus, 60 * GST_SECOND))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    GstVaniMetricsKind kind;

    if (gst_vani_bus_message_parse_metrics (msg, NULL, &kind, NULL))
      *got_metrics |= kind == GST_VANI_METRICS_PROCESSING;
    gst_message_unref (msg);
    fail_if (type == GST_MESSAGE_ERROR, "pipeline error on %s", file);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
  return r;
}

static void
result_free (Result * r)
{
  g_string_free (r->text, TRUE);
  g_free (r);
}

GST_START_TEST (test_grammar_gives_exact_words)
{
  const gchar *cases[][2] = {
    {"book-table.wav", "book a table for two people"},
    {"cancel.wav", "cancel my reservation"},
    {"four-people.wav", "book a table for four people"},
  };
  gchar *grammar = media ("restaurant.gram");
  gchar *extra = g_strdup_printf ("grammar=\"%s\"", grammar);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gboolean metrics;
    Result *r = recognise (cases[i][0], extra, &metrics);

    fail_unless_equals_string (r->text->str, cases[i][1]);
    fail_unless (metrics, "no processing-time metrics");
    /* the transcript spans the speech the VAD found */
    fail_unless_equals_uint64 (r->pts, r->vad_start);
    fail_unless_equals_uint64 (r->duration, r->vad_stop - r->vad_start);
    fail_unless (r->interims > 0, "no interim results");
    result_free (r);
  }
  g_free (extra);
  g_free (grammar);
}

GST_END_TEST;

GST_START_TEST (test_language_model_hears_something)
{
  gboolean metrics;
  Result *r = recognise ("four-people.wav", "", &metrics);

  /* free speech on a synthetic voice is hard for pocketsphinx; the words
   * "book a table" come through (see docs/elements/vanisphinxstt.md) */
  fail_unless (strstr (r->text->str, "book a table") != NULL, "heard: %s",
      r->text->str);
  result_free (r);
}

GST_END_TEST;

static void
assert_ready_fails_naming (const gchar * property, const gchar * path)
{
  GstElement *stt = gst_element_factory_make ("vanisphinxstt", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *error = NULL;

  gst_element_set_bus (stt, bus);
  g_object_set (stt, property, path, NULL);
  fail_unless_equals_int (gst_element_set_state (stt, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, path) != NULL, "%s", error->message);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_state (stt, GST_STATE_NULL);
  gst_element_set_bus (stt, NULL);
  gst_object_unref (bus);
  gst_object_unref (stt);
}

GST_START_TEST (test_missing_files_fail_ready)
{
  assert_ready_fails_naming ("hmm", "/no/such/model-dir");
  assert_ready_fails_naming ("grammar", "/no/such/grammar.gram");
  assert_ready_fails_naming ("dict", "/no/such/words.dict");
}

GST_END_TEST;

GST_START_TEST (test_wrong_caps_refused)
{
  GstElement *pipeline = gst_parse_launch ("audiotestsrc num-buffers=5 "
      "! audio/x-raw,format=S16LE,rate=8000,channels=1 ! vanisphinxstt "
      "! fakesink", NULL);
  GstMessage *msg;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      30 * GST_SECOND, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
      "8 kHz audio must be refused");
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
vanisphinxstt_suite (void)
{
  Suite *s = suite_create ("vanisphinxstt");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_grammar_gives_exact_words);
  tcase_add_test (tc, test_language_model_hears_something);
  tcase_add_test (tc, test_missing_files_fail_ready);
  tcase_add_test (tc, test_wrong_caps_refused);
  return s;
}

GST_CHECK_MAIN (vanisphinxstt);
