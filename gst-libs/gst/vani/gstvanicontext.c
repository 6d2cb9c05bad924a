/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanicontext
 * @title: GstVaniContext
 * @short_description: the conversation: messages, tools and tool choice
 *
 * A #GstVaniContext holds one conversation in the form the OpenAI
 * chat-completions API takes it: a list of messages (system, developer, user,
 * assistant with optional tool calls, tool results), the tools offered to the
 * model (function schemas) and the tool choice. It is thread-safe: the user
 * aggregator, vanillm and the assistant aggregator all add to the same object
 * from their own threads.
 *
 * Messages (#GstVaniMessage) and tool calls (#GstVaniToolCall) are immutable
 * and reference counted, so a snapshot is cheap. Every change bumps the
 * #GstVaniContext:generation counter and then emits #GstVaniContext::changed.
 *
 * The JSON importers (gst_vani_context_new_from_json(),
 * gst_vani_context_set_messages_from_json(), ...) check everything they read
 * and fail with a #GST_VANI_CONTEXT_ERROR naming the offending message or
 * tool; on failure the context is left as it was.
 *
 * |[<!-- language="C" -->
 * GstVaniContext *ctx = gst_vani_context_new ();
 * gchar *json;
 *
 * gst_vani_context_add_system_message (ctx, "You are a helpful assistant.");
 * gst_vani_context_add_user_message (ctx, "What's the time in Pune?");
 * json = gst_vani_context_to_json (ctx, TRUE);
 * g_print ("%s\n", json);   // {"messages": [...]}
 * g_free (json);
 * g_object_unref (ctx);
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanicontext.h"
#include "gstvanijson.h"

#include <string.h>

struct _GstVaniToolCall
{
  gint refcount;
  gchar *id;
  gchar *name;
  gchar *arguments;
};

struct _GstVaniMessage
{
  gint refcount;
  GstVaniRole role;
  gchar *content;
  gchar *name;
  gchar *tool_call_id;
  GPtrArray *tool_calls;        /* GstVaniToolCall, NULL when none */
  gchar *json;                  /* compact JSON, made once when first asked */
};

/**
 * GstVaniContext:
 *
 * A thread-safe conversation: messages, tools and tool choice. All its
 * functions may be called from any thread.
 */
struct _GstVaniContext
{
  GObject parent;

  GMutex lock;
  GPtrArray *messages;          /* GstVaniMessage */
  JsonNode *tools;
  JsonNode *tool_choice;
  GstVaniTool *tool;            /* answers function calls first (a flow) */
  guint64 generation;
};

enum
{
  PROP_0,
  PROP_N_MESSAGES,
  PROP_GENERATION,
};

enum
{
  SIGNAL_CHANGED,
  LAST_SIGNAL
};

static guint context_signals[LAST_SIGNAL];

G_DEFINE_BOXED_TYPE (GstVaniToolCall, gst_vani_tool_call,
    gst_vani_tool_call_ref, gst_vani_tool_call_unref);
G_DEFINE_BOXED_TYPE (GstVaniMessage, gst_vani_message,
    gst_vani_message_ref, gst_vani_message_unref);
G_DEFINE_FINAL_TYPE (GstVaniContext, gst_vani_context, G_TYPE_OBJECT);
G_DEFINE_QUARK (gst-vani-context-error-quark, gst_vani_context_error);

/* ------------------------------------------------------------------------ */
/* Tool calls                                                               */

/**
 * gst_vani_tool_call_new:
 * @id: the call id the model gave
 * @name: the function name
 * @arguments: (nullable): the arguments as a JSON text; %NULL means `{}`
 *
 * Returns: (transfer full): a new tool call
 */
GstVaniToolCall *
gst_vani_tool_call_new (const gchar * id, const gchar * name,
    const gchar * arguments)
{
  GstVaniToolCall *call = g_new0 (GstVaniToolCall, 1);

  call->refcount = 1;
  call->id = g_strdup (id ? id : "");
  call->name = g_strdup (name ? name : "");
  call->arguments = g_strdup (arguments && *arguments ? arguments : "{}");
  return call;
}

/**
 * gst_vani_tool_call_ref:
 * @call: a tool call
 *
 * Returns: (transfer full): @call
 */
GstVaniToolCall *
gst_vani_tool_call_ref (GstVaniToolCall * call)
{
  g_return_val_if_fail (call != NULL, NULL);
  g_atomic_int_inc (&call->refcount);
  return call;
}

/**
 * gst_vani_tool_call_unref:
 * @call: (transfer full): a tool call
 */
void
gst_vani_tool_call_unref (GstVaniToolCall * call)
{
  g_return_if_fail (call != NULL);
  if (!g_atomic_int_dec_and_test (&call->refcount))
    return;
  g_free (call->id);
  g_free (call->name);
  g_free (call->arguments);
  g_free (call);
}

/**
 * gst_vani_tool_call_get_id:
 * @call: a tool call
 *
 * Returns: the call id
 */
const gchar *
gst_vani_tool_call_get_id (const GstVaniToolCall * call)
{
  return call->id;
}

/**
 * gst_vani_tool_call_get_name:
 * @call: a tool call
 *
 * Returns: the function name
 */
const gchar *
gst_vani_tool_call_get_name (const GstVaniToolCall * call)
{
  return call->name;
}

/**
 * gst_vani_tool_call_get_arguments:
 * @call: a tool call
 *
 * Returns: the arguments, a JSON text
 */
const gchar *
gst_vani_tool_call_get_arguments (const GstVaniToolCall * call)
{
  return call->arguments;
}

/* ------------------------------------------------------------------------ */
/* Roles                                                                    */

static const gchar *const role_names[] = {
  [GST_VANI_ROLE_SYSTEM] = "system",
  [GST_VANI_ROLE_USER] = "user",
  [GST_VANI_ROLE_ASSISTANT] = "assistant",
  [GST_VANI_ROLE_TOOL] = "tool",
  [GST_VANI_ROLE_DEVELOPER] = "developer",
};

/**
 * gst_vani_role_to_string:
 * @role: a role
 *
 * Returns: the role's name in the OpenAI API ("system", "user", ...)
 */
const gchar *
gst_vani_role_to_string (GstVaniRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);
  return role_names[role];
}

/**
 * gst_vani_role_from_string:
 * @name: a role name
 * @role: (out): the role
 *
 * Returns: %TRUE when @name is a known role
 */
gboolean
gst_vani_role_from_string (const gchar * name, GstVaniRole * role)
{
  guint i;

  for (i = 0; name && i < G_N_ELEMENTS (role_names); i++) {
    if (g_str_equal (name, role_names[i])) {
      *role = (GstVaniRole) i;
      return TRUE;
    }
  }
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */

static GstVaniMessage *
message_alloc (GstVaniRole role, const gchar * content)
{
  GstVaniMessage *message = g_new0 (GstVaniMessage, 1);

  message->refcount = 1;
  message->role = role;
  message->content = g_strdup (content);
  return message;
}

/**
 * gst_vani_message_new:
 * @role: who speaks
 * @content: (nullable): the text
 *
 * Returns: (transfer full): a new message
 */
GstVaniMessage *
gst_vani_message_new (GstVaniRole role, const gchar * content)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);
  return message_alloc (role, content);
}

