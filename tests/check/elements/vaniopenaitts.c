/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vaniopenaitts against the fake server: the request, PCM streamed in small
 * odd-sized chunks, error replies that skip one sentence, flush mid-stream.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/vani/vani.h>

#include "vanifakeserver.h"
#include "ttsrecorder.h"

#define SPEECH VANI_FAKE_SPEECH
#define WAIT_MS 20000
#define RATE 24000
#define MS_PER_CHAR 60          /* the fake server's default reply */
#define KEY "sk-tts-secret-key"

static VaniFakeServer *server;
static GstHarness *h;
static TtsRecorder *rec;
static GstBus *bus;

static void
setup (void)
{
  server = vani_fake_server_new (NULL);
  fail_unless (server != NULL);
  h = gst_harness_new ("vaniopenaitts");
  g_object_set (h->element, "base-url", vani_fake_server_get_base_url (server),
      "api-key", KEY, "model", "tts-test", "voice", "coral", NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  rec = tts_recorder_new (h);
  gst_harness_set_src_caps_str (h, "text/x-raw,format=utf8");
}

static void
teardown (void)
{
  tts_recorder_free (rec);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  vani_fake_server_free (server);
}

static guint64
samples_for (const gchar * text)
{
  return (guint64) g_utf8_strlen (text, -1) * MS_PER_CHAR * RATE / 1000;
}

static void
assert_dump (const gchar * expected)
{
  gchar *dump = tts_recorder_dump (rec);

  fail_unless_equals_string (dump, expected);
  g_free (dump);
}

static gchar *
warning_text (void)
{
  GstMessage *msg;
  gchar *text = NULL;

  while (!text && (msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *error = NULL;

    gst_message_parse_warning (msg, &error, NULL);
    text = g_strdup (error->message);
    g_error_free (error);
    gst_message_unref (msg);
  }
  return text;
}

GST_START_TEST (test_request_and_streamed_pcm)
{
  VaniFakeReply *reply;
  VaniFakeRequest *req;
  JsonObject *body;
  const gchar *first_text = "Your table is booked.",
      *second_text = "See you soon!";

  /* small odd-sized chunks: samples are split across reads */
  reply = vani_fake_reply_new_pcm (RATE, g_utf8_strlen (first_text, -1) *
      MS_PER_CHAR);
  vani_fake_reply_set_chunk_size (reply, 333);
  vani_fake_server_queue_reply (server, SPEECH, reply);
  g_object_set (h->element, "instructions", "Speak warmly.", NULL);

  tts_test_push_reply (h, 1, "Your table is booked. See you soon!", 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | "
      "tts-text:Your table is booked. | audio | tts-text:See you soon! | "
      "audio | tts-stopped | llm-response-end");
  fail_unless_equals_uint64 (tts_recorder_samples_after (rec,
          "tts-text:Your table is booked."), samples_for (first_text));
  fail_unless_equals_uint64 (tts_recorder_samples_after (rec,
          "tts-text:See you soon!"), samples_for (second_text));
  fail_unless_equals_int (tts_recorder_count_gaps (rec), 0);

  fail_unless (vani_fake_server_wait_requests (server, SPEECH, 2, WAIT_MS));
  req = vani_fake_server_get_request (server, SPEECH, 0);
  body = json_node_get_object (vani_fake_request_get_json (req));
  fail_unless_equals_string (json_object_get_string_member (body, "model"),
      "tts-test");
  fail_unless_equals_string (json_object_get_string_member (body, "voice"),
      "coral");
  fail_unless_equals_string (json_object_get_string_member (body, "input"),
      first_text);
  fail_unless_equals_string (json_object_get_string_member (body,
          "response_format"), "pcm");
  fail_unless_equals_string (json_object_get_string_member (body,
          "instructions"), "Speak warmly.");
  fail_if (json_object_has_member (body, "speed"));
  fail_unless_equals_string (vani_fake_request_get_header (req,
          "Authorization"), "Bearer " KEY);
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_http_error_skips_sentence)
{
  gchar *warning;

  vani_fake_server_queue_reply (server, SPEECH,
      vani_fake_reply_new_json (500, "{\"error\": {\"message\": \"voice "
          "overloaded for " KEY "\", \"type\": \"server_error\"}}"));
  tts_test_push_reply (h, 1, "First one. Second one.", 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | tts-text:First one. | "
      "tts-text:Second one. | audio | tts-stopped | llm-response-end");
  fail_unless_equals_uint64 (tts_recorder_samples_after (rec,
          "tts-text:Second one."), samples_for ("Second one."));

  warning = warning_text ();
  fail_unless (warning != NULL);
  fail_unless (strstr (warning, "HTTP 500") != NULL, "%s", warning);
  fail_unless (strstr (warning, "voice overloaded") != NULL, "%s", warning);
  fail_unless (strstr (warning, KEY) == NULL, "key leaked: %s", warning);
  g_free (warning);
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_html_error_page)
{
  gchar *warning;

  vani_fake_server_queue_reply (server, SPEECH, vani_fake_reply_new_text (503,
          "text/html", "<html>busy</html>"));
  tts_test_push_reply (h, 1, "Hello.", 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  warning = warning_text ();
  fail_unless (warning != NULL);
  fail_unless (strstr (warning, "HTTP 503") != NULL, "%s", warning);
  g_free (warning);

  /* the next reply works */
  tts_recorder_clear (rec);
  tts_test_push_reply (h, 2, "Hello again.", 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  fail_unless_equals_uint64 (tts_recorder_samples_after (rec,
          "tts-text:Hello again."), samples_for ("Hello again."));
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_flush_closes_connection)
{
  VaniFakeReply *slow = vani_fake_reply_new_pcm (RATE, 10000);

  vani_fake_reply_set_chunk_size (slow, 4800);
  vani_fake_reply_set_chunk_delay_ms (slow, 100);
  vani_fake_server_queue_reply (server, SPEECH, slow);
  tts_test_push_reply (h, 1, "A very long answer.", 0);
  fail_unless (tts_recorder_wait (rec, "audio"));

  tts_test_flush (h);
  /* the server sees the client leave */
  fail_unless (vani_fake_server_wait_closed (server, 1, WAIT_MS));

  tts_recorder_clear (rec);
  tts_test_push_reply (h, 2, "Short.", 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | tts-text:Short. | audio | "
      "tts-stopped | llm-response-end");
  fail_unless_equals_uint64 (tts_recorder_total_samples (rec),
      samples_for ("Short."));
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_flush_before_headers)
{
  VaniFakeReply *late = vani_fake_reply_new_pcm (RATE, 500);

  vani_fake_reply_set_headers_delay_ms (late, 3000);
  vani_fake_server_queue_reply (server, SPEECH, late);
  tts_test_push_reply (h, 1, "Waiting.", 0);
  fail_unless (vani_fake_server_wait_requests (server, SPEECH, 1, WAIT_MS));
  tts_test_flush (h);

  tts_recorder_clear (rec);
  tts_test_push_reply (h, 2, "Done.", 0);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | tts-text:Done. | audio | "
      "tts-stopped | llm-response-end");
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

static Suite *
vaniopenaitts_suite (void)
{
  Suite *s = suite_create ("vaniopenaitts");
  TCase *tc = tcase_create ("general");

  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_request_and_streamed_pcm);
  tcase_add_test (tc, test_http_error_skips_sentence);
  tcase_add_test (tc, test_html_error_page);
  tcase_add_test (tc, test_flush_closes_connection);
  tcase_add_test (tc, test_flush_before_headers);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (vaniopenaitts);
