/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vaniespeaktts: real espeak-ng audio for a streamed reply, audio that
 * grows with the text and shrinks with the rate, streaming in pieces, flush
 * mid-sentence, and a missing voice failing READY.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/vani/vani.h>

#include "ttsrecorder.h"

#define SHORT "Yes."
#define LONG "I would like to book a table for four people tomorrow evening."

static GstHarness *h;
static TtsRecorder *rec;

static void
start (const gchar * props)
{
  h = gst_harness_new ("vaniespeaktts");
  if (props) {
    gchar **kv = g_strsplit (props, "=", 2);

    gst_util_set_object_arg (G_OBJECT (h->element), kv[0], kv[1]);
    g_strfreev (kv);
  }
  rec = tts_recorder_new (h);
  gst_harness_set_src_caps_str (h, "text/x-raw,format=utf8");
}

static void
stop (void)
{
  tts_recorder_free (rec);
  gst_harness_teardown (h);
}

static gint
output_rate (void)
{
  gint rate = 0;

  g_object_get (h->element, "sample-rate", &rate, NULL);
  return rate;
}

GST_START_TEST (test_reply_is_spoken)
{
  gchar *dump;
  guint64 short_samples, long_samples;
  gint rate;

  start (NULL);
  tts_test_push_reply (h, 1, SHORT " " LONG, 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  dump = tts_recorder_dump (rec);
  fail_unless_equals_string (dump, "llm-response-start | tts-started | "
      "tts-text:" SHORT " | audio | tts-text:" LONG " | audio | tts-stopped | "
      "llm-response-end");
  g_free (dump);

  rate = output_rate ();
  fail_unless_equals_int (rate, 22050);
  g_assert (rate > 0);
  short_samples = tts_recorder_samples_after (rec, "tts-text:" SHORT);
  long_samples = tts_recorder_samples_after (rec, "tts-text:" LONG);
  /* a one-word sentence is well under two seconds, the long one over two */
  fail_unless (short_samples > (guint64) rate / 10 &&
      short_samples < 2 * (guint64) rate,
      "%" G_GUINT64_FORMAT " samples for \"" SHORT "\"", short_samples);
  fail_unless (long_samples > 2 * (guint64) rate, "%" G_GUINT64_FORMAT, long_samples);
  fail_unless (long_samples > 4 * short_samples);
  fail_unless_equals_int (tts_recorder_count_gaps (rec), 0);
  stop ();
}

GST_END_TEST;

static guint64
samples_at_rate (gint wpm)
{
  gchar *props = g_strdup_printf ("rate=%d", wpm);
  guint64 samples;

  start (props);
  tts_test_push_reply (h, 1, LONG, 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  samples = tts_recorder_samples_after (rec, "tts-text:" LONG);
  stop ();
  g_free (props);
  return samples;
}

GST_START_TEST (test_rate_changes_duration)
{
  guint64 slow = samples_at_rate (120), fast = samples_at_rate (300);

  fail_unless (fast > 0 && slow > 2 * fast, "slow %" G_GUINT64_FORMAT
      " fast %" G_GUINT64_FORMAT, slow, fast);
}

GST_END_TEST;

/* espeak-ng hands audio over in 50 ms pieces: the first buffer of a long
 * sentence is out long before the sentence is done. */
GST_START_TEST (test_audio_comes_in_pieces)
{
  GstBuffer *first;
  gint rate;

  start (NULL);
  tts_test_push_reply (h, 1, LONG, 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  rate = output_rate ();
  first = gst_harness_pull (h);
  fail_unless (first != NULL);
  fail_unless (gst_buffer_get_size (first) / 2 <= (gsize) rate / 10,
      "first buffer has %" G_GSIZE_FORMAT " bytes",
      gst_buffer_get_size (first));
  gst_buffer_unref (first);
  stop ();
}

GST_END_TEST;

GST_START_TEST (test_flush_mid_sentence)
{
  gchar *dump;
  guint i;
  GString *text = g_string_new (NULL);

  start (NULL);
  for (i = 0; i < 20; i++)
    g_string_append (text, LONG " ");
  fail_unless (gst_harness_push_event (h,
          gst_vani_event_new_llm_response_start (1)));
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_memdup (text->str, text->len)), GST_FLOW_OK);
  fail_unless (tts_recorder_wait (rec, "audio"));
  tts_test_flush (h);
  tts_recorder_clear (rec);

  tts_test_push_reply (h, 2, SHORT, 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  dump = tts_recorder_dump (rec);
  fail_unless_equals_string (dump, "llm-response-start | tts-started | "
      "tts-text:" SHORT " | audio | tts-stopped | llm-response-end");
  g_free (dump);
  g_string_free (text, TRUE);
  stop ();
}

GST_END_TEST;

GST_START_TEST (test_unknown_voice_fails_ready)
{
  GstElement *tts = gst_element_factory_make ("vaniespeaktts", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *error = NULL;

  gst_element_set_bus (tts, bus);
  g_object_set (tts, "voice", "no-such-voice", NULL);
  fail_unless_equals_int (gst_element_set_state (tts, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, "no-such-voice") != NULL, "%s",
      error->message);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_state (tts, GST_STATE_NULL);
  gst_element_set_bus (tts, NULL);
  gst_object_unref (bus);
  gst_object_unref (tts);
}

GST_END_TEST;

static Suite *
vaniespeaktts_suite (void)
{
  Suite *s = suite_create ("vaniespeaktts");
  TCase *tc = tcase_create ("general");

  tcase_add_test (tc, test_reply_is_spoken);
  tcase_add_test (tc, test_rate_changes_duration);
  tcase_add_test (tc, test_audio_comes_in_pieces);
  tcase_add_test (tc, test_flush_mid_sentence);
  tcase_add_test (tc, test_unknown_voice_fails_ready);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (vaniespeaktts);
