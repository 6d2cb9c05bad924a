/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vaniopenaistt (and so the GstVaniSTT base class) against the fake server:
 * the WAV it uploads, the form, result order, errors and flushing.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/vani/vani.h>

#include "vanifakeserver.h"

#define STT VANI_FAKE_TRANSCRIPTIONS
#define WAIT_MS 20000
#define RATE 16000
#define CHUNK_MS 20

static VaniFakeServer *server;
static GstHarness *h;
static GstClockTime now;        /* time of the next audio buffer */

static void
setup (void)
{
  server = vani_fake_server_new (NULL);
  fail_unless (server != NULL);
  h = gst_harness_new ("vaniopenaistt");
  g_object_set (h->element, "base-url", vani_fake_server_get_base_url (server),
      "api-key", "sk-stt-test", "language", "en", "model", "whisper-test",
      NULL);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,channels=1,rate=16000");
  now = 0;
}

static void
teardown (void)
{
  gst_harness_teardown (h);
  vani_fake_server_free (server);
}

/* @ms of audio (a tone when @loud), in 20 ms buffers. */
static void
push_audio (guint ms, gboolean loud)
{
  guint chunks = ms / CHUNK_MS, i, j;

  for (i = 0; i < chunks; i++) {
    guint n = RATE * CHUNK_MS / 1000;
    GstBuffer *buf = gst_buffer_new_allocate (NULL, n * 2, NULL);
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    for (j = 0; j < n; j++)
      ((gint16 *) map.data)[j] = loud ? (gint16) (8000 * sin (j * 0.3)) : 0;
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = now;
    GST_BUFFER_DURATION (buf) = CHUNK_MS * GST_MSECOND;
    now += CHUNK_MS * GST_MSECOND;
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
}

/* One utterance: quiet, then the VAD's start (backdated to @ms_before_start
 * of speech already pushed), speech, and the stop. */
static void
speak (guint speech_ms)
{
  GstClockTime start;

  push_audio (300, FALSE);
  start = now;
  push_audio (200, TRUE);       /* the VAD decides start-secs later */
  gst_harness_push_event (h, gst_vani_event_new_user_started_speaking (start,
          start));
  push_audio (speech_ms - 200, TRUE);
  gst_harness_push_event (h, gst_vani_event_new_user_stopped_speaking (now,
          now));
}

static gchar *
pull_text (GstClockTime * pts, GstClockTime * duration)
{
  GstBuffer *buf = gst_harness_pull (h);
  GstMapInfo map;
  gchar *text;

  fail_unless (buf != NULL, "no transcript");
  gst_buffer_map (buf, &map, GST_MAP_READ);
  text = g_strndup ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buf, &map);
  if (pts)
    *pts = GST_BUFFER_PTS (buf);
  if (duration)
    *duration = GST_BUFFER_DURATION (buf);
  gst_buffer_unref (buf);
  return text;
}

static VaniFakeReply *
transcript_reply (const gchar * text)
{
  gchar *json = g_strdup_printf ("{\"text\": \"%s\"}", text);
  VaniFakeReply *reply = vani_fake_reply_new_json (200, json);

  g_free (json);
  return reply;
}

