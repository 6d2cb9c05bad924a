/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/vani/vani.h>

#ifdef HAVE_VANI_VAD
#include "gstvanivad.h"
#endif
#ifdef HAVE_VANI_USERAGGREGATOR
#include "gstvaniuseraggregator.h"
#endif
#ifdef HAVE_VANI_ASSISTANTAGGREGATOR
#include "gstvaniassistantaggregator.h"
#endif
#ifdef HAVE_VANI_AGENT
#include "gstvaniagent.h"
#endif

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = TRUE;

  gst_vani_init ();
#ifdef HAVE_VANI_VAD
  ret &= GST_ELEMENT_REGISTER (vanivad, plugin);
#endif
#ifdef HAVE_VANI_USERAGGREGATOR
  ret &= GST_ELEMENT_REGISTER (vaniuseraggregator, plugin);
#endif
#ifdef HAVE_VANI_ASSISTANTAGGREGATOR
  ret &= GST_ELEMENT_REGISTER (vaniassistantaggregator, plugin);
#endif
#ifdef HAVE_VANI_AGENT
  ret &= GST_ELEMENT_REGISTER (vaniagent, plugin);
#endif
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, vani,
    "Voice-agent elements that need only GStreamer: VAD, conversation aggregators, agent bin",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
