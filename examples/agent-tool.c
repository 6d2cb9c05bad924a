/* gst-rustvani example: a C application that embeds vaniagent with a tool.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A restaurant's voice agent. The LLM may call `book_table(people, time)`;
 * this program answers the call from vanillm's `tool-call` signal, and the
 * model turns the result into a spoken confirmation. Both sides of the
 * conversation and every tool call are printed as they happen.
 *
 *   vani-example-agent-tool [--grammar FILE.gram] [--out answer.wav] FILE.wav
 *   vani-example-agent-tool --live
 *
 * The LLM is $OPENAI_BASE_URL / $OPENAI_API_KEY (vanillm's defaults);
 * docs/tutorial.md shows how to run it offline against the scripted server.
 */
#include <gst/gst.h>
#include <gst/vani/vani.h>
#include <json-glib/json-glib.h>

#define SYSTEM_PROMPT "You take table bookings for the Lotus restaurant. " \
  "Ask how many people and what time, then book with book_table. Answer " \
  "in one short sentence."

#define TOOLS "[{\"type\": \"function\", \"function\": {" \
  "\"name\": \"book_table\", " \
  "\"description\": \"Book a table at the restaurant\", " \
  "\"parameters\": {\"type\": \"object\", \"properties\": {" \
  "\"people\": {\"type\": \"integer\", \"description\": \"party size\"}, " \
  "\"time\": {\"type\": \"string\", \"description\": \"e.g. 19:30\"}}, " \
  "\"required\": [\"people\"]}}}]"

typedef struct
{
  GMainLoop *loop;
  GstElement *agent;
  guint next_table;
} App;

/* The arguments are the model's JSON text: read them, never trust them. */
static gchar *
book_table (App * app, const gchar * arguments)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *args = NULL;
  gint64 people = 0;
  const gchar *time = "19:30";
  gchar *result;

  if (json_parser_load_from_data (parser, arguments, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    args = json_node_get_object (json_parser_get_root (parser));
  if (args && json_object_has_member (args, "people"))
    people = json_object_get_int_member (args, "people");
  if (args && json_object_has_member (args, "time"))
    time = json_object_get_string_member (args, "time");

  if (people < 1 || people > 12)
    result = g_strdup ("{\"booked\": false, \"reason\": \"we seat parties "
        "of 1 to 12\"}");
  else
    result = g_strdup_printf ("{\"booked\": true, \"table\": %u, "
        "\"people\": %" G_GINT64_FORMAT ", \"time\": \"%s\"}",
        ++app->next_table, people, time ? time : "19:30");
  g_object_unref (parser);
  return result;
}

/* Emitted on vanillm's thread; replying from here is fine. A slow handler
 * (a database, a web API) may keep the promise and reply later from any
 * thread. */
static void
on_tool_call (GstElement * llm, const gchar * name, const gchar * arguments,
    const gchar * call_id, GstPromise * promise, gpointer user_data)
{
  App *app = user_data;
  gchar *result;

  if (g_strcmp0 (name, "book_table") == 0)
    result = book_table (app, arguments);
  else
    result = g_strdup ("{\"error\": \"no such tool\"}");
  g_print ("tool: %s(%s) -> %s\n", name, arguments, result);
  gst_promise_reply (promise, gst_vani_tool_reply_new (result, NULL));
  g_free (result);
}

static void
print_last_answer (App * app)
{
  GstVaniContext *context = NULL;
  GstVaniMessage *last;

  g_object_get (app->agent, "context", &context, NULL);
  last = gst_vani_context_get_last_message (context);
  if (last && gst_vani_message_get_role (last) == GST_VANI_ROLE_ASSISTANT &&
      gst_vani_message_get_content (last))
    g_print ("bot:  %s\n", gst_vani_message_get_content (last));
  if (last)
    gst_vani_message_unref (last);
  g_object_unref (context);
}

static void
on_vani_message (App * app, GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  gboolean is_final = FALSE;

  switch (gst_vani_bus_message_get_message_type (msg)) {
    case GST_VANI_BUS_MESSAGE_TRANSCRIPT:
      if (gst_structure_get_boolean (s, "is-final", &is_final) && is_final)
        g_print ("user: %s\n", gst_structure_get_string (s, "text"));
      break;
    case GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING:
      print_last_answer (app);
      break;
    case GST_VANI_BUS_MESSAGE_INTERRUPTION:
      g_print ("      (interrupted)\n");
      break;
    default:
      break;
  }
}

static gboolean
on_bus_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  App *app = user_data;
  GError *error = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      on_vani_message (app, msg);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &error, &debug);
      g_printerr ("warning: %s\n", error->message);
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &error, &debug);
      g_printerr ("error: %s\n", error->message);
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  g_clear_error (&error);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

static GstElement *
make_pipeline (gboolean live, const gchar * input, const gchar * out,
    GError ** error)
{
  gchar *desc;
  GstElement *pipeline;

  if (live)
    desc = g_strdup ("autoaudiosrc ! vaniagent name=agent ! audioconvert ! "
        "audioresample ! autoaudiosink");
  else
    /* clocksync plays the file in real time, as a microphone would */
    desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! clocksync "
        "! vaniagent name=agent ! audioconvert ! wavenc ! filesink "
        "location=\"%s\"", input, out);
  pipeline = gst_parse_launch (desc, error);
  g_free (desc);
  return pipeline;
}

int
main (int argc, char **argv)
{
  gboolean live = FALSE;
  gchar *grammar = NULL, *out = NULL;
  GOptionEntry entries[] = {
    {"live", 0, 0, G_OPTION_ARG_NONE, &live,
        "Talk through the microphone and speakers", NULL},
    {"grammar", 0, 0, G_OPTION_ARG_FILENAME, &grammar,
        "A JSGF grammar for pocketsphinx (better words on short commands)",
        "FILE"},
    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out,
        "Where the bot's voice goes (default answer.wav)", "FILE"},
    {NULL}
  };
  GOptionContext *options = g_option_context_new ("[FILE.wav] - a voice "
      "agent with a tool");
  GError *error = NULL;
  GstElement *pipeline, *llm = NULL;
  GstBus *bus;
  App app = { 0 };

  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_add_group (options, gst_init_get_option_group ());
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      (!live && argc != 2)) {
    g_printerr ("%s\n", error ? error->message : "give a WAV file or --live");
    return 2;
  }
  g_option_context_free (options);

  pipeline = make_pipeline (live, argv[1], out ? out : "answer.wav", &error);
  if (!pipeline) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  app.loop = g_main_loop_new (NULL, FALSE);
  app.agent = gst_bin_get_by_name (GST_BIN (pipeline), "agent");
  g_object_set (app.agent, "system-prompt", SYSTEM_PROMPT, "tools", TOOLS,
      NULL);
  if (grammar) {
    gchar *stt = g_strdup_printf ("vanisphinxstt grammar=\"%s\"", grammar);

    g_object_set (app.agent, "stt", stt, NULL);
    g_free (stt);
  }
  g_object_get (app.agent, "llm-element", &llm, NULL);
  g_signal_connect (llm, "tool-call", G_CALLBACK (on_tool_call), &app);

  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_bus_message, &app);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    g_printerr ("the pipeline did not start (see the error above)\n");
  else
    g_main_loop_run (app.loop);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (llm);
  gst_object_unref (app.agent);
  gst_object_unref (pipeline);
  g_main_loop_unref (app.loop);
  g_free (grammar);
  g_free (out);
  return 0;
}
