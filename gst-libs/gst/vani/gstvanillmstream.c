/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanillmstream
 * @title: GstVaniLLMStream
 * @short_description: chat-completions chunks to content and tool calls
 *
 * Takes the data of each server-sent event of a streamed chat-completions
 * reply and survives what OpenAI-compatible servers send:
 *
 * - `choices` empty or missing (usage chunks, filter chunks), `delta` null,
 *   unknown fields; only choice 0 is read;
 * - reasoning in `delta.reasoning_content`, `delta.reasoning` or inside
 *   `<think>…</think>` in the content (tags may be split across deltas) goes
 *   to the reasoning channel, never to the content;
 * - usage in a final chunk, cumulative in every chunk (the last one wins) or
 *   in `x_groq.usage`;
 * - errors after HTTP 200 (`{"error": …}` or an `event: error`), the
 *   `[DONE]` marker, `data: : keepalive`, chunks that are not JSON;
 * - tool calls accumulated by index; the name and id are set once, never
 *   concatenated; a missing index, or index 0 reused with a new id, starts a
 *   new call; arguments may come whole or in fragments split anywhere;
 *   empty arguments mean `{}`; a missing id gets a generated one; arguments
 *   that are not valid JSON mark the call invalid.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanillmstream.h"
#include "gstvanijson.h"
#include "gstvani-private.h"

#include <string.h>
#include <json-glib/json-glib.h>

#define MAX_TOOL_CALLS 128
#define THINK_OPEN "<think>"
#define THINK_CLOSE "</think>"

typedef struct
{
  gint64 index;                 /* -1 when the server gave none */
  gchar *id;
  gchar *name;
  GString *arguments;
} PartialCall;

struct _GstVaniLLMStream
{
  GstVaniLLMTextFunc content_func;
  gpointer content_data;
  GstVaniLLMTextFunc reasoning_func;
  gpointer reasoning_data;

  GString *content;
  GString *reasoning;
  GString *held;                /* text that may be the start of a tag */
  gboolean in_think;
  gboolean first_delta;
  gboolean done;
  gboolean finished;
  gchar *finish_reason;
  GstVaniLLMUsage usage;
  gboolean has_usage;

  JsonParser *parser;           /* reused for every chunk */
  GString *scratch;             /* the fast path's decoded content */
  GPtrArray *partials;          /* PartialCall */
  GPtrArray *calls;             /* GstVaniToolCall, built by finish */
  GArray *valid;                /* gboolean per call */
  guint generated_ids;
};

G_DEFINE_QUARK (gst-vani-llm-stream-error-quark, gst_vani_llm_stream_error);

static void
partial_call_free (PartialCall * p)
{
  g_free (p->id);
  g_free (p->name);
  g_string_free (p->arguments, TRUE);
  g_free (p);
}

/**
 * gst_vani_llm_stream_new: (skip)
 *
 * Returns: (transfer full): a handler for one reply
 */
GstVaniLLMStream *
gst_vani_llm_stream_new (void)
{
  GstVaniLLMStream *stream = g_new0 (GstVaniLLMStream, 1);

  stream->content = g_string_new (NULL);
  stream->reasoning = g_string_new (NULL);
  stream->held = g_string_new (NULL);
  stream->parser = json_parser_new_immutable ();
  stream->scratch = g_string_new (NULL);
  stream->partials = g_ptr_array_new_with_free_func ((GDestroyNotify)
      partial_call_free);
  stream->calls = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_vani_tool_call_unref);
  stream->valid = g_array_new (FALSE, FALSE, sizeof (gboolean));
  stream->usage.prompt_tokens = stream->usage.completion_tokens = -1;
  stream->usage.cached_tokens = stream->usage.reasoning_tokens = -1;
  return stream;
}

/**
 * gst_vani_llm_stream_free: (skip)
 * @stream: a handler
 */
void
gst_vani_llm_stream_free (GstVaniLLMStream * stream)
{
  if (!stream)
    return;
  g_string_free (stream->content, TRUE);
  g_string_free (stream->reasoning, TRUE);
  g_string_free (stream->held, TRUE);
  g_free (stream->finish_reason);
  g_object_unref (stream->parser);
  g_string_free (stream->scratch, TRUE);
  g_ptr_array_unref (stream->partials);
  g_ptr_array_unref (stream->calls);
  g_array_unref (stream->valid);
  g_free (stream);
}

