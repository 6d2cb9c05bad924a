/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanitimer.h"

typedef struct
{
  GstElement *element;
  GstVaniTimer *timer;
  GstVaniTimerFunc func;
} Shot;

static void
shot_free (gpointer data)
{
  Shot *shot = data;

  gst_object_unref (shot->element);
  g_free (shot);
}

static gboolean
on_shot (GstClock * clock, GstClockTime time, GstClockID id, gpointer data)
{
  Shot *shot = data;
  gboolean current;

  GST_OBJECT_LOCK (shot->element);
  current = shot->timer->id == id;
  if (current) {
    gst_clock_id_unref (shot->timer->id);
    shot->timer->id = NULL;
  }
  GST_OBJECT_UNLOCK (shot->element);
  /* a cancelled or restarted timer does nothing */
  if (current)
    shot->func (shot->element);
  return TRUE;
}

/* Fires @func at @when on @clock, replacing what was set before. */
void
gst_vani_timer_start (GstVaniTimer * timer, GstElement * element,
    GstClock * clock, GstClockTime when, GstVaniTimerFunc func)
{
  Shot *shot = g_new0 (Shot, 1);
  GstClockID id = gst_clock_new_single_shot_id (clock, when);

  gst_vani_timer_cancel (timer, element);
  shot->element = gst_object_ref (element);
  shot->timer = timer;
  shot->func = func;
  GST_OBJECT_LOCK (element);
  timer->id = gst_clock_id_ref (id);
  GST_OBJECT_UNLOCK (element);
  gst_clock_id_wait_async (id, on_shot, shot, shot_free);
  gst_clock_id_unref (id);
}

/* Fires @func after @delay of wall-clock time. */
void
gst_vani_timer_start_after (GstVaniTimer * timer, GstElement * element,
    GstClockTime delay, GstVaniTimerFunc func)
{
  GstClock *clock = gst_system_clock_obtain ();

  gst_vani_timer_start (timer, element, clock,
      gst_clock_get_time (clock) + delay, func);
  gst_object_unref (clock);
}

void
gst_vani_timer_cancel (GstVaniTimer * timer, GstElement * element)
{
  GstClockID id;

  GST_OBJECT_LOCK (element);
  id = timer->id;
  timer->id = NULL;
  GST_OBJECT_UNLOCK (element);
  if (id) {
    gst_clock_id_unschedule (id);
    gst_clock_id_unref (id);
  }
}

gboolean
gst_vani_timer_is_running (GstVaniTimer * timer, GstElement * element)
{
  gboolean running;

  GST_OBJECT_LOCK (element);
  running = timer->id != NULL;
  GST_OBJECT_UNLOCK (element);
  return running;
}
