/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-vanillm
 * @title: vanillm
 * @short_description: streaming OpenAI-compatible chat completions with tool calls
 *
 * vanillm runs a chat-completions request against any OpenAI-compatible
 * server (OpenAI, Groq, Ollama, vLLM, llama.cpp server, ...) and pushes the
 * reply downstream as it streams, in `text/x-raw,format=utf8` buffers (the
 * content deltas that arrived in one network read go out as one buffer),
 * between `llm-response-start` and `llm-response-end` events.
 *
 * It runs a request when it receives an `llm-context` event (the conversation
 * of a vaniuseraggregator upstream), or for every line of plain text it
 * receives (a user turn added to its own context), so that it also works as a
 * text chatbot on its own.
 *
 * When the model calls functions, vanillm emits #GstVaniLLM::tool-call for
 * each call (all calls of one reply at once, so they run concurrently), puts
 * the results into the context, and asks the model again, up to
 * #GstVaniLLM:max-tool-rounds times.
 *
 * Network work happens on the element's own worker thread: the streaming
 * thread never waits on the network. A flush, an `interruption` event or a
 * state change to READY cancels the request in flight at once.
 *
 * ## Example launch line
 * |[
 * echo "Tell me a joke." > q.txt
 * gst-launch-1.0 filesrc location=q.txt ! vanillm model=gpt-4.1-mini ! fdsink
 * ]| Each line of q.txt is a user turn; the answer streams to stdout. The API
 * key comes from `OPENAI_API_KEY` and the server from `OPENAI_BASE_URL` when
 * they are set.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanillm.h"
#include "gstvanihttp.h"

#include <string.h>
#include <gst/vani/vani.h>
#include <json-glib/json-glib.h>

GST_DEBUG_CATEGORY_STATIC (gst_vani_llm_debug);
#define GST_CAT_DEFAULT gst_vani_llm_debug

#define DEFAULT_MODEL "gpt-4.1"
#define DEFAULT_TEMPERATURE 1.0
#define DEFAULT_TOP_P 1.0
#define DEFAULT_PENALTY 0.0
#define DEFAULT_SEED 0
#define DEFAULT_MAX_COMPLETION_TOKENS 0
#define DEFAULT_MAX_TOOL_ROUNDS 5
#define DEFAULT_REQUEST_TIMEOUT 30
#define DEFAULT_MAX_RETRIES 2
#define DEFAULT_TOOL_TIMEOUT 10000
#define DEFAULT_MAX_EVENT_SIZE (16 * 1024 * 1024)
#define DEFAULT_INCLUDE_USAGE TRUE

#define READ_CHUNK_SIZE 16384

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_TEMPERATURE,
  PROP_TOP_P,
  PROP_FREQUENCY_PENALTY,
  PROP_PRESENCE_PENALTY,
  PROP_SEED,
  PROP_MAX_COMPLETION_TOKENS,
  PROP_SERVICE_TIER,
  PROP_MAX_TOOL_ROUNDS,
  PROP_SYSTEM_PROMPT,
  PROP_TOOLS,
  PROP_TOOL_CHOICE,
  PROP_MAX_RETRIES,
  PROP_TOOL_TIMEOUT,
  PROP_MAX_EVENT_SIZE,
  PROP_EXTRA_BODY,
  PROP_INCLUDE_USAGE,
  PROP_CONTEXT,
  PROP_HTTP_FIRST,              /* api-key, base-url, request-timeout, extra-headers */
};

/* The optional sampling parameters are sent only when set, as in the seed. */
typedef enum
{
  PARAM_TEMPERATURE = 1 << 0,
  PARAM_TOP_P = 1 << 1,
  PARAM_FREQUENCY_PENALTY = 1 << 2,
  PARAM_PRESENCE_PENALTY = 1 << 3,
  PARAM_SEED = 1 << 4,
} OptionalParam;

enum
{
  SIGNAL_TOOL_CALL,
  SIGNAL_TOOL_CALLS_DONE,
  SIGNAL_ADD_TOOL,
  LAST_SIGNAL
};

static guint gst_vani_llm_signals[LAST_SIGNAL];

typedef enum
{
  ITEM_EVENT,
  ITEM_USER_TEXT,
  ITEM_CONTEXT,
} ItemType;

/* What the sink pad hands to the worker, in arrival order. */
typedef struct
{
  ItemType type;
  GstEvent *event;
  gchar *text;
  GstVaniContext *context;
  GstStructure *marks;          /* the turn's metrics so far */
} Item;

typedef struct _Turn Turn;

/* One tool call of a reply, waiting for its answer. Shared with the promise
 * (answered from any thread), so it is reference counted and only touched on
 * the worker thread once answered. */
typedef struct
{
  gint refcount;
  GstVaniLLM *self;
  Turn *turn;                   /* NULL once the turn is gone */
  GstVaniToolCall *call;
  GstPromise *promise;
  GSource *timeout;
  gchar *result;
  gchar *raw_data;
  GstStructure *reply;          /* the whole answer (e.g. a flow's next-node) */
  gboolean done;
} PendingCall;

struct _Turn
{
  GstVaniLLM *self;
  GstVaniContext *context;
  gboolean own_context;
  guint generation;
  guint64 response_id;
  guint round;
  guint attempt;
  GstClockTime turn_start;

  /* the request of the current round */
  GCancellable *cancellable;
  SoupMessage *msg;
  GInputStream *stream;
  GstVaniSseParser *sse;
  GstVaniLLMStream *reply;
  GstClockTime request_sent;
  gboolean first_delta;
  gboolean stream_done;
  gchar *stream_error;          /* why the stream ended early, if it did */
  GstVaniHttpWatchdog *watchdog;
  GSource *cancel_watch;        /* wakes a waiting turn when cancelled */
  GSource *retry_timer;
  GString *text;                /* the content of this round */
  GString *spoken;              /* all content of the turn, for the own context */
  GString *unsent;              /* content of this read, pushed as one buffer */

  GPtrArray *calls;             /* PendingCall */
  guint n_unanswered;
  gboolean replied;             /* ended with an answer, not tool calls */
  GstStructure *marks;          /* metrics marks, passed on at the end */
};

struct _GstVaniLLM
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  GstVaniHttpSettings http_settings;
  gchar *model;
  gdouble temperature;
  gdouble top_p;
  gdouble frequency_penalty;
  gdouble presence_penalty;
  gint64 seed;
  guint set_params;
  guint max_completion_tokens;
  gchar *service_tier;
  guint max_tool_rounds;
  gchar *system_prompt;
  gchar *tools;
  gchar *tool_choice;
  guint max_retries;
  guint tool_timeout;
  guint64 max_event_size;
  gchar *extra_body;
  gboolean include_usage;

  /* the element's own conversation, for plain text input */
  GstVaniContext *own_context;
  JsonNode *tools_node;         /* parsed #GstVaniLLM:tools */
  GPtrArray *builtin_tools;     /* GstVaniTool, under the object lock */
  GCancellable *tools_cancellable;

  /* streaming thread only (sink stream lock) */
  GString *partial_line;

  /* shared with the worker, under self->lock */
  GMutex lock;
  GCond idle_cond;
  GstVaniHttp *http;
  GQueue items;
  gboolean busy;
  guint generation;
  GCancellable *cancellable;    /* of the request in flight */
  guint64 next_response_id;
};

