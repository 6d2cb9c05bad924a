/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_VAD_H__
#define __GST_VANI_VAD_H__

#include <gst/gst.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_VANI_VAD (gst_vani_vad_get_type ())
G_DECLARE_FINAL_TYPE (GstVaniVad, gst_vani_vad, GST, VANI_VAD, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (vanivad);

G_END_DECLS

#endif /* __GST_VANI_VAD_H__ */
