/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_CONTEXT_H__
#define __GST_VANI_CONTEXT_H__

#include <gst/vani/vani-prelude.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * GstVaniRole:
 * @GST_VANI_ROLE_SYSTEM: instructions for the model
 * @GST_VANI_ROLE_USER: what the user said
 * @GST_VANI_ROLE_ASSISTANT: what the model answered (text and/or tool calls)
 * @GST_VANI_ROLE_TOOL: the result of a tool call, with its tool_call_id
 * @GST_VANI_ROLE_DEVELOPER: instructions in the newer OpenAI "developer" role
 *
 * The author of a #GstVaniMessage.
 */
typedef enum {
  GST_VANI_ROLE_SYSTEM,
  GST_VANI_ROLE_USER,
  GST_VANI_ROLE_ASSISTANT,
  GST_VANI_ROLE_TOOL,
  GST_VANI_ROLE_DEVELOPER,
} GstVaniRole;

/**
 * GstVaniToolCall:
 *
 * One function call requested by the model: an id, a function name and the
 * arguments as a JSON text. Immutable, reference counted.
 */
typedef struct _GstVaniToolCall GstVaniToolCall;

#define GST_VANI_TYPE_TOOL_CALL (gst_vani_tool_call_get_type ())
GST_VANI_API GType gst_vani_tool_call_get_type (void);

GST_VANI_API
GstVaniToolCall *gst_vani_tool_call_new (const gchar * id, const gchar * name,
    const gchar * arguments);
GST_VANI_API GstVaniToolCall *gst_vani_tool_call_ref (GstVaniToolCall * call);
GST_VANI_API void gst_vani_tool_call_unref (GstVaniToolCall * call);
GST_VANI_API const gchar *gst_vani_tool_call_get_id (const GstVaniToolCall * call);
GST_VANI_API const gchar *gst_vani_tool_call_get_name (const GstVaniToolCall * call);
GST_VANI_API const gchar *gst_vani_tool_call_get_arguments (const GstVaniToolCall * call);

/**
 * GstVaniMessage:
 *
 * One message of the conversation. Immutable once built, reference counted.
 */
typedef struct _GstVaniMessage GstVaniMessage;

#define GST_VANI_TYPE_MESSAGE (gst_vani_message_get_type ())
GST_VANI_API GType gst_vani_message_get_type (void);

#define GST_VANI_TYPE_CONTEXT (gst_vani_context_get_type ())
GST_VANI_API
G_DECLARE_FINAL_TYPE (GstVaniContext, gst_vani_context, GST_VANI, CONTEXT, GObject)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstVaniToolCall, gst_vani_tool_call_unref)

G_END_DECLS

#endif /* __GST_VANI_CONTEXT_H__ */
