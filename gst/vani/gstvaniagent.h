/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_AGENT_H__
#define __GST_VANI_AGENT_H__

#include <gst/gst.h>
#include <gst/vani/vani.h>

G_BEGIN_DECLS

#define GST_TYPE_VANI_AGENT (gst_vani_agent_get_type ())
G_DECLARE_FINAL_TYPE (GstVaniAgent, gst_vani_agent, GST,
    VANI_AGENT, GstBin)

GST_ELEMENT_REGISTER_DECLARE (vaniagent);

G_END_DECLS

#endif /* __GST_VANI_AGENT_H__ */
