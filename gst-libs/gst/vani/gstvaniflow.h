/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_FLOW_H__
#define __GST_VANI_FLOW_H__

#include <gst/vani/vani-prelude.h>
#include <gst/vani/gstvanicontext.h>
#include <gst/vani/gstvanitool.h>

G_BEGIN_DECLS

/**
 * GST_VANI_FLOW_ERROR:
 *
 * The error domain of #GstVaniFlow: a flow that cannot be used.
 */
#define GST_VANI_FLOW_ERROR (gst_vani_flow_error_quark ())
GST_VANI_API GQuark gst_vani_flow_error_quark (void);

/**
 * GstVaniFlowError:
 * @GST_VANI_FLOW_ERROR_INVALID: the flow (file or node) is not valid
 * @GST_VANI_FLOW_ERROR_NOT_FOUND: the file cannot be read
 *
 * Error codes of %GST_VANI_FLOW_ERROR.
 */
typedef enum {
  GST_VANI_FLOW_ERROR_INVALID,
  GST_VANI_FLOW_ERROR_NOT_FOUND,
} GstVaniFlowError;

/**
 * GST_VANI_FLOW_REPLY_NEXT_NODE:
 *
 * The field of a tool answer (see gst_vani_tool_reply_new()) that names the
 * node a flow moves to; gst_vani_flow_reply_new() sets it.
 */
#define GST_VANI_FLOW_REPLY_NEXT_NODE "next-node"

#define GST_VANI_TYPE_FLOW (gst_vani_flow_get_type ())
GST_VANI_API
G_DECLARE_FINAL_TYPE (GstVaniFlow, gst_vani_flow, GST_VANI, FLOW, GObject)

GST_VANI_API GstVaniFlow *gst_vani_flow_new (void);
GST_VANI_API GstVaniFlow *gst_vani_flow_new_from_file (const gchar * path,
    GError ** error);
GST_VANI_API GstVaniFlow *gst_vani_flow_new_from_data (const gchar * json,
    gssize length, GError ** error);

GST_VANI_API gboolean gst_vani_flow_add_node_from_json (GstVaniFlow * flow,
    const gchar * name, const gchar * json, GError ** error);
GST_VANI_API void gst_vani_flow_set_initial_node (GstVaniFlow * flow,
    const gchar * name);
GST_VANI_API gboolean gst_vani_flow_validate (GstVaniFlow * flow,
    GError ** error);

GST_VANI_API gchar *gst_vani_flow_get_current_node (GstVaniFlow * flow);
GST_VANI_API gboolean gst_vani_flow_has_ended (GstVaniFlow * flow);

GST_VANI_API void gst_vani_flow_set_state_value (GstVaniFlow * flow,
    const gchar * key, const gchar * value_json);
GST_VANI_API gchar *gst_vani_flow_get_state_value (GstVaniFlow * flow,
    const gchar * key);
GST_VANI_API gchar *gst_vani_flow_get_state (GstVaniFlow * flow);

GST_VANI_API GstStructure *gst_vani_flow_reply_new (const gchar * result,
    const gchar * next_node);

GST_VANI_API gboolean gst_vani_flow_start (GstVaniFlow * flow,
    GstVaniContext * context, GPtrArray * events);
GST_VANI_API void gst_vani_flow_reply_spoken (GstVaniFlow * flow);
GST_VANI_API gboolean gst_vani_flow_apply_pending (GstVaniFlow * flow,
    GstVaniContext * context, GPtrArray * events);

G_END_DECLS

#endif /* __GST_VANI_FLOW_H__ */
