/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_OPENAI_TTS_H__
#define __GST_VANI_OPENAI_TTS_H__

#include <gst/vani/vani.h>

G_BEGIN_DECLS

#define GST_TYPE_VANI_OPENAI_TTS (gst_vani_openai_tts_get_type ())
G_DECLARE_FINAL_TYPE (GstVaniOpenAITTS, gst_vani_openai_tts, GST,
    VANI_OPENAI_TTS, GstVaniTTS)

GST_ELEMENT_REGISTER_DECLARE (vaniopenaitts);

G_END_DECLS

#endif /* __GST_VANI_OPENAI_TTS_H__ */
