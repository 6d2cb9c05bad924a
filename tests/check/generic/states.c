/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Walks every element of every plugin this project builds through
 * NULL→READY→PAUSED→PLAYING and back, several times, the way GStreamer's own
 * generic/states test does, so each new element is covered automatically.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#define N_CYCLES 3

static GList *
collect_project_factories (void)
{
  GList *plugins, *l, *factories = NULL;

  plugins = gst_registry_get_plugin_list (gst_registry_get ());
  for (l = plugins; l; l = l->next) {
    GstPlugin *plugin = l->data;
    GList *features, *f;

    if (g_strcmp0 (gst_plugin_get_source (plugin), PACKAGE) != 0)
      continue;
    features = gst_registry_get_feature_list_by_plugin (gst_registry_get (),
        gst_plugin_get_name (plugin));
    for (f = features; f; f = f->next) {
      if (GST_IS_ELEMENT_FACTORY (f->data))
        factories = g_list_prepend (factories, gst_object_ref (f->data));
    }
    gst_plugin_feature_list_free (features);
  }
  gst_plugin_list_free (plugins);
  return factories;
}

static void
set_state_and_wait (GstElement * element, GstState state)
{
  GstStateChangeReturn ret;

  ret = gst_element_set_state (element, state);
  fail_if (ret == GST_STATE_CHANGE_FAILURE, "%s failed to go to %s",
      GST_ELEMENT_NAME (element), gst_element_state_get_name (state));
  ret = gst_element_get_state (element, NULL, NULL, GST_CLOCK_TIME_NONE);
  fail_if (ret == GST_STATE_CHANGE_FAILURE, "%s failed to reach %s",
      GST_ELEMENT_NAME (element), gst_element_state_get_name (state));
}

static void
cycle_states (GstElement * element)
{
  static const GstState up[] = { GST_STATE_READY, GST_STATE_PAUSED,
    GST_STATE_PLAYING
  };
  gint cycle, i;

  for (cycle = 0; cycle < N_CYCLES; cycle++) {
    for (i = 0; i < (gint) G_N_ELEMENTS (up); i++)
      set_state_and_wait (element, up[i]);
    for (i = G_N_ELEMENTS (up) - 2; i >= 0; i--)
      set_state_and_wait (element, up[i]);
    set_state_and_wait (element, GST_STATE_NULL);
  }
}

GST_START_TEST (test_project_plugins_are_registered)
{
  GList *plugins, *l;
  guint ours = 0;

  plugins = gst_registry_get_plugin_list (gst_registry_get ());
  for (l = plugins; l; l = l->next) {
    if (g_strcmp0 (gst_plugin_get_source (l->data), PACKAGE) == 0)
      ours++;
  }
  gst_plugin_list_free (plugins);
  /* the core plugin "vani" is always built */
  fail_unless (ours >= 1, "no gst-rustvani plugin found in the registry");
}

GST_END_TEST;

GST_START_TEST (test_state_changes_up_and_down)
{
  GList *factories, *l;

  factories = collect_project_factories ();
  for (l = factories; l; l = l->next) {
    GstElement *element;

    element = gst_element_factory_create (l->data, NULL);
    fail_unless (element != NULL, "could not create %s",
        GST_OBJECT_NAME (l->data));
    GST_INFO ("cycling %s", GST_ELEMENT_NAME (element));
    cycle_states (element);
    gst_object_unref (element);
  }
  gst_plugin_feature_list_free (factories);
}

GST_END_TEST;

GST_START_TEST (test_state_changes_in_a_bin)
{
  GList *factories, *l;

  factories = collect_project_factories ();
  for (l = factories; l; l = l->next) {
    GstElement *bin = gst_bin_new (NULL);
    GstElement *element = gst_element_factory_create (l->data, NULL);

    gst_bin_add (GST_BIN (bin), element);
    cycle_states (bin);
    gst_object_unref (bin);
  }
  gst_plugin_feature_list_free (factories);
}

GST_END_TEST;

static Suite *
states_suite (void)
{
  Suite *s = suite_create ("generic-states");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_project_plugins_are_registered);
  tcase_add_test (tc, test_state_changes_up_and_down);
  tcase_add_test (tc, test_state_changes_in_a_bin);
  return s;
}

GST_CHECK_MAIN (states);
