/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanimessages
 * @title: Bus messages
 * @short_description: what gst-rustvani elements tell the application
 *
 * Element messages (#GST_MESSAGE_ELEMENT) whose structure is named
 * `vani/<message>`. Read them with gst_vani_bus_message_get_message_type()
 * and the `gst_vani_bus_message_parse_*()` parsers.
 *
 * | message | fields | posted by |
 * |---|---|---|
 * | vani/transcript | text, is-final, language, start, duration | STT elements |
 * | vani/user-started-speaking, vani/user-stopped-speaking | stream-time | vanivad |
 * | vani/bot-started-speaking, vani/bot-stopped-speaking | — | vaniassistantaggregator |
 * | vani/metrics | processor, kind, value (ns) or usage fields | every service |
 * | vani/tool-call | call-id, name, arguments, result, raw-data | vanillm |
 * | vani/error | service, text, fatal | services, when a turn fails |
 * | vani/interruption | — | vaniuseraggregator |
 * | vani/false-interruption | — | vaniuseraggregator |
 * | vani/user-idle | — | vaniuseraggregator |
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanimessages.h"
#include "gstvani-private.h"
#include "vani-enumtypes.h"

static const gchar *const message_names[] = {
  [GST_VANI_BUS_MESSAGE_NONE] = NULL,
  [GST_VANI_BUS_MESSAGE_TRANSCRIPT] = "vani/transcript",
  [GST_VANI_BUS_MESSAGE_USER_STARTED_SPEAKING] = "vani/user-started-speaking",
  [GST_VANI_BUS_MESSAGE_USER_STOPPED_SPEAKING] = "vani/user-stopped-speaking",
  [GST_VANI_BUS_MESSAGE_BOT_STARTED_SPEAKING] = "vani/bot-started-speaking",
  [GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING] = "vani/bot-stopped-speaking",
  [GST_VANI_BUS_MESSAGE_METRICS] = "vani/metrics",
  [GST_VANI_BUS_MESSAGE_TOOL_CALL] = "vani/tool-call",
  [GST_VANI_BUS_MESSAGE_ERROR] = "vani/error",
  [GST_VANI_BUS_MESSAGE_INTERRUPTION] = "vani/interruption",
  [GST_VANI_BUS_MESSAGE_FALSE_INTERRUPTION] = "vani/false-interruption",
  [GST_VANI_BUS_MESSAGE_USER_IDLE] = "vani/user-idle",
  [GST_VANI_BUS_MESSAGE_FLOW_NODE_ENTERED] = "vani/flow-node-entered",
  [GST_VANI_BUS_MESSAGE_FLOW_STATE_CHANGED] = "vani/flow-state-changed",
  [GST_VANI_BUS_MESSAGE_FLOW_ENDED] = "vani/flow-ended",
  [GST_VANI_BUS_MESSAGE_TURN_METRICS] = "vani/turn-metrics",
};

/**
 * gst_vani_bus_message_type_get_name:
 * @type: a message type
 *
 * Returns: (nullable): the structure name, e.g. "vani/transcript"
 */
const gchar *
gst_vani_bus_message_type_get_name (GstVaniBusMessageType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (message_names), NULL);
  return message_names[type];
}

/**
 * gst_vani_bus_message_get_message_type:
 * @message: any message
 *
 * Returns: which gst-rustvani message @message is, or
 *   %GST_VANI_BUS_MESSAGE_NONE
 */
GstVaniBusMessageType
gst_vani_bus_message_get_message_type (GstMessage * message)
{
  const GstStructure *s;
  guint i;

  g_return_val_if_fail (GST_IS_MESSAGE (message), GST_VANI_BUS_MESSAGE_NONE);
  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT)
    return GST_VANI_BUS_MESSAGE_NONE;
  s = gst_message_get_structure (message);
  for (i = 1; s && i < G_N_ELEMENTS (message_names); i++) {
    if (gst_structure_has_name (s, message_names[i]))
      return (GstVaniBusMessageType) i;
  }
  return GST_VANI_BUS_MESSAGE_NONE;
}

