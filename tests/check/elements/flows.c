/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Dhara flows end to end: vaniuseraggregator flow=... ! vanillm !
 * vaniopenaitts ! vaniassistantaggregator against the fake server, which
 * scripts the LLM's tool calls. Each test checks what the LLM was sent at
 * each node (messages and tools), the transitions and the flow's state.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/vani/vani.h>

#include "vanichat.h"

#define CHAT VANI_FAKE_CHAT
#define RESTAURANT VANI_TESTS_DIR "/../docs/flows/restaurant.json"
#define PERSONA "system: You are the host of the Lotus restaurant, taking a " \
  "table booking by phone. Your answers are spoken aloud: keep them short " \
  "and friendly, no lists or markdown."

static void
queue_text (const gchar * text)
{
  vani_fake_server_queue_reply (vani_chat_server (), CHAT,
      vani_fake_reply_new_text_stream (text, FALSE));
}

static void
queue_call (const gchar * name, const gchar * arguments)
{
  const gchar *ids[] = { "call_1" }, *names[] = { name };
  const gchar *args[] = { arguments };

  vani_fake_server_queue_reply (vani_chat_server (), CHAT,
      vani_fake_reply_new_tool_calls_stream (1, ids, names, args));
}

/* Starts a chat whose user aggregator runs @flow_properties; the speech
 * replies are short, so turns are quick. */
static void
start_flow_chat (const gchar * flow_properties)
{
  vani_chat_prepare (flow_properties, NULL);
  vani_fake_server_set_speech_ms_per_char (vani_chat_server (), 1);
}

static GstVaniFlow *
get_flow (void)
{
  GstElement *user = vani_chat_user ();
  GstVaniFlow *flow = NULL;

  g_object_get (user, "flow-object", &flow, NULL);
  gst_object_unref (user);
  fail_unless (flow != NULL);
  return flow;
}

static void
assert_request (guint index, const gchar * contents, const gchar * tools)
{
  gchar *sent = vani_chat_request_contents (index);
  gchar *offered = vani_chat_request_tools (index);

  fail_unless_equals_string (sent, contents);
  fail_unless_equals_string (offered, tools);
  g_free (sent);
  g_free (offered);
}

static void
record_node (GstVaniFlow * flow, const gchar * from, const gchar * to,
    const gchar * reason, GString * walk)
{
  g_string_append_printf (walk, "%s%s(%s)", walk->len ? " > " : "", to,
      reason);
}

/* Buffers and events leaving the assistant aggregator, in order. */
static GstPadProbeReturn
record_output (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GString *out = data;
  gchar *text = NULL;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    if (!g_str_has_suffix (out->str, "B"))
      g_string_append (out, " B");
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_EOS) {
    g_string_append (out, " EOS");
  } else if (gst_vani_event_parse_tts_text (GST_PAD_PROBE_INFO_EVENT (info),
          &text)) {
    g_string_append_printf (out, " [%s]", text);
    g_free (text);
  }
  return GST_PAD_PROBE_OK;
}

static gulong
probe_output (GString * out)
{
  GstElement *bot = gst_harness_find_element (vani_chat_harness (),
      "vaniassistantaggregator");
  GstPad *pad = gst_element_get_static_pad (bot, "src");
  gulong id = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_output, out, NULL);

  gst_object_unref (pad);
  gst_object_unref (bot);
  return id;
}

/* The restaurant flow of docs/flows, walked from greeting to goodbye: at
 * each node the request holds exactly that node's messages and tools. */
