/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The event vocabulary: every constructor, its direction, the classifier and
 * the parser of every field.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/vani/vani.h>

typedef struct
{
  GstVaniEventType type;
  gboolean upstream;
  gboolean downstream;
  gboolean serialized;
} Direction;

static const Direction directions[] = {
  {GST_VANI_EVENT_USER_STARTED_SPEAKING, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_USER_STOPPED_SPEAKING, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_INTERIM_TRANSCRIPTION, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_LLM_CONTEXT, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_LLM_RESPONSE_START, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_LLM_RESPONSE_END, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_FUNCTION_CALL_IN_PROGRESS, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_FUNCTION_CALL_RESULT, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_TTS_STARTED, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_TTS_TEXT, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_TTS_STOPPED, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_END_CONVERSATION, FALSE, TRUE, TRUE},
  {GST_VANI_EVENT_INTERRUPTION, FALSE, TRUE, FALSE},
  {GST_VANI_EVENT_BOT_STARTED_SPEAKING, TRUE, FALSE, FALSE},
  {GST_VANI_EVENT_BOT_STOPPED_SPEAKING, TRUE, FALSE, FALSE},
  {GST_VANI_EVENT_SPEAK, TRUE, TRUE, TRUE},
};

static GstEvent *
make_event (GstVaniEventType type, GstVaniContext * context)
{
  switch (type) {
    case GST_VANI_EVENT_USER_STARTED_SPEAKING:
      return gst_vani_event_new_user_started_speaking (GST_SECOND, 3);
    case GST_VANI_EVENT_USER_STOPPED_SPEAKING:
      return gst_vani_event_new_user_stopped_speaking (2 * GST_SECOND, 4);
    case GST_VANI_EVENT_INTERIM_TRANSCRIPTION:
      return gst_vani_event_new_interim_transcription ("नमस्ते", "hi");
    case GST_VANI_EVENT_LLM_CONTEXT:
      return gst_vani_event_new_llm_context (context);
    case GST_VANI_EVENT_LLM_RESPONSE_START:
      return gst_vani_event_new_llm_response_start (7);
    case GST_VANI_EVENT_LLM_RESPONSE_END:
      return gst_vani_event_new_llm_response_end (7);
    case GST_VANI_EVENT_FUNCTION_CALL_IN_PROGRESS:
      return gst_vani_event_new_function_call_in_progress ("c1", "f", "{}");
    case GST_VANI_EVENT_FUNCTION_CALL_RESULT:
      return gst_vani_event_new_function_call_result ("c1", "f", "{}",
          "{\"ok\":1}");
    case GST_VANI_EVENT_TTS_STARTED:
      return gst_vani_event_new_tts_started ();
    case GST_VANI_EVENT_TTS_TEXT:
      return gst_vani_event_new_tts_text ("Hello.");
    case GST_VANI_EVENT_TTS_STOPPED:
      return gst_vani_event_new_tts_stopped ();
    case GST_VANI_EVENT_END_CONVERSATION:
      return gst_vani_event_new_end_conversation (NULL);
    case GST_VANI_EVENT_INTERRUPTION:
      return gst_vani_event_new_interruption ();
    case GST_VANI_EVENT_BOT_STARTED_SPEAKING:
      return gst_vani_event_new_bot_started_speaking ();
    case GST_VANI_EVENT_BOT_STOPPED_SPEAKING:
      return gst_vani_event_new_bot_stopped_speaking ();
    case GST_VANI_EVENT_SPEAK:
      return gst_vani_event_new_speak ("Welcome!");
    default:
      return NULL;
  }
}

GST_START_TEST (test_every_event_is_classified_with_its_direction)
{
  GstVaniContext *context = gst_vani_context_new ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (directions); i++) {
    const Direction *d = &directions[i];
    GstEvent *event = make_event (d->type, context);
    const gchar *name = gst_vani_event_type_get_name (d->type);

    fail_unless (event != NULL);
    fail_unless_equals_int (gst_vani_event_get_event_type (event), d->type);
    fail_unless (g_str_has_prefix (name, "vani/"));
    fail_unless (gst_structure_has_name (gst_event_get_structure (event),
            name));
    fail_unless_equals_int (gst_vani_event_type_from_name (name), d->type);
    fail_unless (! !GST_EVENT_IS_UPSTREAM (event) == d->upstream, "%s", name);
    fail_unless (! !GST_EVENT_IS_DOWNSTREAM (event) == d->downstream, "%s",
        name);
    if (d->downstream)
      fail_unless (! !GST_EVENT_IS_SERIALIZED (event) == d->serialized, "%s",
          name);
    gst_event_unref (event);
  }
  fail_unless_equals_int (G_N_ELEMENTS (directions), GST_VANI_EVENT_SPEAK);
  g_object_unref (context);
}

