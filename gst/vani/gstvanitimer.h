/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_TIMER_H__
#define __GST_VANI_TIMER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* A one-shot timer on a GstClock for an element, restartable and
 * cancellable from any thread; guarded by the element's object lock. The
 * callback runs on the clock's thread, without any lock held. */
typedef void (*GstVaniTimerFunc) (GstElement * element);

typedef struct
{
  GstClockID id;
} GstVaniTimer;

void gst_vani_timer_start (GstVaniTimer * timer, GstElement * element,
    GstClock * clock, GstClockTime when, GstVaniTimerFunc func);
void gst_vani_timer_start_after (GstVaniTimer * timer, GstElement * element,
    GstClockTime delay, GstVaniTimerFunc func);
void gst_vani_timer_cancel (GstVaniTimer * timer, GstElement * element);
gboolean gst_vani_timer_is_running (GstVaniTimer * timer, GstElement * element);

G_END_DECLS

#endif