GST_START_TEST (test_restaurant_walk)
{
  GstVaniFlow *flow;
  GString *walk = g_string_new (NULL), *out = g_string_new (NULL);
  gchar *value;

  start_flow_chat ("flow=" RESTAURANT);
  flow = get_flow ();
  g_signal_connect (flow, "node-entered", G_CALLBACK (record_node), walk);
  probe_output (out);
  queue_text ("Welcome to the Lotus! How many people?");
  queue_call ("record_party_size", "{\"size\": 4}");
  queue_text ("Lovely. What time would you like?");
  queue_call ("record_time", "{\"time\": \"19:30\"}");
  queue_text ("You are booked for four at half past seven. Goodbye!");

  /* the flow starts itself: the bot speaks first */
  vani_chat_begin ();
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));
  assert_request (0, PERSONA " | system: Greet the caller and ask how many "
      "people the booking is for.", "record_party_size");

  vani_chat_user_says ("Four of us.");
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));
  assert_request (1, PERSONA " | system: Greet the caller and ask how many "
      "people the booking is for. | assistant: Welcome to the Lotus! How "
      "many people? | user: Four of us.", "record_party_size");
  /* append: the history stays, the new task and tools come in */
  assert_request (2, PERSONA " | system: Greet the caller and ask how many "
      "people the booking is for. | assistant: Welcome to the Lotus! How "
      "many people? | user: Four of us. | assistant: (tool call) | tool: "
      "{\"status\": \"acknowledged\"} | system: The booking is for 4 people. "
      "Ask what time they would like to come, between 5 PM and 10 PM.",
      "record_time");

  vani_chat_user_says ("Half past seven.");
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_FLOW_ENDED));
  assert_request (4, PERSONA " | system: Greet the caller and ask how many "
      "people the booking is for. | assistant: Welcome to the Lotus! How "
      "many people? | user: Four of us. | assistant: (tool call) | tool: "
      "{\"status\": \"acknowledged\"} | system: The booking is for 4 people. "
      "Ask what time they would like to come, between 5 PM and 10 PM. | "
      "assistant: Lovely. What time would you like? | user: Half past "
      "seven. | assistant: (tool call) | tool: {\"status\": "
      "\"acknowledged\"} | system: Confirm the booking for 4 people at 19:30 "
      "in one sentence, then say goodbye.", "");

  /* end_conversation: EOS right after the goodbye's audio */
  while (!strstr (out->str, "EOS"))
    g_usleep (10000);
  fail_unless (g_str_has_suffix (out->str, "[Goodbye!] B EOS"), "%s",
      out->str);
  fail_unless_equals_string (walk->str, "greeting(start) > "
      "choose_time(record_party_size) > confirm(record_time)");
  value = gst_vani_flow_get_state_value (flow, "size");
  fail_unless_equals_string (value, "4");
  g_free (value);
  value = gst_vani_flow_get_state_value (flow, "time");
  fail_unless_equals_string (value, "\"19:30\"");
  g_free (value);
  fail_unless (gst_vani_flow_has_ended (flow));

  g_object_unref (flow);
  vani_chat_stop ();
  g_string_free (walk, TRUE);
  g_string_free (out, TRUE);
}

GST_END_TEST;

static void
answer_availability (GstElement * llm, const gchar * name,
    const gchar * arguments, const gchar * call_id, GstPromise * promise,
    gpointer user_data)
{
  GstVaniFlow *flow = user_data;

  /* the handler builds the node it sends the conversation to */
  fail_unless (gst_vani_flow_add_node_from_json (flow, "waitlist",
          "{\"task_messages\": [{\"role\": \"system\", \"content\": \"We are "
          "full at {{time}}: offer the waiting list.\"}], \"functions\": "
          "[{\"name\": \"join_waitlist\", \"description\": \"Join it\"}]}",
          NULL));
  gst_promise_reply (promise, gst_vani_flow_reply_new ("{\"free\": false}",
          "waitlist"));
}

#define DYNAMIC_FLOW "{\"initial_node\": \"ask\", \"nodes\": {\"ask\": {" \
  "\"role_message\": \"You book tables.\", \"task_messages\": [{\"role\": " \
  "\"system\", \"content\": \"Ask for a time.\"}], \"functions\": [{\"type\":" \
  " \"function\", \"function\": {\"name\": \"check_availability\", " \
  "\"handler\": \"check_availability\", \"parameters\": {\"type\": " \
  "\"object\", \"properties\": {\"time\": {\"type\": \"string\"}}}}}]}}}"

/* A function with a handler goes to the application's tool-call handler,
 * whose answer names the next node, a node it has just added. */
GST_START_TEST (test_handler_chooses_node)
{
  GstVaniFlow *flow = gst_vani_flow_new_from_data (DYNAMIC_FLOW, -1, NULL);
  GstElement *user, *llm;
  GstMessage *msg;
  gchar *node;

  fail_unless (flow != NULL);
  start_flow_chat ("");
  user = vani_chat_user ();
  g_object_set (user, "flow-object", flow, NULL);
  gst_object_unref (user);
  llm = gst_harness_find_element (vani_chat_harness (), "vanillm");
  g_signal_connect (llm, "tool-call", G_CALLBACK (answer_availability), flow);
  queue_text ("What time?");
  queue_call ("check_availability", "{\"time\": \"20:00\"}");
  queue_text ("Sorry, we are full. Shall I add you to the waiting list?");

  vani_chat_begin ();
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));
  vani_chat_user_says ("Eight o'clock.");
  /* the handler's arguments become flow state, then the node changes */
  msg = vani_chat_wait_message (GST_VANI_BUS_MESSAGE_FLOW_STATE_CHANGED);
  fail_unless (msg != NULL);
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (msg), "key"), "time");
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (msg), "value"), "\"20:00\"");
  gst_message_unref (msg);
  msg = vani_chat_wait_message (GST_VANI_BUS_MESSAGE_FLOW_NODE_ENTERED);
  fail_unless (msg != NULL);
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (msg), "from"), "ask");
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (msg), "to"), "waitlist");
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (msg), "reason"), "check_availability");
  gst_message_unref (msg);
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));
  assert_request (2, "system: You book tables. | system: Ask for a time. | "
      "assistant: What time? | user: Eight o'clock. | assistant: (tool call) "
      "| tool: {\"free\": false} | system: We are full at 20:00: offer the "
      "waiting list.", "join_waitlist");
  node = gst_vani_flow_get_current_node (flow);
  fail_unless_equals_string (node, "waitlist");
  g_free (node);

  gst_object_unref (llm);
  vani_chat_stop ();
  g_object_unref (flow);
}