/**
 * gst_vani_message_new_assistant_tool_calls:
 * @content: (nullable): text the model said with the calls, usually %NULL
 * @tool_calls: (element-type GstVaniToolCall): the calls
 *
 * Returns: (transfer full): a new assistant message
 */
GstVaniMessage *
gst_vani_message_new_assistant_tool_calls (const gchar * content,
    GPtrArray * tool_calls)
{
  GstVaniMessage *message = message_alloc (GST_VANI_ROLE_ASSISTANT, content);
  guint i;

  g_return_val_if_fail (tool_calls != NULL, message);
  message->tool_calls = g_ptr_array_new_full (tool_calls->len,
      (GDestroyNotify) gst_vani_tool_call_unref);
  for (i = 0; i < tool_calls->len; i++)
    g_ptr_array_add (message->tool_calls,
        gst_vani_tool_call_ref (g_ptr_array_index (tool_calls, i)));
  return message;
}

/**
 * gst_vani_message_new_tool_result:
 * @tool_call_id: the id of the call this answers
 * @result: the result, usually a JSON text
 *
 * Returns: (transfer full): a new tool message
 */
GstVaniMessage *
gst_vani_message_new_tool_result (const gchar * tool_call_id,
    const gchar * result)
{
  GstVaniMessage *message;

  /* without the id the model cannot match the result to its call */
  g_return_val_if_fail (tool_call_id != NULL, NULL);
  message = message_alloc (GST_VANI_ROLE_TOOL, result);
  message->tool_call_id = g_strdup (tool_call_id);
  return message;
}

/**
 * gst_vani_message_ref:
 * @message: a message
 *
 * Returns: (transfer full): @message
 */
GstVaniMessage *
gst_vani_message_ref (GstVaniMessage * message)
{
  g_return_val_if_fail (message != NULL, NULL);
  g_atomic_int_inc (&message->refcount);
  return message;
}

/**
 * gst_vani_message_unref:
 * @message: (transfer full): a message
 */
void
gst_vani_message_unref (GstVaniMessage * message)
{
  g_return_if_fail (message != NULL);
  if (!g_atomic_int_dec_and_test (&message->refcount))
    return;
  g_free (message->content);
  g_free (message->name);
  g_free (message->tool_call_id);
  if (message->tool_calls)
    g_ptr_array_unref (message->tool_calls);
  g_free (message->json);
  g_free (message);
}

/**
 * gst_vani_message_get_role:
 * @message: a message
 *
 * Returns: the role
 */
GstVaniRole
gst_vani_message_get_role (const GstVaniMessage * message)
{
  return message->role;
}

/**
 * gst_vani_message_get_content:
 * @message: a message
 *
 * Returns: (nullable): the text
 */
const gchar *
gst_vani_message_get_content (const GstVaniMessage * message)
{
  return message->content;
}

/**
 * gst_vani_message_get_name:
 * @message: a message
 *
 * Returns: (nullable): the optional participant name
 */
const gchar *
gst_vani_message_get_name (const GstVaniMessage * message)
{
  return message->name;
}

/**
 * gst_vani_message_get_tool_call_id:
 * @message: a tool message
 *
 * Returns: (nullable): the id of the call this result answers
 */
const gchar *
gst_vani_message_get_tool_call_id (const GstVaniMessage * message)
{
  return message->tool_call_id;
}

/**
 * gst_vani_message_get_n_tool_calls:
 * @message: a message
 *
 * Returns: how many tool calls an assistant message carries
 */
guint
gst_vani_message_get_n_tool_calls (const GstVaniMessage * message)
{
  return message->tool_calls ? message->tool_calls->len : 0;
}

/**
 * gst_vani_message_get_tool_call:
 * @message: a message
 * @index: which call
 *
 * Returns: (transfer none): the call
 */
GstVaniToolCall *
gst_vani_message_get_tool_call (const GstVaniMessage * message, guint index)
{
  g_return_val_if_fail (index < gst_vani_message_get_n_tool_calls (message),
      NULL);
  return g_ptr_array_index (message->tool_calls, index);
}

