/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvaniflow
 * @title: GstVaniFlow
 * @short_description: conversation flows ("Dhara flows"): a graph of nodes
 *
 * A flow is a graph of nodes. At any moment the conversation is in one node,
 * and the LLM sees only that node's messages and functions. When the LLM
 * calls a function, the conversation moves on. The JSON form is the public
 * one (Pipecat Flows): `initial_node`, `nodes` (each with `role_messages`
 * or `role_message`, `task_messages`, `functions` with `transition_to` and
 * an optional `handler`, `pre_actions`, `post_actions`,
 * `context_strategy` and `respond_immediately`) and `global_functions`.
 *
 * The flow is a #GstVaniTool that attaches itself to the conversation's
 * #GstVaniContext (gst_vani_flow_start()), so vanillm consults it:
 *
 * - it answers its own functions (a transition-only function gets
 *   `{"status": "acknowledged"}`) and any function the current node does
 *   not offer (an error result, and the node is kept);
 * - functions with a `handler` go to the application through vanillm's
 *   `tool-call` signal. The answer may name the next node
 *   (gst_vani_flow_reply_new());
 * - once every result of one LLM reply is in the context, and before the
 *   LLM runs again, it enters the next node: it sets the context's messages
 *   by the node's strategy, and its tools, and returns its `pre_actions`
 *   as events (`speak`, `end-conversation`) for vanillm to push;
 * - when the reply to a node is done, its `post_actions` follow the reply
 *   downstream.
 *
 * Every function's arguments are merged into the flow state, a JSON object
 * that the application can read and write. `{{key}}` in a node's messages
 * is replaced by the state's value when the node is entered.
 *
 * Applications build dynamic flows with gst_vani_flow_add_node_from_json():
 * a handler may add the node it then names in its answer.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvaniflow.h"
#include "gstvanievents.h"

#include <stdarg.h>
#include <string.h>

#define ACKNOWLEDGED "{\"status\": \"acknowledged\"}"
#define SUMMARY_INTRO "Summary of the conversation so far: "

GST_DEBUG_CATEGORY_STATIC (vani_flow_debug);
#define GST_CAT_DEFAULT vani_flow_debug

G_DEFINE_QUARK (gst-vani-flow-error-quark, gst_vani_flow_error);

typedef enum
{
  STRATEGY_APPEND,
  STRATEGY_RESET,
  STRATEGY_RESET_WITH_SUMMARY,
} Strategy;

typedef struct
{
  gchar *name;
  JsonNode *schema;             /* what the LLM sees: no transition_to/handler */
  gchar *transition_to;
  gchar *handler;               /* answered by the application */
} Function;

typedef struct
{
  gchar *name;
  JsonNode *role_messages;      /* array, or NULL */
  JsonNode *task_messages;      /* array, or NULL */
  GPtrArray *functions;         /* Function */
  JsonNode *pre_actions;        /* array, or NULL */
  JsonNode *post_actions;
  Strategy strategy;
  gchar *summary_prompt;
  gboolean respond_immediately;
} Node;

/* What happened under the lock, told to the signal handlers after it. */
typedef struct
{
  gchar *entered_from, *entered_to, *entered_reason;
  gboolean entered;
  GPtrArray *state_changes;     /* key, value, key, value... */
  GPtrArray *actions;           /* handler names of `function` actions */
  gchar *ended_node, *ended_reason;
  gboolean ended;
} Notes;

struct _GstVaniFlow
{
  GObject parent;

  GMutex lock;
  GHashTable *nodes;            /* name -> Node */
  GPtrArray *global_functions;  /* Function */
  gchar *initial_node;
  JsonObject *state;
  gchar *current;
  JsonNode *persona;            /* the role messages in force */
  gchar *pending_next;          /* a transition waiting for its batch */
  gchar *pending_reason;
  gchar *summarizing_to;        /* the node waiting for its summary */
  gchar *summarizing_reason;
  gboolean post_actions_due;
  GPtrArray *spoken_actions;    /* function post-actions, run once spoken */
  gboolean ended;
};

enum
{
  SIGNAL_NODE_ENTERED,
  SIGNAL_STATE_CHANGED,
  SIGNAL_ACTION,
  SIGNAL_ENDED,
  N_SIGNALS
};

static guint flow_signals[N_SIGNALS];

static void gst_vani_flow_tool_init (GstVaniToolInterface * iface);

G_DEFINE_TYPE_WITH_CODE (GstVaniFlow, gst_vani_flow, G_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_VANI_TYPE_TOOL, gst_vani_flow_tool_init));

/* ------------------------------------------------------------------------ */
/* Nodes                                                                    */

static void
function_free (Function * fn)
{
  g_free (fn->name);
  json_node_unref (fn->schema);
  g_free (fn->transition_to);
  g_free (fn->handler);
  g_free (fn);
}

static void
node_free (Node * node)
{
  g_free (node->name);
  g_clear_pointer (&node->role_messages, json_node_unref);
  g_clear_pointer (&node->task_messages, json_node_unref);
  g_ptr_array_unref (node->functions);
  g_clear_pointer (&node->pre_actions, json_node_unref);
  g_clear_pointer (&node->post_actions, json_node_unref);
  g_free (node->summary_prompt);
  g_free (node);
}

