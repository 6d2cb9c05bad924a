/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_SPHINX_STT_H__
#define __GST_VANI_SPHINX_STT_H__

#include <gst/vani/vani.h>

G_BEGIN_DECLS

#define GST_TYPE_VANI_SPHINX_STT (gst_vani_sphinx_stt_get_type ())
G_DECLARE_FINAL_TYPE (GstVaniSphinxSTT, gst_vani_sphinx_stt, GST,
    VANI_SPHINX_STT, GstVaniSTT)

GST_ELEMENT_REGISTER_DECLARE (vanisphinxstt);

G_END_DECLS

#endif /* __GST_VANI_SPHINX_STT_H__ */