static void
add_tool_call_json (JsonBuilder * b, const GstVaniToolCall * call)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, call->id);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "function");
  json_builder_set_member_name (b, "function");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, call->name);
  json_builder_set_member_name (b, "arguments");
  json_builder_add_string_value (b, call->arguments);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

static void
add_message_json (JsonBuilder * b, const GstVaniMessage * message)
{
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, role_names[message->role]);
  json_builder_set_member_name (b, "content");
  if (message->content)
    json_builder_add_string_value (b, message->content);
  else
    json_builder_add_null_value (b);
  if (message->name) {
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, message->name);
  }
  if (message->tool_call_id) {
    json_builder_set_member_name (b, "tool_call_id");
    json_builder_add_string_value (b, message->tool_call_id);
  }
  if (message->tool_calls && message->tool_calls->len > 0) {
    json_builder_set_member_name (b, "tool_calls");
    json_builder_begin_array (b);
    for (i = 0; i < message->tool_calls->len; i++)
      add_tool_call_json (b, g_ptr_array_index (message->tool_calls, i));
    json_builder_end_array (b);
  }
  json_builder_end_object (b);
}

/**
 * gst_vani_message_to_json_node:
 * @message: a message
 *
 * Returns: (transfer full): the message in the chat-completions wire format
 */
JsonNode *
gst_vani_message_to_json_node (const GstVaniMessage * message)
{
  JsonBuilder *b = json_builder_new_immutable ();
  JsonNode *node;

  add_message_json (b, message);
  node = json_builder_get_root (b);
  g_object_unref (b);
  return node;
}

/* --- importing: every field is checked, any input gives a clear error --- */

