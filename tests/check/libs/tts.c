/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The GstVaniTTS base class with a scripted engine: sentence aggregation,
 * event/audio order, the speak event, flush and interruption mid-sentence,
 * failed sentences, timestamps after a gap, metrics.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/vani/vani.h>

#include "ttsrecorder.h"

#define RATE 16000
#define SAMPLES_PER_CHAR 100
#define CHUNK_SAMPLES 160

/* ------------------------------------------------------------------------ */
/* The scripted engine: SAMPLES_PER_CHAR samples per character of the text,
 * in small chunks, from the synthesis thread. A text with "FAIL" fails; a
 * text with "HOLD" pushes one chunk and then waits to be cancelled.        */

typedef struct
{
  GstVaniTTS parent;
} TestTTS;

typedef struct
{
  GstVaniTTSClass parent_class;
} TestTTSClass;

static GType test_tts_get_type (void);
G_DEFINE_TYPE (TestTTS, test_tts, GST_VANI_TYPE_TTS);

static GMutex engine_lock;
static GCond engine_cond;
static guint n_cancelled;
static GPtrArray *synthesized;  /* texts the engine was given */

static GstStaticPadTemplate test_src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) S16LE, "
        "layout = (string) interleaved, channels = (int) 1, "
        "rate = (int) 16000"));

static gboolean
test_tts_start (GstVaniTTS * tts)
{
  gst_vani_tts_set_sample_rate (tts, RATE);
  return TRUE;
}

static void
hold_until_cancelled (GstVaniTTSSentence * s)
{
  g_mutex_lock (&engine_lock);
  while (!gst_vani_tts_sentence_is_cancelled (s))
    g_cond_wait_until (&engine_cond, &engine_lock,
        g_get_monotonic_time () + 10 * G_TIME_SPAN_MILLISECOND);
  n_cancelled++;
  g_cond_broadcast (&engine_cond);
  g_mutex_unlock (&engine_lock);
}

static void
test_tts_synthesize (GstVaniTTS * tts, GstVaniTTSSentence * s)
{
  const gchar *text = gst_vani_tts_sentence_get_text (s);
  guint64 total = g_utf8_strlen (text, -1) * SAMPLES_PER_CHAR, done;
  gint16 chunk[CHUNK_SAMPLES] = { 0 };

  g_mutex_lock (&engine_lock);
  g_ptr_array_add (synthesized, g_strdup (text));
  g_mutex_unlock (&engine_lock);

  if (strstr (text, "FAIL")) {
    GError *error = g_error_new_literal (GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_FAILED, "the engine refused");

    gst_vani_tts_sentence_finish (s, error);
    g_error_free (error);
    return;
  }
  for (done = 0; done < total; done += CHUNK_SAMPLES) {
    guint n = MIN (CHUNK_SAMPLES, total - done);

    gst_vani_tts_sentence_push_audio (s, (const guint8 *) chunk, n * 2);
    if (strstr (text, "HOLD")) {
      hold_until_cancelled (s);
      break;
    }
  }
  gst_vani_tts_sentence_finish (s, NULL);
}

static void
test_tts_init (TestTTS * self)
{
}

static void
test_tts_class_init (TestTTSClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVaniTTSClass *tts_class = GST_VANI_TTS_CLASS (klass);

  tts_class->start = test_tts_start;
  tts_class->synthesize = test_tts_synthesize;
  gst_element_class_add_static_pad_template (element_class,
      &test_src_template);
  gst_element_class_set_static_metadata (element_class, "Test TTS",
      "Filter/Audio", "scripted engine", "gst-rustvani");
}

/* ------------------------------------------------------------------------ */

static GstHarness *h;
static TtsRecorder *rec;
static GstBus *bus;

static void
setup (void)
{
  synthesized = g_ptr_array_new_with_free_func (g_free);
  n_cancelled = 0;
  gst_element_register (NULL, "testtts", GST_RANK_NONE, test_tts_get_type ());
  h = gst_harness_new ("testtts");
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
  g_ptr_array_unref (synthesized);
}

static void
push_text (const gchar * text)
{
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_memdup (text, strlen (text))), GST_FLOW_OK);
}

static void
assert_dump (const gchar * expected)
{
  gchar *dump = tts_recorder_dump (rec);

  fail_unless_equals_string (dump, expected);
  g_free (dump);
}

static void
wait_cancelled (guint n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&engine_lock);
  while (n_cancelled < n && g_cond_wait_until (&engine_cond, &engine_lock,
          deadline));
  fail_unless_equals_int (n_cancelled, n);
  g_mutex_unlock (&engine_lock);
}

