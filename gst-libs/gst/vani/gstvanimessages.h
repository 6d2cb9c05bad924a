/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_MESSAGES_H__
#define __GST_VANI_MESSAGES_H__

#include <gst/vani/vani-prelude.h>

G_BEGIN_DECLS

/**
 * GstVaniBusMessageType:
 * @GST_VANI_BUS_MESSAGE_NONE: not a gst-rustvani message
 * @GST_VANI_BUS_MESSAGE_TRANSCRIPT: a final or interim transcript
 * @GST_VANI_BUS_MESSAGE_USER_STARTED_SPEAKING: the user started speaking
 * @GST_VANI_BUS_MESSAGE_USER_STOPPED_SPEAKING: the user stopped speaking
 * @GST_VANI_BUS_MESSAGE_BOT_STARTED_SPEAKING: the bot's audio started playing
 * @GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING: the bot's audio finished playing
 * @GST_VANI_BUS_MESSAGE_METRICS: a time or usage measurement
 * @GST_VANI_BUS_MESSAGE_TOOL_CALL: a tool call and its result
 * @GST_VANI_BUS_MESSAGE_ERROR: a service error that ended a turn
 * @GST_VANI_BUS_MESSAGE_INTERRUPTION: the user barged in
 * @GST_VANI_BUS_MESSAGE_FALSE_INTERRUPTION: an interruption brought no words
 *   (a cough, a noise); the application or flow decides what to do
 * @GST_VANI_BUS_MESSAGE_USER_IDLE: the user has been silent for
 *   user-idle-timeout while the bot was not speaking
 * @GST_VANI_BUS_MESSAGE_FLOW_NODE_ENTERED: a flow entered a node (`from`,
 *   `to`, `reason`)
 * @GST_VANI_BUS_MESSAGE_FLOW_STATE_CHANGED: a flow's state changed (`key`,
 *   `value` as JSON text)
 * @GST_VANI_BUS_MESSAGE_FLOW_ENDED: a flow ran its `end_conversation` action
 *   (`node`, `reason`)
 * @GST_VANI_BUS_MESSAGE_TURN_METRICS: where one turn's time went (see
 *   gst_vani_bus_message_new_turn_metrics())
 *
 * The element messages gst-rustvani posts on the bus, as told by
 * gst_vani_bus_message_get_message_type(). (They are "bus messages" because
 * #GstVaniMessage is a conversation message.)
 */
typedef enum {
  GST_VANI_BUS_MESSAGE_NONE = 0,
  GST_VANI_BUS_MESSAGE_TRANSCRIPT,
  GST_VANI_BUS_MESSAGE_USER_STARTED_SPEAKING,
  GST_VANI_BUS_MESSAGE_USER_STOPPED_SPEAKING,
  GST_VANI_BUS_MESSAGE_BOT_STARTED_SPEAKING,
  GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING,
  GST_VANI_BUS_MESSAGE_METRICS,
  GST_VANI_BUS_MESSAGE_TOOL_CALL,
  GST_VANI_BUS_MESSAGE_ERROR,
  GST_VANI_BUS_MESSAGE_INTERRUPTION,
  GST_VANI_BUS_MESSAGE_FALSE_INTERRUPTION,
  GST_VANI_BUS_MESSAGE_USER_IDLE,
  GST_VANI_BUS_MESSAGE_FLOW_NODE_ENTERED,
  GST_VANI_BUS_MESSAGE_FLOW_STATE_CHANGED,
  GST_VANI_BUS_MESSAGE_FLOW_ENDED,
  GST_VANI_BUS_MESSAGE_TURN_METRICS,
} GstVaniBusMessageType;

/**
 * GstVaniMetricsKind:
 * @GST_VANI_METRICS_TTFB: time to first byte/token/audio of a service
 * @GST_VANI_METRICS_PROCESSING: time a service took to process its input
 * @GST_VANI_METRICS_TOTAL: time a whole turn of a service took
 * @GST_VANI_METRICS_USAGE: tokens, characters or audio seconds used
 *
 * What a metrics message measures.
 */
typedef enum {
  GST_VANI_METRICS_TTFB,
  GST_VANI_METRICS_PROCESSING,
  GST_VANI_METRICS_TOTAL,
  GST_VANI_METRICS_USAGE,
} GstVaniMetricsKind;

GST_VANI_API
GstVaniBusMessageType gst_vani_bus_message_get_message_type (GstMessage * message);
GST_VANI_API
const gchar *gst_vani_bus_message_type_get_name (GstVaniBusMessageType type);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_transcript (GstObject * src,
    const gchar * text, gboolean is_final, const gchar * language,
    GstClockTime start, GstClockTime duration);
GST_VANI_API
gboolean gst_vani_bus_message_parse_transcript (GstMessage * message,
    gchar ** text, gboolean * is_final, gchar ** language,
    GstClockTime * start, GstClockTime * duration);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_user_started_speaking (GstObject * src,
    GstClockTime stream_time);
GST_VANI_API
GstMessage *gst_vani_bus_message_new_user_stopped_speaking (GstObject * src,
    GstClockTime stream_time);
GST_VANI_API
GstMessage *gst_vani_bus_message_new_bot_started_speaking (GstObject * src);
GST_VANI_API
GstMessage *gst_vani_bus_message_new_bot_stopped_speaking (GstObject * src);
GST_VANI_API
gboolean gst_vani_bus_message_parse_speaking (GstMessage * message,
    GstClockTime * stream_time);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_metrics_time (GstObject * src,
    const gchar * processor, GstVaniMetricsKind kind, GstClockTime value);
GST_VANI_API
GstMessage *gst_vani_bus_message_new_metrics_usage (GstObject * src,
    const gchar * processor, const GstStructure * usage);
GST_VANI_API
gboolean gst_vani_bus_message_parse_metrics (GstMessage * message,
    gchar ** processor, GstVaniMetricsKind * kind, GstClockTime * value);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_tool_call (GstObject * src,
    const gchar * call_id, const gchar * name, const gchar * arguments,
    const gchar * result, const gchar * raw_data);
GST_VANI_API
gboolean gst_vani_bus_message_parse_tool_call (GstMessage * message,
    gchar ** call_id, gchar ** name, gchar ** arguments, gchar ** result,
    gchar ** raw_data);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_error (GstObject * src,
    const gchar * service, const gchar * text, gboolean fatal);
GST_VANI_API
gboolean gst_vani_bus_message_parse_error (GstMessage * message,
    gchar ** service, gchar ** text, gboolean * fatal);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_interruption (GstObject * src);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_false_interruption (GstObject * src);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_user_idle (GstObject * src);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_flow_node_entered (GstObject * src,
    const gchar * from, const gchar * to, const gchar * reason);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_flow_state_changed (GstObject * src,
    const gchar * key, const gchar * value_json);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_flow_ended (GstObject * src,
    const gchar * node, const gchar * reason);

G_END_DECLS

#endif /* __GST_VANI_MESSAGES_H__ */