static gboolean
invalid (GError ** error, const gchar * format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError ** error, const gchar * format, ...)
{
  va_list args;

  va_start (args, format);
  if (error)
    g_propagate_error (error, g_error_new_valist (GST_VANI_CONTEXT_ERROR,
            GST_VANI_CONTEXT_ERROR_INVALID, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
node_is_string (JsonNode * node)
{
  return node && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING;
}

/* json-glib turns an octal escape such as \615 into a lone byte */
static gboolean
string_is_utf8 (JsonNode * node)
{
  return g_utf8_validate (json_node_get_string (node), -1, NULL);
}

static gboolean
node_is_null (JsonNode * node)
{
  return !node || JSON_NODE_HOLDS_NULL (node);
}

/* Optional string member: absent and null are fine, other types are not. */
static gboolean
get_optional_string (JsonObject * obj, const gchar * member,
    const gchar ** value, GError ** error)
{
  JsonNode *node = json_object_get_member (obj, member);

  *value = NULL;
  if (node_is_null (node))
    return TRUE;
  if (!node_is_string (node))
    return invalid (error, "\"%s\" must be a string", member);
  if (!string_is_utf8 (node))
    return invalid (error, "\"%s\" is not valid UTF-8", member);
  *value = json_node_get_string (node);
  return TRUE;
}

/* Content as a string or an array of parts (only the text parts count). */
static gboolean
parse_content (JsonObject * obj, gchar ** content, GError ** error)
{
  JsonNode *node = json_object_get_member (obj, "content");
  JsonArray *parts;
  GString *text;
  guint i;

  *content = NULL;
  if (node_is_null (node))
    return TRUE;
  if (node_is_string (node)) {
    if (!string_is_utf8 (node))
      return invalid (error, "\"content\" is not valid UTF-8");
    *content = g_strdup (json_node_get_string (node));
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, "\"content\" must be a string or an array of parts");

  parts = json_node_get_array (node);
  text = g_string_new (NULL);
  for (i = 0; i < json_array_get_length (parts); i++) {
    JsonNode *part = json_array_get_element (parts, i);
    JsonNode *t;

    if (!JSON_NODE_HOLDS_OBJECT (part)) {
      g_string_free (text, TRUE);
      return invalid (error, "content part %u is not an object", i);
    }
    t = json_object_get_member (json_node_get_object (part), "text");
    if (node_is_string (t) && !string_is_utf8 (t)) {
      g_string_free (text, TRUE);
      return invalid (error, "content part %u is not valid UTF-8", i);
    }
    if (node_is_string (t))
      g_string_append (text, json_node_get_string (t));
  }
  *content = g_string_free (text, FALSE);
  return TRUE;
}

static GstVaniToolCall *
parse_tool_call (JsonNode * node, guint index, GError ** error)
{
  JsonObject *obj, *fn;
  JsonNode *fn_node;
  const gchar *id, *name, *arguments;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    invalid (error, "tool call %u is not an object", index);
    return NULL;
  }
  obj = json_node_get_object (node);
  if (!get_optional_string (obj, "id", &id, error))
    return NULL;
  if (!id || !*id) {
    invalid (error, "tool call %u has no id", index);
    return NULL;
  }
  fn_node = json_object_get_member (obj, "function");
  if (!fn_node || !JSON_NODE_HOLDS_OBJECT (fn_node)) {
    invalid (error, "tool call %u has no \"function\" object", index);
    return NULL;
  }
  fn = json_node_get_object (fn_node);
  if (!get_optional_string (fn, "name", &name, error) ||
      !get_optional_string (fn, "arguments", &arguments, error))
    return NULL;
  if (!name || !*name) {
    invalid (error, "tool call %u has no function name", index);
    return NULL;
  }
  return gst_vani_tool_call_new (id, name, arguments);
}

static gboolean
parse_tool_calls (JsonObject * obj, GstVaniMessage * message, GError ** error)
{
  JsonNode *node = json_object_get_member (obj, "tool_calls");
  JsonArray *array;
  guint i;

  if (node_is_null (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, "\"tool_calls\" must be an array");
  array = json_node_get_array (node);
  message->tool_calls = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_vani_tool_call_unref);
  for (i = 0; i < json_array_get_length (array); i++) {
    GstVaniToolCall *call =
        parse_tool_call (json_array_get_element (array, i), i, error);

    if (!call)
      return FALSE;
    g_ptr_array_add (message->tool_calls, call);
  }
  return TRUE;
}

/**
 * gst_vani_message_new_from_json_node:
 * @node: a message in the chat-completions wire format
 * @error: where to put an error
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
GstVaniMessage *
gst_vani_message_new_from_json_node (JsonNode * node, GError ** error)
{
  GstVaniMessage *message;
  JsonObject *obj;
  const gchar *role_name, *name, *tool_call_id;
  GstVaniRole role;
  gchar *content;

  if (!node || !JSON_NODE_HOLDS_OBJECT (node)) {
    invalid (error, "a message must be an object");
    return NULL;
  }
  obj = json_node_get_object (node);
  if (!get_optional_string (obj, "role", &role_name, error))
    return NULL;
  if (!role_name) {
    invalid (error, "the message has no \"role\"");
    return NULL;
  }
  if (!gst_vani_role_from_string (role_name, &role)) {
    invalid (error, "unknown role \"%s\"", role_name);
    return NULL;
  }
  if (role != GST_VANI_ROLE_ASSISTANT &&
      !node_is_null (json_object_get_member (obj, "tool_calls"))) {
    invalid (error, "only assistant messages have \"tool_calls\"");
    return NULL;
  }
  if (!get_optional_string (obj, "name", &name, error) ||
      !get_optional_string (obj, "tool_call_id", &tool_call_id, error) ||
      !parse_content (obj, &content, error))
    return NULL;
  if (role == GST_VANI_ROLE_TOOL && !tool_call_id) {
    g_free (content);
    invalid (error, "a tool message needs a \"tool_call_id\"");
    return NULL;
  }

  message = message_alloc (role, NULL);
  message->content = content;
  message->name = g_strdup (name);
  message->tool_call_id = g_strdup (tool_call_id);
  if (!parse_tool_calls (obj, message, error)) {
    gst_vani_message_unref (message);
    return NULL;
  }
  return message;
}

/* ------------------------------------------------------------------------ */
/* Context                                                                  */

/* Emitted without the lock, so handlers may read the context. */
static void
emit_changed (GstVaniContext * context)
{
  g_signal_emit (context, context_signals[SIGNAL_CHANGED], 0);
}

static void
bump_generation_locked (GstVaniContext * context)
{
  context->generation++;
}

/**
 * gst_vani_context_new:
 *
 * Returns: (transfer full): an empty conversation
 */
GstVaniContext *
gst_vani_context_new (void)
{
  return g_object_new (GST_VANI_TYPE_CONTEXT, NULL);
}

/**
 * gst_vani_context_add_message:
 * @context: a context
 * @message: (transfer none): the message to append
 */
void
gst_vani_context_add_message (GstVaniContext * context,
    GstVaniMessage * message)
{
  g_return_if_fail (GST_VANI_IS_CONTEXT (context));
  g_return_if_fail (message != NULL);

  g_mutex_lock (&context->lock);
  g_ptr_array_add (context->messages, gst_vani_message_ref (message));
  bump_generation_locked (context);
  g_mutex_unlock (&context->lock);
  emit_changed (context);
}

static void
add_new_message (GstVaniContext * context, GstVaniMessage * message)
{
  gst_vani_context_add_message (context, message);
  gst_vani_message_unref (message);
}

/**
 * gst_vani_context_add_system_message:
 * @context: a context
 * @content: the instructions
 */
void
gst_vani_context_add_system_message (GstVaniContext * context,
    const gchar * content)
{
  add_new_message (context, message_alloc (GST_VANI_ROLE_SYSTEM, content));
}

/**
 * gst_vani_context_add_user_message:
 * @context: a context
 * @content: what the user said
 */
void
gst_vani_context_add_user_message (GstVaniContext * context,
    const gchar * content)
{
  add_new_message (context, message_alloc (GST_VANI_ROLE_USER, content));
}

/**
 * gst_vani_context_add_assistant_message:
 * @context: a context
 * @content: what the assistant said
 */
void
gst_vani_context_add_assistant_message (GstVaniContext * context,
    const gchar * content)
{
  add_new_message (context, message_alloc (GST_VANI_ROLE_ASSISTANT, content));
}

/**
 * gst_vani_context_add_assistant_tool_calls:
 * @context: a context
 * @content: (nullable): text said with the calls
 * @tool_calls: (element-type GstVaniToolCall): the calls
 */
void
gst_vani_context_add_assistant_tool_calls (GstVaniContext * context,
    const gchar * content, GPtrArray * tool_calls)
{
  add_new_message (context,
      gst_vani_message_new_assistant_tool_calls (content, tool_calls));
}

/**
 * gst_vani_context_add_tool_result:
 * @context: a context
 * @tool_call_id: the id of the call
 * @result: its result, usually JSON
 */
void
gst_vani_context_add_tool_result (GstVaniContext * context,
    const gchar * tool_call_id, const gchar * result)
{
  add_new_message (context,
      gst_vani_message_new_tool_result (tool_call_id, result));
}

/**
 * gst_vani_context_get_n_messages:
 * @context: a context
 *
 * Returns: the number of messages
 */
guint
gst_vani_context_get_n_messages (GstVaniContext * context)
{
  guint n;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), 0);
  g_mutex_lock (&context->lock);
  n = context->messages->len;
  g_mutex_unlock (&context->lock);
  return n;
}

/**
 * gst_vani_context_get_message:
 * @context: a context
 * @index: which message
 *
 * Returns: (transfer full) (nullable): the message, %NULL when out of range
 */
