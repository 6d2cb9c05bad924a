/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_USER_AGGREGATOR_H__
#define __GST_VANI_USER_AGGREGATOR_H__

#include <gst/gst.h>
#include <gst/vani/vani.h>

G_BEGIN_DECLS

#define GST_TYPE_VANI_USER_AGGREGATOR (gst_vani_user_aggregator_get_type ())
G_DECLARE_FINAL_TYPE (GstVaniUserAggregator, gst_vani_user_aggregator, GST,
    VANI_USER_AGGREGATOR, GstElement)

GST_ELEMENT_REGISTER_DECLARE (vaniuseraggregator);

G_END_DECLS

#endif /* __GST_VANI_USER_AGGREGATOR_H__ */
