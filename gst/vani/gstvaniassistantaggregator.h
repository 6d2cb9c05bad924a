/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_ASSISTANT_AGGREGATOR_H__
#define __GST_VANI_ASSISTANT_AGGREGATOR_H__

#include <gst/gst.h>
#include <gst/vani/vani.h>

G_BEGIN_DECLS

#define GST_TYPE_VANI_ASSISTANT_AGGREGATOR (gst_vani_assistant_aggregator_get_type ())
G_DECLARE_FINAL_TYPE (GstVaniAssistantAggregator, gst_vani_assistant_aggregator, GST,
    VANI_ASSISTANT_AGGREGATOR, GstElement)

GST_ELEMENT_REGISTER_DECLARE (vaniassistantaggregator);

G_END_DECLS

#endif /* __GST_VANI_ASSISTANT_AGGREGATOR_H__ */
