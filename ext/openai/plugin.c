/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/vani/vani.h>

#include "gstvanillm.h"
#include "gstvaniopenaistt.h"
#include "gstvaniopenaitts.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  gst_vani_init ();
  ret |= GST_ELEMENT_REGISTER (vanillm, plugin);
  ret |= GST_ELEMENT_REGISTER (vaniopenaistt, plugin);
  ret |= GST_ELEMENT_REGISTER (vaniopenaitts, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, vaniopenai,
    "OpenAI-compatible services: streaming chat completions (vanillm), transcription and speech",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