/**
 * gst_vani_llm_stream_set_content_func: (skip)
 * @stream: a handler
 * @func: (nullable): called for each piece of content, as it arrives
 * @user_data: for @func
 */
void
gst_vani_llm_stream_set_content_func (GstVaniLLMStream * stream,
    GstVaniLLMTextFunc func, gpointer user_data)
{
  stream->content_func = func;
  stream->content_data = user_data;
}

/**
 * gst_vani_llm_stream_set_reasoning_func: (skip)
 * @stream: a handler
 * @func: (nullable): called for each piece of reasoning
 * @user_data: for @func
 */
void
gst_vani_llm_stream_set_reasoning_func (GstVaniLLMStream * stream,
    GstVaniLLMTextFunc func, gpointer user_data)
{
  stream->reasoning_func = func;
  stream->reasoning_data = user_data;
}

static void
emit_content (GstVaniLLMStream * stream, const gchar * text, gsize len)
{
  if (len == 0)
    return;
  g_string_append_len (stream->content, text, len);
  if (stream->content_func)
    stream->content_func (text, len, stream->content_data);
}

static void
emit_reasoning (GstVaniLLMStream * stream, const gchar * text, gsize len)
{
  if (len == 0)
    return;
  g_string_append_len (stream->reasoning, text, len);
  if (stream->reasoning_func)
    stream->reasoning_func (text, len, stream->reasoning_data);
}

/* Length of the longest suffix of @text that is a proper prefix of @tag. */
static gsize
partial_tag_suffix (const gchar * text, gsize len, const gchar * tag)
{
  gsize tag_len = strlen (tag), n;

  for (n = MIN (len, tag_len - 1); n > 0; n--) {
    if (memcmp (text + len - n, tag, n) == 0)
      return n;
  }
  return 0;
}

/* Routes content between the content and reasoning channels, holding back
 * only what may still become a <think> or </think> tag. */
static void
route_content (GstVaniLLMStream * stream, const gchar * text, gsize len)
{
  GString *work = stream->held;
  const gchar *p, *end;

  g_string_append_len (work, text, len);
  p = work->str;
  end = work->str + work->len;
  while (p < end) {
    const gchar *tag = stream->in_think ? THINK_CLOSE : THINK_OPEN;
    const gchar *found = g_strstr_len (p, end - p, tag);
    gsize keep;

    if (found) {
      if (stream->in_think)
        emit_reasoning (stream, p, found - p);
      else
        emit_content (stream, p, found - p);
      stream->in_think = !stream->in_think;
      p = found + strlen (tag);
      continue;
    }
    keep = partial_tag_suffix (p, end - p, tag);
    if (stream->in_think)
      emit_reasoning (stream, p, end - p - keep);
    else
      emit_content (stream, p, end - p - keep);
    p = end - keep;
    break;
  }
  g_string_erase (work, 0, p - work->str);
}

static void
flush_held (GstVaniLLMStream * stream)
{
  if (stream->in_think)
    emit_reasoning (stream, stream->held->str, stream->held->len);
  else
    emit_content (stream, stream->held->str, stream->held->len);
  g_string_truncate (stream->held, 0);
}

static gboolean
set_error (GError ** error, GstVaniLLMStreamError code, const gchar * format,
    ...) G_GNUC_PRINTF (3, 4);

static gboolean
set_error (GError ** error, GstVaniLLMStreamError code, const gchar * format,
    ...)
{
  va_list args;

  va_start (args, format);
  if (error)
    *error = g_error_new_valist (GST_VANI_LLM_STREAM_ERROR, code, format,
        args);
  va_end (args);
  return FALSE;
}

static const gchar *
member_string (JsonObject * obj, const gchar * name)
{
  JsonNode *node;

  if (!obj)
    return NULL;
  node = json_object_get_member (obj, name);
  if (!node || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject * obj, const gchar * name)
{
  JsonNode *node;

  if (!obj)
    return NULL;
  node = json_object_get_member (obj, name);
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) :
      NULL;
}