static Function *
find_function (GPtrArray * functions, const gchar * name)
{
  guint i;

  for (i = 0; functions && i < functions->len; i++) {
    Function *fn = g_ptr_array_index (functions, i);

    if (g_str_equal (fn->name, name))
      return fn;
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Reading the JSON form, with errors that name the node and the line      */

typedef struct
{
  const gchar *text;            /* the whole source, for line numbers */
  const gchar *source;          /* file name, or "flow" */
} Source;

/* Where "@key": appears after @from (as a member name, not a value). */
static const gchar *
find_key (const gchar * from, const gchar * key)
{
  gchar *quoted = g_strdup_printf ("\"%s\"", key);
  const gchar *p = from;

  while ((p = strstr (p, quoted))) {
    const gchar *after = p + strlen (quoted);

    while (g_ascii_isspace (*after))
      after++;
    if (*after == ':')
      break;
    p++;
  }
  g_free (quoted);
  return p;
}

/* Best effort: the line where @needle (quoted) first appears inside node
 * @node of the source, or where the node starts; 0 if unknown. */
static guint
source_line (const Source * src, const gchar * node, const gchar * needle)
{
  const gchar *at = src && src->text ? strstr (src->text, "\"nodes\"") : NULL;
  const gchar *p;
  gchar *quoted;
  guint line = 1;

  if (!at)
    return 0;
  if (node && (p = find_key (at, node)))
    at = p;
  if (needle) {
    quoted = g_strdup_printf ("\"%s\"", needle);
    p = strstr (at, quoted);
    g_free (quoted);
    if (p)
      at = p;
  }
  for (p = src->text; p < at; p++)
    line += *p == '\n';
  return line;
}

static void flow_error (GError ** error, const Source * src,
    const gchar * node, const gchar * needle, const gchar * format, ...)
    G_GNUC_PRINTF (5, 6);

static void
flow_error (GError ** error, const Source * src, const gchar * node,
    const gchar * needle, const gchar * format, ...)
{
  guint line = source_line (src, node, needle);
  GString *msg = g_string_new (src && src->source ? src->source : "flow");
  va_list args;

  if (line)
    g_string_append_printf (msg, ":%u", line);
  g_string_append (msg, ": ");
  if (node)
    g_string_append_printf (msg, "node '%s': ", node);
  va_start (args, format);
  g_string_append_vprintf (msg, format, args);
  va_end (args);
  g_set_error_literal (error, GST_VANI_FLOW_ERROR,
      GST_VANI_FLOW_ERROR_INVALID, msg->str);
  g_string_free (msg, TRUE);
}

static const gchar *
optional_string (JsonObject * obj, const gchar * member, gboolean * ok)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (!node || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING) {
    *ok = FALSE;
    return NULL;
  }
  return json_node_get_string (node);
}

/* A member that must be an array of objects, or absent. */
static gboolean
get_object_array (JsonObject * obj, const gchar * member, JsonNode ** out,
    const Source * src, const gchar * node, GError ** error)
{
  JsonNode *value = json_object_get_member (obj, member);
  JsonArray *array;
  guint i;

  *out = NULL;
  if (!value || JSON_NODE_HOLDS_NULL (value))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (value)) {
    flow_error (error, src, node, member, "\"%s\" must be an array", member);
    return FALSE;
  }
  array = json_node_get_array (value);
  for (i = 0; i < json_array_get_length (array); i++) {
    if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i))) {
      flow_error (error, src, node, member, "item %u of \"%s\" is not an "
          "object", i + 1, member);
      return FALSE;
    }
  }
  *out = json_node_copy (value);
  return TRUE;
}

static gboolean
check_messages (JsonNode * messages, const gchar * member,
    const Source * src, const gchar * node, GError ** error)
{
  JsonArray *array;
  guint i;

  if (!messages)
    return TRUE;
  array = json_node_get_array (messages);
  for (i = 0; i < json_array_get_length (array); i++) {
    GError *inner = NULL;
    GstVaniMessage *m = gst_vani_message_new_from_json_node
        (json_array_get_element (array, i), &inner);

    if (!m) {
      flow_error (error, src, node, member, "message %u of \"%s\": %s",
          i + 1, member, inner->message);
      g_error_free (inner);
      return FALSE;
    }
    gst_vani_message_unref (m);
  }
  return TRUE;
}

/* Both forms: {"type": "function", "function": {...}} and the flat one. */
static Function *
parse_function (JsonNode * item, const Source * src, const gchar * node,
    GError ** error)
{
  JsonObject *obj = json_node_get_object (item), *fn, *schema_fn;
  JsonNode *inner = json_object_get_member (obj, "function");
  JsonObject *schema;
  Function *function;
  const gchar *name, *transition, *handler;
  gboolean ok = TRUE;

  fn = inner && JSON_NODE_HOLDS_OBJECT (inner) ? json_node_get_object (inner) :
      obj;
  name = optional_string (fn, "name", &ok);
  if (!ok || !name || !*name) {
    flow_error (error, src, node, "functions", "a function has no name");
    return NULL;
  }
  transition = optional_string (fn, "transition_to", &ok);
  handler = optional_string (fn, "handler", &ok);
  if (!ok) {
    flow_error (error, src, node, name, "function '%s': \"transition_to\" "
        "and \"handler\" must be strings", name);
    return NULL;
  }
  if (json_object_has_member (fn, "parameters") &&
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (fn, "parameters"))) {
    flow_error (error, src, node, name, "function '%s': \"parameters\" must "
        "be a JSON schema object", name);
    return NULL;
  }

  schema_fn = json_object_new ();
  json_object_set_string_member (schema_fn, "name", name);
  if (json_object_has_member (fn, "description"))
    json_object_set_member (schema_fn, "description",
        json_node_copy (json_object_get_member (fn, "description")));
  if (json_object_has_member (fn, "parameters"))
    json_object_set_member (schema_fn, "parameters",
        json_node_copy (json_object_get_member (fn, "parameters")));
  schema = json_object_new ();
  json_object_set_string_member (schema, "type", "function");
  json_object_set_object_member (schema, "function", schema_fn);

  function = g_new0 (Function, 1);
  function->name = g_strdup (name);
  function->schema = json_node_init_object (json_node_alloc (), schema);
  json_object_unref (schema);
  function->transition_to = g_strdup (transition);
  function->handler = g_strdup (handler);
  return function;
}

static GPtrArray *
parse_functions (JsonObject * obj, const gchar * member, const Source * src,
    const gchar * node, GError ** error)
{
  GPtrArray *functions = g_ptr_array_new_with_free_func ((GDestroyNotify)
      function_free);
  JsonNode *items;
  JsonArray *array;
  guint i;

  if (!get_object_array (obj, member, &items, src, node, error)) {
    g_ptr_array_unref (functions);
    return NULL;
  }
  array = items ? json_node_get_array (items) : NULL;
  for (i = 0; array && i < json_array_get_length (array); i++) {
    Function *fn = parse_function (json_array_get_element (array, i), src,
        node, error);

    if (fn && find_function (functions, fn->name)) {
      flow_error (error, src, node, fn->name, "function '%s' is defined "
          "twice", fn->name);
      function_free (fn);
      fn = NULL;
    }
    if (!fn) {
      g_clear_pointer (&functions, g_ptr_array_unref);
      break;
    }
    g_ptr_array_add (functions, fn);
  }
  if (items)
    json_node_unref (items);
  return functions;
}

