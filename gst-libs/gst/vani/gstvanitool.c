/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanitool
 * @title: GstVaniTool
 * @short_description: built-in tools with a lifecycle
 *
 * Most applications answer the LLM's function calls by connecting to
 * vanillm's `tool-call` signal. A #GstVaniTool is for tools that hold
 * resources (a database connection, a cache) which must follow the
 * pipeline's state: attach it with
 * `g_signal_emit_by_name (llm, "add-tool", tool)`; vanillm offers its
 * schemas to the model, routes the matching calls to gst_vani_tool_call(),
 * starts it in READY→PAUSED, stops it on EOS and in PAUSED→READY, and cancels
 * it on a flush or an interruption.
 *
 * Every answer to a tool call, from a tool or from a `tool-call` handler, is
 * a structure with a `result` string (JSON, what the model sees) and an
 * optional `raw-data` string (for the application's UI: posted on the bus,
 * never put into the conversation context).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanitool.h"

G_DEFINE_INTERFACE (GstVaniTool, gst_vani_tool, G_TYPE_OBJECT);

static void
gst_vani_tool_default_init (GstVaniToolInterface * iface)
{
}

/**
 * gst_vani_tool_get_schemas:
 * @tool: a #GstVaniTool
 *
 * Returns: (transfer full) (nullable): a JSON array of function schemas
 */
JsonNode *
gst_vani_tool_get_schemas (GstVaniTool * tool)
{
  GstVaniToolInterface *iface;

  g_return_val_if_fail (GST_VANI_IS_TOOL (tool), NULL);
  iface = GST_VANI_TOOL_GET_IFACE (tool);
  return iface->get_schemas ? iface->get_schemas (tool) : NULL;
}

static const gchar *
schema_function_name (JsonNode * schema)
{
  JsonObject *obj, *fn;

  if (!JSON_NODE_HOLDS_OBJECT (schema))
    return NULL;
  obj = json_node_get_object (schema);
  if (!json_object_has_member (obj, "function") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (obj, "function")))
    return NULL;
  fn = json_object_get_object_member (obj, "function");
  if (!json_object_has_member (fn, "name"))
    return NULL;
  return json_node_get_string (json_object_get_member (fn, "name"));
}

/**
 * gst_vani_tool_handles:
 * @tool: a #GstVaniTool
 * @name: a function name
 *
 * Returns: whether one of @tool's schemas is the function @name
 */
gboolean
gst_vani_tool_handles (GstVaniTool * tool, const gchar * name)
{
  GstVaniToolInterface *iface;
  JsonNode *schemas;
  gboolean found = FALSE;
  guint i;

  g_return_val_if_fail (GST_VANI_IS_TOOL (tool), FALSE);
  iface = GST_VANI_TOOL_GET_IFACE (tool);
  if (iface->handles)
    return iface->handles (tool, name);
  schemas = gst_vani_tool_get_schemas (tool);
  if (!schemas)
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (schemas)) {
    JsonArray *array = json_node_get_array (schemas);

    for (i = 0; i < json_array_get_length (array) && !found; i++)
      found = g_strcmp0 (schema_function_name (json_array_get_element (array,
                  i)), name) == 0;
  }
  json_node_unref (schemas);
  return found;
}

/**
 * gst_vani_tool_call:
 * @tool: a #GstVaniTool
 * @name: the function name
 * @arguments: the arguments, a JSON text
 * @promise: (transfer none): answer it with gst_vani_tool_reply_new()
 */
void
gst_vani_tool_call (GstVaniTool * tool, const gchar * name,
    const gchar * arguments, GstPromise * promise)
{
  GstVaniToolInterface *iface;

  g_return_if_fail (GST_VANI_IS_TOOL (tool));
  iface = GST_VANI_TOOL_GET_IFACE (tool);
  if (iface->call)
    iface->call (tool, name, arguments, promise);
  else
    gst_promise_reply (promise,
        gst_vani_tool_reply_new ("{\"error\": \"tool cannot be called\"}",
            NULL));
}

/**
 * gst_vani_tool_start:
 * @tool: a #GstVaniTool
 * @cancellable: (nullable): cancelled when the element shuts down
 * @error: where to put an error
 *
 * Returns: %TRUE when the tool is ready
 */
gboolean
gst_vani_tool_start (GstVaniTool * tool, GCancellable * cancellable,
    GError ** error)
{
  GstVaniToolInterface *iface;

  g_return_val_if_fail (GST_VANI_IS_TOOL (tool), FALSE);
  iface = GST_VANI_TOOL_GET_IFACE (tool);
  return iface->start ? iface->start (tool, cancellable, error) : TRUE;
}

/**
 * gst_vani_tool_stop:
 * @tool: a #GstVaniTool
 */
