/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Round trip: what vaniespeaktts says, vanisphinxstt hears. A simple
 * sentence must come back with most of its words.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>

#define SENTENCE "book a table for two people"

static guint
words_found (const gchar * heard, const gchar * said)
{
  gchar **want = g_strsplit (said, " ", -1), **got =
      g_strsplit (heard, " ", -1), **w;
  guint n = 0;

  for (w = want; *w; w++)
    n += g_strv_contains ((const gchar * const *) got, *w);
  g_strfreev (want);
  g_strfreev (got);
  return n;
}

static gchar *
say_and_hear (const gchar * stt_props)
{
  gchar *desc = g_strdup_printf ("appsrc name=src caps=text/x-raw,format=utf8 "
      "format=time ! vaniespeaktts ! audioconvert ! audioresample "
      "! audio/x-raw,format=S16LE,rate=16000,channels=1 "
      "! vanisphinxstt %s ! appsink name=sink sync=false", stt_props);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *src, *sink;
  GstSample *sample;
  GstMapInfo map;
  gchar *heard = NULL;

  fail_unless (pipeline != NULL);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  gst_app_src_push_buffer (GST_APP_SRC (src),
      gst_buffer_new_memdup (SENTENCE ".", strlen (SENTENCE ".")));
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 60 * GST_SECOND);
  fail_unless (sample != NULL, "nothing was recognised");
  gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
  heard = g_strndup ((const gchar *) map.data, map.size);
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  gst_sample_unref (sample);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  GST_INFO ("heard \"%s\"", heard);
  return heard;
}

GST_START_TEST (test_grammar_roundtrip)
{
  gchar *props = g_strdup_printf ("grammar=%s/media/stt/restaurant.gram",
      VANI_TESTS_DIR);
  gchar *heard = say_and_hear (props);

  /* at least 5 of the 6 words */
  fail_unless (words_found (heard, SENTENCE) >= 5, "heard \"%s\"", heard);
  g_free (heard);
  g_free (props);
}

GST_END_TEST;

static Suite *
roundtrip_suite (void)
{
  Suite *s = suite_create ("roundtrip");
  TCase *tc = tcase_create ("general");

  tcase_add_test (tc, test_grammar_roundtrip);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (roundtrip);