GstVaniMessage *
gst_vani_context_get_message (GstVaniContext * context, guint index)
{
  GstVaniMessage *message = NULL;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  g_mutex_lock (&context->lock);
  if (index < context->messages->len)
    message = gst_vani_message_ref (g_ptr_array_index (context->messages,
            index));
  g_mutex_unlock (&context->lock);
  return message;
}

/**
 * gst_vani_context_get_last_message:
 * @context: a context
 *
 * Returns: (transfer full) (nullable): the last message
 */
GstVaniMessage *
gst_vani_context_get_last_message (GstVaniContext * context)
{
  GstVaniMessage *message = NULL;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  g_mutex_lock (&context->lock);
  if (context->messages->len > 0)
    message = gst_vani_message_ref (g_ptr_array_index (context->messages,
            context->messages->len - 1));
  g_mutex_unlock (&context->lock);
  return message;
}

static gpointer
ref_message (gconstpointer message, gpointer unused)
{
  return gst_vani_message_ref ((GstVaniMessage *) message);
}

static GPtrArray *
copy_messages (GPtrArray * messages)
{
  return g_ptr_array_copy (messages, ref_message, NULL);
}

/**
 * gst_vani_context_get_messages:
 * @context: a context
 *
 * Returns: (transfer full) (element-type GstVaniMessage): a copy of the
 *   list of messages
 */
GPtrArray *
gst_vani_context_get_messages (GstVaniContext * context)
{
  GPtrArray *copy;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  g_mutex_lock (&context->lock);
  copy = copy_messages (context->messages);
  g_mutex_unlock (&context->lock);
  return copy;
}

static void
replace_messages (GstVaniContext * context, GPtrArray * messages)
{
  GPtrArray *old;

  g_mutex_lock (&context->lock);
  old = context->messages;
  context->messages = messages;
  bump_generation_locked (context);
  g_mutex_unlock (&context->lock);
  g_ptr_array_unref (old);
  emit_changed (context);
}

/**
 * gst_vani_context_set_messages:
 * @context: a context
 * @messages: (element-type GstVaniMessage): the new list of messages
 *
 * Replaces every message (flows do this when they enter a node).
 */
void
gst_vani_context_set_messages (GstVaniContext * context, GPtrArray * messages)
{
  GPtrArray *copy;

  g_return_if_fail (GST_VANI_IS_CONTEXT (context));
  g_return_if_fail (messages != NULL);
  copy = copy_messages (messages);
  g_ptr_array_set_free_func (copy, (GDestroyNotify) gst_vani_message_unref);
  replace_messages (context, copy);
}

/**
 * gst_vani_context_clear_messages:
 * @context: a context
 */
void
gst_vani_context_clear_messages (GstVaniContext * context)
{
  g_return_if_fail (GST_VANI_IS_CONTEXT (context));
  replace_messages (context, g_ptr_array_new_with_free_func ((GDestroyNotify)
          gst_vani_message_unref));
}

/**
 * gst_vani_context_replace_last_message:
 * @context: a context
 * @message: (transfer none): the new last message
 *
 * Returns: %FALSE when the context is empty
 */
gboolean
gst_vani_context_replace_last_message (GstVaniContext * context,
    GstVaniMessage * message)
{
  gboolean replaced = FALSE;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_mutex_lock (&context->lock);
  if (context->messages->len > 0) {
    guint last = context->messages->len - 1;

    gst_vani_message_unref (g_ptr_array_index (context->messages, last));
    g_ptr_array_index (context->messages, last) =
        gst_vani_message_ref (message);
    bump_generation_locked (context);
    replaced = TRUE;
  }
  g_mutex_unlock (&context->lock);
  if (replaced)
    emit_changed (context);
  return replaced;
}

static JsonNode *
parse_json (const gchar * json, GError ** error)
{
  GError *err = NULL;
  JsonNode *root = gst_vani_json_parse (json, -1, &err);

  if (!root) {
    g_set_error (error, GST_VANI_CONTEXT_ERROR, GST_VANI_CONTEXT_ERROR_PARSE,
        "not JSON: %s", err->message);
    g_error_free (err);
  }
  return root;
}

static GPtrArray *
parse_messages_array (JsonNode * node, GError ** error)
{
  GPtrArray *messages;
  JsonArray *array;
  guint i;

  if (!node || !JSON_NODE_HOLDS_ARRAY (node)) {
    invalid (error, "\"messages\" must be an array");
    return NULL;
  }
  array = json_node_get_array (node);
  messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_vani_message_unref);
  for (i = 0; i < json_array_get_length (array); i++) {
    GError *err = NULL;
    GstVaniMessage *m =
        gst_vani_message_new_from_json_node (json_array_get_element (array, i),
        &err);

    if (!m) {
      invalid (error, "message %u: %s", i, err->message);
      g_error_free (err);
      g_ptr_array_unref (messages);
      return NULL;
    }
    g_ptr_array_add (messages, m);
  }
  return messages;
}

static gboolean
tools_are_valid (JsonNode * tools, GError ** error)
{
  JsonArray *array;
  guint i;

  if (!JSON_NODE_HOLDS_ARRAY (tools))
    return invalid (error, "tools must be an array of function schemas");
  array = json_node_get_array (tools);
  for (i = 0; i < json_array_get_length (array); i++) {
    JsonNode *tool = json_array_get_element (array, i);
    JsonNode *type, *fn, *name;
    JsonObject *obj;

    if (!JSON_NODE_HOLDS_OBJECT (tool))
      return invalid (error, "tool %u is not an object", i);
    obj = json_node_get_object (tool);
    type = json_object_get_member (obj, "type");
    if (!node_is_string (type) ||
        !g_str_equal (json_node_get_string (type), "function"))
      return invalid (error, "tool %u is not of \"type\": \"function\"", i);
    fn = json_object_get_member (obj, "function");
    if (!fn || !JSON_NODE_HOLDS_OBJECT (fn))
      return invalid (error, "tool %u has no \"function\" object", i);
    name = json_object_get_member (json_node_get_object (fn), "name");
    if (!node_is_string (name) || !*json_node_get_string (name))
      return invalid (error, "tool %u has no function name", i);
  }
  return TRUE;
}

