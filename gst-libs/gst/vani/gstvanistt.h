/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_STT_H__
#define __GST_VANI_STT_H__

#include <gst/vani/vani-prelude.h>
#include <gst/audio/audio.h>

G_BEGIN_DECLS

#define GST_VANI_TYPE_STT (gst_vani_stt_get_type ())
GST_VANI_API
G_DECLARE_DERIVABLE_TYPE (GstVaniSTT, gst_vani_stt, GST_VANI, STT, GstElement)

/**
 * GstVaniSTTClass:
 * @parent_class: the parent class
 * @start: open the engine (NULL→READY); return %FALSE after posting an
 *   error that names the missing file or setting. Optional.
 * @stop: close the engine (READY→NULL). Optional.
 * @set_format: the audio format is known (or changed). Optional.
 * @begin_utterance: speech started; audio of this utterance follows,
 *   starting with the pre-speech padding. Optional.
 * @handle_audio: audio of utterance @utterance, in order, on the streaming
 *   thread. Required.
 * @end_utterance: speech stopped; call gst_vani_stt_finish_utterance() now or
 *   later, from any thread. Required.
 * @cancel: a flush: abandon every utterance in flight at once; results that
 *   arrive afterwards are ignored. Optional.
 *
 * A speech-to-text engine. The base class handles everything else: the VAD
 * events, the pre-speech ring buffer, result order, timestamps, flush, EOS,
 * bus messages and metrics.
 */
struct _GstVaniSTTClass
{
  GstElementClass parent_class;

  gboolean (*start) (GstVaniSTT * stt);
  gboolean (*stop) (GstVaniSTT * stt);
  gboolean (*set_format) (GstVaniSTT * stt, const GstAudioInfo * info);
  void (*begin_utterance) (GstVaniSTT * stt, guint64 utterance);
  GstFlowReturn (*handle_audio) (GstVaniSTT * stt, guint64 utterance,
      GstBuffer * buffer);
  void (*end_utterance) (GstVaniSTT * stt, guint64 utterance);
  void (*cancel) (GstVaniSTT * stt);

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
};

GST_VANI_API
void gst_vani_stt_finish_utterance (GstVaniSTT * stt, guint64 utterance,
    const gchar * text, const GError * error);

GST_VANI_API
void gst_vani_stt_push_interim (GstVaniSTT * stt, const gchar * text);

GST_VANI_API
gboolean gst_vani_stt_get_audio_info (GstVaniSTT * stt, GstAudioInfo * info);

GST_VANI_API
gchar *gst_vani_stt_get_language (GstVaniSTT * stt);

G_END_DECLS

#endif /* __GST_VANI_STT_H__ */