static guint64
samples_for (const gchar * text)
{
  return g_utf8_strlen (text, -1) * SAMPLES_PER_CHAR;
}

/* The first bus message of @type posted so far, or NULL. */
static GstMessage *
find_message (GstMessageType type, GstVaniBusMessageType vani_type)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (msg) == type && (vani_type == 0 ||
            gst_vani_bus_message_get_message_type (msg) == vani_type))
      return msg;
    gst_message_unref (msg);
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */

GST_START_TEST (test_streamed_reply_order)
{
  tts_test_push_reply (h, 1, "Hello there. How are you today? Fine", 3);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | tts-text:Hello there. | "
      "audio | tts-text:How are you today? | audio | tts-text:Fine | audio | "
      "tts-stopped | llm-response-end");
  fail_unless_equals_uint64 (tts_recorder_samples_after (rec,
          "tts-text:Hello there."), samples_for ("Hello there."));
  fail_unless_equals_uint64 (tts_recorder_samples_after (rec,
          "tts-text:How are you today?"), samples_for ("How are you today?"));
  /* the first buffer starts at 0, the rest follow without gaps */
  fail_unless_equals_uint64 (tts_recorder_first_pts_after (rec,
          "tts-text:Hello there.", NULL), 0);
  fail_unless_equals_int (tts_recorder_count_gaps (rec), 0);
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_sentence_waits_for_next_token)
{
  fail_unless (gst_harness_push_event (h,
          gst_vani_event_new_llm_response_start (1)));
  push_text ("Dr. Smith arrived.");
  /* "arrived." may still be "arrived.com": nothing is said yet */
  push_text (" Then");
  fail_unless (tts_recorder_wait (rec, "tts-text:Dr. Smith arrived."));
  fail_unless (gst_harness_push_event (h,
          gst_vani_event_new_llm_response_end (1)));
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | "
      "tts-text:Dr. Smith arrived. | audio | tts-text:Then | audio | "
      "tts-stopped | llm-response-end");
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_reply_without_text)
{
  tts_test_push_reply (h, 1, "", 1);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | llm-response-end");
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_markdown_and_emoji_not_spoken)
{
  const gchar *said = "**Great** choice 😀!";
  gchar *spoken = gst_vani_text_filter (said,
      GST_VANI_TEXT_FILTER_MARKDOWN | GST_VANI_TEXT_FILTER_EMOJI);

  tts_test_push_reply (h, 1, said, 4);
  fail_unless (tts_recorder_wait (rec, "tts-stopped"));
  /* the context gets what was written; the engine what is read aloud */
  fail_unless (strstr (spoken, "*") == NULL);
  fail_unless_equals_int (synthesized->len, 1);
  fail_unless_equals_string (g_ptr_array_index (synthesized, 0),
      g_strstrip (spoken));
  fail_unless_equals_uint64 (tts_recorder_samples_after (rec,
          "tts-text:**Great** choice 😀!"), samples_for (spoken));
  g_free (spoken);
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_word_streaming_without_aggregation)
{
  g_object_set (h->element, "aggregate-sentences", FALSE, NULL);
  tts_test_push_reply (h, 1, "Hi there", 3);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | tts-text:Hi | audio | "
      "tts-text:the | audio | tts-text:re | audio | tts-stopped | "
      "llm-response-end");
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_speak_event)
{
  fail_unless (gst_element_send_event (h->element,
          gst_vani_event_new_speak ("Welcome! Please take a seat.")));
  fail_unless (tts_recorder_wait (rec, "tts-stopped"));
  assert_dump ("tts-started | tts-text:Welcome! | audio | "
      "tts-text:Please take a seat. | audio | tts-stopped");

  /* and from downstream, upstream into the source pad */
  tts_recorder_clear (rec);
  fail_unless (gst_harness_push_upstream_event (h,
          gst_vani_event_new_speak ("Goodbye.")));
  fail_unless (tts_recorder_wait (rec, "tts-stopped"));
  assert_dump ("tts-started | tts-text:Goodbye. | audio | tts-stopped");
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_flush_mid_sentence)
{
  fail_unless (gst_harness_push_event (h,
          gst_vani_event_new_llm_response_start (1)));
  push_text ("Please HOLD this line. And this is never said. ");
  fail_unless (tts_recorder_wait (rec, "audio"));

  tts_test_flush (h);
  wait_cancelled (1);
  tts_recorder_clear (rec);

  tts_test_push_reply (h, 2, "Next reply.", 2);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | tts-text:Next reply. | "
      "audio | tts-stopped | llm-response-end");
  fail_unless_equals_uint64 (tts_recorder_total_samples (rec),
      samples_for ("Next reply."));
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_interruption_mid_sentence)
{
  fail_unless (gst_harness_push_event (h,
          gst_vani_event_new_llm_response_start (1)));
  push_text ("Please HOLD this line. And this is never said. Nor");
  fail_unless (tts_recorder_wait (rec, "audio"));

  fail_unless (gst_harness_push_event (h, gst_vani_event_new_interruption ()));
  wait_cancelled (1);
  fail_unless (tts_recorder_wait (rec, "interruption"));
  tts_recorder_clear (rec);

  /* no flush: the next reply still starts clean */
  tts_test_push_reply (h, 2, "Yes?", 2);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | tts-text:Yes? | audio | "
      "tts-stopped | llm-response-end");
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_failed_sentence_is_skipped)
{
  GstMessage *msg;
  gchar *service = NULL, *text = NULL;

  tts_test_push_reply (h, 1, "This will FAIL. Fine.", 5);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  assert_dump ("llm-response-start | tts-started | tts-text:This will FAIL. | "
      "tts-text:Fine. | audio | tts-stopped | llm-response-end");

  msg = find_message (GST_MESSAGE_WARNING, 0);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  msg = find_message (GST_MESSAGE_ELEMENT, GST_VANI_BUS_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless (gst_vani_bus_message_parse_error (msg, &service, &text, NULL));
  fail_unless_equals_string (service, "tts");
  fail_unless (strstr (text, "the engine refused") != NULL);
  g_free (service);
  g_free (text);
  gst_message_unref (msg);
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_live_timestamps_after_gap)
{
  GstTestClock *clock = GST_TEST_CLOCK (gst_harness_get_testclock (h));
  gboolean discont = FALSE;

  tts_test_push_reply (h, 1, "One.", 2);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  tts_recorder_clear (rec);
  /* the second reply comes 5 s later: it starts now, not in the past */
  gst_test_clock_set_time (clock, 5 * GST_SECOND);
  tts_test_push_reply (h, 2, "Two.", 2);
  fail_unless (tts_recorder_wait (rec, "llm-response-end"));
  fail_unless_equals_uint64 (tts_recorder_first_pts_after (rec, "tts-text:Two.",
          &discont), 5 * GST_SECOND);
  fail_unless (discont);
  gst_object_unref (clock);
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_metrics)
{
  GstMessage *msg;
  GstVaniMetricsKind kind;
  GstClockTime value;
  gboolean ttfb = FALSE, usage = FALSE;

  tts_test_push_reply (h, 1, "Twelve chars", 4);
  fail_unless (tts_recorder_wait (rec, "tts-stopped"));
  while ((msg = find_message (GST_MESSAGE_ELEMENT,
              GST_VANI_BUS_MESSAGE_METRICS))) {
    const GstStructure *s = gst_message_get_structure (msg);
    guint64 chars = 0;

    if (gst_vani_bus_message_parse_metrics (msg, NULL, &kind, &value)
        && kind == GST_VANI_METRICS_TTFB)
      ttfb = GST_CLOCK_TIME_IS_VALID (value);
    if (gst_structure_get_uint64 (s, "characters", &chars)) {
      fail_unless_equals_uint64 (chars, 12);
      usage = TRUE;
    }
    gst_message_unref (msg);
  }
  fail_unless (ttfb);
  fail_unless (usage);
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

GST_START_TEST (test_plain_text_until_eos)
{
  push_text ("A file. Read aloud");
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (tts_recorder_wait (rec, "eos"));
  assert_dump ("tts-started | tts-text:A file. | audio | "
      "tts-text:Read aloud | audio | tts-stopped | eos");
  /* in the test body: GST_END_TEST waits for every task to stop */
  teardown ();
}

GST_END_TEST;

static Suite *
tts_suite (void)
{
  Suite *s = suite_create ("tts");
  TCase *tc = tcase_create ("general");

  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_streamed_reply_order);
  tcase_add_test (tc, test_sentence_waits_for_next_token);
  tcase_add_test (tc, test_reply_without_text);
  tcase_add_test (tc, test_markdown_and_emoji_not_spoken);
  tcase_add_test (tc, test_word_streaming_without_aggregation);
  tcase_add_test (tc, test_speak_event);
  tcase_add_test (tc, test_flush_mid_sentence);
  tcase_add_test (tc, test_interruption_mid_sentence);
  tcase_add_test (tc, test_failed_sentence_is_skipped);
  tcase_add_test (tc, test_live_timestamps_after_gap);
  tcase_add_test (tc, test_metrics);
  tcase_add_test (tc, test_plain_text_until_eos);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (tts);
