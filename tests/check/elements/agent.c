/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vaniagent end to end, offline with the fake server: a spoken WAV in →
 * the right user text in the context → the LLM request holds it → an
 * answer of plausible length out → EOS ends everything cleanly. Once with
 * the input queue, once without (input-queue=false).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/vani/vani.h>

#include "vanifakeserver.h"

#define ANSWER "A table for two is booked."

static guint64 answer_bytes;

static GstPadProbeReturn
count_audio (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  answer_bytes += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_spoken_turn)
{
  gboolean input_queue = __i__ == 0;
  const gchar *answers[] = { ANSWER, NULL };
  VaniFakeServer *server = vani_fake_server_new (NULL);
  gchar *desc;
  GstElement *pipeline, *agent, *sink, *queue;
  GstVaniContext *context = NULL;
  GstVaniMessage *last;
  GstMessage *msg;
  GstPad *pad;
  JsonObject *request;
  JsonArray *messages;

  vani_fake_server_set_answers (server, answers);
  desc = g_strdup_printf ("filesrc location=%s/media/stt/book-table.wav "
      "! wavparse ! vaniagent name=agent input-queue=%s "
      "stt=\"vanisphinxstt grammar=%s/media/stt/restaurant.gram\" "
      "llm=\"vanillm base-url=%s api-key=sk-test\" tts=vaniespeaktts "
      "! fakesink name=sink sync=false", VANI_TESTS_DIR,
      input_queue ? "true" : "false", VANI_TESTS_DIR,
      vani_fake_server_get_base_url (server));
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  agent = gst_bin_get_by_name (GST_BIN (pipeline), "agent");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_audio, NULL, NULL);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  queue = gst_bin_get_by_name (GST_BIN (agent), "input");
  fail_unless_equals_int (queue != NULL, input_queue);
  gst_clear_object (&queue);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "no clean EOS");
  gst_message_unref (msg);

  /* the user's words, then the bot's, in the context */
  g_object_get (agent, "context", &context, NULL);
  fail_unless_equals_int (gst_vani_context_get_n_messages (context), 2);
  last = gst_vani_context_get_message (context, 0);
  fail_unless_equals_string (gst_vani_message_get_content (last),
      "book a table for two people");
  gst_vani_message_unref (last);
  last = gst_vani_context_get_last_message (context);
  fail_unless_equals_string (gst_vani_message_get_content (last), ANSWER);
  gst_vani_message_unref (last);

  /* the request held the user's words */
  request = json_node_get_object (vani_fake_request_get_json
      (vani_fake_server_get_request (server, VANI_FAKE_CHAT, 0)));
  messages = json_object_get_array_member (request, "messages");
  fail_unless_equals_string (json_object_get_string_member
      (json_array_get_object_element (messages, 0), "content"),
      "book a table for two people");

  /* espeak-ng says 26 characters in roughly 1-4 s (22050 Hz, 16-bit) */
  fail_unless (answer_bytes > 22050 * 2 && answer_bytes < 22050 * 2 * 4,
      "%" G_GUINT64_FORMAT " bytes of answer", answer_bytes);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_object_unref (context);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (agent);
  gst_object_unref (pipeline);
  g_free (desc);
  vani_fake_server_free (server);
}

GST_END_TEST;

static Suite *
agent_suite (void)
{
  Suite *s = suite_create ("agent");
  TCase *tc = tcase_create ("general");

  tcase_add_loop_test (tc, test_spoken_turn, 0, 2);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (agent);