void
gst_vani_tool_stop (GstVaniTool * tool)
{
  GstVaniToolInterface *iface;

  g_return_if_fail (GST_VANI_IS_TOOL (tool));
  iface = GST_VANI_TOOL_GET_IFACE (tool);
  if (iface->stop)
    iface->stop (tool);
}

/**
 * gst_vani_tool_cancel:
 * @tool: a #GstVaniTool
 */
void
gst_vani_tool_cancel (GstVaniTool * tool)
{
  GstVaniToolInterface *iface;

  g_return_if_fail (GST_VANI_IS_TOOL (tool));
  iface = GST_VANI_TOOL_GET_IFACE (tool);
  if (iface->cancel)
    iface->cancel (tool);
}

/**
 * gst_vani_tool_calls_done:
 * @tool: a #GstVaniTool
 * @context: the conversation, with every result of the batch in it
 * @replies: (element-type GstStructure): one structure per call
 * @events: (element-type GstEvent): where to add events to push downstream
 * @summary_prompt: (out) (optional) (nullable) (transfer full): the prompt,
 *   with %GST_VANI_TOOL_NEXT_SUMMARIZE
 *
 * Returns: what the LLM does next (%GST_VANI_TOOL_NEXT_RUN without the hook)
 */
GstVaniToolNext
gst_vani_tool_calls_done (GstVaniTool * tool, GstVaniContext * context,
    GPtrArray * replies, GPtrArray * events, gchar ** summary_prompt)
{
  GstVaniToolInterface *iface;
  gchar *prompt = NULL;
  GstVaniToolNext next = GST_VANI_TOOL_NEXT_RUN;

  g_return_val_if_fail (GST_VANI_IS_TOOL (tool), GST_VANI_TOOL_NEXT_RUN);
  iface = GST_VANI_TOOL_GET_IFACE (tool);
  if (iface->calls_done)
    next = iface->calls_done (tool, context, replies, events, &prompt);
  if (next == GST_VANI_TOOL_NEXT_SUMMARIZE && !prompt)
    next = GST_VANI_TOOL_NEXT_RUN;
  if (summary_prompt)
    *summary_prompt = prompt;
  else
    g_free (prompt);
  return next;
}

/**
 * gst_vani_tool_summary_done:
 * @tool: a #GstVaniTool
 * @context: the conversation
 * @summary: (nullable): the model's summary, or NULL if it failed
 * @events: (element-type GstEvent): where to add events to push downstream
 *
 * Returns: what the LLM does next
 */
GstVaniToolNext
gst_vani_tool_summary_done (GstVaniTool * tool, GstVaniContext * context,
    const gchar * summary, GPtrArray * events)
{
  GstVaniToolInterface *iface;

  g_return_val_if_fail (GST_VANI_IS_TOOL (tool), GST_VANI_TOOL_NEXT_WAIT);
  iface = GST_VANI_TOOL_GET_IFACE (tool);
  if (!iface->summary_done)
    return GST_VANI_TOOL_NEXT_RUN;
  return iface->summary_done (tool, context, summary, events);
}

/**
 * gst_vani_tool_reply_done:
 * @tool: a #GstVaniTool
 * @context: the conversation
 * @events: (element-type GstEvent): where to add events to push after the
 *   reply
 */
void
gst_vani_tool_reply_done (GstVaniTool * tool, GstVaniContext * context,
    GPtrArray * events)
{
  GstVaniToolInterface *iface;

  g_return_if_fail (GST_VANI_IS_TOOL (tool));
  iface = GST_VANI_TOOL_GET_IFACE (tool);
  if (iface->reply_done)
    iface->reply_done (tool, context, events);
}

/**
 * gst_vani_tool_reply_new:
 * @result: the result the model sees, a JSON text
 * @raw_data: (nullable): data for the application only (posted on the bus)
 *
 * Builds the structure that answers a tool call's #GstPromise.
 *
 * Returns: (transfer full): a new structure
 */
GstStructure *
gst_vani_tool_reply_new (const gchar * result, const gchar * raw_data)
{
  GstStructure *s = gst_structure_new (GST_VANI_TOOL_REPLY_NAME,
      "result", G_TYPE_STRING, result, NULL);

  if (raw_data)
    gst_structure_set (s, "raw-data", G_TYPE_STRING, raw_data, NULL);
  return s;
}

/**
 * gst_vani_tool_reply_parse:
 * @reply: a tool-call reply structure
 * @result: (out) (optional) (transfer none): the result
 * @raw_data: (out) (optional) (nullable) (transfer none): the raw data
 *
 * Returns: %TRUE when @reply has a `result` string
 */
gboolean
gst_vani_tool_reply_parse (const GstStructure * reply, const gchar ** result,
    const gchar ** raw_data)
{
  const gchar *r;

  g_return_val_if_fail (reply != NULL, FALSE);
  r = gst_structure_get_string (reply, "result");
  if (result)
    *result = r;
  if (raw_data)
    *raw_data = gst_structure_get_string (reply, "raw-data");
  return r != NULL;
}