#define gst_vani_llm_parent_class parent_class
G_DEFINE_TYPE (GstVaniLLM, gst_vani_llm, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (vanillm, "vanillm", GST_RANK_NONE,
    GST_TYPE_VANI_LLM);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

static void process_items (GstVaniLLM * self);
static void turn_start_round (Turn * turn);
static void turn_finish (Turn * turn);
static void run_reply_done_hook (Turn * turn);

/* ------------------------------------------------------------------------ */
/* Items                                                                    */

static void
item_free (Item * item)
{
  if (item->event)
    gst_event_unref (item->event);
  g_free (item->text);
  if (item->context)
    g_object_unref (item->context);
  if (item->marks)
    gst_structure_free (item->marks);
  g_free (item);
}

static gboolean
process_items_cb (gpointer data)
{
  process_items (data);
  return G_SOURCE_REMOVE;
}

/* Called with self->lock: wakes the worker if it is idle. */
static void
schedule_locked (GstVaniLLM * self)
{
  if (self->busy || !self->http || g_queue_is_empty (&self->items))
    return;
  self->busy = TRUE;
  gst_vani_http_invoke (self->http, process_items_cb, self, NULL);
}

static gboolean
enqueue (GstVaniLLM * self, Item * item)
{
  gboolean accepted;

  g_mutex_lock (&self->lock);
  accepted = self->http != NULL;
  if (accepted) {
    g_queue_push_tail (&self->items, item);
    schedule_locked (self);
  }
  g_mutex_unlock (&self->lock);
  if (!accepted)
    item_free (item);
  return accepted;
}

static void
drop_queued_items_locked (GstVaniLLM * self, gboolean keep_events)
{
  GList *l = self->items.head;

  while (l) {
    GList *next = l->next;
    Item *item = l->data;

    if (!keep_events || item->type != ITEM_EVENT) {
      g_queue_delete_link (&self->items, l);
      item_free (item);
    }
    l = next;
  }
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static void
ensure_src_events (GstVaniLLM * self)
{
  GstEvent *sticky;

  sticky = gst_pad_get_sticky_event (self->srcpad, GST_EVENT_STREAM_START, 0);
  if (sticky) {
    gst_event_unref (sticky);
  } else {
    gchar *id = gst_pad_create_stream_id (self->srcpad, GST_ELEMENT (self),
        NULL);

    gst_pad_push_event (self->srcpad, gst_event_new_stream_start (id));
    g_free (id);
  }
  if (!gst_pad_has_current_caps (self->srcpad)) {
    GstCaps *caps = gst_static_pad_template_get_caps (&src_template);

    gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
    gst_caps_unref (caps);
  }
  sticky = gst_pad_get_sticky_event (self->srcpad, GST_EVENT_SEGMENT, 0);
  if (sticky) {
    gst_event_unref (sticky);
  } else {
    GstSegment segment;

    gst_segment_init (&segment, GST_FORMAT_TIME);
    gst_pad_push_event (self->srcpad, gst_event_new_segment (&segment));
  }
}

/* Pushes @event or @buffer for the work of @generation. The sink pad's stream
 * lock orders this against FLUSH_STOP: output of flushed work is dropped. */
static GstFlowReturn
push_output (GstVaniLLM * self, guint generation, GstEvent * event,
    GstBuffer * buffer)
{
  GstFlowReturn ret = GST_FLOW_FLUSHING;
  gboolean current;

  GST_PAD_STREAM_LOCK (self->sinkpad);
  g_mutex_lock (&self->lock);
  current = generation == self->generation;
  g_mutex_unlock (&self->lock);

  if (current) {
    ensure_src_events (self);
    if (event) {
      ret = gst_pad_push_event (self->srcpad, event) ? GST_FLOW_OK :
          GST_FLOW_ERROR;
      event = NULL;
    } else {
      ret = gst_pad_push (self->srcpad, buffer);
      buffer = NULL;
    }
  }
  GST_PAD_STREAM_UNLOCK (self->sinkpad);

  if (event)
    gst_event_unref (event);
  if (buffer)
    gst_buffer_unref (buffer);
  return ret;
}

static guint
current_generation (GstVaniLLM * self)
{
  guint generation;

  g_mutex_lock (&self->lock);
  generation = self->generation;
  g_mutex_unlock (&self->lock);
  return generation;
}

static void
push_text (Turn * turn, const gchar * text, gsize len)
{
  GstBuffer *buffer;

  if (len == 0)
    return;
  buffer = gst_buffer_new_memdup (text, len);
  push_output (turn->self, turn->generation, NULL, buffer);
}

static void
post_warning (GstVaniLLM * self, const gchar * what, const gchar * detail)
{
  gchar *safe = gst_vani_http_settings_redact (GST_OBJECT (self),
      &self->http_settings, detail);

  GST_ELEMENT_WARNING (self, RESOURCE, READ, ("%s: %s", what, safe),
      ("the turn ended; the next one will be tried normally"));
  gst_element_post_message (GST_ELEMENT (self),
      gst_vani_bus_message_new_error (GST_OBJECT (self), "llm", safe, FALSE));
  g_free (safe);
}

/* ------------------------------------------------------------------------ */
/* Request body                                                             */

static void
add_optional_params (GstVaniLLM * self, JsonBuilder * b)
{
  if (self->set_params & PARAM_TEMPERATURE) {
    json_builder_set_member_name (b, "temperature");
    json_builder_add_double_value (b, self->temperature);
  }
  if (self->set_params & PARAM_TOP_P) {
    json_builder_set_member_name (b, "top_p");
    json_builder_add_double_value (b, self->top_p);
  }
  if (self->set_params & PARAM_FREQUENCY_PENALTY) {
    json_builder_set_member_name (b, "frequency_penalty");
    json_builder_add_double_value (b, self->frequency_penalty);
  }
  if (self->set_params & PARAM_PRESENCE_PENALTY) {
    json_builder_set_member_name (b, "presence_penalty");
    json_builder_add_double_value (b, self->presence_penalty);
  }
  if (self->set_params & PARAM_SEED) {
    json_builder_set_member_name (b, "seed");
    json_builder_add_int_value (b, self->seed);
  }
  if (self->max_completion_tokens > 0) {
    json_builder_set_member_name (b, "max_completion_tokens");
    json_builder_add_int_value (b, self->max_completion_tokens);
  }
  if (self->service_tier && *self->service_tier) {
    json_builder_set_member_name (b, "service_tier");
    json_builder_add_string_value (b, self->service_tier);
  }
}

static void
append_array_elements (JsonArray * dest, JsonNode * src)
{
  JsonArray *array;
  guint i;

  if (!src || !JSON_NODE_HOLDS_ARRAY (src))
    return;
  array = json_node_get_array (src);
  for (i = 0; i < json_array_get_length (array); i++)
    json_array_add_element (dest,
        json_node_copy (json_array_get_element (array, i)));
}

/* The context's tools, or the element's when the context has none, plus the
 * schemas of the built-in tools. Called with the object lock. */
static JsonNode *
collect_tools (GstVaniLLM * self, GstVaniContext * context)
{
  JsonNode *ctx_tools = gst_vani_context_get_tools (context);
  JsonArray *all = json_array_new ();
  JsonNode *node;
  guint i;

  append_array_elements (all, ctx_tools ? ctx_tools : self->tools_node);
  for (i = 0; i < self->builtin_tools->len; i++) {
    JsonNode *schemas =
        gst_vani_tool_get_schemas (g_ptr_array_index (self->builtin_tools, i));

    append_array_elements (all, schemas);
    if (schemas)
      json_node_unref (schemas);
  }
  if (ctx_tools)
    json_node_unref (ctx_tools);

  if (json_array_get_length (all) == 0) {
    json_array_unref (all);
    return NULL;
  }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, all);
  return node;
}

static JsonNode *
tool_choice_node (GstVaniLLM * self, GstVaniContext * context)
{
  JsonNode *node = gst_vani_context_get_tool_choice (context);

  if (node || !self->tool_choice || !*self->tool_choice)
    return node;
  node = json_from_string (self->tool_choice, NULL);
  if (!node)
    node = json_node_init_string (json_node_alloc (), self->tool_choice);
  return node;
}

static void
merge_extra_body (JsonObject * request, const gchar * extra_body)
{
  JsonNode *extra;
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;

  if (!extra_body || !*extra_body)
    return;
  extra = json_from_string (extra_body, NULL);
  if (!extra || !JSON_NODE_HOLDS_OBJECT (extra)) {
    if (extra)
      json_node_unref (extra);
    return;                     /* validated when the property was set */
  }
  json_object_iter_init (&iter, json_node_get_object (extra));
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (request, name, json_node_copy (value));
  json_node_unref (extra);
}

/* A streamed turn request, or (@stream FALSE) a plain one without tools,
 * for a flow's summary. */
static GBytes *
build_request_body (GstVaniLLM * self, GstVaniContext * context,
    gboolean stream)
{
  JsonBuilder *b = json_builder_new_immutable ();
  JsonNode *root, *tools, *choice;
  gchar *rest, *messages;
  GString *text;

  GST_OBJECT_LOCK (self);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, self->model);
  json_builder_set_member_name (b, "stream");
  json_builder_add_boolean_value (b, stream);
  if (stream && self->include_usage) {
    json_builder_set_member_name (b, "stream_options");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "include_usage");
    json_builder_add_boolean_value (b, TRUE);
    json_builder_end_object (b);
  }
  add_optional_params (self, b);
  tools = stream ? collect_tools (self, context) : NULL;
  if (tools) {
    json_builder_set_member_name (b, "tools");
    json_builder_add_value (b, tools);
    choice = tool_choice_node (self, context);
    if (choice) {
      json_builder_set_member_name (b, "tool_choice");
      json_builder_add_value (b, choice);
    }
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  merge_extra_body (json_node_get_object (root), self->extra_body);
  GST_OBJECT_UNLOCK (self);

  /* extra-body may not replace the conversation */
  json_object_remove_member (json_node_get_object (root), "messages");
  rest = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);

  /* the messages go in as text: each message's JSON is kept, so a long
   * conversation is not written out again for every request */
  messages = gst_vani_context_messages_to_json (context);
  text = g_string_sized_new (strlen (messages) + strlen (rest) + 16);
  g_string_append (text, "{\"messages\":");
  g_string_append (text, messages);
  if (rest[1] != '}')
    g_string_append_c (text, ',');
  g_string_append (text, rest + 1);
  g_free (messages);
  g_free (rest);
  return g_string_free_to_bytes (text);
}

/* ------------------------------------------------------------------------ */
/* Turns                                                                    */

static Turn *
turn_new (GstVaniLLM * self, GstVaniContext * context, gboolean own)
{
  Turn *turn = g_new0 (Turn, 1);

  turn->self = self;
  turn->context = g_object_ref (context);
  turn->own_context = own;
  turn->generation = current_generation (self);
  turn->turn_start = g_get_monotonic_time () * GST_USECOND;
  turn->text = g_string_new (NULL);
  turn->spoken = g_string_new (NULL);
  turn->unsent = g_string_new (NULL);
  turn->calls = g_ptr_array_new ();
  g_mutex_lock (&self->lock);
  turn->response_id = ++self->next_response_id;
  g_mutex_unlock (&self->lock);
  return turn;
}