static gboolean
tool_choice_is_valid (JsonNode * choice, GError ** error)
{
  static const gchar *const modes[] = { "auto", "none", "required", NULL };

  if (JSON_NODE_HOLDS_OBJECT (choice) || (node_is_string (choice) &&
          g_strv_contains (modes, json_node_get_string (choice))))
    return TRUE;
  return invalid (error, "tool_choice must be \"auto\", \"none\", "
      "\"required\" or an object");
}

/* Imports the object form {"messages", "tools", "tool_choice"} or a bare
 * messages array; nothing changes unless all of it is valid. */
static gboolean
import_json (GstVaniContext * context, const gchar * json,
    gboolean messages_only, GError ** error)
{
  JsonNode *root, *tools = NULL, *choice = NULL;
  GPtrArray *messages = NULL;
  gboolean ok = FALSE;

  root = parse_json (json, error);
  if (!root)
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (root)) {
    messages = parse_messages_array (root, error);
  } else if (JSON_NODE_HOLDS_OBJECT (root)) {
    JsonObject *obj = json_node_get_object (root);

    messages = parse_messages_array (json_object_get_member (obj, "messages"),
        error);
    tools = json_object_get_member (obj, "tools");
    choice = json_object_get_member (obj, "tool_choice");
    if (messages && !messages_only && !node_is_null (tools) &&
        !tools_are_valid (tools, error))
      g_clear_pointer (&messages, g_ptr_array_unref);
    if (messages && !messages_only && !node_is_null (choice) &&
        !tool_choice_is_valid (choice, error))
      g_clear_pointer (&messages, g_ptr_array_unref);
  } else {
    invalid (error, "expected a messages array or an object with "
        "\"messages\"");
  }

  if (messages) {
    replace_messages (context, messages);
    if (!messages_only) {
      gst_vani_context_set_tools (context, node_is_null (tools) ? NULL : tools);
      gst_vani_context_set_tool_choice (context,
          node_is_null (choice) ? NULL : choice);
    }
    ok = TRUE;
  }
  json_node_unref (root);
  return ok;
}

/**
 * gst_vani_context_new_from_json:
 * @json: `{"messages": [...], "tools": [...], "tool_choice": ...}` or a bare
 *   messages array
 * @error: where to put an error
 *
 * Returns: (transfer full) (nullable): a new context, or %NULL with @error
 */
GstVaniContext *
gst_vani_context_new_from_json (const gchar * json, GError ** error)
{
  GstVaniContext *context = gst_vani_context_new ();

  if (!import_json (context, json, FALSE, error))
    g_clear_object (&context);
  return context;
}

/**
 * gst_vani_context_set_messages_from_json:
 * @context: a context
 * @json: a messages array, or an object with "messages"
 * @error: where to put an error
 *
 * Replaces the messages; tools and tool choice are kept.
 *
 * Returns: %TRUE on success; on failure the context is unchanged
 */
gboolean
gst_vani_context_set_messages_from_json (GstVaniContext * context,
    const gchar * json, GError ** error)
{
  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), FALSE);
  return import_json (context, json, TRUE, error);
}

/* json_node_copy() shares arrays and objects with the original, so the
 * context keeps a deep copy, sealed: the caller may go on changing its node,
 * and the copies handed out share immutable data that is safe to read from
 * any thread. */
static JsonNode *
sealed_deep_copy (JsonNode * node)
{
  gchar *text = json_to_string (node, FALSE);
  JsonNode *copy = json_from_string (text, NULL);

  g_free (text);
  if (copy)
    json_node_seal (copy);
  return copy;
}

static void
set_node (GstVaniContext * context, JsonNode ** field, JsonNode * value)
{
  JsonNode *copy = node_is_null (value) ? NULL : sealed_deep_copy (value);
  JsonNode *old;

  g_mutex_lock (&context->lock);
  old = *field;
  *field = copy;
  bump_generation_locked (context);
  g_mutex_unlock (&context->lock);
  if (old)
    json_node_unref (old);
  emit_changed (context);
}

static JsonNode *
get_node (GstVaniContext * context, JsonNode ** field)
{
  JsonNode *copy;

  g_mutex_lock (&context->lock);
  copy = *field ? json_node_copy (*field) : NULL;
  g_mutex_unlock (&context->lock);
  return copy;
}

/**
 * gst_vani_context_set_tools:
 * @context: a context
 * @tools: (nullable): a JSON array of function schemas; %NULL or a JSON null
 *   removes them
 *
 * Sets the tools offered to the model. The context keeps a deep copy, so
 * @tools stays the caller's to change. Unlike
 * gst_vani_context_set_tools_from_json() this does not check the schemas.
 */
void
gst_vani_context_set_tools (GstVaniContext * context, JsonNode * tools)
{
  g_return_if_fail (GST_VANI_IS_CONTEXT (context));
  set_node (context, &context->tools, tools);
}

/**
 * gst_vani_context_set_tools_from_json:
 * @context: a context
 * @json: a JSON array of `{"type": "function", "function": {"name": ...}}`
 * @error: where to put an error
 *
 * Returns: %TRUE on success; on failure the tools are unchanged
 */
