/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_LLM_H__
#define __GST_VANI_LLM_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_VANI_LLM (gst_vani_llm_get_type ())
G_DECLARE_FINAL_TYPE (GstVaniLLM, gst_vani_llm, GST, VANI_LLM, GstElement)

GST_ELEMENT_REGISTER_DECLARE (vanillm);

G_END_DECLS

#endif /* __GST_VANI_LLM_H__ */