GST_END_TEST;

GST_START_TEST (test_foreign_events_are_not_ours)
{
  GstEvent *event;

  event = gst_event_new_eos ();
  fail_unless_equals_int (gst_vani_event_get_event_type (event),
      GST_VANI_EVENT_NONE);
  fail_if (gst_vani_event_parse_speak (event, NULL));
  gst_event_unref (event);

  event = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new_empty ("other/thing"));
  fail_unless_equals_int (gst_vani_event_get_event_type (event),
      GST_VANI_EVENT_NONE);
  gst_event_unref (event);

  /* our name with the wrong direction is not ours either */
  event = gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM,
      gst_structure_new_empty ("vani/tts-text"));
  fail_unless_equals_int (gst_vani_event_get_event_type (event),
      GST_VANI_EVENT_NONE);
  gst_event_unref (event);
  fail_unless_equals_int (gst_vani_event_type_from_name ("vani/nope"),
      GST_VANI_EVENT_NONE);
}

GST_END_TEST;

GST_START_TEST (test_parse_every_field)
{
  GstClockTime stream_time, running_time;
  GstVaniContext *context = gst_vani_context_new (), *parsed = NULL;
  gchar *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  guint64 id;
  GstEvent *event;

  event = gst_vani_event_new_user_started_speaking (GST_SECOND, 5);
  fail_unless (gst_vani_event_parse_user_started_speaking (event,
          &stream_time, &running_time));
  fail_unless_equals_uint64 (stream_time, GST_SECOND);
  fail_unless_equals_uint64 (running_time, 5);
  fail_if (gst_vani_event_parse_user_stopped_speaking (event, NULL, NULL));
  gst_event_unref (event);

  event = gst_vani_event_new_user_stopped_speaking (GST_CLOCK_TIME_NONE,
      GST_CLOCK_TIME_NONE);
  fail_unless (gst_vani_event_parse_user_stopped_speaking (event,
          &stream_time, &running_time));
  fail_unless_equals_uint64 (stream_time, GST_CLOCK_TIME_NONE);
  gst_event_unref (event);

  event = gst_vani_event_new_interim_transcription ("नमस्ते 🙂", NULL);
  fail_unless (gst_vani_event_parse_interim_transcription (event, &a, &b));
  fail_unless_equals_string (a, "नमस्ते 🙂");
  fail_unless (b == NULL);
  g_clear_pointer (&a, g_free);
  gst_event_unref (event);

  event = gst_vani_event_new_llm_context (context);
  fail_unless (gst_vani_event_parse_llm_context (event, &parsed));
  fail_unless (parsed == context);
  g_object_unref (parsed);
  gst_event_unref (event);
  ASSERT_OBJECT_REFCOUNT (context, "context", 1);

  event = gst_vani_event_new_llm_response_end (42);
  fail_unless (gst_vani_event_parse_llm_response (event, &id));
  fail_unless_equals_uint64 (id, 42);
  gst_event_unref (event);

  event = gst_vani_event_new_function_call_result ("id1", "get_weather",
      "{\"city\":\"Pune\"}", "{\"t\":31}");
  fail_unless (gst_vani_event_parse_function_call_result (event, &a, &b, &c,
          &d));
  fail_unless_equals_string (a, "id1");
  fail_unless_equals_string (b, "get_weather");
  fail_unless_equals_string (c, "{\"city\":\"Pune\"}");
  fail_unless_equals_string (d, "{\"t\":31}");
  g_free (a);
  g_free (b);
  g_free (c);
  g_free (d);
  gst_event_unref (event);

  event = gst_vani_event_new_function_call_in_progress ("id2", "f", "{}");
  fail_unless (gst_vani_event_parse_function_call_in_progress (event, NULL,
          &b, NULL));
  fail_unless_equals_string (b, "f");
  g_free (b);
  gst_event_unref (event);

  event = gst_vani_event_new_tts_text ("Hello there.");
  fail_unless (gst_vani_event_parse_tts_text (event, &a));
  fail_unless_equals_string (a, "Hello there.");
  g_free (a);
  gst_event_unref (event);

  event = gst_vani_event_new_end_conversation ("goodbye");
  fail_unless (gst_vani_event_parse_end_conversation (event, &a));
  fail_unless_equals_string (a, "goodbye");
  g_free (a);
  gst_event_unref (event);

  event = gst_vani_event_new_speak ("Welcome!");
  fail_unless (gst_vani_event_parse_speak (event, &a));
  fail_unless_equals_string (a, "Welcome!");
  g_free (a);
  gst_event_unref (event);

  g_object_unref (context);
}

GST_END_TEST;