gboolean
gst_vani_context_set_tools_from_json (GstVaniContext * context,
    const gchar * json, GError ** error)
{
  JsonNode *tools;
  gboolean ok;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), FALSE);
  tools = parse_json (json, error);
  if (!tools)
    return FALSE;
  ok = tools_are_valid (tools, error);
  if (ok)
    gst_vani_context_set_tools (context, tools);
  json_node_unref (tools);
  return ok;
}

/**
 * gst_vani_context_get_tools:
 * @context: a context
 *
 * Returns: (transfer full) (nullable): the tools, or %NULL when none are
 *   set. The node is sealed (immutable, see json_node_seal()) and shared
 *   with the context; serialize and parse it to get a tree you can change.
 */
JsonNode *
gst_vani_context_get_tools (GstVaniContext * context)
{
  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  return get_node (context, &context->tools);
}

/**
 * gst_vani_context_get_tools_json:
 * @context: a context
 *
 * Returns: (transfer full) (nullable): the tools as a JSON text
 */
gchar *
gst_vani_context_get_tools_json (GstVaniContext * context)
{
  JsonNode *tools = gst_vani_context_get_tools (context);
  gchar *text;

  if (!tools)
    return NULL;
  text = json_to_string (tools, FALSE);
  json_node_unref (tools);
  return text;
}

/**
 * gst_vani_context_set_tool_choice:
 * @context: a context
 * @tool_choice: (nullable): "auto", "none", "required" or an object such as
 *   `{"type": "function", "function": {"name": "get_weather"}}`; %NULL or a
 *   JSON null removes it
 *
 * Sets the tool choice of the next requests. The context keeps a deep copy.
 */
void
gst_vani_context_set_tool_choice (GstVaniContext * context,
    JsonNode * tool_choice)
{
  g_return_if_fail (GST_VANI_IS_CONTEXT (context));
  set_node (context, &context->tool_choice, tool_choice);
}

/**
 * gst_vani_context_set_tool_choice_from_json:
 * @context: a context
 * @json: `"auto"` (with the quotes) or an object
 * @error: where to put an error
 *
 * Returns: %TRUE on success
 */
gboolean
gst_vani_context_set_tool_choice_from_json (GstVaniContext * context,
    const gchar * json, GError ** error)
{
  JsonNode *choice;
  gboolean ok;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), FALSE);
  choice = parse_json (json, error);
  if (!choice)
    return FALSE;
  ok = tool_choice_is_valid (choice, error);
  if (ok)
    gst_vani_context_set_tool_choice (context, choice);
  json_node_unref (choice);
  return ok;
}

/**
 * gst_vani_context_get_tool_choice:
 * @context: a context
 *
 * Returns: (transfer full) (nullable): the tool choice, or %NULL when it
 *   is not set; sealed like the node gst_vani_context_get_tools() returns
 */
JsonNode *
gst_vani_context_get_tool_choice (GstVaniContext * context)
{
  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  return get_node (context, &context->tool_choice);
}

/**
 * gst_vani_context_set_tool:
 * @context: a context
 * @tool: (nullable) (transfer none): the #GstVaniTool that steers this
 *   conversation, or NULL
 *
 * Attaches the tool that vanillm asks first about every function call of
 * this conversation, and whose hooks it runs when a batch of results is in
 * and when a reply is done. A #GstVaniFlow attaches itself this way, so the
 * flow travels with the context from the user aggregator to vanillm.
 */
void
gst_vani_context_set_tool (GstVaniContext * context, GstVaniTool * tool)
{
  g_return_if_fail (GST_VANI_IS_CONTEXT (context));
  g_mutex_lock (&context->lock);
  g_set_object (&context->tool, tool);
  g_mutex_unlock (&context->lock);
}

/**
 * gst_vani_context_get_tool:
 * @context: a context
 *
 * Returns: (transfer full) (nullable): the attached tool
 */
GstVaniTool *
gst_vani_context_get_tool (GstVaniContext * context)
{
  GstVaniTool *tool;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  g_mutex_lock (&context->lock);
  tool = context->tool ? g_object_ref (context->tool) : NULL;
  g_mutex_unlock (&context->lock);
  return tool;
}

/**
 * gst_vani_context_get_generation:
 * @context: a context
 *
 * Returns: a counter that grows with every change
 */
guint64
gst_vani_context_get_generation (GstVaniContext * context)
{
  guint64 generation;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), 0);
  g_mutex_lock (&context->lock);
  generation = context->generation;
  g_mutex_unlock (&context->lock);
  return generation;
}

static void
add_messages_array (JsonBuilder * b, GPtrArray * messages)
{
  guint i;

  json_builder_begin_array (b);
  for (i = 0; i < messages->len; i++)
    add_message_json (b, g_ptr_array_index (messages, i));
  json_builder_end_array (b);
}

/* A message never changes, so its JSON is made once: a request then
 * costs the new messages only, not the whole conversation again. */
static const gchar *
message_json (GstVaniMessage * message)
{
  gchar *json = g_atomic_pointer_get (&message->json);

  if (!json) {
    JsonNode *node = gst_vani_message_to_json_node (message);

    json = json_to_string (node, FALSE);
    json_node_unref (node);
    if (!g_atomic_pointer_compare_and_exchange (&message->json, NULL, json)) {
      g_free (json);            /* another thread made it first */
      json = g_atomic_pointer_get (&message->json);
    }
  }
  return json;
}

/**
 * gst_vani_context_messages_to_json:
 * @context: a context
 *
 * The `messages` array of gst_vani_context_messages_to_json_node() as
 * compact JSON text, the same text json-glib would write. Each message's
 * text is made once and kept, so this is cheap for a long conversation.
 *
 * Returns: (transfer full): the `messages` array as JSON
 */
