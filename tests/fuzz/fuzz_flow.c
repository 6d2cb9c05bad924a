/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzzes the flow-file loader: any text either fails with an error or gives
 * a flow that can start, steer a conversation into its first node and
 * report its state.
 */
#include <gst/vani/vani.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GError *error = NULL;
  GstVaniFlow *flow = gst_vani_flow_new_from_data ((const gchar *) data,
      size, &error);
  GstVaniContext *context;
  GPtrArray *events;
  gchar *state;

  if (!flow) {
    if (!error || !error->message || !*error->message)
      __builtin_trap ();        /* a rejection must say why */
    g_error_free (error);
    return 0;
  }
  if (!gst_vani_flow_validate (flow, NULL))
    __builtin_trap ();          /* loaded means valid */
  context = gst_vani_context_new ();
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_event_unref);
  gst_vani_flow_start (flow, context, events);
  state = gst_vani_flow_get_state (flow);
  g_free (state);
  gst_vani_context_set_tool (context, NULL);
  g_ptr_array_unref (events);
  g_object_unref (context);
  g_object_unref (flow);
  return 0;
}