static guint32
le32 (const guint8 * p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

GST_START_TEST (test_one_utterance)
{
  GstClockTime pts, duration;
  VaniFakeRequest *req;
  const gchar *filename, *ctype;
  const guint8 *wav;
  GBytes *file;
  gsize size;
  gchar *text;
  guint32 data_bytes;
  GstClockTime wav_duration;

  vani_fake_server_queue_reply (server, STT, transcript_reply ("hello world"));
  speak (1000);
  text = pull_text (&pts, &duration);
  fail_unless_equals_string (text, "hello world");
  g_free (text);
  /* PTS = speech start, duration = speech length */
  fail_unless_equals_uint64 (pts, 300 * GST_MSECOND);
  fail_unless_equals_uint64 (duration, 1000 * GST_MSECOND);

  fail_unless (vani_fake_server_wait_requests (server, STT, 1, WAIT_MS));
  req = vani_fake_server_get_request (server, STT, 0);
  fail_unless_equals_string (vani_fake_request_get_form_field (req, "model"),
      "whisper-test");
  fail_unless_equals_string (vani_fake_request_get_form_field (req,
          "language"), "en");
  fail_unless_equals_string (vani_fake_request_get_form_field (req,
          "response_format"), "json");
  fail_unless_equals_string (vani_fake_request_get_header (req,
          "Authorization"), "Bearer sk-stt-test");

  file = vani_fake_request_get_file (req, &filename, &ctype);
  fail_unless (file != NULL);
  fail_unless_equals_string (filename, "audio.wav");
  wav = g_bytes_get_data (file, &size);
  fail_unless (size > 44 && memcmp (wav, "RIFF", 4) == 0 &&
      memcmp (wav + 8, "WAVEfmt ", 8) == 0);
  fail_unless_equals_int (wav[22], 1);  /* mono */
  fail_unless_equals_int (le32 (wav + 24), RATE);
  fail_unless_equals_int (wav[34], 16); /* bits */
  data_bytes = le32 (wav + 40);
  fail_unless_equals_int (data_bytes, size - 44);
  /* the segment plus 200 ms of pre-speech padding, within one frame */
  wav_duration = gst_util_uint64_scale (data_bytes / 2, GST_SECOND, RATE);
  fail_unless (ABS (GST_CLOCK_DIFF (wav_duration, 1200 * GST_MSECOND)) <=
      CHUNK_MS * GST_MSECOND, "WAV lasts %" GST_TIME_FORMAT,
      GST_TIME_ARGS (wav_duration));
}

GST_END_TEST;

GST_START_TEST (test_overlapping_utterances_stay_in_order)
{
  VaniFakeReply *slow = transcript_reply ("first");
  gchar *a, *b;

  /* the first answer is slow, the second fast: output keeps speech order */
  vani_fake_reply_set_headers_delay_ms (slow, 300);
  vani_fake_server_queue_reply (server, STT, slow);
  vani_fake_server_queue_reply (server, STT, transcript_reply ("second"));
  speak (600);
  /* replies are handed out in arrival order: let the first one arrive */
  fail_unless (vani_fake_server_wait_requests (server, STT, 1, WAIT_MS));
  speak (600);
  a = pull_text (NULL, NULL);
  b = pull_text (NULL, NULL);
  fail_unless_equals_string (a, "first");
  fail_unless_equals_string (b, "second");
  g_free (a);
  g_free (b);
}

GST_END_TEST;

GST_START_TEST (test_http_error_skips_utterance)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *error = NULL;
  gchar *text;

  gst_element_set_bus (h->element, bus);
  vani_fake_server_queue_reply (server, STT, vani_fake_reply_new_json (500,
          "{\"error\": {\"message\": \"model overloaded\"}}"));
  vani_fake_server_queue_reply (server, STT, transcript_reply ("still here"));
  speak (600);
  fail_unless (vani_fake_server_wait_requests (server, STT, 1, WAIT_MS));
  speak (600);
  text = pull_text (NULL, NULL);
  fail_unless_equals_string (text, "still here");
  g_free (text);
  msg = gst_bus_timed_pop_filtered (bus, GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_parse_warning (msg, &error, NULL);
  fail_unless (strstr (error->message, "model overloaded") != NULL, "%s",
      error->message);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
}

GST_END_TEST;

GST_START_TEST (test_flush_cancels_and_next_works)
{
  VaniFakeReply *stall = transcript_reply ("never");
  gchar *text;

  vani_fake_reply_set_stall_after (stall, 0);
  vani_fake_server_queue_reply (server, STT, stall);
  speak (600);
  fail_unless (vani_fake_server_wait_requests (server, STT, 1, WAIT_MS));
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  fail_unless (vani_fake_server_wait_closed (server, 1, WAIT_MS));

  vani_fake_server_queue_reply (server, STT, transcript_reply ("after"));
  {
    GstSegment segment;

    gst_segment_init (&segment, GST_FORMAT_TIME);
    gst_harness_push_event (h, gst_event_new_segment (&segment));
  }
  speak (600);
  text = pull_text (NULL, NULL);
  fail_unless_equals_string (text, "after");
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_no_vad_whole_stream_at_eos)
{
  gchar *text;

  vani_fake_server_queue_reply (server, STT, transcript_reply ("all of it"));
  push_audio (800, TRUE);
  gst_harness_push_event (h, gst_event_new_eos ());
  text = pull_text (NULL, NULL);
  fail_unless_equals_string (text, "all of it");
  g_free (text);
}

GST_END_TEST;

static Suite *
vaniopenaistt_suite (void)
{
  Suite *s = suite_create ("vaniopenaistt");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_one_utterance);
  tcase_add_test (tc, test_overlapping_utterances_stay_in_order);
  tcase_add_test (tc, test_http_error_skips_utterance);
  tcase_add_test (tc, test_flush_cancels_and_next_works);
  tcase_add_test (tc, test_no_vad_whole_stream_at_eos);
  return s;
}

GST_CHECK_MAIN (vaniopenaistt);