static GstMessage *
message_new (GstObject * src, GstVaniBusMessageType type,
    const gchar * firstfield, ...)
{
  GstStructure *s;
  va_list args;

  va_start (args, firstfield);
  s = gst_structure_new_valist (message_names[type], firstfield, args);
  va_end (args);
  return gst_message_new_element (src, s);
}

static const GstStructure *
message_structure (GstMessage * message, GstVaniBusMessageType type)
{
  g_return_val_if_fail (GST_IS_MESSAGE (message), NULL);
  if (gst_vani_bus_message_get_message_type (message) != type)
    return NULL;
  return gst_message_get_structure (message);
}

static void
get_clock_time (const GstStructure * s, const gchar * field,
    GstClockTime * value)
{
  if (value && !gst_structure_get_clock_time (s, field, value))
    *value = GST_CLOCK_TIME_NONE;
}

/**
 * gst_vani_bus_message_new_transcript:
 * @src: the STT element
 * @text: what was recognised
 * @is_final: %FALSE for an interim result
 * @language: (nullable): the language
 * @start: stream time where the speech started
 * @duration: how long the speech lasted
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_transcript (GstObject * src, const gchar * text,
    gboolean is_final, const gchar * language, GstClockTime start,
    GstClockTime duration)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_TRANSCRIPT,
      "text", G_TYPE_STRING, text, "is-final", G_TYPE_BOOLEAN, is_final,
      "language", G_TYPE_STRING, language,
      "start", GST_TYPE_CLOCK_TIME, start,
      "duration", GST_TYPE_CLOCK_TIME, duration, NULL);
}

/**
 * gst_vani_bus_message_parse_transcript:
 * @message: a message
 * @text: (out) (optional) (transfer full): what was recognised
 * @is_final: (out) (optional): whether it is final
 * @language: (out) (optional) (nullable) (transfer full): the language
 * @start: (out) (optional): where the speech started
 * @duration: (out) (optional): how long it lasted
 *
 * Returns: %TRUE when @message is a transcript message
 */
gboolean
gst_vani_bus_message_parse_transcript (GstMessage * message, gchar ** text,
    gboolean * is_final, gchar ** language, GstClockTime * start,
    GstClockTime * duration)
{
  const GstStructure *s =
      message_structure (message, GST_VANI_BUS_MESSAGE_TRANSCRIPT);

  if (!s)
    return FALSE;
  if (is_final && !gst_structure_get_boolean (s, "is-final", is_final))
    *is_final = TRUE;
  get_clock_time (s, "start", start);
  get_clock_time (s, "duration", duration);
  return gst_vani_structure_get_string_dup (s, "text", text) &&
      gst_vani_structure_get_string_dup (s, "language", language);
}

/**
 * gst_vani_bus_message_new_user_started_speaking:
 * @src: the VAD
 * @stream_time: when speech began
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_user_started_speaking (GstObject * src,
    GstClockTime stream_time)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_USER_STARTED_SPEAKING,
      "stream-time", GST_TYPE_CLOCK_TIME, stream_time, NULL);
}

/**
 * gst_vani_bus_message_new_user_stopped_speaking:
 * @src: the VAD
 * @stream_time: when speech stopped
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_user_stopped_speaking (GstObject * src,
    GstClockTime stream_time)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_USER_STOPPED_SPEAKING,
      "stream-time", GST_TYPE_CLOCK_TIME, stream_time, NULL);
}

/**
 * gst_vani_bus_message_new_bot_started_speaking:
 * @src: the assistant aggregator
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_bot_started_speaking (GstObject * src)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_BOT_STARTED_SPEAKING, NULL);
}

/**
 * gst_vani_bus_message_new_bot_stopped_speaking:
 * @src: the assistant aggregator
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_bot_stopped_speaking (GstObject * src)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING, NULL);
}

/**
 * gst_vani_bus_message_parse_speaking:
 * @message: a user or bot started/stopped-speaking message
 * @stream_time: (out) (optional): the time it carries, or
 *   %GST_CLOCK_TIME_NONE
 *
 * Returns: %TRUE when @message is one of the four speaking messages
 */
