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

GST_VANI_API
GstVaniMessage *gst_vani_message_new (GstVaniRole role, const gchar * content);
GST_VANI_API
GstVaniMessage *gst_vani_message_new_assistant_tool_calls (const gchar * content,
    GPtrArray * tool_calls);
GST_VANI_API
GstVaniMessage *gst_vani_message_new_tool_result (const gchar * tool_call_id,
    const gchar * result);
GST_VANI_API
GstVaniMessage *gst_vani_message_new_from_json_node (JsonNode * node,
    GError ** error);
GST_VANI_API GstVaniMessage *gst_vani_message_ref (GstVaniMessage * message);
GST_VANI_API void gst_vani_message_unref (GstVaniMessage * message);
GST_VANI_API GstVaniRole gst_vani_message_get_role (const GstVaniMessage * message);
GST_VANI_API const gchar *gst_vani_message_get_content (const GstVaniMessage * message);
GST_VANI_API const gchar *gst_vani_message_get_name (const GstVaniMessage * message);
GST_VANI_API const gchar *gst_vani_message_get_tool_call_id (const GstVaniMessage * message);
GST_VANI_API guint gst_vani_message_get_n_tool_calls (const GstVaniMessage * message);
GST_VANI_API
GstVaniToolCall *gst_vani_message_get_tool_call (const GstVaniMessage * message,
    guint index);
GST_VANI_API JsonNode *gst_vani_message_to_json_node (const GstVaniMessage * message);

GST_VANI_API const gchar *gst_vani_role_to_string (GstVaniRole role);
GST_VANI_API gboolean gst_vani_role_from_string (const gchar * name,
    GstVaniRole * role);

/**
 * GST_VANI_CONTEXT_ERROR:
 *
 * The error domain of #GstVaniContext.
 */
#define GST_VANI_CONTEXT_ERROR (gst_vani_context_error_quark ())
GST_VANI_API GQuark gst_vani_context_error_quark (void);

/**
 * GstVaniContextError:
 * @GST_VANI_CONTEXT_ERROR_PARSE: the text is not JSON
 * @GST_VANI_CONTEXT_ERROR_INVALID: the JSON is not a valid conversation
 *
 * Errors of the JSON importers.
 */
typedef enum {
  GST_VANI_CONTEXT_ERROR_PARSE,
  GST_VANI_CONTEXT_ERROR_INVALID,
} GstVaniContextError;

#define GST_VANI_TYPE_CONTEXT (gst_vani_context_get_type ())
GST_VANI_API
G_DECLARE_FINAL_TYPE (GstVaniContext, gst_vani_context, GST_VANI, CONTEXT, GObject)

GST_VANI_API GstVaniContext *gst_vani_context_new (void);
GST_VANI_API
GstVaniContext *gst_vani_context_new_from_json (const gchar * json, GError ** error);
GST_VANI_API GstVaniContext *gst_vani_context_snapshot (GstVaniContext * context);

GST_VANI_API void gst_vani_context_add_message (GstVaniContext * context,
    GstVaniMessage * message);
GST_VANI_API void gst_vani_context_add_system_message (GstVaniContext * context,
    const gchar * content);
GST_VANI_API void gst_vani_context_add_user_message (GstVaniContext * context,
    const gchar * content);
GST_VANI_API void gst_vani_context_add_assistant_message (GstVaniContext * context,
    const gchar * content);
GST_VANI_API void gst_vani_context_add_assistant_tool_calls (GstVaniContext * context,
    const gchar * content, GPtrArray * tool_calls);
GST_VANI_API void gst_vani_context_add_tool_result (GstVaniContext * context,
    const gchar * tool_call_id, const gchar * result);

GST_VANI_API guint gst_vani_context_get_n_messages (GstVaniContext * context);
GST_VANI_API GstVaniMessage *gst_vani_context_get_message (GstVaniContext * context,
    guint index);
GST_VANI_API GstVaniMessage *gst_vani_context_get_last_message (GstVaniContext * context);
GST_VANI_API GPtrArray *gst_vani_context_get_messages (GstVaniContext * context);
GST_VANI_API void gst_vani_context_set_messages (GstVaniContext * context,
    GPtrArray * messages);
GST_VANI_API gboolean gst_vani_context_set_messages_from_json (GstVaniContext * context,
    const gchar * json, GError ** error);
GST_VANI_API void gst_vani_context_clear_messages (GstVaniContext * context);
GST_VANI_API gboolean gst_vani_context_replace_last_message (GstVaniContext * context,
    GstVaniMessage * message);

GST_VANI_API void gst_vani_context_set_tools (GstVaniContext * context,
    JsonNode * tools);
GST_VANI_API gboolean gst_vani_context_set_tools_from_json (GstVaniContext * context,
    const gchar * json, GError ** error);
GST_VANI_API JsonNode *gst_vani_context_get_tools (GstVaniContext * context);
GST_VANI_API gchar *gst_vani_context_get_tools_json (GstVaniContext * context);
GST_VANI_API void gst_vani_context_set_tool_choice (GstVaniContext * context,
    JsonNode * tool_choice);
GST_VANI_API gboolean gst_vani_context_set_tool_choice_from_json (GstVaniContext * context,
    const gchar * json, GError ** error);
GST_VANI_API JsonNode *gst_vani_context_get_tool_choice (GstVaniContext * context);

/* a GstVaniTool (gstvanitool.h includes this header) */
typedef struct _GstVaniTool GstVaniTool;

GST_VANI_API void gst_vani_context_set_tool (GstVaniContext * context,
    GstVaniTool * tool);
GST_VANI_API GstVaniTool *gst_vani_context_get_tool (GstVaniContext * context);

GST_VANI_API guint64 gst_vani_context_get_generation (GstVaniContext * context);
GST_VANI_API
gchar *gst_vani_context_messages_to_json (GstVaniContext * context);
GST_VANI_API JsonNode *gst_vani_context_messages_to_json_node (GstVaniContext * context);
GST_VANI_API gchar *gst_vani_context_to_json (GstVaniContext * context,
    gboolean pretty);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstVaniToolCall, gst_vani_tool_call_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstVaniMessage, gst_vani_message_unref)

G_END_DECLS

#endif /* __GST_VANI_CONTEXT_H__ */
