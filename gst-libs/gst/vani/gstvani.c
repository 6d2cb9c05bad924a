/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvani
 * @title: GstVani
 * @short_description: the gst-rustvani support library
 *
 * libgstvani holds what the gst-rustvani elements and applications share:
 * the conversation context (#GstVaniContext), the event and bus-message
 * vocabulary, and the streaming parsers used by the network services.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "vani.h"

/**
 * gst_vani_init:
 *
 * Registers the library's types. Elements call it from their plugin_init and
 * applications may call it after gst_init(); calling it again is harmless.
 */
void
gst_vani_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    g_type_ensure (GST_VANI_TYPE_CONTEXT);
    g_once_init_leave (&done, 1);
  }
}