static void
destroy_source (GSource ** source)
{
  if (*source) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

static void pending_call_unref (PendingCall * pending);

static void
turn_release_calls (Turn * turn)
{
  guint i;

  for (i = 0; i < turn->calls->len; i++) {
    PendingCall *pending = g_ptr_array_index (turn->calls, i);

    pending->turn = NULL;
    destroy_source (&pending->timeout);
    /* The promise refers back to the call: dropping our ref breaks the
     * cycle once the application lets go of it too. */
    if (pending->promise) {
      gst_promise_expire (pending->promise);    /* no-op once replied */
      g_clear_pointer (&pending->promise, gst_promise_unref);
    }
    pending_call_unref (pending);
  }
  g_ptr_array_set_size (turn->calls, 0);
  turn->n_unanswered = 0;
}

/* Ends the HTTP part of a round, keeping what was read. */
static void
turn_close_request (Turn * turn)
{
  GstVaniLLM *self = turn->self;

  g_clear_pointer (&turn->watchdog, gst_vani_http_watchdog_free);
  destroy_source (&turn->cancel_watch);
  destroy_source (&turn->retry_timer);
  g_mutex_lock (&self->lock);
  if (self->cancellable == turn->cancellable)
    g_clear_object (&self->cancellable);
  g_mutex_unlock (&self->lock);
  if (turn->stream) {
    /* a reply read to [DONE] keeps its connection for the next turn */
    gst_vani_http_close_body (turn->stream, turn->msg, turn->stream_done
        && !turn->stream_error);
    g_clear_object (&turn->stream);
  }
  g_clear_object (&turn->msg);
  g_clear_object (&turn->cancellable);
  g_clear_pointer (&turn->sse, gst_vani_sse_parser_free);
}

static void
turn_free (Turn * turn)
{
  if (turn->marks)
    gst_structure_free (turn->marks);
  turn_close_request (turn);
  turn_release_calls (turn);
  g_ptr_array_unref (turn->calls);
  g_clear_pointer (&turn->reply, gst_vani_llm_stream_free);
  g_free (turn->stream_error);
  g_string_free (turn->text, TRUE);
  g_string_free (turn->spoken, TRUE);
  g_string_free (turn->unsent, TRUE);
  g_object_unref (turn->context);
  g_free (turn);
}

static gboolean
turn_is_current (Turn * turn)
{
  return turn->generation == current_generation (turn->self);
}

static void
post_time_metric (GstVaniLLM * self, GstVaniMetricsKind kind,
    GstClockTime value)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_vani_bus_message_new_metrics_time (GST_OBJECT (self),
          GST_OBJECT_NAME (self), kind, value));
}

/* A turn's token counts add up over its rounds. */
static void
add_tokens (GstStructure * marks, const gchar * field, gint64 tokens)
{
  gint64 sum = 0;

  if (tokens < 0)
    return;
  gst_structure_get_int64 (marks, field, &sum);
  gst_structure_set (marks, field, G_TYPE_INT64, sum + tokens, NULL);
}

static void
post_usage (Turn * turn)
{
  GstVaniLLMUsage usage;
  GstStructure *s;

  if (!turn->reply || !gst_vani_llm_stream_get_usage (turn->reply, &usage))
    return;
  s = gst_structure_new_empty ("usage");
  if (usage.prompt_tokens >= 0)
    gst_structure_set (s, "prompt-tokens", G_TYPE_INT64, usage.prompt_tokens,
        NULL);
  if (usage.completion_tokens >= 0)
    gst_structure_set (s, "completion-tokens", G_TYPE_INT64,
        usage.completion_tokens, NULL);
  if (usage.cached_tokens >= 0)
    gst_structure_set (s, "cached-tokens", G_TYPE_INT64, usage.cached_tokens,
        NULL);
  if (usage.reasoning_tokens >= 0)
    gst_structure_set (s, "reasoning-tokens", G_TYPE_INT64,
        usage.reasoning_tokens, NULL);
  gst_element_post_message (GST_ELEMENT (turn->self),
      gst_vani_bus_message_new_metrics_usage (GST_OBJECT (turn->self),
          GST_OBJECT_NAME (turn->self), s));
  gst_structure_free (s);
  add_tokens (turn->marks, "prompt-tokens", usage.prompt_tokens);
  add_tokens (turn->marks, "completion-tokens", usage.completion_tokens);
}

/* The end of a turn, however it ended: the response is closed for the
 * consumers downstream and the worker moves on to the next item. */
static void
turn_finish (Turn * turn)
{
  GstVaniLLM *self = turn->self;

  if (turn->own_context && turn->spoken->len > 0 && turn_is_current (turn))
    gst_vani_context_add_assistant_message (turn->context, turn->spoken->str);
  /* Metrics first: whoever sees the end of the response can read them. */
  if (turn_is_current (turn))
    post_time_metric (self, GST_VANI_METRICS_TOTAL,
        g_get_monotonic_time () * GST_USECOND - turn->turn_start);
  push_output (self, turn->generation,
      gst_vani_event_add_turn_marks (gst_vani_event_new_llm_response_end
          (turn->response_id), turn->marks), NULL);
  if (turn->replied && turn_is_current (turn))
    run_reply_done_hook (turn);
  GST_DEBUG_OBJECT (self, "turn %" G_GUINT64_FORMAT " finished",
      turn->response_id);
  turn_free (turn);
  process_items (self);
}

static void
turn_fail (Turn * turn, const gchar * what, const gchar * detail)
{
  if (turn_is_current (turn))
    post_warning (turn->self, what, detail);
  else
    GST_DEBUG_OBJECT (turn->self, "cancelled turn: %s: %s", what, detail);
  turn_finish (turn);
}

/* Gives the turn a fresh cancellable that cancel_work() reaches; a turn
 * that went stale in between is cancelled at once. */
static void
turn_install_cancellable (Turn * turn)
{
  GstVaniLLM *self = turn->self;
  gboolean stale;

  g_clear_object (&turn->cancellable);
  turn->cancellable = g_cancellable_new ();
  g_mutex_lock (&self->lock);
  g_set_object (&self->cancellable, turn->cancellable);
  stale = self->generation != turn->generation;
  g_mutex_unlock (&self->lock);
  if (stale)
    g_cancellable_cancel (turn->cancellable);
}

static gboolean
cancelled_while_waiting_cb (GCancellable * cancellable, gpointer data)
{
  Turn *turn = data;

  g_source_unref (turn->cancel_watch);
  turn->cancel_watch = NULL;
  turn_finish (turn);
  return G_SOURCE_REMOVE;
}

/* Calls @func on the worker when the turn's (new) cancellable fires. */
static void
turn_watch_cancel (Turn * turn, GCancellableSourceFunc func)
{
  /* a retry comes here from a wait that still has its own watch */
  destroy_source (&turn->cancel_watch);
  turn_install_cancellable (turn);
  turn->cancel_watch = g_cancellable_source_new (turn->cancellable);
  g_source_set_callback (turn->cancel_watch, G_SOURCE_FUNC (func), turn,
      NULL);
  g_source_attach (turn->cancel_watch,
      gst_vani_http_get_context (turn->self->http));
}

/* While the turn waits for tools or a retry delay, no I/O is pending: a
 * cancellable source wakes it on a flush. */
static void
turn_wait_for_cancel (Turn * turn)
{
  turn_watch_cancel (turn, cancelled_while_waiting_cb);
}

static gboolean
retry_round_cb (gpointer data)
{
  Turn *turn = data;

  g_source_unref (turn->retry_timer);
  turn->retry_timer = NULL;
  destroy_source (&turn->cancel_watch);
  turn_start_round (turn);
  return G_SOURCE_REMOVE;
}

/* Retries only what failed before anything reached downstream. */
static gboolean
turn_maybe_retry (Turn * turn, SoupMessage * msg, const gchar * reason)
{
  GstVaniLLM *self = turn->self;
  guint max_retries, delay;

  GST_OBJECT_LOCK (self);
  max_retries = self->max_retries;
  GST_OBJECT_UNLOCK (self);
  if (turn->first_delta || turn->attempt >= max_retries ||
      !turn_is_current (turn))
    return FALSE;

  delay = gst_vani_http_retry_delay_ms (msg, turn->attempt);
  turn->attempt++;
  GST_INFO_OBJECT (self, "%s; retry %u/%u in %u ms", reason, turn->attempt,
      max_retries, delay);
  turn_close_request (turn);
  turn_wait_for_cancel (turn);
  turn->retry_timer = gst_vani_http_add_timeout (self->http, delay,
      retry_round_cb, turn, NULL);
  return TRUE;
}

/* ---- tool calls ---- */

static PendingCall *
pending_call_new (Turn * turn, GstVaniToolCall * call)
{
  PendingCall *pending = g_new0 (PendingCall, 1);

  pending->refcount = 1;
  pending->self = gst_object_ref (turn->self);
  pending->turn = turn;
  pending->call = gst_vani_tool_call_ref (call);
  return pending;
}

static PendingCall *
pending_call_ref (PendingCall * pending)
{
  g_atomic_int_inc (&pending->refcount);
  return pending;
}

static void
pending_call_unref (PendingCall * pending)
{
  if (!g_atomic_int_dec_and_test (&pending->refcount))
    return;
  gst_vani_tool_call_unref (pending->call);
  g_free (pending->result);
  g_free (pending->raw_data);
  if (pending->reply)
    gst_structure_free (pending->reply);
  gst_object_unref (pending->self);
  g_free (pending);
}

static gchar *
error_result (const gchar * format, ...) G_GNUC_PRINTF (1, 2);

/* {"error": "..."} with the text properly escaped. */
static gchar *
error_result (const gchar * format, ...)
{
  JsonBuilder *b = json_builder_new_immutable ();
  JsonNode *root;
  gchar *message, *text;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  g_free (message);
  return text;
}

static void turn_tools_answered (Turn * turn);

static void
pending_call_answer (PendingCall * pending, gchar * result, gchar * raw_data)
{
  Turn *turn = pending->turn;

  if (pending->done) {
    g_free (result);
    g_free (raw_data);
    return;
  }
  pending->done = TRUE;
  pending->result = result;
  pending->raw_data = raw_data;
  destroy_source (&pending->timeout);
  if (turn && --turn->n_unanswered == 0)
    turn_tools_answered (turn);
}

/* On the worker thread: the promise has been answered (or expired). */
static gboolean
promise_answered_cb (gpointer data)
{
  PendingCall *pending = data;
  const GstStructure *reply;
  const gchar *result = NULL, *raw = NULL;

  if (!pending->turn || pending->done)
    return G_SOURCE_REMOVE;

  if (gst_promise_wait (pending->promise) == GST_PROMISE_RESULT_REPLIED &&
      (reply = gst_promise_get_reply (pending->promise)) &&
      gst_vani_tool_reply_parse (reply, &result, &raw)) {
    pending->reply = gst_structure_copy (reply);
    pending_call_answer (pending, g_strdup (result), g_strdup (raw));
  } else {
    pending_call_answer (pending,
        error_result ("function '%s' returned no result",
            gst_vani_tool_call_get_name (pending->call)), NULL);
  }
  return G_SOURCE_REMOVE;
}

