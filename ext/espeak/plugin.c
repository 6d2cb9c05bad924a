/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/vani/vani.h>

#include "gstvaniespeaktts.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gst_vani_init ();
  return GST_ELEMENT_REGISTER (vaniespeaktts, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, vaniespeak,
    "Offline text-to-speech with espeak-ng",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