gboolean
gst_vani_bus_message_parse_speaking (GstMessage * message,
    GstClockTime * stream_time)
{
  GstVaniBusMessageType type = gst_vani_bus_message_get_message_type (message);

  if (type < GST_VANI_BUS_MESSAGE_USER_STARTED_SPEAKING ||
      type > GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING)
    return FALSE;
  get_clock_time (gst_message_get_structure (message), "stream-time",
      stream_time);
  return TRUE;
}

/**
 * gst_vani_bus_message_new_metrics_time:
 * @src: the measuring element
 * @processor: who is measured (usually the element's name)
 * @kind: what is measured
 * @value: the time in nanoseconds
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_metrics_time (GstObject * src,
    const gchar * processor, GstVaniMetricsKind kind, GstClockTime value)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_METRICS,
      "processor", G_TYPE_STRING, processor,
      "kind", GST_TYPE_VANI_METRICS_KIND, kind,
      "value", GST_TYPE_CLOCK_TIME, value, NULL);
}

static gboolean
copy_usage_field (GQuark field, const GValue * value, gpointer user_data)
{
  gst_structure_id_set_value (user_data, field, value);
  return TRUE;
}

/**
 * gst_vani_bus_message_new_metrics_usage:
 * @src: the measuring element
 * @processor: who is measured
 * @usage: fields such as `prompt-tokens`, `completion-tokens`,
 *   `cached-tokens`, `reasoning-tokens` (gint64), `characters` (guint),
 *   `audio-seconds` (gdouble); they are copied into the message
 *
 * Returns: (transfer full): a new element message of kind
 *   %GST_VANI_METRICS_USAGE
 */
GstMessage *
gst_vani_bus_message_new_metrics_usage (GstObject * src,
    const gchar * processor, const GstStructure * usage)
{
  GstMessage *message = message_new (src, GST_VANI_BUS_MESSAGE_METRICS,
      "processor", G_TYPE_STRING, processor,
      "kind", GST_TYPE_VANI_METRICS_KIND, GST_VANI_METRICS_USAGE, NULL);

  if (usage)
    gst_structure_foreach (usage, copy_usage_field,
        gst_message_writable_structure (message));
  return message;
}

/**
 * gst_vani_bus_message_parse_metrics:
 * @message: a message
 * @processor: (out) (optional) (transfer full): who was measured
 * @kind: (out) (optional): what was measured
 * @value: (out) (optional): the time, %GST_CLOCK_TIME_NONE for usage (read
 *   the usage fields from the message's structure)
 *
 * Returns: %TRUE when @message is a metrics message
 */
gboolean
gst_vani_bus_message_parse_metrics (GstMessage * message, gchar ** processor,
    GstVaniMetricsKind * kind, GstClockTime * value)
{
  const GstStructure *s =
      message_structure (message, GST_VANI_BUS_MESSAGE_METRICS);
  gint k = GST_VANI_METRICS_USAGE;

  if (!s)
    return FALSE;
  if (kind) {
    gst_structure_get_enum (s, "kind", GST_TYPE_VANI_METRICS_KIND, &k);
    *kind = (GstVaniMetricsKind) k;
  }
  get_clock_time (s, "value", value);
  return gst_vani_structure_get_string_dup (s, "processor", processor);
}

/**
 * gst_vani_bus_message_new_tool_call:
 * @src: vanillm
 * @call_id: the call's id
 * @name: the function
 * @arguments: the arguments
 * @result: (nullable): the result the model sees
 * @raw_data: (nullable): data for the application only
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_tool_call (GstObject * src, const gchar * call_id,
    const gchar * name, const gchar * arguments, const gchar * result,
    const gchar * raw_data)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_TOOL_CALL,
      "call-id", G_TYPE_STRING, call_id, "name", G_TYPE_STRING, name,
      "arguments", G_TYPE_STRING, arguments, "result", G_TYPE_STRING, result,
      "raw-data", G_TYPE_STRING, raw_data, NULL);
}

/**
 * gst_vani_bus_message_parse_tool_call:
 * @message: a message
 * @call_id: (out) (optional) (transfer full): the call's id
 * @name: (out) (optional) (transfer full): the function
 * @arguments: (out) (optional) (transfer full): the arguments
 * @result: (out) (optional) (nullable) (transfer full): the result
 * @raw_data: (out) (optional) (nullable) (transfer full): the raw data
 *
 * Returns: %TRUE when @message is a tool-call message
 */