/* Any thread: hand the answer over to the worker. A promise changes once
 * (replied or expired, and the turn expires what is left), so the reference
 * given to the promise travels on with the answer. */
static void
promise_changed (GstPromise * promise, gpointer data)
{
  PendingCall *pending = data;
  GstVaniLLM *self = pending->self;
  gboolean handed_over = FALSE;

  g_mutex_lock (&self->lock);
  if (self->http) {
    gst_vani_http_invoke (self->http, promise_answered_cb, pending,
        (GDestroyNotify) pending_call_unref);
    handed_over = TRUE;
  }
  g_mutex_unlock (&self->lock);
  if (!handed_over)
    pending_call_unref (pending);
}

static gboolean
tool_timeout_cb (gpointer data)
{
  PendingCall *pending = data;
  guint timeout;

  g_source_unref (pending->timeout);
  pending->timeout = NULL;
  GST_OBJECT_LOCK (pending->self);
  timeout = pending->self->tool_timeout;
  GST_OBJECT_UNLOCK (pending->self);
  GST_WARNING_OBJECT (pending->self, "function '%s' did not answer in %u ms",
      gst_vani_tool_call_get_name (pending->call), timeout);
  pending_call_answer (pending,
      error_result ("function '%s' timed out after %u ms",
          gst_vani_tool_call_get_name (pending->call), timeout), NULL);
  return G_SOURCE_REMOVE;
}

static GstVaniTool *
find_builtin_tool (GstVaniLLM * self, const gchar * name)
{
  GstVaniTool *found = NULL;
  guint i;

  GST_OBJECT_LOCK (self);
  for (i = 0; i < self->builtin_tools->len && !found; i++) {
    GstVaniTool *tool = g_ptr_array_index (self->builtin_tools, i);

    if (gst_vani_tool_handles (tool, name))
      found = g_object_ref (tool);
  }
  GST_OBJECT_UNLOCK (self);
  return found;
}

static gboolean
has_tool_call_handler (GstVaniLLM * self)
{
  return g_signal_has_handler_pending (self,
      gst_vani_llm_signals[SIGNAL_TOOL_CALL], 0, TRUE);
}

/* Starts one call: a built-in tool, the application's handler, or an
 * error result the model can read. */
static void
dispatch_call (Turn * turn, PendingCall * pending)
{
  GstVaniLLM *self = turn->self;
  GstVaniToolCall *call = pending->call;
  const gchar *name = gst_vani_tool_call_get_name (call);
  const gchar *args = gst_vani_tool_call_get_arguments (call);
  GstVaniTool *tool;
  guint timeout;

  if (!gst_vani_llm_stream_tool_call_is_valid (turn->reply, call)) {
    pending_call_answer (pending,
        error_result ("the arguments of '%s' are not valid JSON", name), NULL);
    return;
  }

  /* a flow attached to the conversation answers first */
  tool = gst_vani_context_get_tool (turn->context);
  if (tool && !gst_vani_tool_handles (tool, name))
    g_clear_object (&tool);
  if (!tool)
    tool = find_builtin_tool (self, name);
  if (!tool && !has_tool_call_handler (self)) {
    GST_WARNING_OBJECT (self, "no handler for function '%s'", name);
    pending_call_answer (pending,
        error_result ("function '%s' is not registered", name), NULL);
    return;
  }

  GST_OBJECT_LOCK (self);
  timeout = self->tool_timeout;
  GST_OBJECT_UNLOCK (self);
  if (timeout > 0)
    pending->timeout = gst_vani_http_add_timeout (self->http, timeout,
        tool_timeout_cb, pending, NULL);

  pending->promise = gst_promise_new_with_change_func (promise_changed,
      pending_call_ref (pending), NULL);
  GST_INFO_OBJECT (self, "calling '%s' (id %s)", name,
      gst_vani_tool_call_get_id (call));
  if (tool) {
    gst_vani_tool_call (tool, name, args, pending->promise);
    g_object_unref (tool);
  } else {
    g_signal_emit (self, gst_vani_llm_signals[SIGNAL_TOOL_CALL], 0, name,
        args, gst_vani_tool_call_get_id (call), pending->promise);
  }
}

static void
turn_run_tool_calls (Turn * turn)
{
  GstVaniLLM *self = turn->self;
  GPtrArray *calls = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_vani_tool_call_unref);
  guint i, n = gst_vani_llm_stream_get_n_tool_calls (turn->reply);

  for (i = 0; i < n; i++)
    g_ptr_array_add (calls, gst_vani_llm_stream_get_tool_call (turn->reply,
            i));

  gst_vani_context_add_assistant_tool_calls (turn->context,
      turn->text->len ? turn->text->str : NULL, calls);

  for (i = 0; i < n; i++) {
    GstVaniToolCall *call = g_ptr_array_index (calls, i);

    push_output (self, turn->generation,
        gst_vani_event_new_function_call_in_progress
        (gst_vani_tool_call_get_id (call), gst_vani_tool_call_get_name (call),
            gst_vani_tool_call_get_arguments (call)), NULL);
    g_ptr_array_add (turn->calls, pending_call_new (turn, call));
  }
  turn->n_unanswered = n;
  g_ptr_array_unref (calls);

  /* Dispatch all before waiting: parallel calls run concurrently. Answers
   * come back through the main loop, so none completes the batch early. */
  turn->n_unanswered++;
  for (i = 0; i < n && turn_is_current (turn); i++)
    dispatch_call (turn, g_ptr_array_index (turn->calls, i));
  if (!turn_is_current (turn)) {
    turn_finish (turn);
    return;
  }
  if (--turn->n_unanswered == 0) {
    turn_tools_answered (turn);
    return;
  }
  turn_wait_for_cancel (turn);
}

/* What each call of the batch answered, for the conversation's tool. */
static GPtrArray *
collect_replies (Turn * turn)
{
  GPtrArray *replies = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  guint i;

  for (i = 0; i < turn->calls->len; i++) {
    PendingCall *p = g_ptr_array_index (turn->calls, i);
    /* the calls are released right after: their answers can move */
    GstStructure *reply = p->reply ? g_steal_pointer (&p->reply) :
        gst_structure_new_empty (GST_VANI_TOOL_REPLY_NAME);

    gst_structure_set (reply, "call-id", G_TYPE_STRING,
        gst_vani_tool_call_get_id (p->call), "name", G_TYPE_STRING,
        gst_vani_tool_call_get_name (p->call), "arguments", G_TYPE_STRING,
        gst_vani_tool_call_get_arguments (p->call), "result", G_TYPE_STRING,
        p->result, NULL);
    g_ptr_array_add (replies, reply);
  }
  return replies;
}

/* Events a flow asked for (speak, end-conversation), in order. */
static void
push_events (Turn * turn, GPtrArray * events)
{
  guint i;

  for (i = 0; i < events->len; i++)
    push_output (turn->self, turn->generation,
        gst_event_ref (g_ptr_array_index (events, i)), NULL);
  g_ptr_array_unref (events);
}

static GstVaniToolNext
run_transition_hook (Turn * turn, GPtrArray * replies, gchar ** summary_prompt)
{
  GstVaniTool *tool = gst_vani_context_get_tool (turn->context);
  GPtrArray *events;
  GstVaniToolNext next;

  *summary_prompt = NULL;
  if (!tool)
    return GST_VANI_TOOL_NEXT_RUN;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_event_unref);
  next = gst_vani_tool_calls_done (tool, turn->context, replies, events,
      summary_prompt);
  push_events (turn, events);
  g_object_unref (tool);
  return next;
}

/* A flow's post-actions follow the reply downstream. */
static void
run_reply_done_hook (Turn * turn)
{
  GstVaniTool *tool = gst_vani_context_get_tool (turn->context);
  GPtrArray *events;

  if (!tool)
    return;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_event_unref);
  gst_vani_tool_reply_done (tool, turn->context, events);
  push_events (turn, events);
  g_object_unref (tool);
}

static void turn_start_summary (Turn * turn, const gchar * prompt);

static void
turn_tools_answered (Turn * turn)
{
  GstVaniLLM *self = turn->self;
  GPtrArray *replies;
  GstVaniToolNext next;
  gchar *summary_prompt = NULL;
  gboolean stop = FALSE;
  guint i, max_rounds;

  turn_close_request (turn);
  if (!turn_is_current (turn)) {
    turn_finish (turn);
    return;
  }

  for (i = 0; i < turn->calls->len; i++) {
    PendingCall *p = g_ptr_array_index (turn->calls, i);
    const gchar *id = gst_vani_tool_call_get_id (p->call);
    const gchar *name = gst_vani_tool_call_get_name (p->call);
    const gchar *args = gst_vani_tool_call_get_arguments (p->call);

    /* Only the result goes into the context; raw data is for the app. */
    gst_vani_context_add_tool_result (turn->context, id, p->result);
    push_output (self, turn->generation,
        gst_vani_event_new_function_call_result (id, name, args, p->result),
        NULL);
    gst_element_post_message (GST_ELEMENT (self),
        gst_vani_bus_message_new_tool_call (GST_OBJECT (self), id, name, args,
            p->result, p->raw_data));
  }
  replies = collect_replies (turn);
  turn_release_calls (turn);

  /* The transition hook: flows change node here, before the model runs. */
  next = run_transition_hook (turn, replies, &summary_prompt);
  g_ptr_array_unref (replies);
  g_signal_emit (self, gst_vani_llm_signals[SIGNAL_TOOL_CALLS_DONE], 0,
      turn->context, &stop);
  GST_OBJECT_LOCK (self);
  max_rounds = self->max_tool_rounds;
  GST_OBJECT_UNLOCK (self);

  if (stop || next == GST_VANI_TOOL_NEXT_WAIT || !turn_is_current (turn)) {
    turn_finish (turn);
  } else if (next == GST_VANI_TOOL_NEXT_SUMMARIZE) {
    turn_start_summary (turn, summary_prompt);
  } else if (turn->round >= max_rounds) {
    gchar *detail = g_strdup_printf ("the model asked for tools %u times in "
        "a row (max-tool-rounds)", turn->round);

    turn_fail (turn, "Stopped calling tools", detail);
    g_free (detail);
  } else {
    turn->attempt = 0;
    turn_start_round (turn);
  }
  g_free (summary_prompt);
}