GST_END_TEST;

/* A call for a function the node does not offer: an error result the LLM
 * reads, and the node is kept. */
GST_START_TEST (test_function_not_in_node)
{
  GstVaniFlow *flow;
  GstVaniContext *context;
  gchar *node;
  guint n;

  start_flow_chat ("flow=" RESTAURANT);
  queue_text ("Hello! How many people?");
  queue_call ("record_time", "{\"time\": \"19:30\"}");
  queue_text ("First, how many people will there be?");
  vani_chat_begin ();
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));
  vani_chat_user_says ("At half past seven.");
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));

  flow = get_flow ();
  node = gst_vani_flow_get_current_node (flow);
  fail_unless_equals_string (node, "greeting");
  g_free (node);
  context = vani_chat_context ();
  n = gst_vani_context_get_n_messages (context);
  fail_unless (strstr (vani_chat_content_of (context, n - 2),
          "'record_time' is not available") != NULL, "%s",
      vani_chat_content_of (context, n - 2));
  {
    gchar *tools = vani_chat_request_tools (2);

    fail_unless_equals_string (tools, "record_party_size");
    g_free (tools);
  }
  g_object_unref (context);
  g_object_unref (flow);
  vani_chat_stop ();
}

GST_END_TEST;

#define STRATEGY_FLOW "{\"initial_node\": \"a\", \"nodes\": {" \
  "\"a\": {\"role_messages\": [{\"role\": \"system\", \"content\": " \
  "\"Persona.\"}], \"task_messages\": [{\"role\": \"system\", \"content\": " \
  "\"Task A.\"}], \"functions\": [{\"name\": \"go_b\", \"transition_to\": " \
  "\"b\"}]}, " \
  "\"b\": {\"context_strategy\": \"RESET\", \"pre_actions\": [{\"type\": " \
  "\"function\", \"handler\": \"enter_b\"}], \"post_actions\": [{\"type\": " \
  "\"function\", \"handler\": \"spoke_b\"}], \"task_messages\": [{\"role\": " \
  "\"system\", \"content\": \"Task B.\"}], \"functions\": [{\"name\": " \
  "\"go_c\", \"transition_to\": \"c\"}]}, " \
  "\"c\": {\"context_strategy\": {\"strategy\": \"reset_with_summary\", " \
  "\"summary_prompt\": \"Summarise the call.\"}, \"respond_immediately\": " \
  "false, \"pre_actions\": [{\"type\": \"tts_say\", \"text\": \"One " \
  "moment.\"}], \"task_messages\": [{\"role\": \"system\", \"content\": " \
  "\"Task C.\"}]}}}"

static void
count_action (GstVaniFlow * flow, const gchar * handler, GString * log)
{
  g_string_append_printf (log, "%s%s", log->len ? " " : "", handler);
}

/* reset keeps only the persona and the new task; reset_with_summary asks
 * for a summary first (one non-streamed request); respond_immediately
 * false waits for the user; a tts_say pre-action is spoken; function
 * actions reach the application, post-actions once the reply was heard. */
