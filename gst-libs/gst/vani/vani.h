/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_H__
#define __GST_VANI_H__

#include <gst/vani/vani-prelude.h>
#include <gst/vani/vani-enumtypes.h>
#include <gst/vani/gstvanicontext.h>
#include <gst/vani/gstvanievents.h>
#include <gst/vani/gstvanijson.h>
#include <gst/vani/gstvanimessages.h>
#include <gst/vani/gstvanisse.h>
#include <gst/vani/gstvanillmstream.h>
#include <gst/vani/gstvanitool.h>
#include <gst/vani/gstvaniflow.h>
#include <gst/vani/gstvaniturnmetrics.h>
#include <gst/vani/gstvanistt.h>
#include <gst/vani/gstvanisentence.h>
#include <gst/vani/gstvanitts.h>

G_BEGIN_DECLS

GST_VANI_API
void gst_vani_init (void);

G_END_DECLS

#endif /* __GST_VANI_H__ */