/* ---- streaming ---- */

static void
on_content (const gchar * text, gsize len, gpointer user_data)
{
  Turn *turn = user_data;

  g_string_append_len (turn->text, text, len);
  g_string_append_len (turn->spoken, text, len);
  g_string_append_len (turn->unsent, text, len);
}

/* The deltas that came in one network read leave as one buffer: they
 * arrived together, so nothing waits, and a fast stream does not cost a
 * buffer per token. */
static void
flush_unsent (Turn * turn)
{
  push_text (turn, turn->unsent->str, turn->unsent->len);
  g_string_truncate (turn->unsent, 0);
}

static void
note_first_delta (Turn * turn)
{
  if (turn->first_delta || !gst_vani_llm_stream_has_first_delta (turn->reply))
    return;
  turn->first_delta = TRUE;
  post_time_metric (turn->self, GST_VANI_METRICS_TTFB,
      g_get_monotonic_time () * GST_USECOND - turn->request_sent);
  if (!gst_structure_has_field (turn->marks, "first-token"))
    gst_vani_turn_marks_set_time (turn->marks, "first-token",
        g_get_monotonic_time ());
}

static gboolean
on_sse_event (const gchar * event_name, const gchar * data, gsize len,
    gpointer user_data)
{
  Turn *turn = user_data;
  GError *error = NULL;
  GstVaniLLMStreamStatus status;

  gst_vani_http_watchdog_progress (turn->watchdog);
  status = gst_vani_llm_stream_push_event (turn->reply, event_name, data, len,
      &error);
  note_first_delta (turn);
  if (status == GST_VANI_LLM_STREAM_STATUS_ERROR) {
    turn->stream_done = TRUE;
    turn->stream_error = g_strdup (error->message);
    g_error_free (error);
    return FALSE;
  }
  if (status == GST_VANI_LLM_STREAM_STATUS_DONE) {
    turn->stream_done = TRUE;
    return FALSE;
  }
  return turn_is_current (turn);
}

static void
turn_round_complete (Turn * turn)
{
  GError *error = NULL;
  gboolean finished = gst_vani_llm_stream_finish (turn->reply, &error);

  flush_unsent (turn);          /* text held back for a possible tag */
  if (!finished) {
    turn_fail (turn, "The LLM reply was cut short", error->message);
    g_error_free (error);
    return;
  }
  post_usage (turn);
  if (gst_vani_llm_stream_get_n_tool_calls (turn->reply) > 0) {
    turn_run_tool_calls (turn);
  } else {
    turn->replied = TRUE;
    turn_finish (turn);
  }
}

static void read_next_chunk (Turn * turn);
static void turn_abort_on_cancel (Turn * turn);

/* request-timeout bounds each wait for the server, not the whole reply:
 * long answers are fine, silence or a drip too slow to make an event in
 * that time is not. A new watchdog for each cancellable of the round. */
static void
arm_watchdog (Turn * turn)
{
  GstVaniLLM *self = turn->self;

  gst_vani_http_watchdog_free (turn->watchdog);
  turn->watchdog = gst_vani_http_settings_watch (GST_OBJECT (self),
      &self->http_settings, self->http, turn->cancellable);
}

static gchar *
describe_io_error (Turn * turn, GError * error)
{
  GstVaniLLM *self = turn->self;

  return gst_vani_http_settings_explain_error (GST_OBJECT (self),
      &self->http_settings, error, turn->watchdog);
}

static void
on_chunk_read (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Turn *turn = user_data;
  GError *error = NULL;
  GBytes *bytes;
  gsize size;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res,
      &error);
  if (!bytes) {
    gchar *detail = describe_io_error (turn, error);

    if (!turn_maybe_retry (turn, turn->msg, detail))
      turn_fail (turn, "Reading the LLM reply failed", detail);
    g_free (detail);
    g_error_free (error);
    return;
  }

  size = g_bytes_get_size (bytes);
  if (size == 0) {
    g_bytes_unref (bytes);
    if (gst_vani_sse_parser_finish (turn->sse))
      GST_DEBUG_OBJECT (turn->self, "incomplete event discarded at EOF");
    turn_close_request (turn);
    turn_round_complete (turn);
    return;
  }

  gst_vani_http_watchdog_count (turn->watchdog, size);
  if (!gst_vani_sse_parser_feed (turn->sse, g_bytes_get_data (bytes, NULL),
          size, on_sse_event, turn, &error)) {
    g_bytes_unref (bytes);
    flush_unsent (turn);
    turn_fail (turn, "The LLM stream is malformed", error->message);
    g_error_free (error);
    return;
  }
  g_bytes_unref (bytes);
  flush_unsent (turn);

  if (turn->stream_error) {
    turn_fail (turn, "The LLM server reported an error", turn->stream_error);
    return;
  }
  if (turn->stream_done) {
    turn_close_request (turn);
    turn_round_complete (turn);
    return;
  }
  if (!turn_is_current (turn)) {
    turn_finish (turn);
    return;
  }
  read_next_chunk (turn);
}

static void
read_next_chunk (Turn * turn)
{
  g_input_stream_read_bytes_async (turn->stream, READ_CHUNK_SIZE,
      G_PRIORITY_DEFAULT, turn->cancellable, on_chunk_read, turn);
}

static gboolean
abort_session_cb (GCancellable * cancellable, gpointer data)
{
  Turn *turn = data;

  g_source_unref (turn->cancel_watch);
  turn->cancel_watch = NULL;
  soup_session_abort (gst_vani_http_get_session (turn->self->http));
  return G_SOURCE_REMOVE;
}

/* libsoup 3.2 can crash when soup_session_send_async() is cancelled through
 * its GCancellable just as the headers arrive (the reply stream it made is
 * freed unclosed). Until the headers are in, a cancellation aborts the
 * element's session instead (it has one request in flight at most), which
 * fails the send cleanly. */
static void
turn_abort_on_cancel (Turn * turn)
{
  turn_watch_cancel (turn, abort_session_cb);
}

static void
on_error_body (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Turn *turn = user_data;
  GBytes *body = gst_vani_http_read_all_finish (res, NULL);
  gchar *detail = gst_vani_http_describe_failure (turn->msg, body);
  guint status = soup_message_get_status (turn->msg);

  if (body)
    g_bytes_unref (body);
  if (!(gst_vani_http_status_is_retryable (status) &&
          turn_maybe_retry (turn, turn->msg, detail)))
    turn_fail (turn, "The LLM server refused the request", detail);
  g_free (detail);
}

static gboolean
is_event_stream (SoupMessage * msg)
{
  const gchar *ctype = soup_message_headers_get_content_type
      (soup_message_get_response_headers (msg), NULL);

  /* Some servers omit the type; only a JSON body is clearly not a stream. */
  return !ctype || g_ascii_strcasecmp (ctype, "application/json") != 0;
}

static void
on_request_sent (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Turn *turn = user_data;
  GError *error = NULL;
  guint status;

  turn->stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (!turn->stream) {
    gchar *detail = describe_io_error (turn, error);

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
        !gst_vani_http_watchdog_fired (turn->watchdog))
      turn_finish (turn);
    else if (!turn_maybe_retry (turn, NULL, detail))
      turn_fail (turn, "Could not reach the LLM server", detail);
    g_free (detail);
    g_error_free (error);
    return;
  }

  /* The send is done: reads are cancelled through their cancellable. */
  destroy_source (&turn->cancel_watch);
  turn_install_cancellable (turn);

  status = soup_message_get_status (turn->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status) || !is_event_stream (turn->msg)) {
    arm_watchdog (turn);
    gst_vani_http_read_all_async (turn->stream, GST_VANI_HTTP_BODY_MAX,
        turn->cancellable, turn->watchdog, on_error_body, turn);
    return;
  }
  GST_DEBUG_OBJECT (turn->self, "HTTP %u, streaming", status);
  arm_watchdog (turn);
  read_next_chunk (turn);
}

/* The POST of a round with @context as its body; fails the turn when it
 * cannot be made (a bad base-url). */
static gboolean
turn_prepare_request (Turn * turn, GstVaniContext * context, gboolean stream)
{
  GstVaniLLM *self = turn->self;
  GError *error = NULL;
  GBytes *body;

  turn->msg = gst_vani_http_settings_new_post (GST_OBJECT (self),
      &self->http_settings, "/chat/completions", &error);
  if (!turn->msg) {
    turn_fail (turn, "Cannot send the request", error->message);
    g_error_free (error);
    return FALSE;
  }
  body = build_request_body (self, context, stream);
  soup_message_set_request_body_from_bytes (turn->msg, "application/json",
      body);
  g_bytes_unref (body);
  return TRUE;
}

static void
turn_start_round (Turn * turn)
{
  GstVaniLLM *self = turn->self;
  guint64 max_event;

  if (!turn_is_current (turn)) {
    turn_finish (turn);
    return;
  }

  GST_OBJECT_LOCK (self);
  max_event = self->max_event_size;
  GST_OBJECT_UNLOCK (self);

  if (!turn_prepare_request (turn, turn->context, TRUE))
    return;

  if (turn->attempt == 0)
    turn->round++;
  g_string_truncate (turn->text, 0);
  g_clear_pointer (&turn->reply, gst_vani_llm_stream_free);
  turn->reply = gst_vani_llm_stream_new ();
  turn->sse = gst_vani_sse_parser_new (max_event);
  turn->first_delta = FALSE;
  turn->stream_done = FALSE;
  gst_vani_llm_stream_set_content_func (turn->reply, on_content, turn);

  turn_abort_on_cancel (turn);

  GST_INFO_OBJECT (self, "round %u: %u messages", turn->round,
      gst_vani_context_get_n_messages (turn->context));
  turn->request_sent = g_get_monotonic_time () * GST_USECOND;
  if (!gst_structure_has_field (turn->marks, "request-sent"))
    gst_vani_turn_marks_set_time (turn->marks, "request-sent",
        turn->request_sent / GST_USECOND);
  arm_watchdog (turn);
  soup_session_send_async (gst_vani_http_get_session (self->http), turn->msg,
      G_PRIORITY_DEFAULT, NULL, on_request_sent, turn);
}