gboolean
gst_vani_bus_message_parse_tool_call (GstMessage * message, gchar ** call_id,
    gchar ** name, gchar ** arguments, gchar ** result, gchar ** raw_data)
{
  const GstStructure *s =
      message_structure (message, GST_VANI_BUS_MESSAGE_TOOL_CALL);

  return s && gst_vani_structure_get_string_dup (s, "call-id", call_id) &&
      gst_vani_structure_get_string_dup (s, "name", name) &&
      gst_vani_structure_get_string_dup (s, "arguments", arguments) &&
      gst_vani_structure_get_string_dup (s, "result", result) &&
      gst_vani_structure_get_string_dup (s, "raw-data", raw_data);
}

/**
 * gst_vani_bus_message_new_error:
 * @src: the element
 * @service: which kind of service failed ("llm", "stt", "tts")
 * @text: what happened, for a person
 * @fatal: %FALSE when the pipeline goes on with the next turn
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_error (GstObject * src, const gchar * service,
    const gchar * text, gboolean fatal)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_ERROR,
      "service", G_TYPE_STRING, service, "text", G_TYPE_STRING, text,
      "fatal", G_TYPE_BOOLEAN, fatal, NULL);
}

/**
 * gst_vani_bus_message_parse_error:
 * @message: a message
 * @service: (out) (optional) (transfer full): the service kind
 * @text: (out) (optional) (transfer full): what happened
 * @fatal: (out) (optional): whether the pipeline stops
 *
 * Returns: %TRUE when @message is an error message
 */
gboolean
gst_vani_bus_message_parse_error (GstMessage * message, gchar ** service,
    gchar ** text, gboolean * fatal)
{
  const GstStructure *s =
      message_structure (message, GST_VANI_BUS_MESSAGE_ERROR);

  if (!s)
    return FALSE;
  if (fatal && !gst_structure_get_boolean (s, "fatal", fatal))
    *fatal = FALSE;
  return gst_vani_structure_get_string_dup (s, "service", service) &&
      gst_vani_structure_get_string_dup (s, "text", text);
}

/**
 * gst_vani_bus_message_new_interruption:
 * @src: the user aggregator
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_interruption (GstObject * src)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_INTERRUPTION, NULL);
}

/**
 * gst_vani_bus_message_new_false_interruption:
 * @src: the user aggregator
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_false_interruption (GstObject * src)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_FALSE_INTERRUPTION, NULL);
}

/**
 * gst_vani_bus_message_new_user_idle:
 * @src: the user aggregator
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_user_idle (GstObject * src)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_USER_IDLE, NULL);
}

/**
 * gst_vani_bus_message_new_flow_node_entered:
 * @src: the element running the flow
 * @from: (nullable): the node left (NULL when the flow starts)
 * @to: the node entered
 * @reason: why: "start", a function name, or "set-node"
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_flow_node_entered (GstObject * src,
    const gchar * from, const gchar * to, const gchar * reason)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_FLOW_NODE_ENTERED,
      "from", G_TYPE_STRING, from, "to", G_TYPE_STRING, to,
      "reason", G_TYPE_STRING, reason, NULL);
}

/**
 * gst_vani_bus_message_new_flow_state_changed:
 * @src: the element running the flow
 * @key: the state key that changed
 * @value_json: its new value, as JSON text
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_flow_state_changed (GstObject * src,
    const gchar * key, const gchar * value_json)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_FLOW_STATE_CHANGED,
      "key", G_TYPE_STRING, key, "value", G_TYPE_STRING, value_json, NULL);
}

/**
 * gst_vani_bus_message_new_flow_ended:
 * @src: the element running the flow
 * @node: the node whose action ended the conversation
 * @reason: (nullable): the goodbye text, if any
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_flow_ended (GstObject * src, const gchar * node,
    const gchar * reason)
{
  return message_new (src, GST_VANI_BUS_MESSAGE_FLOW_ENDED,
      "node", G_TYPE_STRING, node, "reason", G_TYPE_STRING, reason, NULL);
}