GST_START_TEST (test_strategies)
{
  GstVaniFlow *flow = gst_vani_flow_new_from_data (STRATEGY_FLOW, -1, NULL);
  GstElement *user;
  JsonObject *summary_request;
  VaniFakeRequest *speech;
  guint n_speech;

  GString *actions = g_string_new (NULL);

  fail_unless (flow != NULL);
  g_signal_connect (flow, "action::enter_b", G_CALLBACK (count_action),
      actions);
  g_signal_connect (flow, "action::spoke_b", G_CALLBACK (count_action),
      actions);
  start_flow_chat ("");
  user = vani_chat_user ();
  g_object_set (user, "flow-object", flow, NULL);
  gst_object_unref (user);
  queue_text ("Hi, this is A.");
  queue_call ("go_b", "{}");
  queue_text ("Now in B.");
  queue_call ("go_c", "{}");
  vani_fake_server_queue_reply (vani_chat_server (), CHAT,
      vani_fake_reply_new_json (200, "{\"choices\": [{\"message\": {\"role\":"
          " \"assistant\", \"content\": \"The caller went through A and "
          "B.\"}}]}"));

  vani_chat_begin ();
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));
  vani_chat_user_says ("Go on.");
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STARTED_SPEAKING));
  fail_unless_equals_string (actions->str, "enter_b");  /* not heard yet */
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));
  assert_request (2, "system: Persona. | system: Task B.", "go_c");
  fail_unless_equals_string (actions->str, "enter_b spoke_b");

  vani_chat_user_says ("Next.");
  fail_unless (vani_fake_server_wait_requests (vani_chat_server (), CHAT, 5,
          VANI_CHAT_WAIT_MS));
  summary_request = json_node_get_object (vani_fake_request_get_json
      (vani_fake_server_get_request (vani_chat_server (), CHAT, 4)));
  fail_unless (!json_object_get_boolean_member (summary_request, "stream"));
  fail_if (json_object_has_member (summary_request, "tools"));
  {
    gchar *sent = vani_chat_request_contents (4);

    fail_unless (g_str_has_suffix (sent, "| user: Next. | assistant: "
            "(tool call) | tool: {\"status\": \"acknowledged\"} | system: "
            "Summarise the call."), "%s", sent);
    g_free (sent);
  }

  /* the pre-action is spoken; the LLM waits for the user */
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));
  n_speech = vani_fake_server_get_n_requests (vani_chat_server (),
      VANI_FAKE_SPEECH);
  speech = vani_fake_server_get_request (vani_chat_server (),
      VANI_FAKE_SPEECH, n_speech - 1);
  fail_unless_equals_string (json_object_get_string_member
      (json_node_get_object (vani_fake_request_get_json (speech)), "input"),
      "One moment.");
  fail_unless_equals_int (vani_fake_server_get_n_requests (vani_chat_server (),
          CHAT), 5);

  queue_text ("How can I help in C?");
  vani_chat_user_says ("Hello?");
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING));
  /* what the bot said (the tts_say too) is in the context */
  assert_request (5, "system: Persona. | system: Summary of the conversation "
      "so far: The caller went through A and B. | system: Task C. | "
      "assistant: One moment. | user: Hello?", "");

  vani_chat_stop ();
  g_object_unref (flow);
  g_string_free (actions, TRUE);
}

GST_END_TEST;

/* A barge-in during a node's reply: the node is kept, the next turn is
 * answered in it. */
GST_START_TEST (test_barge_in_during_node)
{
  GstVaniFlow *flow;
  gchar *node, *tools;

  start_flow_chat ("flow=" RESTAURANT);
  vani_fake_server_set_speech_ms_per_char (vani_chat_server (), 60);
  queue_text ("Welcome to the Lotus restaurant. We have tables tonight. "
      "We also have a garden. How many people will be coming?");
  queue_text ("Sure. How many people?");
  vani_chat_begin ();
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_BOT_STARTED_SPEAKING));
  fail_unless (gst_harness_push_event (vani_chat_harness (),
          gst_vani_event_new_user_started_speaking (0, 0)));
  fail_unless (vani_chat_wait (GST_VANI_BUS_MESSAGE_INTERRUPTION));
  vani_fake_server_set_speech_ms_per_char (vani_chat_server (), 1);
  fail_unless_equals_int (gst_harness_push (vani_chat_harness (),
          gst_buffer_new_memdup ("Wait.", 5)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (vani_chat_harness (),
          gst_vani_event_new_user_stopped_speaking (0, 0)));
  fail_unless (vani_fake_server_wait_requests (vani_chat_server (), CHAT, 2,
          VANI_CHAT_WAIT_MS));
  tools = vani_chat_request_tools (1);
  fail_unless_equals_string (tools, "record_party_size");
  g_free (tools);
  flow = get_flow ();
  node = gst_vani_flow_get_current_node (flow);
  fail_unless_equals_string (node, "greeting");
  g_free (node);
  g_object_unref (flow);
  vani_chat_stop ();
}

GST_END_TEST;

