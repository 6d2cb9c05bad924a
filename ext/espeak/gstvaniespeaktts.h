/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_ESPEAK_TTS_H__
#define __GST_VANI_ESPEAK_TTS_H__

#include <gst/vani/vani.h>

G_BEGIN_DECLS

#define GST_TYPE_VANI_ESPEAK_TTS (gst_vani_espeak_tts_get_type ())
G_DECLARE_FINAL_TYPE (GstVaniEspeakTTS, gst_vani_espeak_tts, GST,
    VANI_ESPEAK_TTS, GstVaniTTS)

GST_ELEMENT_REGISTER_DECLARE (vaniespeaktts);

G_END_DECLS

#endif /* __GST_VANI_ESPEAK_TTS_H__ */