static gboolean
check_actions (JsonNode * actions, const gchar * member, const Source * src,
    const gchar * node, GError ** error)
{
  JsonArray *array;
  guint i;

  for (i = 0; actions && i < json_array_get_length (array =
          json_node_get_array (actions)); i++) {
    JsonObject *a = json_array_get_object_element (array, i);
    gboolean ok = TRUE;
    const gchar *type = optional_string (a, "type", &ok);
    const gchar *text = optional_string (a, "text", &ok);
    const gchar *handler = optional_string (a, "handler", &ok);

    if (!ok || !type) {
      flow_error (error, src, node, member, "action %u of \"%s\" needs a "
          "\"type\" (and string fields)", i + 1, member);
      return FALSE;
    }
    if (g_str_equal (type, "tts_say") && !text) {
      flow_error (error, src, node, "tts_say", "a tts_say action needs a "
          "\"text\"");
      return FALSE;
    }
    if (g_str_equal (type, "function") && !handler) {
      flow_error (error, src, node, member, "a function action needs a "
          "\"handler\"");
      return FALSE;
    }
    if (!g_str_equal (type, "tts_say") && !g_str_equal (type, "function") &&
        !g_str_equal (type, "end_conversation")) {
      flow_error (error, src, node, type, "unknown action type '%s' (known: "
          "tts_say, end_conversation, function)", type);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
parse_strategy (JsonObject * obj, Node * node, const Source * src,
    GError ** error)
{
  JsonNode *value = json_object_get_member (obj, "context_strategy");
  const gchar *name = NULL, *prompt = NULL;
  gboolean ok = TRUE;

  node->strategy = STRATEGY_APPEND;
  prompt = optional_string (obj, "summary_prompt", &ok);
  if (value && JSON_NODE_HOLDS_OBJECT (value)) {
    JsonObject *s = json_node_get_object (value);

    name = optional_string (s, "strategy", &ok);
    if (json_object_has_member (s, "summary_prompt"))
      prompt = optional_string (s, "summary_prompt", &ok);
  } else if (value && !JSON_NODE_HOLDS_NULL (value)) {
    name = optional_string (obj, "context_strategy", &ok);
  }
  if (!ok) {
    flow_error (error, src, node->name, "context_strategy", "bad "
        "\"context_strategy\": a name or {\"strategy\", \"summary_prompt\"}");
    return FALSE;
  }
  if (!name || g_ascii_strcasecmp (name, "append") == 0)
    node->strategy = STRATEGY_APPEND;
  else if (g_ascii_strcasecmp (name, "reset") == 0)
    node->strategy = STRATEGY_RESET;
  else if (g_ascii_strcasecmp (name, "reset_with_summary") == 0)
    node->strategy = STRATEGY_RESET_WITH_SUMMARY;
  else {
    flow_error (error, src, node->name, "context_strategy", "unknown "
        "context_strategy '%s' (known: append, reset, reset_with_summary)",
        name);
    return FALSE;
  }
  if (node->strategy == STRATEGY_RESET_WITH_SUMMARY && (!prompt || !*prompt)) {
    flow_error (error, src, node->name, "context_strategy",
        "reset_with_summary needs a \"summary_prompt\"");
    return FALSE;
  }
  node->summary_prompt = g_strdup (prompt);
  return TRUE;
}

/* The newer single `role_message` string is a system message. */
static JsonNode *
role_message_array (const gchar * text)
{
  JsonArray *array = json_array_new ();
  JsonObject *m = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (m, "role", "system");
  json_object_set_string_member (m, "content", text);
  json_array_add_object_element (array, m);
  node = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);     /* the node holds its own reference */
  return node;
}

static Node *
parse_node (const gchar * name, JsonNode * value, const Source * src,
    GError ** error)
{
  JsonObject *obj;
  Node *node;
  gboolean ok = TRUE;
  const gchar *role_message;

  if (!value || !JSON_NODE_HOLDS_OBJECT (value)) {
    flow_error (error, src, name, NULL, "a node must be a JSON object");
    return NULL;
  }
  obj = json_node_get_object (value);
  node = g_new0 (Node, 1);
  node->name = g_strdup (name);
  node->respond_immediately = TRUE;
  node->functions = parse_functions (obj, "functions", src, name, error);
  if (!node->functions) {
    node->functions = g_ptr_array_new ();
    goto fail;
  }
  role_message = optional_string (obj, "role_message", &ok);
  if (!ok) {
    flow_error (error, src, name, "role_message", "\"role_message\" must be "
        "a string");
    goto fail;
  }
  if (!get_object_array (obj, "role_messages", &node->role_messages, src,
          name, error) ||
      !get_object_array (obj, "task_messages", &node->task_messages, src,
          name, error) ||
      !get_object_array (obj, "pre_actions", &node->pre_actions, src, name,
          error) ||
      !get_object_array (obj, "post_actions", &node->post_actions, src, name,
          error))
    goto fail;
  if (role_message && !node->role_messages)
    node->role_messages = role_message_array (role_message);
  if (!check_messages (node->role_messages, "role_messages", src, name, error)
      || !check_messages (node->task_messages, "task_messages", src, name,
          error)
      || !check_actions (node->pre_actions, "pre_actions", src, name, error)
      || !check_actions (node->post_actions, "post_actions", src, name, error)
      || !parse_strategy (obj, node, src, error))
    goto fail;
  if (json_object_has_member (obj, "respond_immediately")) {
    JsonNode *r = json_object_get_member (obj, "respond_immediately");

    if (!JSON_NODE_HOLDS_VALUE (r) ||
        json_node_get_value_type (r) != G_TYPE_BOOLEAN) {
      flow_error (error, src, name, "respond_immediately",
          "\"respond_immediately\" must be true or false");
      goto fail;
    }
    node->respond_immediately = json_node_get_boolean (r);
  }
  return node;

fail:
  node_free (node);
  return NULL;
}

/* Every transition_to names a node; no node function shadows a global one. */
static gboolean
check_graph_locked (GstVaniFlow * flow, const Source * src, GError ** error)
{
  GHashTableIter iter;
  gpointer value;
  guint i;

  if (!flow->initial_node) {
    flow_error (error, src, NULL, NULL, "no \"initial_node\"");
    return FALSE;
  }
  if (!g_hash_table_contains (flow->nodes, flow->initial_node)) {
    flow_error (error, src, NULL, "initial_node", "the initial node '%s' is "
        "not among the nodes", flow->initial_node);
    return FALSE;
  }
  for (i = 0; i < flow->global_functions->len; i++) {
    Function *fn = g_ptr_array_index (flow->global_functions, i);

    if (fn->transition_to && !g_hash_table_contains (flow->nodes,
            fn->transition_to)) {
      flow_error (error, src, NULL, fn->transition_to, "global function "
          "'%s': transition_to names no node '%s'", fn->name,
          fn->transition_to);
      return FALSE;
    }
  }
  g_hash_table_iter_init (&iter, flow->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Node *node = value;

    for (i = 0; i < node->functions->len; i++) {
      Function *fn = g_ptr_array_index (node->functions, i);

      if (fn->transition_to && !g_hash_table_contains (flow->nodes,
              fn->transition_to)) {
        flow_error (error, src, node->name, fn->transition_to, "function "
            "'%s': transition_to names no node '%s'", fn->name,
            fn->transition_to);
        return FALSE;
      }
      if (find_function (flow->global_functions, fn->name)) {
        flow_error (error, src, node->name, fn->name, "function '%s' is also "
            "a global function", fn->name);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean
load_locked (GstVaniFlow * flow, JsonNode * root, const Source * src,
    GError ** error)
{
  JsonObject *obj;
  JsonNode *nodes;
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;
  gboolean ok = TRUE;
  const gchar *initial;

  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    flow_error (error, src, NULL, NULL, "a flow must be a JSON object");
    return FALSE;
  }
  obj = json_node_get_object (root);
  initial = optional_string (obj, "initial_node", &ok);
  if (!ok) {
    flow_error (error, src, NULL, "initial_node", "\"initial_node\" must be "
        "a string");
    return FALSE;
  }
  nodes = json_object_get_member (obj, "nodes");
  if (!nodes || !JSON_NODE_HOLDS_OBJECT (nodes) ||
      json_object_get_size (json_node_get_object (nodes)) == 0) {
    flow_error (error, src, NULL, NULL, "\"nodes\" must be an object with at "
        "least one node");
    return FALSE;
  }
  g_free (flow->initial_node);
  flow->initial_node = g_strdup (initial);
  g_ptr_array_unref (flow->global_functions);
  flow->global_functions = parse_functions (obj, "global_functions", src,
      NULL, error);
  if (!flow->global_functions) {
    flow->global_functions = g_ptr_array_new ();
    return FALSE;
  }

  json_object_iter_init (&iter, json_node_get_object (nodes));
  while (json_object_iter_next (&iter, &name, &value)) {
    Node *node = parse_node (name, value, src, error);

    if (!node)
      return FALSE;
    g_hash_table_replace (flow->nodes, node->name, node);
  }
  return check_graph_locked (flow, src, error);
}

/* ------------------------------------------------------------------------ */
/* State                                                                    */

static gchar *
node_to_text (JsonNode * node)
{
  if (JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return json_to_string (node, FALSE);
}

static void
set_state_locked (GstVaniFlow * flow, const gchar * key, JsonNode * value,
    Notes * notes)
{
  json_object_set_member (flow->state, key, value);
  if (notes) {
    g_ptr_array_add (notes->state_changes, g_strdup (key));
    g_ptr_array_add (notes->state_changes, json_to_string (value, FALSE));
  }
}

/* A function's arguments become state: record_party_size(size=4) → size. */
static void
merge_arguments_locked (GstVaniFlow * flow, const gchar * arguments,
    Notes * notes)
{
  JsonNode *root = arguments ? json_from_string (arguments, NULL) : NULL;
  JsonObjectIter iter;
  const gchar *key;
  JsonNode *value;

  if (root && JSON_NODE_HOLDS_OBJECT (root)) {
    json_object_iter_init (&iter, json_node_get_object (root));
    while (json_object_iter_next (&iter, &key, &value))
      set_state_locked (flow, key, json_node_copy (value), notes);
  }
  if (root)
    json_node_unref (root);
}

/* {{key}} → the state's value; unknown keys stay as they are. */
static gchar *
fill_template_locked (GstVaniFlow * flow, const gchar * text)
{
  GString *out = g_string_new (NULL);
  const gchar *p = text;

  while (*p) {
    const gchar *open = strstr (p, "{{"), *close;
    gchar *key;

    if (!open || !(close = strstr (open + 2, "}}"))) {
      g_string_append (out, p);
      break;
    }
    g_string_append_len (out, p, open - p);
    key = g_strstrip (g_strndup (open + 2, close - open - 2));
    if (json_object_has_member (flow->state, key)) {
      gchar *value = node_to_text (json_object_get_member (flow->state, key));

      g_string_append (out, value);
      g_free (value);
    } else {
      g_string_append_len (out, open, close + 2 - open);
    }
    g_free (key);
    p = close + 2;
  }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* Entering nodes                                                           */

static Notes *
notes_new (void)
{
  Notes *notes = g_new0 (Notes, 1);

  notes->state_changes = g_ptr_array_new_with_free_func (g_free);
  notes->actions = g_ptr_array_new_with_free_func (g_free);
  return notes;
}

/* Signals go out without the lock, so handlers may call the flow. */
static void
notes_emit_and_free (GstVaniFlow * flow, Notes * notes)
{
  guint i;

  for (i = 0; i + 1 < notes->state_changes->len; i += 2)
    g_signal_emit (flow, flow_signals[SIGNAL_STATE_CHANGED], 0,
        g_ptr_array_index (notes->state_changes, i),
        g_ptr_array_index (notes->state_changes, i + 1));
  if (notes->entered)
    g_signal_emit (flow, flow_signals[SIGNAL_NODE_ENTERED], 0,
        notes->entered_from, notes->entered_to, notes->entered_reason);
  for (i = 0; i < notes->actions->len; i++) {
    const gchar *handler = g_ptr_array_index (notes->actions, i);

    g_signal_emit (flow, flow_signals[SIGNAL_ACTION],
        g_quark_from_string (handler), handler);
  }
  if (notes->ended)
    g_signal_emit (flow, flow_signals[SIGNAL_ENDED], 0, notes->ended_node,
        notes->ended_reason);
  g_ptr_array_unref (notes->state_changes);
  g_ptr_array_unref (notes->actions);
  g_free (notes->entered_from);
  g_free (notes->entered_to);
  g_free (notes->entered_reason);
  g_free (notes->ended_node);
  g_free (notes->ended_reason);
  g_free (notes);
}

static void
append_messages_locked (GstVaniFlow * flow, GPtrArray * out,
    JsonNode * messages)
{
  JsonArray *array;
  guint i;

  if (!messages)
    return;
  array = json_node_get_array (messages);
  for (i = 0; i < json_array_get_length (array); i++) {
    GstVaniMessage *m = gst_vani_message_new_from_json_node
        (json_array_get_element (array, i), NULL);
    const gchar *content = m ? gst_vani_message_get_content (m) : NULL;

    if (content && strstr (content, "{{")) {
      gchar *filled = fill_template_locked (flow, content);

      g_ptr_array_add (out, gst_vani_message_new (gst_vani_message_get_role
              (m), filled));
      g_free (filled);
      gst_vani_message_unref (m);
    } else if (m) {
      g_ptr_array_add (out, m);
    }
  }
}

static JsonNode *
tools_of_locked (GstVaniFlow * flow, Node * node)
{
  JsonArray *tools = json_array_new ();
  GPtrArray *lists[] = { node->functions, flow->global_functions };
  JsonNode *array;
  guint l, i;

  for (l = 0; l < G_N_ELEMENTS (lists); l++)
    for (i = 0; i < lists[l]->len; i++)
      json_array_add_element (tools, json_node_copy (((Function *)
                  g_ptr_array_index (lists[l], i))->schema));
  array = json_node_init_array (json_node_alloc (), tools);
  json_array_unref (tools);     /* the node holds its own reference */
  return array;
}

/* The node's messages, by its strategy, and exactly its tools. */
static void
apply_node_locked (GstVaniFlow * flow, GstVaniContext * context, Node * node,
    const gchar * summary)
{
  GPtrArray *messages;
  JsonNode *tools;

  if (node->role_messages) {
    g_clear_pointer (&flow->persona, json_node_unref);
    flow->persona = json_node_copy (node->role_messages);
  }
  if (node->strategy == STRATEGY_APPEND) {
    messages = gst_vani_context_get_messages (context);
    append_messages_locked (flow, messages, node->role_messages);
  } else {
    messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_vani_message_unref);
    append_messages_locked (flow, messages, flow->persona);
    if (summary) {
      gchar *text = g_strconcat (SUMMARY_INTRO, summary, NULL);

      g_ptr_array_add (messages, gst_vani_message_new (GST_VANI_ROLE_SYSTEM,
              text));
      g_free (text);
    }
  }
  append_messages_locked (flow, messages, node->task_messages);
  gst_vani_context_set_messages (context, messages);
  g_ptr_array_unref (messages);

  tools = tools_of_locked (flow, node);
  gst_vani_context_set_tools (context, tools);
  json_node_unref (tools);
}

/* tts_say and end_conversation become events, which reach the listener in
 * order with the reply; function actions become signals, at once or (post-
 * actions) when the reply has been spoken: gst_vani_flow_reply_spoken(). */
static void
run_actions_locked (GstVaniFlow * flow, JsonNode * actions, GPtrArray * events,
    Notes * notes, gboolean after_speech)
{
  JsonArray *array;
  guint i;

  for (i = 0; actions && i < json_array_get_length (array =
          json_node_get_array (actions)); i++) {
    JsonObject *a = json_array_get_object_element (array, i);
    const gchar *type = json_object_get_string_member (a, "type");
    const gchar *text = json_object_get_string_member_with_default (a, "text",
        NULL);

    if (g_str_equal (type, "function")) {
      g_ptr_array_add (after_speech ? flow->spoken_actions : notes->actions,
          g_strdup (json_object_get_string_member (a, "handler")));
      continue;
    }
    if (text && *text) {
      gchar *filled = fill_template_locked (flow, text);

      g_ptr_array_add (events, gst_vani_event_new_speak (filled));
      g_free (filled);
    }
    if (g_str_equal (type, "end_conversation")) {
      g_ptr_array_add (events, gst_vani_event_new_end_conversation (text));
      flow->ended = TRUE;
      notes->ended = TRUE;
      notes->ended_node = g_strdup (flow->current);
      notes->ended_reason = g_strdup (text);
    }
  }
}

/* Returns whether the LLM should answer at once. */
static gboolean
enter_node_locked (GstVaniFlow * flow, GstVaniContext * context, Node * node,
    const gchar * reason, const gchar * summary, GPtrArray * events,
    Notes * notes)
{
  GST_INFO ("flow: %s -> %s (%s)", GST_STR_NULL (flow->current), node->name,
      reason);
  notes->entered = TRUE;
  notes->entered_from = g_strdup (flow->current);
  notes->entered_to = g_strdup (node->name);
  notes->entered_reason = g_strdup (reason);
  g_free (flow->current);
  flow->current = g_strdup (node->name);
  g_clear_pointer (&flow->pending_next, g_free);
  g_clear_pointer (&flow->pending_reason, g_free);
  flow->post_actions_due = node->post_actions != NULL;

  apply_node_locked (flow, context, node, summary);
  g_ptr_array_set_size (flow->spoken_actions, 0);
  run_actions_locked (flow, node->pre_actions, events, notes, FALSE);
  return node->respond_immediately && !flow->ended;
}

static Node *
current_node_locked (GstVaniFlow * flow)
{
  return flow->current ? g_hash_table_lookup (flow->nodes, flow->current) :
      NULL;
}

/* The node a function's transition waits to enter, if any. */
static Node *
pending_node_locked (GstVaniFlow * flow)
{
  return flow->pending_next ? g_hash_table_lookup (flow->nodes,
      flow->pending_next) : NULL;
}

/* Takes the waiting transition into @node; returns whether the LLM should
 * answer at once. */
static gboolean
enter_pending_locked (GstVaniFlow * flow, GstVaniContext * context,
    Node * node, GPtrArray * events, Notes * notes)
{
  gchar *reason = g_steal_pointer (&flow->pending_reason);
  gboolean respond = enter_node_locked (flow, context, node, reason, NULL,
      events, notes);

  g_free (reason);
  return respond;
}

static void
set_pending_locked (GstVaniFlow * flow, const gchar * next,
    const gchar * reason)
{
  if (!g_hash_table_contains (flow->nodes, next)) {
    GST_WARNING ("flow: function '%s' names no node '%s': staying in '%s'",
        reason, next, GST_STR_NULL (flow->current));
    return;
  }
  g_free (flow->pending_next);
  g_free (flow->pending_reason);
  flow->pending_next = g_strdup (next);
  flow->pending_reason = g_strdup (reason);
}

/* ------------------------------------------------------------------------ */
/* GstVaniTool: what vanillm asks                                           */

static Function *
offered_function_locked (GstVaniFlow * flow, const gchar * name)
{
  Node *node = current_node_locked (flow);
  Function *fn = node ? find_function (node->functions, name) : NULL;

  return fn ? fn : find_function (flow->global_functions, name);
}

/* Everything but the application's handlers: those go to `tool-call`. */
static gboolean
flow_handles (GstVaniTool * tool, const gchar * name)
{
  GstVaniFlow *flow = GST_VANI_FLOW (tool);
  Function *fn;
  gboolean handles;

  g_mutex_lock (&flow->lock);
  fn = offered_function_locked (flow, name);
  handles = flow->current && !(fn && fn->handler);
  g_mutex_unlock (&flow->lock);
  return handles;
}

static void
flow_call (GstVaniTool * tool, const gchar * name, const gchar * arguments,
    GstPromise * promise)
{
  GstVaniFlow *flow = GST_VANI_FLOW (tool);
  Notes *notes = notes_new ();
  Function *fn;
  gchar *result;

  g_mutex_lock (&flow->lock);
  fn = offered_function_locked (flow, name);
  if (!fn) {
    GST_WARNING ("flow: the LLM called '%s', which node '%s' does not offer",
        name, flow->current);
    result = g_strdup_printf ("{\"status\": \"error\", \"error\": \"function "
        "'%s' is not available in this step of the conversation\"}", name);
  } else {
    merge_arguments_locked (flow, arguments, notes);
    if (fn->transition_to)
      set_pending_locked (flow, fn->transition_to, name);
    result = g_strdup (ACKNOWLEDGED);
  }
  g_mutex_unlock (&flow->lock);

  gst_promise_reply (promise, gst_vani_tool_reply_new (result, NULL));
  g_free (result);
  notes_emit_and_free (flow, notes);
}

/* An application handler's answer: its arguments become state, and the
 * answer (or the function) may name the next node. */
static void
note_handler_reply_locked (GstVaniFlow * flow, const GstStructure * reply,
    Notes * notes)
{
  const gchar *name = gst_structure_get_string (reply, "name");
  const gchar *next = gst_structure_get_string (reply,
      GST_VANI_FLOW_REPLY_NEXT_NODE);
  Function *fn = name ? offered_function_locked (flow, name) : NULL;

  if (!fn || !fn->handler)
    return;
  merge_arguments_locked (flow, gst_structure_get_string (reply, "arguments"),
      notes);
  if (next || fn->transition_to)
    set_pending_locked (flow, next ? next : fn->transition_to, name);
}

static GstVaniToolNext
flow_calls_done (GstVaniTool * tool, GstVaniContext * context,
    GPtrArray * replies, GPtrArray * events, gchar ** summary_prompt)
{
  GstVaniFlow *flow = GST_VANI_FLOW (tool);
  Notes *notes = notes_new ();
  GstVaniToolNext next = GST_VANI_TOOL_NEXT_RUN;
  Node *node;
  guint i;

  g_mutex_lock (&flow->lock);
  for (i = 0; replies && i < replies->len; i++)
    note_handler_reply_locked (flow, g_ptr_array_index (replies, i), notes);
  node = pending_node_locked (flow);
  if (node && node->strategy == STRATEGY_RESET_WITH_SUMMARY) {
    g_free (flow->summarizing_to);
    g_free (flow->summarizing_reason);
    flow->summarizing_to = g_strdup (node->name);
    flow->summarizing_reason = g_strdup (flow->pending_reason);
    *summary_prompt = g_strdup (node->summary_prompt);
    next = GST_VANI_TOOL_NEXT_SUMMARIZE;
  } else if (node) {
    next = enter_pending_locked (flow, context, node, events, notes) ?
        GST_VANI_TOOL_NEXT_RUN : GST_VANI_TOOL_NEXT_WAIT;
  }
  g_mutex_unlock (&flow->lock);
  notes_emit_and_free (flow, notes);
  return next;
}

static GstVaniToolNext
flow_summary_done (GstVaniTool * tool, GstVaniContext * context,
    const gchar * summary, GPtrArray * events)
{
  GstVaniFlow *flow = GST_VANI_FLOW (tool);
  Notes *notes = notes_new ();
  GstVaniToolNext next = GST_VANI_TOOL_NEXT_WAIT;
  Node *node;

  g_mutex_lock (&flow->lock);
  node = flow->summarizing_to ? g_hash_table_lookup (flow->nodes,
      flow->summarizing_to) : NULL;
  if (node) {
    if (!summary)
      GST_WARNING ("flow: no summary for node '%s': it starts without one",
          node->name);
    next = enter_node_locked (flow, context, node, flow->summarizing_reason,
        summary, events, notes) ? GST_VANI_TOOL_NEXT_RUN :
        GST_VANI_TOOL_NEXT_WAIT;
  }
  g_clear_pointer (&flow->summarizing_to, g_free);
  g_clear_pointer (&flow->summarizing_reason, g_free);
  g_mutex_unlock (&flow->lock);
  notes_emit_and_free (flow, notes);
  return next;
}

/* Post-actions run once, after the node's reply has gone downstream. */
static void
flow_reply_done (GstVaniTool * tool, GstVaniContext * context,
    GPtrArray * events)
{
  GstVaniFlow *flow = GST_VANI_FLOW (tool);
  Notes *notes = notes_new ();
  Node *node;

  g_mutex_lock (&flow->lock);
  node = current_node_locked (flow);
  if (node && flow->post_actions_due && !flow->pending_next) {
    flow->post_actions_due = FALSE;
    run_actions_locked (flow, node->post_actions, events, notes, TRUE);
  }
  g_mutex_unlock (&flow->lock);
  notes_emit_and_free (flow, notes);
}

static void
gst_vani_flow_tool_init (GstVaniToolInterface * iface)
{
  iface->handles = flow_handles;
  iface->call = flow_call;
  iface->calls_done = flow_calls_done;
  iface->summary_done = flow_summary_done;
  iface->reply_done = flow_reply_done;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */

/**
 * gst_vani_flow_new:
 *
 * An empty flow, for an application to build node by node with
 * gst_vani_flow_add_node_from_json() and gst_vani_flow_set_initial_node().
 *
 * Returns: (transfer full): a new flow
 */
GstVaniFlow *
gst_vani_flow_new (void)
{
  return g_object_new (GST_VANI_TYPE_FLOW, NULL);
}

static GstVaniFlow *
new_from_source (const gchar * json, gssize length, const gchar * source,
    GError ** error)
{
  /* NUL-terminated: error messages search it for line numbers */
  gchar *text = length < 0 ? g_strdup (json) : g_strndup (json, length);
  GstVaniFlow *flow = gst_vani_flow_new ();
  JsonParser *parser = json_parser_new ();
  Source src = { text, source };
  GError *parse_error = NULL;
  gboolean ok = FALSE;

  if (!json_parser_load_from_data (parser, text, -1, &parse_error)) {
    g_set_error (error, GST_VANI_FLOW_ERROR, GST_VANI_FLOW_ERROR_INVALID,
        "%s: not valid JSON: %s", source, parse_error->message);
    g_error_free (parse_error);
  } else if (!json_parser_get_root (parser)) {
    g_set_error (error, GST_VANI_FLOW_ERROR, GST_VANI_FLOW_ERROR_INVALID,
        "%s: the flow is empty", source);
  } else {
    g_mutex_lock (&flow->lock);
    ok = load_locked (flow, json_parser_get_root (parser), &src, error);
    g_mutex_unlock (&flow->lock);
  }
  g_object_unref (parser);
  g_free (text);
  if (!ok)
    g_clear_object (&flow);
  return flow;
}

/**
 * gst_vani_flow_new_from_data:
 * @json: a flow in the JSON form
 * @length: its length, or -1 if it is NUL-terminated
 * @error: where a validation error goes
 *
 * Loads and validates a whole flow: every node, every `transition_to`, the
 * initial node, no function defined twice.
 *
 * Returns: (transfer full) (nullable): the flow, or NULL with @error set
 */
GstVaniFlow *
gst_vani_flow_new_from_data (const gchar * json, gssize length,
    GError ** error)
{
  g_return_val_if_fail (json != NULL, NULL);
  return new_from_source (json, length, "flow", error);
}

/**
 * gst_vani_flow_new_from_file:
 * @path: a flow JSON file
 * @error: where a read or validation error goes; it names the file, the
 *   line, the node and the function
 *
 * Returns: (transfer full) (nullable): the flow, or NULL with @error set
 */
GstVaniFlow *
gst_vani_flow_new_from_file (const gchar * path, GError ** error)
{
  gchar *contents = NULL, *base;
  GError *read_error = NULL;
  gsize length;
  GstVaniFlow *flow;

  g_return_val_if_fail (path != NULL, NULL);
  if (!g_file_get_contents (path, &contents, &length, &read_error)) {
    g_set_error (error, GST_VANI_FLOW_ERROR, GST_VANI_FLOW_ERROR_NOT_FOUND,
        "cannot read the flow file: %s", read_error->message);
    g_error_free (read_error);
    return NULL;
  }
  base = g_path_get_basename (path);
  flow = new_from_source (contents, length, base, error);
  g_free (base);
  g_free (contents);
  return flow;
}

/**
 * gst_vani_flow_add_node_from_json:
 * @flow: a flow
 * @name: the node's name
 * @json: the node, a JSON object in the flow form
 * @error: where a validation error goes
 *
 * Adds (or replaces) a node at run time: a dynamic flow. Its transitions are
 * checked when they are taken, since their nodes may not exist yet.
 *
 * Returns: whether the node was valid and added
 */
gboolean
gst_vani_flow_add_node_from_json (GstVaniFlow * flow, const gchar * name,
    const gchar * json, GError ** error)
{
  JsonNode *root;
  GError *parse_error = NULL;
  Node *node;

  g_return_val_if_fail (GST_VANI_IS_FLOW (flow), FALSE);
  g_return_val_if_fail (name != NULL && json != NULL, FALSE);
  root = json_from_string (json, &parse_error);
  if (!root) {
    g_set_error (error, GST_VANI_FLOW_ERROR, GST_VANI_FLOW_ERROR_INVALID,
        "node '%s': not valid JSON: %s", name, parse_error ?
        parse_error->message : "empty");
    g_clear_error (&parse_error);
    return FALSE;
  }
  node = parse_node (name, root, NULL, error);
  json_node_unref (root);
  if (!node)
    return FALSE;
  g_mutex_lock (&flow->lock);
  g_hash_table_replace (flow->nodes, node->name, node);
  g_mutex_unlock (&flow->lock);
  return TRUE;
}

/**
 * gst_vani_flow_set_initial_node:
 * @flow: a flow
 * @name: the node the conversation starts in
 */
void
gst_vani_flow_set_initial_node (GstVaniFlow * flow, const gchar * name)
{
  g_return_if_fail (GST_VANI_IS_FLOW (flow));
  g_mutex_lock (&flow->lock);
  g_free (flow->initial_node);
  flow->initial_node = g_strdup (name);
  g_mutex_unlock (&flow->lock);
}

/**
 * gst_vani_flow_validate:
 * @flow: a flow
 * @error: where the first problem goes
 *
 * Checks the graph: the initial node exists and every `transition_to`
 * names a node.
 *
 * Returns: whether the flow can run
 */
gboolean
gst_vani_flow_validate (GstVaniFlow * flow, GError ** error)
{
  gboolean ok;

  g_return_val_if_fail (GST_VANI_IS_FLOW (flow), FALSE);
  g_mutex_lock (&flow->lock);
  ok = check_graph_locked (flow, NULL, error);
  g_mutex_unlock (&flow->lock);
  return ok;
}

/**
 * gst_vani_flow_get_current_node:
 * @flow: a flow
 *
 * Returns: (transfer full) (nullable): the current node's name
 */
gchar *
gst_vani_flow_get_current_node (GstVaniFlow * flow)
{
  gchar *name;

  g_return_val_if_fail (GST_VANI_IS_FLOW (flow), NULL);
  g_mutex_lock (&flow->lock);
  name = g_strdup (flow->current);
  g_mutex_unlock (&flow->lock);
  return name;
}

/**
 * gst_vani_flow_has_ended:
 * @flow: a flow
 *
 * Returns: whether an `end_conversation` action has run
 */
gboolean
gst_vani_flow_has_ended (GstVaniFlow * flow)
{
  gboolean ended;

  g_return_val_if_fail (GST_VANI_IS_FLOW (flow), FALSE);
  g_mutex_lock (&flow->lock);
  ended = flow->ended;
  g_mutex_unlock (&flow->lock);
  return ended;
}

/**
 * gst_vani_flow_set_state_value:
 * @flow: a flow
 * @key: a state key
 * @value_json: the value, as JSON text (`4`, `"7 pm"`, `{"a": 1}`); text that
 *   is not JSON is taken as a string
 */
void
gst_vani_flow_set_state_value (GstVaniFlow * flow, const gchar * key,
    const gchar * value_json)
{
  Notes *notes = notes_new ();
  JsonNode *value;

  g_return_if_fail (GST_VANI_IS_FLOW (flow));
  g_return_if_fail (key != NULL && value_json != NULL);
  value = json_from_string (value_json, NULL);
  if (!value)
    value = json_node_init_string (json_node_alloc (), value_json);
  g_mutex_lock (&flow->lock);
  set_state_locked (flow, key, value, notes);
  g_mutex_unlock (&flow->lock);
  notes_emit_and_free (flow, notes);
}

/**
 * gst_vani_flow_get_state_value:
 * @flow: a flow
 * @key: a state key
 *
 * Returns: (transfer full) (nullable): the value as JSON text, or NULL
 */
gchar *
gst_vani_flow_get_state_value (GstVaniFlow * flow, const gchar * key)
{
  gchar *value = NULL;

  g_return_val_if_fail (GST_VANI_IS_FLOW (flow), NULL);
  g_mutex_lock (&flow->lock);
  if (json_object_has_member (flow->state, key))
    value = json_to_string (json_object_get_member (flow->state, key), FALSE);
  g_mutex_unlock (&flow->lock);
  return value;
}

/**
 * gst_vani_flow_get_state:
 * @flow: a flow
 *
 * Returns: (transfer full): the whole state, a JSON object as text
 */
gchar *
gst_vani_flow_get_state (GstVaniFlow * flow)
{
  JsonNode *node;
  gchar *text;

  g_return_val_if_fail (GST_VANI_IS_FLOW (flow), NULL);
  g_mutex_lock (&flow->lock);
  node = json_node_init_object (json_node_alloc (), flow->state);
  text = json_to_string (node, FALSE);
  json_node_unref (node);
  g_mutex_unlock (&flow->lock);
  return text;
}

/**
 * gst_vani_flow_reply_new:
 * @result: the result the model sees, a JSON text
 * @next_node: (nullable): the node the flow moves to after this call
 *
 * Answers a flow function's `tool-call` from an application handler.
 *
 * Returns: (transfer full): the structure for gst_promise_reply()
 */
GstStructure *
gst_vani_flow_reply_new (const gchar * result, const gchar * next_node)
{
  GstStructure *reply = gst_vani_tool_reply_new (result, NULL);

  if (next_node)
    gst_structure_set (reply, GST_VANI_FLOW_REPLY_NEXT_NODE, G_TYPE_STRING,
        next_node, NULL);
  return reply;
}

/**
 * gst_vani_flow_start:
 * @flow: a valid flow
 * @context: the conversation it steers
 * @events: (element-type GstEvent): where the initial node's pre-actions go,
 *   for the caller to push downstream
 *
 * Attaches the flow to @context (gst_vani_context_set_tool()) and enters the
 * initial node.
 *
 * Returns: whether the LLM should speak first (`respond_immediately`)
 */
gboolean
gst_vani_flow_start (GstVaniFlow * flow, GstVaniContext * context,
    GPtrArray * events)
{
  Notes *notes = notes_new ();
  gboolean respond = FALSE;
  Node *node;

  g_return_val_if_fail (GST_VANI_IS_FLOW (flow), FALSE);
  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), FALSE);
  gst_vani_context_set_tool (context, GST_VANI_TOOL (flow));
  g_mutex_lock (&flow->lock);
  node = flow->initial_node ? g_hash_table_lookup (flow->nodes,
      flow->initial_node) : NULL;
  if (node)
    respond = enter_node_locked (flow, context, node, "start", NULL, events,
        notes);
  g_mutex_unlock (&flow->lock);
  notes_emit_and_free (flow, notes);
  return respond;
}

/**
 * gst_vani_flow_reply_spoken:
 * @flow: a flow
 *
 * The bot has finished speaking: `function` post-actions whose reply has
 * now been heard run (the #GstVaniFlow::action signal). The user aggregator
 * calls it when `bot-stopped-speaking` comes upstream.
 */
void
gst_vani_flow_reply_spoken (GstVaniFlow * flow)
{
  Notes *notes = notes_new ();

  g_return_if_fail (GST_VANI_IS_FLOW (flow));
  g_mutex_lock (&flow->lock);
  g_ptr_array_extend_and_steal (notes->actions, flow->spoken_actions);
  flow->spoken_actions = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&flow->lock);
  notes_emit_and_free (flow, notes);
}

/**
 * gst_vani_flow_apply_pending:
 * @flow: a flow
 * @context: the conversation
 * @events: (element-type GstEvent): where pre-actions go
 *
 * Takes a transition that an interruption left half done (the function
 * was answered but the LLM's turn was flushed before the transition), so
 * that the flow is not stuck. The user aggregator calls it before it asks
 * the LLM for the user's next turn.
 *
 * Returns: whether a node was entered
 */
gboolean
gst_vani_flow_apply_pending (GstVaniFlow * flow, GstVaniContext * context,
    GPtrArray * events)
{
  Notes *notes = notes_new ();
  Node *node;

  g_return_val_if_fail (GST_VANI_IS_FLOW (flow), FALSE);
  g_mutex_lock (&flow->lock);
  node = pending_node_locked (flow);
  if (node)
    enter_pending_locked (flow, context, node, events, notes);
  g_mutex_unlock (&flow->lock);
  notes_emit_and_free (flow, notes);
  return node != NULL;
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
gst_vani_flow_finalize (GObject * object)
{
  GstVaniFlow *flow = GST_VANI_FLOW (object);

  g_hash_table_unref (flow->nodes);
  g_ptr_array_unref (flow->global_functions);
  g_free (flow->initial_node);
  json_object_unref (flow->state);
  g_free (flow->current);
  g_clear_pointer (&flow->persona, json_node_unref);
  g_free (flow->pending_next);
  g_free (flow->pending_reason);
  g_free (flow->summarizing_to);
  g_free (flow->summarizing_reason);
  g_ptr_array_unref (flow->spoken_actions);
  g_mutex_clear (&flow->lock);
  G_OBJECT_CLASS (gst_vani_flow_parent_class)->finalize (object);
}

static void
gst_vani_flow_class_init (GstVaniFlowClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_vani_flow_finalize;

  /**
   * GstVaniFlow::node-entered:
   * @flow: the flow
   * @from: (nullable): the node left
   * @to: the node entered
   * @reason: "start", the function that moved on, or "set-node"
   *
   * Emitted from the thread that took the transition (vanillm's worker or
   * the user aggregator's streaming thread).
   */
  flow_signals[SIGNAL_NODE_ENTERED] =
      g_signal_new ("node-entered", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
      G_TYPE_STRING, G_TYPE_STRING);

  /**
   * GstVaniFlow::state-changed:
   * @flow: the flow
   * @key: the key
   * @value: its new value, as JSON text
   */
  flow_signals[SIGNAL_STATE_CHANGED] =
      g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
      G_TYPE_STRING);

  /**
   * GstVaniFlow::action:
   * @flow: the flow
   * @handler: the handler named by a `function` action
   *
   * A `{"type": "function", "handler": "..."}` pre- or post-action. The
   * detail is the handler's name: connect to `action::notify_kitchen`.
   */
  flow_signals[SIGNAL_ACTION] =
      g_signal_new ("action", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL, NULL, G_TYPE_NONE,
      1, G_TYPE_STRING);

  /**
   * GstVaniFlow::ended:
   * @flow: the flow
   * @node: the node whose `end_conversation` action ran
   * @reason: (nullable): its goodbye text
   */
  flow_signals[SIGNAL_ENDED] =
      g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
      NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  GST_DEBUG_CATEGORY_INIT (vani_flow_debug, "vaniflow", 0,
      "gst-rustvani conversation flows");
}

static void
gst_vani_flow_init (GstVaniFlow * flow)
{
  g_mutex_init (&flow->lock);
  flow->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) node_free);
  flow->global_functions = g_ptr_array_new_with_free_func ((GDestroyNotify)
      function_free);
  flow->state = json_object_new ();
  flow->spoken_actions = g_ptr_array_new_with_free_func (g_free);
}