/* ---- a flow's summary (context_strategy reset_with_summary) ---- */

static gchar *
summary_from_reply (GBytes * body)
{
  JsonParser *parser = json_parser_new ();
  gchar *summary = NULL;
  gsize len;
  const gchar *data = g_bytes_get_data (body, &len);
  JsonNode *content;

  if (json_parser_load_from_data (parser, data, len, NULL)) {
    content = json_path_query ("$.choices[0].message.content",
        json_parser_get_root (parser), NULL);
    if (content && json_array_get_length (json_node_get_array (content)) > 0)
      summary = g_strdup (json_array_get_string_element (json_node_get_array
              (content), 0));
    if (content)
      json_node_unref (content);
  }
  g_object_unref (parser);
  return summary;
}

/* The flow enters its node with the summary (NULL if it failed); the model
 * then answers in that node, or the user speaks first. */
static void
turn_after_summary (Turn * turn, const gchar * summary)
{
  GstVaniTool *tool = gst_vani_context_get_tool (turn->context);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_event_unref);
  GstVaniToolNext next = GST_VANI_TOOL_NEXT_WAIT;

  turn_close_request (turn);
  if (tool && turn_is_current (turn))
    next = gst_vani_tool_summary_done (tool, turn->context, summary, events);
  g_clear_object (&tool);
  push_events (turn, events);
  if (next == GST_VANI_TOOL_NEXT_RUN && turn_is_current (turn)) {
    turn->attempt = 0;
    turn_start_round (turn);
  } else {
    turn_finish (turn);
  }
}

static void
on_summary_body (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Turn *turn = user_data;
  GError *error = NULL;
  GBytes *body = gst_vani_http_read_all_finish (res, &error);
  gchar *summary = NULL, *detail = NULL;

  if (!body)
    detail = describe_io_error (turn, error);
  else if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (turn->msg)))
    detail = gst_vani_http_describe_failure (turn->msg, body);
  else if (!(summary = summary_from_reply (body)))
    detail = g_strdup ("the reply holds no choices[0].message.content");
  turn->stream_done = summary != NULL;
  if (detail && turn_is_current (turn))
    post_warning (turn->self, "The summary request failed", detail);
  turn_after_summary (turn, summary);
  g_free (summary);
  g_free (detail);
  g_clear_error (&error);
  if (body)
    g_bytes_unref (body);
}

static void
on_summary_sent (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Turn *turn = user_data;
  GError *error = NULL;

  turn->stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (!turn->stream) {
    gchar *detail = describe_io_error (turn, error);

    if (turn_is_current (turn))
      post_warning (turn->self, "The summary request failed", detail);
    turn_after_summary (turn, NULL);
    g_free (detail);
    g_error_free (error);
    return;
  }
  destroy_source (&turn->cancel_watch);
  turn_install_cancellable (turn);
  arm_watchdog (turn);
  gst_vani_http_read_all_async (turn->stream, GST_VANI_HTTP_BODY_MAX,
      turn->cancellable, turn->watchdog, on_summary_body, turn);
}

/* One non-streamed request: the history, then the node's summary prompt. */
static void
turn_start_summary (Turn * turn, const gchar * prompt)
{
  GstVaniLLM *self = turn->self;
  GstVaniContext *request = gst_vani_context_snapshot (turn->context);
  gboolean ready;

  gst_vani_context_add_system_message (request, prompt);
  GST_INFO_OBJECT (self, "asking for a summary of %u messages",
      gst_vani_context_get_n_messages (request));
  ready = turn_prepare_request (turn, request, FALSE);
  g_object_unref (request);
  if (!ready)
    return;

  turn->stream_done = FALSE;
  turn_abort_on_cancel (turn);
  arm_watchdog (turn);
  soup_session_send_async (gst_vani_http_get_session (self->http), turn->msg,
      G_PRIORITY_DEFAULT, NULL, on_summary_sent, turn);
}

/* Takes @marks (may be NULL): the turn's metrics marks so far. */
static void
start_turn (GstVaniLLM * self, GstVaniContext * context, gboolean own,
    GstStructure * marks)
{
  Turn *turn = turn_new (self, context, own);

  turn->marks = marks ? marks :
      gst_structure_new_empty (GST_VANI_TURN_MARKS_NAME);
  GST_DEBUG_OBJECT (self, "turn %" G_GUINT64_FORMAT " starts",
      turn->response_id);
  push_output (self, turn->generation,
      gst_vani_event_new_llm_response_start (turn->response_id), NULL);
  turn_start_round (turn);
}

/* On the worker: handles queued items until a turn starts or the queue is
 * empty. A finished turn calls this again. */
static void
process_items (GstVaniLLM * self)
{
  for (;;) {
    Item *item;

    g_mutex_lock (&self->lock);
    item = g_queue_pop_head (&self->items);
    if (!item) {
      self->busy = FALSE;
      g_cond_broadcast (&self->idle_cond);
      g_mutex_unlock (&self->lock);
      return;
    }
    g_mutex_unlock (&self->lock);

    switch (item->type) {
      case ITEM_EVENT:
        push_output (self, current_generation (self),
            gst_event_ref (item->event), NULL);
        item_free (item);
        break;
      case ITEM_USER_TEXT:
        gst_vani_context_add_user_message (self->own_context, item->text);
        start_turn (self, self->own_context, TRUE, NULL);
        item_free (item);
        return;
      case ITEM_CONTEXT:
        /* passed on, so the assistant aggregator adds to the same context */
        push_output (self, current_generation (self),
            gst_vani_event_new_llm_context (item->context), NULL);
        start_turn (self, item->context, FALSE, g_steal_pointer (&item->marks));
        item_free (item);
        return;
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */

static gpointer
ref_object (gconstpointer object, gpointer unused)
{
  return g_object_ref ((gpointer) object);
}

/* A copy to call the tools without holding the object lock. */
static GPtrArray *
copy_builtin_tools (GstVaniLLM * self)
{
  GPtrArray *tools;

  GST_OBJECT_LOCK (self);
  tools = g_ptr_array_copy (self->builtin_tools, ref_object, NULL);
  GST_OBJECT_UNLOCK (self);
  g_ptr_array_set_free_func (tools, g_object_unref);
  return tools;
}

static void
cancel_tools (GstVaniLLM * self)
{
  GPtrArray *tools = copy_builtin_tools (self);
  guint i;

  for (i = 0; i < tools->len; i++)
    gst_vani_tool_cancel (g_ptr_array_index (tools, i));
  g_ptr_array_unref (tools);
}

/* Any thread: the work in flight and what is queued become stale. */
static void
cancel_work (GstVaniLLM * self, gboolean keep_queued_events)
{
  g_mutex_lock (&self->lock);
  self->generation++;
  drop_queued_items_locked (self, keep_queued_events);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_mutex_unlock (&self->lock);
  cancel_tools (self);
}

static void
wait_until_idle (GstVaniLLM * self)
{
  g_mutex_lock (&self->lock);
  while (self->busy)
    g_cond_wait (&self->idle_cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

/* ------------------------------------------------------------------------ */
/* Sink pad                                                                 */

static void
enqueue_user_text (GstVaniLLM * self, const gchar * text, gsize len)
{
  gchar *line = g_strstrip (g_strndup (text, len));
  Item *item;

  if (!*line) {
    g_free (line);
    return;
  }
  item = g_new0 (Item, 1);
  item->type = ITEM_USER_TEXT;
  item->text = line;
  enqueue (self, item);
}

/* Each newline ends a user turn. A buffer without any newline is a whole
 * turn by itself (appsrc), unless it continues a line already started. */
static void
split_user_turns (GstVaniLLM * self, const gchar * text, gsize len)
{
  const gchar *p = text, *end = text + len, *nl;
  gboolean had_newline = FALSE;

  while ((nl = memchr (p, '\n', end - p))) {
    g_string_append_len (self->partial_line, p, nl - p);
    enqueue_user_text (self, self->partial_line->str, self->partial_line->len);
    g_string_truncate (self->partial_line, 0);
    p = nl + 1;
    had_newline = TRUE;
  }
  if (p < end && !had_newline && self->partial_line->len == 0) {
    enqueue_user_text (self, p, end - p);
    return;
  }
  g_string_append_len (self->partial_line, p, end - p);
}

static void
flush_partial_line (GstVaniLLM * self)
{
  if (self->partial_line->len > 0)
    enqueue_user_text (self, self->partial_line->str, self->partial_line->len);
  g_string_truncate (self->partial_line, 0);
}

static GstFlowReturn
gst_vani_llm_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstVaniLLM *self = GST_VANI_LLM (parent);
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  if (g_utf8_validate ((const gchar *) map.data, map.size, NULL)) {
    split_user_turns (self, (const gchar *) map.data, map.size);
  } else {
    gchar *valid = g_utf8_make_valid ((const gchar *) map.data, map.size);

    GST_ELEMENT_WARNING (self, STREAM, DECODE,
        ("The input text is not valid UTF-8"),
        ("invalid bytes were replaced by U+FFFD"));
    split_user_turns (self, valid, strlen (valid));
    g_free (valid);
  }
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static gboolean
enqueue_event (GstVaniLLM * self, GstEvent * event)
{
  Item *item = g_new0 (Item, 1);

  item->type = ITEM_EVENT;
  item->event = event;
  return enqueue (self, item);
}

static void
stop_tools (GstVaniLLM * self)
{
  GPtrArray *tools = copy_builtin_tools (self);
  guint i;

  for (i = 0; i < tools->len; i++)
    gst_vani_tool_stop (g_ptr_array_index (tools, i));
  g_ptr_array_unref (tools);
}

static gboolean
gst_vani_llm_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstVaniLLM *self = GST_VANI_LLM (parent);
  GstVaniContext *context = NULL;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      cancel_work (self, FALSE);
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_FLUSH_STOP:
      g_string_truncate (self->partial_line, 0);
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_CAPS:
    case GST_EVENT_SEGMENT:
      /* We produce our own text stream with its own caps and segment. */
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_EOS:
      flush_partial_line (self);
      stop_tools (self);
      return enqueue_event (self, event);
    default:
      break;
  }

  switch (gst_vani_event_get_event_type (event)) {
    case GST_VANI_EVENT_LLM_CONTEXT:
      if (gst_vani_event_parse_llm_context (event, &context)) {
        Item *item = g_new0 (Item, 1);
        const GstStructure *marks = gst_vani_event_get_turn_marks (event);

        item->type = ITEM_CONTEXT;
        item->context = context;
        item->marks = marks ? gst_structure_copy (marks) : NULL;
        enqueue (self, item);
      }
      gst_event_unref (event);
      return TRUE;
    case GST_VANI_EVENT_INTERRUPTION:
      GST_DEBUG_OBJECT (self, "interruption: cancelling the reply");
      cancel_work (self, TRUE);
      return gst_pad_push_event (self->srcpad, event);
    default:
      break;
  }

  if (GST_EVENT_IS_SERIALIZED (event))
    return enqueue_event (self, event);
  return gst_pad_event_default (pad, parent, event);
}

/* ------------------------------------------------------------------------ */
/* State                                                                    */

static gchar *
load_tools_text (const gchar * tools, GError ** error)
{
  const gchar *p = tools;
  gchar *contents = NULL;

  while (g_ascii_isspace (*p))
    p++;
  if (*p == '[')
    return g_strdup (p);
  if (!g_file_get_contents (tools, &contents, NULL, error))
    return NULL;
  return contents;
}

/* Parses #GstVaniLLM:tools (inline JSON or a file) into self->tools_node. */
static gboolean
prepare_tools (GstVaniLLM * self)
{
  GstVaniContext *probe;
  GError *error = NULL;
  gchar *tools, *text;
  gboolean ok = TRUE;

  GST_OBJECT_LOCK (self);
  tools = g_strdup (self->tools);
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&self->tools_node, json_node_unref);
  if (!tools || !*tools) {
    g_free (tools);
    return TRUE;
  }

  text = load_tools_text (tools, &error);
  probe = gst_vani_context_new ();
  if (text && gst_vani_context_set_tools_from_json (probe, text, &error)) {
    self->tools_node = gst_vani_context_get_tools (probe);
  } else {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The tools property is not usable: %s", error->message),
        ("tools=%s", tools));
    g_clear_error (&error);
    ok = FALSE;
  }
  g_object_unref (probe);
  g_free (text);
  g_free (tools);
  return ok;
}

static void
reset_own_context (GstVaniLLM * self)
{
  gchar *system_prompt;

  g_clear_object (&self->own_context);
  self->own_context = gst_vani_context_new ();
  GST_OBJECT_LOCK (self);
  system_prompt = g_strdup (self->system_prompt);
  GST_OBJECT_UNLOCK (self);
  if (system_prompt && *system_prompt)
    gst_vani_context_add_system_message (self->own_context, system_prompt);
  if (self->tools_node)
    gst_vani_context_set_tools (self->own_context, self->tools_node);
  g_free (system_prompt);
}

static gboolean
start_tools (GstVaniLLM * self)
{
  GPtrArray *tools = copy_builtin_tools (self);
  gboolean ok = TRUE;
  guint i;

  g_clear_object (&self->tools_cancellable);
  self->tools_cancellable = g_cancellable_new ();
  for (i = 0; i < tools->len && ok; i++) {
    GError *error = NULL;

    if (!gst_vani_tool_start (g_ptr_array_index (tools, i),
            self->tools_cancellable, &error)) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
          ("A built-in tool failed to start: %s",
              error ? error->message : "unknown error"), (NULL));
      g_clear_error (&error);
      ok = FALSE;
    }
  }
  g_ptr_array_unref (tools);
  return ok;
}

