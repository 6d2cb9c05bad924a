/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_TOOL_H__
#define __GST_VANI_TOOL_H__

#include <gst/vani/vani-prelude.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * GST_VANI_TOOL_REPLY_NAME:
 *
 * The name of the structure that answers a tool call through its #GstPromise
 * (any name is accepted; this one is what gst_vani_tool_reply_new() uses).
 */
#define GST_VANI_TOOL_REPLY_NAME "vani/tool-result"

#define GST_VANI_TYPE_TOOL (gst_vani_tool_get_type ())
GST_VANI_API
G_DECLARE_INTERFACE (GstVaniTool, gst_vani_tool, GST_VANI, TOOL, GObject)

/**
 * GstVaniToolInterface:
 * @parent_iface: the parent interface
 * @get_schemas: returns a JSON array of OpenAI function schemas
 *   (`{"type": "function", "function": {"name": ...}}`) this tool answers
 * @call: runs function @name with @arguments (JSON text) and answers
 *   @promise with gst_promise_reply() and a structure made by
 *   gst_vani_tool_reply_new(), now or later, from any thread
 * @start: acquires resources (connections, caches); called when the element
 *   goes from READY to PAUSED. Optional.
 * @stop: releases them gracefully; called on EOS and from PAUSED to READY.
 *   Optional.
 * @cancel: aborts work in flight (a flush or an interruption); the tool stays
 *   usable. Optional.
 *
 * A built-in tool: application code that answers some functions itself and
 * has a lifecycle tied to the element's state, as in rustvani.
 */
struct _GstVaniToolInterface
{
  GTypeInterface parent_iface;

  JsonNode *(*get_schemas) (GstVaniTool * tool);
  void (*call) (GstVaniTool * tool, const gchar * name,
      const gchar * arguments, GstPromise * promise);
  gboolean (*start) (GstVaniTool * tool, GCancellable * cancellable,
      GError ** error);
  void (*stop) (GstVaniTool * tool);
  void (*cancel) (GstVaniTool * tool);
};

GST_VANI_API
JsonNode *gst_vani_tool_get_schemas (GstVaniTool * tool);

GST_VANI_API
gboolean gst_vani_tool_handles (GstVaniTool * tool, const gchar * name);

GST_VANI_API
void gst_vani_tool_call (GstVaniTool * tool, const gchar * name,
    const gchar * arguments, GstPromise * promise);

GST_VANI_API
gboolean gst_vani_tool_start (GstVaniTool * tool, GCancellable * cancellable,
    GError ** error);

GST_VANI_API
void gst_vani_tool_stop (GstVaniTool * tool);

GST_VANI_API
void gst_vani_tool_cancel (GstVaniTool * tool);

GST_VANI_API
GstStructure *gst_vani_tool_reply_new (const gchar * result,
    const gchar * raw_data);

GST_VANI_API
gboolean gst_vani_tool_reply_parse (const GstStructure * reply,
    const gchar ** result, const gchar ** raw_data);

G_END_DECLS

#endif /* __GST_VANI_TOOL_H__ */