static gboolean
member_int (JsonObject * obj, const gchar * name, gint64 * value)
{
  JsonNode *node;

  if (!obj)
    return FALSE;
  node = json_object_get_member (obj, name);
  if (!node || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

/* The server's own words for an error object, a string or anything else. */
static gchar *
describe_server_error (JsonNode * err)
{
  const gchar *message;

  if (JSON_NODE_HOLDS_OBJECT (err)) {
    message = member_string (json_node_get_object (err), "message");
    if (message)
      return g_strdup (message);
  } else if (JSON_NODE_HOLDS_VALUE (err) &&
      json_node_get_value_type (err) == G_TYPE_STRING) {
    return g_strdup (json_node_get_string (err));
  }
  return json_to_string (err, FALSE);
}

static void
read_usage (GstVaniLLMStream * stream, JsonObject * usage)
{
  GstVaniLLMUsage u = { -1, -1, -1, -1 };

  if (!usage)
    return;
  member_int (usage, "prompt_tokens", &u.prompt_tokens);
  member_int (usage, "completion_tokens", &u.completion_tokens);
  member_int (member_object (usage, "prompt_tokens_details"), "cached_tokens",
      &u.cached_tokens);
  member_int (member_object (usage, "completion_tokens_details"),
      "reasoning_tokens", &u.reasoning_tokens);
  stream->usage = u;
  stream->has_usage = TRUE;
}

static PartialCall *
partial_call_new (GstVaniLLMStream * stream, gint64 index)
{
  PartialCall *p = g_new0 (PartialCall, 1);

  p->index = index;
  p->arguments = g_string_new (NULL);
  g_ptr_array_add (stream->partials, p);
  return p;
}

static PartialCall *
find_by_index (GstVaniLLMStream * stream, gint64 index)
{
  guint i;

  for (i = stream->partials->len; i > 0; i--) {
    PartialCall *p = g_ptr_array_index (stream->partials, i - 1);

    if (p->index == index)
      return p;
  }
  return NULL;
}

/* Which call a delta belongs to, following what the servers really do. */
static PartialCall *
target_call (GstVaniLLMStream * stream, gboolean has_index, gint64 index,
    const gchar * id, const gchar * name)
{
  PartialCall *last = stream->partials->len ?
      g_ptr_array_index (stream->partials, stream->partials->len - 1) : NULL;
  PartialCall *p;

  if (has_index) {
    p = find_by_index (stream, index);
    /* Ollama reuses index 0 for parallel calls, each with its own id. */
    if (p && id && p->id && !g_str_equal (p->id, id))
      return NULL;
    return p;
  }
  /* No index (old Ollama): a new id or a second name starts a new call. */
  if (!last || (id && last->id && !g_str_equal (last->id, id)) ||
      (name && last->name && !id))
    return NULL;
  return last;
}

static gboolean
accumulate_tool_call (GstVaniLLMStream * stream, JsonNode * node,
    GError ** error)
{
  JsonObject *tc, *fn;
  JsonNode *args_node;
  const gchar *id, *name;
  gint64 index = -1;
  gboolean has_index;
  PartialCall *p;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  tc = json_node_get_object (node);
  fn = member_object (tc, "function");
  has_index = member_int (tc, "index", &index);
  id = member_string (tc, "id");
  if (id && !*id)
    id = NULL;
  name = member_string (fn, "name");
  if (name && !*name)
    name = NULL;

  p = target_call (stream, has_index, index, id, name);
  if (!p) {
    if (stream->partials->len >= MAX_TOOL_CALLS)
      return set_error (error, GST_VANI_LLM_STREAM_ERROR_MALFORMED,
          "the reply has more than %d tool calls", MAX_TOOL_CALLS);
    p = partial_call_new (stream, has_index ? index : -1);
  }
  /* Set once: some servers repeat the name or the id in every delta. */
  if (id && !p->id)
    p->id = g_strdup (id);
  if (name && !p->name)
    p->name = g_strdup (name);

  args_node = fn ? json_object_get_member (fn, "arguments") : NULL;
  if (args_node && JSON_NODE_HOLDS_VALUE (args_node) &&
      json_node_get_value_type (args_node) == G_TYPE_STRING) {
    g_string_append (p->arguments, json_node_get_string (args_node));
  } else if (args_node && (JSON_NODE_HOLDS_OBJECT (args_node) ||
          JSON_NODE_HOLDS_ARRAY (args_node))) {
    /* Some servers send the arguments as an object, not a string. */
    gchar *text = json_to_string (args_node, FALSE);

    g_string_append (p->arguments, text);
    g_free (text);
  }
  stream->first_delta = TRUE;
  return TRUE;
}

static gboolean
read_delta (GstVaniLLMStream * stream, JsonObject * delta, GError ** error)
{
  const gchar *text;
  JsonNode *calls;
  guint i;

  if (!delta)
    return TRUE;
  text = member_string (delta, "reasoning_content");
  if (!text)
    text = member_string (delta, "reasoning");
  if (text && *text) {
    stream->first_delta = TRUE;
    emit_reasoning (stream, text, strlen (text));
  }
  text = member_string (delta, "content");
  if (text && *text) {
    stream->first_delta = TRUE;
    route_content (stream, text, strlen (text));
  }
  calls = json_object_get_member (delta, "tool_calls");
  if (calls && JSON_NODE_HOLDS_ARRAY (calls)) {
    JsonArray *array = json_node_get_array (calls);

    for (i = 0; i < json_array_get_length (array); i++) {
      if (!accumulate_tool_call (stream, json_array_get_element (array, i),
              error))
        return FALSE;
    }
  }
  return TRUE;
}

static gboolean
read_choices (GstVaniLLMStream * stream, JsonObject * chunk, GError ** error)
{
  JsonNode *node = json_object_get_member (chunk, "choices");
  JsonArray *choices;
  guint i;

  if (!node || !JSON_NODE_HOLDS_ARRAY (node))
    return TRUE;
  choices = json_node_get_array (node);
  for (i = 0; i < json_array_get_length (choices); i++) {
    JsonNode *cnode = json_array_get_element (choices, i);
    JsonObject *choice;
    const gchar *reason;
    gint64 index = 0;

    if (!JSON_NODE_HOLDS_OBJECT (cnode))
      continue;
    choice = json_node_get_object (cnode);
    member_int (choice, "index", &index);
    if (index != 0)
      continue;
    if (!read_delta (stream, member_object (choice, "delta"), error))
      return FALSE;
    reason = member_string (choice, "finish_reason");
    if (reason) {
      g_free (stream->finish_reason);
      stream->finish_reason = g_strdup (reason);
    }
  }
  return TRUE;
}

static GstVaniLLMStreamStatus
fail (GError ** error, GstVaniLLMStreamError code, gchar * message)
{
  set_error (error, code, "%s", message);
  g_free (message);
  return GST_VANI_LLM_STREAM_STATUS_ERROR;
}

static GstVaniLLMStreamStatus
read_chunk (GstVaniLLMStream * stream, const gchar * event_name,
    JsonNode * root, GError ** error)
{
  JsonObject *chunk;
  JsonNode *err;

  if (g_strcmp0 (event_name, "error") == 0)
    return fail (error, GST_VANI_LLM_STREAM_ERROR_SERVER,
        describe_server_error (root));
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, GST_VANI_LLM_STREAM_ERROR_MALFORMED,
        g_strdup ("a chunk is not a JSON object"));
  chunk = json_node_get_object (root);
  err = json_object_get_member (chunk, "error");
  if (err && !JSON_NODE_HOLDS_NULL (err))
    return fail (error, GST_VANI_LLM_STREAM_ERROR_SERVER,
        describe_server_error (err));

  read_usage (stream, member_object (chunk, "usage"));
  read_usage (stream, member_object (member_object (chunk, "x_groq"),
          "usage"));
  if (!read_choices (stream, chunk, error))
    return GST_VANI_LLM_STREAM_STATUS_ERROR;
  return GST_VANI_LLM_STREAM_STATUS_CONTINUE;
}

static gchar *
excerpt (const gchar * data, gsize len)
{
  gchar *valid = g_utf8_make_valid (data, MIN (len, 80));
  gchar *p;

  for (p = valid; *p; p++) {
    if (g_ascii_iscntrl (*p))
      *p = ' ';
  }
  return valid;
}

/**
 * gst_vani_llm_stream_push_event: (skip)
 * @stream: a handler
 * @event_name: (nullable): the SSE event name
 * @data: the event's data
 * @len: its length
 * @error: where to put an error
 *
 * Returns: what the event meant for the stream
 */
GstVaniLLMStreamStatus
gst_vani_llm_stream_push_event (GstVaniLLMStream * stream,
    const gchar * event_name, const gchar * data, gsize len, GError ** error)
{
  JsonNode *root;
  GstVaniLLMStreamStatus status;
  GError *parse_error = NULL;
  const gchar *p = data;

  g_return_val_if_fail (stream != NULL, GST_VANI_LLM_STREAM_STATUS_ERROR);
  if (stream->done)
    return GST_VANI_LLM_STREAM_STATUS_DONE;
  while (p < data + len && g_ascii_isspace (*p))
    p++;
  if (len - (p - data) == 6 && memcmp (p, "[DONE]", 6) == 0) {
    stream->done = TRUE;
    return GST_VANI_LLM_STREAM_STATUS_DONE;
  }
  /* `data: : keepalive` from non-compliant servers */
  if (p < data + len && *p == ':' && g_strcmp0 (event_name, "error") != 0)
    return GST_VANI_LLM_STREAM_STATUS_CONTINUE;
  if (p == data + len && g_strcmp0 (event_name, "error") != 0)
    return GST_VANI_LLM_STREAM_STATUS_CONTINUE;

  if (!g_utf8_validate (data, len, NULL))
    return fail (error, GST_VANI_LLM_STREAM_ERROR_MALFORMED,
        g_strdup ("a chunk is not valid UTF-8"));

  /* most chunks are one content delta: read those without a JSON tree */
  g_string_truncate (stream->scratch, 0);
  if (g_strcmp0 (event_name, "error") != 0 &&
      gst_vani_chunk_scan_content (data, len, stream->scratch)) {
    if (stream->scratch->len > 0) {
      stream->first_delta = TRUE;
      route_content (stream, stream->scratch->str, stream->scratch->len);
    }
    return GST_VANI_LLM_STREAM_STATUS_CONTINUE;
  }

  root = gst_vani_json_parser_load (stream->parser, data, len, &parse_error);
  if (!root) {
    gchar *text = excerpt (data, len);

    status = fail (error, g_strcmp0 (event_name, "error") == 0 ?
        GST_VANI_LLM_STREAM_ERROR_SERVER : GST_VANI_LLM_STREAM_ERROR_MALFORMED,
        g_strdup_printf ("%s (%s): \"%s\"", g_strcmp0 (event_name,
                "error") == 0 ? "the server sent an error event" :
            "a chunk is not valid JSON", parse_error->message, text));
    g_free (text);
    g_clear_error (&parse_error);
    return status;
  }
  status = read_chunk (stream, event_name, root, error);
  json_node_unref (root);
  return status;
}

static gchar *
generate_call_id (GstVaniLLMStream * stream)
{
  return g_strdup_printf ("call_%u_%08x", ++stream->generated_ids,
      g_random_int ());
}

static gboolean
arguments_are_json (const gchar * arguments)
{
  JsonNode *root = gst_vani_json_parse (arguments, -1, NULL);
  gboolean ok = root && JSON_NODE_HOLDS_OBJECT (root);

  if (root)
    json_node_unref (root);
  return ok;
}

static void
build_tool_calls (GstVaniLLMStream * stream)
{
  guint i;

  for (i = 0; i < stream->partials->len; i++) {
    PartialCall *p = g_ptr_array_index (stream->partials, i);
    gchar *id = p->id ? g_strdup (p->id) : generate_call_id (stream);
    const gchar *args = p->arguments->len ? p->arguments->str : "{}";
    gboolean valid = p->name != NULL && arguments_are_json (args);

    g_ptr_array_add (stream->calls, gst_vani_tool_call_new (id, p->name,
            args));
    g_array_append_val (stream->valid, valid);
    g_free (id);
  }
}

/**
 * gst_vani_llm_stream_finish: (skip)
 * @stream: a handler
 * @error: where to put an error
 *
 * Ends the reply: releases text held back, builds the tool calls, and checks
 * the reply was complete.
 *
 * Returns: %FALSE with @error when the stream ended with neither `[DONE]`
 *   nor a finish reason
 */
gboolean
gst_vani_llm_stream_finish (GstVaniLLMStream * stream, GError ** error)
{
  g_return_val_if_fail (stream != NULL, FALSE);
  if (!stream->finished) {
    stream->finished = TRUE;
    flush_held (stream);
    build_tool_calls (stream);
  }
  if (!stream->done && !stream->finish_reason)
    return set_error (error, GST_VANI_LLM_STREAM_ERROR_TRUNCATED,
        "the stream ended before the reply was complete");
  return TRUE;
}

/**
 * gst_vani_llm_stream_has_first_delta: (skip)
 * @stream: a handler
 *
 * Returns: whether any content, reasoning or tool-call delta arrived
 */
gboolean
gst_vani_llm_stream_has_first_delta (GstVaniLLMStream * stream)
{
  return stream->first_delta;
}

/**
 * gst_vani_llm_stream_get_content: (skip)
 * @stream: a handler
 *
 * Returns: all content so far, without reasoning
 */
const gchar *
gst_vani_llm_stream_get_content (GstVaniLLMStream * stream)
{
  return stream->content->str;
}

/**
 * gst_vani_llm_stream_get_reasoning: (skip)
 * @stream: a handler
 *
 * Returns: all reasoning so far
 */
const gchar *
gst_vani_llm_stream_get_reasoning (GstVaniLLMStream * stream)
{
  return stream->reasoning->str;
}

/**
 * gst_vani_llm_stream_get_finish_reason: (skip)
 * @stream: a handler
 *
 * Returns: (nullable): "stop", "tool_calls", "length", ...
 */
const gchar *
gst_vani_llm_stream_get_finish_reason (GstVaniLLMStream * stream)
{
  return stream->finish_reason;
}

/**
 * gst_vani_llm_stream_get_usage: (skip)
 * @stream: a handler
 * @usage: (out): the last usage the server reported
 *
 * Returns: whether the server reported usage
 */
gboolean
gst_vani_llm_stream_get_usage (GstVaniLLMStream * stream,
    GstVaniLLMUsage * usage)
{
  *usage = stream->usage;
  return stream->has_usage;
}

/**
 * gst_vani_llm_stream_get_n_tool_calls: (skip)
 * @stream: a finished handler
 *
 * Returns: the number of tool calls (known after finish)
 */
guint
gst_vani_llm_stream_get_n_tool_calls (GstVaniLLMStream * stream)
{
  return stream->calls->len;
}

/**
 * gst_vani_llm_stream_get_tool_call: (skip)
 * @stream: a finished handler
 * @index: which call
 *
 * Returns: (transfer full): the call
 */
GstVaniToolCall *
gst_vani_llm_stream_get_tool_call (GstVaniLLMStream * stream, guint index)
{
  g_return_val_if_fail (index < stream->calls->len, NULL);
  return gst_vani_tool_call_ref (g_ptr_array_index (stream->calls, index));
}

/**
 * gst_vani_llm_stream_tool_call_is_valid: (skip)
 * @stream: a finished handler
 * @call: one of its calls
 *
 * Returns: whether @call has a name and arguments that are a JSON object
 */
gboolean
gst_vani_llm_stream_tool_call_is_valid (GstVaniLLMStream * stream,
    const GstVaniToolCall * call)
{
  guint i;

  for (i = 0; i < stream->calls->len; i++) {
    if (g_ptr_array_index (stream->calls, i) == call)
      return g_array_index (stream->valid, gboolean, i);
  }
  return FALSE;
}