/* Each broken flow fails READY with a message naming what and where. */
static void
check_invalid_flow (const gchar * json, const gchar * expected)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "vani-bad-flow.json",
      NULL);
  GstElement *pipeline;
  GstMessage *msg;
  GError *error = NULL;

  fail_unless (g_file_set_contents (path, json, -1, NULL));
  pipeline = gst_parse_launch ("fakesrc ! vaniuseraggregator name=user "
      "! fakesink", NULL);
  {
    GstElement *user = gst_bin_get_by_name (GST_BIN (pipeline), "user");

    g_object_set (user, "flow", path, NULL);
    gst_object_unref (user);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline), GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for %s", expected);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, expected) != NULL,
      "\"%s\" does not say \"%s\"", error->message, expected);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_unlink (path);
  g_free (path);
}

GST_START_TEST (test_validation_errors)
{
  gchar *text, *bad, **parts;

  /* the restaurant flow with a typo in a transition: file, line, node */
  fail_unless (g_file_get_contents (RESTAURANT, &text, NULL, NULL));
  parts = g_strsplit (text, "\"confirm\"", 2);
  bad = g_strjoinv ("\"confrim\"", parts);
  g_strfreev (parts);
  check_invalid_flow (bad, "vani-bad-flow.json:42: node 'choose_time': "
      "function 'record_time': transition_to names no node 'confrim'");
  g_free (bad);
  g_free (text);

  check_invalid_flow ("{\"nodes\": {\"a\": {}}}", "no \"initial_node\"");
  check_invalid_flow ("{\"initial_node\": \"b\", \"nodes\": {\"a\": {}}}",
      "the initial node 'b' is not among the nodes");
  check_invalid_flow ("{\"initial_node\": \"a\",\n \"nodes\": {\"a\": {]}}",
      "vani-bad-flow.json: not valid JSON: <data>:2");
  check_invalid_flow ("{\"initial_node\": \"a\", \"nodes\": {\"a\": {"
      "\"functions\": [{\"name\": \"f\"}, {\"name\": \"f\"}]}}}",
      "node 'a': function 'f' is defined twice");
  check_invalid_flow ("{\"initial_node\": \"a\", \"nodes\": {\"a\": {"
      "\"functions\": {\"name\": \"f\"}}}}",
      "node 'a': \"functions\" must be an array");
  check_invalid_flow ("{\"initial_node\": \"a\", \"nodes\": {\"a\": {"
      "\"task_messages\": [{\"content\": \"hi\"}]}}}",
      "node 'a': message 1 of \"task_messages\": the message has no "
      "\"role\"");
  check_invalid_flow ("{\"initial_node\": \"a\", \"nodes\": {\"a\": {"
      "\"post_actions\": [{\"type\": \"dance\"}]}}}",
      "node 'a': unknown action type 'dance'");
  check_invalid_flow ("{\"initial_node\": \"a\", \"nodes\": {\"a\": {"
      "\"context_strategy\": \"reset_with_summary\"}}}",
      "node 'a': reset_with_summary needs a \"summary_prompt\"");
  check_invalid_flow ("{\"initial_node\": \"a\", \"nodes\": {\"a\": {}}, "
      "\"global_functions\": [{\"name\": \"help\", \"transition_to\": "
      "\"nowhere\"}]}", "global function 'help': transition_to names no "
      "node 'nowhere'");
  check_invalid_flow ("not json", "not valid JSON");
  check_invalid_flow ("", "the flow is empty");
  check_invalid_flow ("[1]", "a flow must be a JSON object");
}

GST_END_TEST;

/* Found by fuzz_flow: a buffer that is not NUL-terminated made the error
 * path read past its end looking for line numbers. */
GST_START_TEST (test_unterminated_data)
{
  static const gchar data[] = { '[', '1', ']' };
  gchar *copy = g_memdup2 (data, sizeof (data));       /* no NUL after it */
  GError *error = NULL;

  fail_if (gst_vani_flow_new_from_data (copy, sizeof (data), &error));
  fail_unless (strstr (error->message, "a flow must be a JSON object"));
  g_clear_error (&error);
  fail_if (gst_vani_flow_new_from_data (copy, 0, &error));
  fail_unless (strstr (error->message, "the flow is empty"));
  g_clear_error (&error);
  g_free (copy);
}

GST_END_TEST;

static Suite *
flows_suite (void)
{
  Suite *s = suite_create ("flows");
  TCase *tc = tcase_create ("general");

  tcase_add_test (tc, test_restaurant_walk);
  tcase_add_test (tc, test_handler_chooses_node);
  tcase_add_test (tc, test_function_not_in_node);
  tcase_add_test (tc, test_strategies);
  tcase_add_test (tc, test_barge_in_during_node);
  tcase_add_test (tc, test_validation_errors);
  tcase_add_test (tc, test_unterminated_data);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (flows);
