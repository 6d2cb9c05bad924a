/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_TURN_METRICS_H__
#define __GST_VANI_TURN_METRICS_H__

#include <gst/vani/vani-prelude.h>

G_BEGIN_DECLS

/**
 * GST_VANI_TURN_MARKS_NAME:
 *
 * The name of the structure of turn marks that travels downstream with a
 * turn's `llm-context` and `llm-response-end` events.
 */
#define GST_VANI_TURN_MARKS_NAME "vani/turn-marks"

GST_VANI_API
GstEvent *gst_vani_event_add_turn_marks (GstEvent * event,
    const GstStructure * marks);

GST_VANI_API
const GstStructure *gst_vani_event_get_turn_marks (GstEvent * event);

GST_VANI_API
void gst_vani_turn_marks_set_time (GstStructure * marks, const gchar * mark,
    gint64 monotonic_us);

GST_VANI_API
GstMessage *gst_vani_bus_message_new_turn_metrics (GstObject * src,
    const GstStructure * marks);

GST_VANI_API
gchar *gst_vani_turn_metrics_describe (const GstStructure * metrics);

G_END_DECLS

#endif /* __GST_VANI_TURN_METRICS_H__ */
