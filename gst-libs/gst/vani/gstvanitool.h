/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_TOOL_H__
#define __GST_VANI_TOOL_H__

#include <gst/vani/vani-prelude.h>
#include <gst/vani/gstvanicontext.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * GST_VANI_TOOL_REPLY_NAME:
 *
 * The name of the structure that answers a tool call through its #GstPromise
 * (any name is accepted; this one is what gst_vani_tool_reply_new() uses).
 */
#define GST_VANI_TOOL_REPLY_NAME "vani/tool-result"

/**
 * GstVaniToolNext:
 * @GST_VANI_TOOL_NEXT_RUN: run the model again now, with the results
 * @GST_VANI_TOOL_NEXT_WAIT: end the turn: the model runs again at the
 *   user's next turn
 * @GST_VANI_TOOL_NEXT_SUMMARIZE: first ask the model (one non-streamed
 *   request) to summarise the conversation with the prompt given, then hand
 *   the summary to gst_vani_tool_summary_done()
 *
 * What the LLM does once a batch of tool results is in the context.
 */
typedef enum {
  GST_VANI_TOOL_NEXT_RUN,
  GST_VANI_TOOL_NEXT_WAIT,
  GST_VANI_TOOL_NEXT_SUMMARIZE,
} GstVaniToolNext;

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
 * @handles: whether @call answers function @name. Optional: by default,
 *   whether one of the schemas is @name.
 * @calls_done: the transition hook, for a tool attached to the context with
 *   gst_vani_context_set_tool() (a flow): every result of one model reply is
 *   in the context (@replies holds a structure per call with `call-id`,
 *   `name`, `arguments`, `result` and whatever the answer carried, such as
 *   `next-node`). It may change the context, append events for the LLM to
 *   push downstream to @events, and says what happens next. Optional.
 * @summary_done: the summary asked for by %GST_VANI_TOOL_NEXT_SUMMARIZE
 *   (NULL when the request failed). Optional.
 * @reply_done: the model's reply to the user is complete (no more tool
 *   calls); append events to push after it. Optional.
 *
 * A built-in tool: application code that answers some functions itself and
 * has a lifecycle tied to the element's state, as in rustvani. The last
 * four hooks let a conversation flow steer the LLM (see #GstVaniFlow).
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

  gboolean (*handles) (GstVaniTool * tool, const gchar * name);
  GstVaniToolNext (*calls_done) (GstVaniTool * tool, GstVaniContext * context,
      GPtrArray * replies, GPtrArray * events, gchar ** summary_prompt);
  GstVaniToolNext (*summary_done) (GstVaniTool * tool,
      GstVaniContext * context, const gchar * summary, GPtrArray * events);
  void (*reply_done) (GstVaniTool * tool, GstVaniContext * context,
      GPtrArray * events);
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
GstVaniToolNext gst_vani_tool_calls_done (GstVaniTool * tool,
    GstVaniContext * context, GPtrArray * replies, GPtrArray * events,
    gchar ** summary_prompt);

GST_VANI_API
GstVaniToolNext gst_vani_tool_summary_done (GstVaniTool * tool,
    GstVaniContext * context, const gchar * summary, GPtrArray * events);

GST_VANI_API
void gst_vani_tool_reply_done (GstVaniTool * tool, GstVaniContext * context,
    GPtrArray * events);

GST_VANI_API
GstStructure *gst_vani_tool_reply_new (const gchar * result,
    const gchar * raw_data);

GST_VANI_API
gboolean gst_vani_tool_reply_parse (const GstStructure * reply,
    const gchar ** result, const gchar ** raw_data);

G_END_DECLS

#endif /* __GST_VANI_TOOL_H__ */