gchar *
gst_vani_context_messages_to_json (GstVaniContext * context)
{
  GPtrArray *messages;
  GString *out;
  guint i;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  messages = gst_vani_context_get_messages (context);
  out = g_string_sized_new (64 * (messages->len + 1));
  g_string_append_c (out, '[');
  for (i = 0; i < messages->len; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    g_string_append (out, message_json (g_ptr_array_index (messages, i)));
  }
  g_string_append_c (out, ']');
  g_ptr_array_unref (messages);
  return g_string_free (out, FALSE);
}

/**
 * gst_vani_context_messages_to_json_node:
 * @context: a context
 *
 * Builds the `messages` array of a chat-completions request: assistant tool
 * calls as `{"id", "type": "function", "function": {"name", "arguments"}}`
 * with `"content": null` when the model said nothing, tool results as
 * `{"role": "tool", "tool_call_id", "content"}`.
 *
 * Returns: (transfer full): the `messages` array
 */
JsonNode *
gst_vani_context_messages_to_json_node (GstVaniContext * context)
{
  JsonBuilder *b = json_builder_new_immutable ();
  GPtrArray *messages = gst_vani_context_get_messages (context);
  JsonNode *node;

  add_messages_array (b, messages);
  node = json_builder_get_root (b);
  g_ptr_array_unref (messages);
  g_object_unref (b);
  return node;
}

/**
 * gst_vani_context_to_json:
 * @context: a context
 * @pretty: indent the text
 *
 * Returns: (transfer full): `{"messages": [...]}` with "tools" and
 *   "tool_choice" when they are set
 */
gchar *
gst_vani_context_to_json (GstVaniContext * context, gboolean pretty)
{
  JsonBuilder *b;
  JsonGenerator *gen;
  JsonNode *root, *tools, *choice;
  GPtrArray *messages;
  gchar *text;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  /* one lock, so that messages, tools and choice belong together */
  g_mutex_lock (&context->lock);
  messages = copy_messages (context->messages);
  tools = context->tools ? json_node_copy (context->tools) : NULL;
  choice = context->tool_choice ? json_node_copy (context->tool_choice) : NULL;
  g_mutex_unlock (&context->lock);

  b = json_builder_new_immutable ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "messages");
  add_messages_array (b, messages);
  g_ptr_array_unref (messages);
  if (tools) {
    json_builder_set_member_name (b, "tools");
    json_builder_add_value (b, tools);
  }
  if (choice) {
    json_builder_set_member_name (b, "tool_choice");
    json_builder_add_value (b, choice);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);

  gen = json_generator_new ();
  json_generator_set_pretty (gen, pretty);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  g_object_unref (gen);
  json_node_unref (root);
  g_object_unref (b);
  return text;
}

/**
 * gst_vani_context_snapshot:
 * @context: a context
 *
 * Copies the messages, tools and tool choice as they are now, atomically.
 * Changes to either context afterwards do not show in the other; messages
 * are immutable, so the copies share them.
 *
 * Returns: (transfer full): an independent copy of @context
 */
GstVaniContext *
gst_vani_context_snapshot (GstVaniContext * context)
{
  GstVaniContext *copy;

  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  copy = gst_vani_context_new ();
  g_mutex_lock (&context->lock);
  g_ptr_array_unref (copy->messages);
  copy->messages = copy_messages (context->messages);
  g_ptr_array_set_free_func (copy->messages,
      (GDestroyNotify) gst_vani_message_unref);
  copy->tools = context->tools ? json_node_copy (context->tools) : NULL;
  copy->tool_choice = context->tool_choice ?
      json_node_copy (context->tool_choice) : NULL;
  g_mutex_unlock (&context->lock);
  return copy;
}

static void
gst_vani_context_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstVaniContext *context = GST_VANI_CONTEXT (object);

  switch (prop_id) {
    case PROP_N_MESSAGES:
      g_value_set_uint (value, gst_vani_context_get_n_messages (context));
      break;
    case PROP_GENERATION:
      g_value_set_uint64 (value, gst_vani_context_get_generation (context));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_vani_context_finalize (GObject * object)
{
  GstVaniContext *context = GST_VANI_CONTEXT (object);

  g_ptr_array_unref (context->messages);
  g_clear_pointer (&context->tools, json_node_unref);
  g_clear_pointer (&context->tool_choice, json_node_unref);
  g_clear_object (&context->tool);
  g_mutex_clear (&context->lock);
  G_OBJECT_CLASS (gst_vani_context_parent_class)->finalize (object);
}

static void
gst_vani_context_class_init (GstVaniContextClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->get_property = gst_vani_context_get_property;
  gobject_class->finalize = gst_vani_context_finalize;

  /**
   * GstVaniContext:n-messages:
   *
   * How many messages the conversation holds.
   */
  g_object_class_install_property (gobject_class, PROP_N_MESSAGES,
      g_param_spec_uint ("n-messages", "Messages", "Number of messages",
          0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstVaniContext:generation:
   *
   * A counter that grows by one with every change, so a reader can tell
   * whether the conversation changed since it last looked. Neither property
   * emits notify; connect to #GstVaniContext::changed instead.
   */
  g_object_class_install_property (gobject_class, PROP_GENERATION,
      g_param_spec_uint64 ("generation", "Generation",
          "A counter that grows with every change", 0, G_MAXUINT64, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstVaniContext::changed:
   * @context: the context
   *
   * Emitted after every change, from the thread that made it, with no lock
   * held.
   */
  context_signals[SIGNAL_CHANGED] = g_signal_new ("changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
}

static void
gst_vani_context_init (GstVaniContext * context)
{
  g_mutex_init (&context->lock);
  context->messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_vani_message_unref);
}