GST_START_TEST (test_bus_messages)
{
  GstObject *src = GST_OBJECT (gst_bin_new ("src"));
  GstStructure *usage;
  GstMessage *msg;
  gchar *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
  gboolean flag;
  GstClockTime t1, t2;
  GstVaniMetricsKind kind;
  gint64 tokens;

  msg = gst_vani_bus_message_new_transcript (src, "hello", TRUE, "en",
      GST_SECOND, 2 * GST_SECOND);
  fail_unless_equals_int (gst_vani_bus_message_get_message_type (msg),
      GST_VANI_BUS_MESSAGE_TRANSCRIPT);
  fail_unless (gst_vani_bus_message_parse_transcript (msg, &a, &flag, &b,
          &t1, &t2));
  fail_unless_equals_string (a, "hello");
  fail_unless_equals_string (b, "en");
  fail_unless (flag);
  fail_unless_equals_uint64 (t1, GST_SECOND);
  fail_unless_equals_uint64 (t2, 2 * GST_SECOND);
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);
  fail_if (gst_vani_bus_message_parse_error (msg, NULL, NULL, NULL));
  gst_message_unref (msg);

  msg = gst_vani_bus_message_new_user_stopped_speaking (src, 3 * GST_SECOND);
  fail_unless_equals_int (gst_vani_bus_message_get_message_type (msg),
      GST_VANI_BUS_MESSAGE_USER_STOPPED_SPEAKING);
  fail_unless (gst_vani_bus_message_parse_speaking (msg, &t1));
  fail_unless_equals_uint64 (t1, 3 * GST_SECOND);
  gst_message_unref (msg);

  msg = gst_vani_bus_message_new_bot_started_speaking (src);
  fail_unless (gst_vani_bus_message_parse_speaking (msg, &t1));
  fail_unless_equals_uint64 (t1, GST_CLOCK_TIME_NONE);
  gst_message_unref (msg);

  msg = gst_vani_bus_message_new_metrics_time (src, "llm",
      GST_VANI_METRICS_TTFB, 250 * GST_MSECOND);
  fail_unless (gst_vani_bus_message_parse_metrics (msg, &a, &kind, &t1));
  fail_unless_equals_string (a, "llm");
  fail_unless_equals_int (kind, GST_VANI_METRICS_TTFB);
  fail_unless_equals_uint64 (t1, 250 * GST_MSECOND);
  g_clear_pointer (&a, g_free);
  gst_message_unref (msg);

  usage = gst_structure_new ("usage", "prompt-tokens", G_TYPE_INT64,
      (gint64) 12, NULL);
  msg = gst_vani_bus_message_new_metrics_usage (src, "llm", usage);
  gst_structure_free (usage);
  fail_unless (gst_vani_bus_message_parse_metrics (msg, NULL, &kind, &t1));
  fail_unless_equals_int (kind, GST_VANI_METRICS_USAGE);
  fail_unless_equals_uint64 (t1, GST_CLOCK_TIME_NONE);
  fail_unless (gst_structure_get_int64 (gst_message_get_structure (msg),
          "prompt-tokens", &tokens));
  fail_unless_equals_int64 (tokens, 12);
  gst_message_unref (msg);

  msg = gst_vani_bus_message_new_tool_call (src, "c1", "f", "{}", "{\"r\":1}",
      NULL);
  fail_unless (gst_vani_bus_message_parse_tool_call (msg, &a, &b, &c, &d,
          &e));
  fail_unless_equals_string (b, "f");
  fail_unless_equals_string (d, "{\"r\":1}");
  fail_unless (e == NULL);
  g_free (a);
  g_free (b);
  g_free (c);
  g_free (d);
  gst_message_unref (msg);

  msg = gst_vani_bus_message_new_error (src, "llm", "HTTP 500", FALSE);
  fail_unless (gst_vani_bus_message_parse_error (msg, &a, &b, &flag));
  fail_unless_equals_string (a, "llm");
  fail_unless_equals_string (b, "HTTP 500");
  fail_if (flag);
  g_free (a);
  g_free (b);
  gst_message_unref (msg);

  msg = gst_message_new_eos (src);
  fail_unless_equals_int (gst_vani_bus_message_get_message_type (msg),
      GST_VANI_BUS_MESSAGE_NONE);
  gst_message_unref (msg);
  gst_object_unref (src);
}

GST_END_TEST;

static Suite *
events_suite (void)
{
  Suite *s = suite_create ("vani-events");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_event_is_classified_with_its_direction);
  tcase_add_test (tc, test_foreign_events_are_not_ours);
  tcase_add_test (tc, test_parse_every_field);
  tcase_add_test (tc, test_bus_messages);
  return s;
}

GST_CHECK_MAIN (events);