static gboolean
gst_vani_llm_start (GstVaniLLM * self)
{
  GstVaniHttp *http;

  if (!prepare_tools (self))
    return FALSE;
  reset_own_context (self);
  g_string_truncate (self->partial_line, 0);

  http = gst_vani_http_new ("vanillm-http");
  g_mutex_lock (&self->lock);
  self->http = http;
  self->busy = FALSE;
  g_mutex_unlock (&self->lock);
  return start_tools (self);
}

static void
gst_vani_llm_stop (GstVaniLLM * self)
{
  GstVaniHttp *http;

  cancel_work (self, FALSE);
  wait_until_idle (self);
  g_mutex_lock (&self->lock);
  http = self->http;
  self->http = NULL;
  g_mutex_unlock (&self->lock);
  gst_vani_http_free (http);
  stop_tools (self);
  g_clear_object (&self->tools_cancellable);
}

static GstStateChangeReturn
gst_vani_llm_change_state (GstElement * element, GstStateChange transition)
{
  GstVaniLLM *self = GST_VANI_LLM (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!gst_vani_llm_start (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* Cancel before the pads deactivate so the worker lets go at once. */
      cancel_work (self, FALSE);
      if (self->tools_cancellable)
        g_cancellable_cancel (self->tools_cancellable);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_vani_llm_stop (self);
  return ret;
}

/* ------------------------------------------------------------------------ */
/* Properties                                                               */

static void
add_builtin_tool (GstVaniLLM * self, GstVaniTool * tool)
{
  g_return_if_fail (GST_VANI_IS_TOOL (tool));
  GST_INFO_OBJECT (self, "attaching built-in tool %" GST_PTR_FORMAT, tool);
  GST_OBJECT_LOCK (self);
  g_ptr_array_add (self->builtin_tools, g_object_ref (tool));
  GST_OBJECT_UNLOCK (self);
}

static gboolean
extra_body_is_valid (const gchar * text)
{
  JsonNode *node;
  gboolean ok;

  if (!text || !*text)
    return TRUE;
  node = json_from_string (text, NULL);
  ok = node && JSON_NODE_HOLDS_OBJECT (node);
  if (node)
    json_node_unref (node);
  return ok;
}

static void
gst_vani_llm_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVaniLLM *self = GST_VANI_LLM (object);

  GST_OBJECT_LOCK (self);
  if (gst_vani_http_settings_set (&self->http_settings, PROP_HTTP_FIRST,
          prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model);
      self->model = g_value_dup_string (value);
      break;
    case PROP_TEMPERATURE:
      self->temperature = g_value_get_double (value);
      self->set_params |= PARAM_TEMPERATURE;
      break;
    case PROP_TOP_P:
      self->top_p = g_value_get_double (value);
      self->set_params |= PARAM_TOP_P;
      break;
    case PROP_FREQUENCY_PENALTY:
      self->frequency_penalty = g_value_get_double (value);
      self->set_params |= PARAM_FREQUENCY_PENALTY;
      break;
    case PROP_PRESENCE_PENALTY:
      self->presence_penalty = g_value_get_double (value);
      self->set_params |= PARAM_PRESENCE_PENALTY;
      break;
    case PROP_SEED:
      self->seed = g_value_get_int64 (value);
      self->set_params |= PARAM_SEED;
      break;
    case PROP_MAX_COMPLETION_TOKENS:
      self->max_completion_tokens = g_value_get_uint (value);
      break;
    case PROP_SERVICE_TIER:
      g_free (self->service_tier);
      self->service_tier = g_value_dup_string (value);
      break;
    case PROP_MAX_TOOL_ROUNDS:
      self->max_tool_rounds = g_value_get_uint (value);
      break;
    case PROP_SYSTEM_PROMPT:
      g_free (self->system_prompt);
      self->system_prompt = g_value_dup_string (value);
      break;
    case PROP_TOOLS:
      g_free (self->tools);
      self->tools = g_value_dup_string (value);
      break;
    case PROP_TOOL_CHOICE:
      g_free (self->tool_choice);
      self->tool_choice = g_value_dup_string (value);
      break;
    case PROP_MAX_RETRIES:
      self->max_retries = g_value_get_uint (value);
      break;
    case PROP_TOOL_TIMEOUT:
      self->tool_timeout = g_value_get_uint (value);
      break;
    case PROP_MAX_EVENT_SIZE:
      self->max_event_size = g_value_get_uint64 (value);
      break;
    case PROP_EXTRA_BODY:
      if (extra_body_is_valid (g_value_get_string (value))) {
        g_free (self->extra_body);
        self->extra_body = g_value_dup_string (value);
      } else {
        GST_OBJECT_UNLOCK (self);
        GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
            ("extra-body must be a JSON object; the value was ignored"),
            (NULL));
        return;
      }
      break;
    case PROP_INCLUDE_USAGE:
      self->include_usage = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_llm_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstVaniLLM *self = GST_VANI_LLM (object);

  GST_OBJECT_LOCK (self);
  if (gst_vani_http_settings_get (&self->http_settings, PROP_HTTP_FIRST,
          prop_id, value)) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_TEMPERATURE:
      g_value_set_double (value, self->temperature);
      break;
    case PROP_TOP_P:
      g_value_set_double (value, self->top_p);
      break;
    case PROP_FREQUENCY_PENALTY:
      g_value_set_double (value, self->frequency_penalty);
      break;
    case PROP_PRESENCE_PENALTY:
      g_value_set_double (value, self->presence_penalty);
      break;
    case PROP_SEED:
      g_value_set_int64 (value, self->seed);
      break;
    case PROP_MAX_COMPLETION_TOKENS:
      g_value_set_uint (value, self->max_completion_tokens);
      break;
    case PROP_SERVICE_TIER:
      g_value_set_string (value, self->service_tier);
      break;
    case PROP_MAX_TOOL_ROUNDS:
      g_value_set_uint (value, self->max_tool_rounds);
      break;
    case PROP_SYSTEM_PROMPT:
      g_value_set_string (value, self->system_prompt);
      break;
    case PROP_TOOLS:
      g_value_set_string (value, self->tools);
      break;
    case PROP_TOOL_CHOICE:
      g_value_set_string (value, self->tool_choice);
      break;
    case PROP_MAX_RETRIES:
      g_value_set_uint (value, self->max_retries);
      break;
    case PROP_TOOL_TIMEOUT:
      g_value_set_uint (value, self->tool_timeout);
      break;
    case PROP_MAX_EVENT_SIZE:
      g_value_set_uint64 (value, self->max_event_size);
      break;
    case PROP_EXTRA_BODY:
      g_value_set_string (value, self->extra_body);
      break;
    case PROP_INCLUDE_USAGE:
      g_value_set_boolean (value, self->include_usage);
      break;
    case PROP_CONTEXT:
      g_value_set_object (value, self->own_context);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
gst_vani_llm_init (GstVaniLLM * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_llm_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_llm_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  gst_vani_http_settings_init (&self->http_settings, DEFAULT_REQUEST_TIMEOUT);
  self->model = g_strdup (DEFAULT_MODEL);
  self->temperature = DEFAULT_TEMPERATURE;
  self->top_p = DEFAULT_TOP_P;
  self->frequency_penalty = DEFAULT_PENALTY;
  self->presence_penalty = DEFAULT_PENALTY;
  self->seed = DEFAULT_SEED;
  self->max_completion_tokens = DEFAULT_MAX_COMPLETION_TOKENS;
  self->max_tool_rounds = DEFAULT_MAX_TOOL_ROUNDS;
  self->max_retries = DEFAULT_MAX_RETRIES;
  self->tool_timeout = DEFAULT_TOOL_TIMEOUT;
  self->max_event_size = DEFAULT_MAX_EVENT_SIZE;
  self->include_usage = DEFAULT_INCLUDE_USAGE;
  self->builtin_tools = g_ptr_array_new_with_free_func (g_object_unref);
  self->partial_line = g_string_new (NULL);
  self->own_context = gst_vani_context_new ();

  g_mutex_init (&self->lock);
  g_cond_init (&self->idle_cond);
  g_queue_init (&self->items);
}

static void
gst_vani_llm_finalize (GObject * object)
{
  GstVaniLLM *self = GST_VANI_LLM (object);

  g_queue_clear_full (&self->items, (GDestroyNotify) item_free);
  gst_vani_http_settings_clear (&self->http_settings);
  g_free (self->model);
  g_free (self->service_tier);
  g_free (self->system_prompt);
  g_free (self->tools);
  g_free (self->tool_choice);
  g_free (self->extra_body);
  g_clear_pointer (&self->tools_node, json_node_unref);
  g_clear_object (&self->own_context);
  g_clear_object (&self->tools_cancellable);
  g_ptr_array_unref (self->builtin_tools);
  g_string_free (self->partial_line, TRUE);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->idle_cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

#define RW_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
install_properties (GObjectClass * gobject_class)
{
  gst_vani_http_settings_install (gobject_class, PROP_HTTP_FIRST,
      DEFAULT_REQUEST_TIMEOUT);
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model", "Model name sent to the server",
          DEFAULT_MODEL, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TEMPERATURE,
      g_param_spec_double ("temperature", "Temperature",
          "Sampling temperature; sent only when set", 0.0, 2.0,
          DEFAULT_TEMPERATURE, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TOP_P,
      g_param_spec_double ("top-p", "Top P",
          "Nucleus sampling mass; sent only when set", 0.0, 1.0,
          DEFAULT_TOP_P, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_FREQUENCY_PENALTY,
      g_param_spec_double ("frequency-penalty", "Frequency penalty",
          "Penalty for frequent tokens; sent only when set", -2.0, 2.0,
          DEFAULT_PENALTY, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PRESENCE_PENALTY,
      g_param_spec_double ("presence-penalty", "Presence penalty",
          "Penalty for tokens already present; sent only when set", -2.0, 2.0,
          DEFAULT_PENALTY, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_int64 ("seed", "Seed",
          "Seed for deterministic sampling; sent only when set", G_MININT64,
          G_MAXINT64, DEFAULT_SEED, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAX_COMPLETION_TOKENS,
      g_param_spec_uint ("max-completion-tokens", "Max completion tokens",
          "Upper bound of generated tokens (0 = not sent)", 0, G_MAXUINT,
          DEFAULT_MAX_COMPLETION_TOKENS, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SERVICE_TIER,
      g_param_spec_string ("service-tier", "Service tier",
          "OpenAI service tier, e.g. \"auto\", \"flex\" (NULL = not sent)",
          NULL, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAX_TOOL_ROUNDS,
      g_param_spec_uint ("max-tool-rounds", "Max tool rounds",
          "How many times in one turn the model may call tools before the "
          "turn is ended (prevents loops)", 1, 100, DEFAULT_MAX_TOOL_ROUNDS,
          RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SYSTEM_PROMPT,
      g_param_spec_string ("system-prompt", "System prompt",
          "System message of the element's own context (plain text input)",
          NULL, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TOOLS,
      g_param_spec_string ("tools", "Tools",
          "JSON array of OpenAI function schemas, or the path of a file "
          "holding one; used when the context has no tools", NULL, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TOOL_CHOICE,
      g_param_spec_string ("tool-choice", "Tool choice",
          "\"auto\", \"none\", \"required\" or a JSON object naming a "
          "function; used when the context sets none", NULL, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAX_RETRIES,
      g_param_spec_uint ("max-retries", "Max retries",
          "Retries for connection errors, 429 and 5xx before the first token, "
          "with backoff honouring Retry-After", 0, 20, DEFAULT_MAX_RETRIES,
          RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TOOL_TIMEOUT,
      g_param_spec_uint ("tool-timeout", "Tool timeout",
          "Milliseconds a tool-call handler may take before the model gets "
          "an error result (0 = wait forever)", 0, G_MAXUINT,
          DEFAULT_TOOL_TIMEOUT, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAX_EVENT_SIZE,
      g_param_spec_uint64 ("max-event-size", "Max event size",
          "Largest server-sent event accepted, in bytes; a larger one ends "
          "the turn with an error", 1024, G_MAXUINT64, DEFAULT_MAX_EVENT_SIZE,
          RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_EXTRA_BODY,
      g_param_spec_string ("extra-body", "Extra body",
          "JSON object whose members are added to each request body "
          "(for server-specific options)", NULL, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_INCLUDE_USAGE,
      g_param_spec_boolean ("include-usage", "Include usage",
          "Ask the server for token usage (stream_options.include_usage)",
          DEFAULT_INCLUDE_USAGE, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_CONTEXT,
      g_param_spec_object ("context", "Context",
          "The element's own conversation (plain text input)",
          GST_VANI_TYPE_CONTEXT, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
install_signals (GObjectClass * gobject_class)
{
  /**
   * GstVaniLLM::tool-call:
   * @llm: the element
   * @name: the function name
   * @arguments: the arguments, a JSON text (never evaluated by vanillm)
   * @call_id: the call's id
   * @promise: answer it with gst_promise_reply() and a structure holding a
   *   `result` string (JSON) and optionally `raw-data` (for the bus only)
   *
   * The model called a function. Emitted from the element's worker thread;
   * the handler may reply at once or later from any thread. Without a
   * handler the model gets `{"error": "function 'x' is not registered"}`,
   * and past #GstVaniLLM:tool-timeout an error result.
   */
  gst_vani_llm_signals[SIGNAL_TOOL_CALL] =
      g_signal_new ("tool-call", G_TYPE_FROM_CLASS (gobject_class),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING,
      G_TYPE_STRING, G_TYPE_STRING, GST_TYPE_PROMISE);

  /**
   * GstVaniLLM::tool-calls-done:
   * @llm: the element
   * @context: the conversation, with every result of the batch in it
   *
   * The transition hook: emitted after all calls of one reply have their
   * results in the context, before the model runs again. Flows change node
   * here (messages and tools of @context). Return %TRUE to end the turn
   * instead of asking the model again.
   */
  gst_vani_llm_signals[SIGNAL_TOOL_CALLS_DONE] =
      g_signal_new ("tool-calls-done", G_TYPE_FROM_CLASS (gobject_class),
      G_SIGNAL_RUN_LAST, 0, g_signal_accumulator_true_handled, NULL, NULL,
      G_TYPE_BOOLEAN, 1, GST_VANI_TYPE_CONTEXT);

  /**
   * GstVaniLLM::add-tool:
   * @llm: the element
   * @tool: a #GstVaniTool
   *
   * Attaches a built-in tool: its schemas are offered to the model and its
   * calls are routed to it; it follows the element's lifecycle.
   */
  gst_vani_llm_signals[SIGNAL_ADD_TOOL] =
      g_signal_new_class_handler ("add-tool", G_TYPE_FROM_CLASS (gobject_class),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (add_builtin_tool),
      NULL, NULL, NULL, G_TYPE_NONE, 1, GST_VANI_TYPE_TOOL);
}

static void
gst_vani_llm_class_init (GstVaniLLMClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_vani_llm_set_property;
  gobject_class->get_property = gst_vani_llm_get_property;
  gobject_class->finalize = gst_vani_llm_finalize;
  install_properties (gobject_class);
  install_signals (gobject_class);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_vani_llm_change_state);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Vani LLM (OpenAI-compatible)", "Filter/Text/Network",
      "Streams chat completions from an OpenAI-compatible server, with "
      "tool calls", "gst-rustvani developers");

  GST_DEBUG_CATEGORY_INIT (gst_vani_llm_debug, "vanillm", 0,
      "gst-rustvani OpenAI-compatible LLM");
}
