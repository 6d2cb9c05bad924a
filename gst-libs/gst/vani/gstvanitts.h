/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_TTS_H__
#define __GST_VANI_TTS_H__

#include <gst/vani/vani-prelude.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * GstVaniTTSSentence:
 *
 * One piece of text to synthesise, handed to the engine. It is
 * reference-counted, so an engine may keep it on another thread; its audio
 * goes back with gst_vani_tts_sentence_push_audio() and its end with
 * gst_vani_tts_sentence_finish().
 */
typedef struct _GstVaniTTSSentence GstVaniTTSSentence;

#define GST_VANI_TYPE_TTS_SENTENCE (gst_vani_tts_sentence_get_type ())
GST_VANI_API
GType gst_vani_tts_sentence_get_type (void);

GST_VANI_API
GstVaniTTSSentence *gst_vani_tts_sentence_ref (GstVaniTTSSentence * sentence);
GST_VANI_API
void gst_vani_tts_sentence_unref (GstVaniTTSSentence * sentence);
GST_VANI_API
const gchar *gst_vani_tts_sentence_get_text (GstVaniTTSSentence * sentence);
GST_VANI_API
GCancellable *gst_vani_tts_sentence_get_cancellable (GstVaniTTSSentence *
    sentence);
GST_VANI_API
gboolean gst_vani_tts_sentence_is_cancelled (GstVaniTTSSentence * sentence);
GST_VANI_API
void gst_vani_tts_sentence_push_audio (GstVaniTTSSentence * sentence,
    const guint8 * data, gsize size);
GST_VANI_API
void gst_vani_tts_sentence_finish (GstVaniTTSSentence * sentence,
    const GError * error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstVaniTTSSentence, gst_vani_tts_sentence_unref)

#define GST_VANI_TYPE_TTS (gst_vani_tts_get_type ())
GST_VANI_API
G_DECLARE_DERIVABLE_TYPE (GstVaniTTS, gst_vani_tts, GST_VANI, TTS, GstElement)

/**
 * GstVaniTTSClass:
 * @parent_class: the parent class
 * @start: open the engine (NULL→READY) and call
 *   gst_vani_tts_set_sample_rate(); return %FALSE after posting an error that
 *   names what is missing. Optional.
 * @stop: close the engine (READY→NULL). Optional.
 * @synthesize: synthesise @sentence, on the base class's synthesis thread.
 *   Hand its audio (S16LE mono at the sample rate) over with
 *   gst_vani_tts_sentence_push_audio() as it is produced, from any thread,
 *   and end it with gst_vani_tts_sentence_finish(), before returning or
 *   later. The next sentence starts once this one is finished. Stop soon
 *   after the sentence's cancellable is cancelled. Required.
 *
 * A text-to-speech engine. The base class handles the rest: sentence
 * aggregation, text filtering, the `tts-*` events, the `speak` event,
 * timestamps, flush and interruption, bus messages and metrics.
 */
struct _GstVaniTTSClass
{
  GstElementClass parent_class;

  gboolean (*start) (GstVaniTTS * tts);
  gboolean (*stop) (GstVaniTTS * tts);
  void (*synthesize) (GstVaniTTS * tts, GstVaniTTSSentence * sentence);

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
};

GST_VANI_API
void gst_vani_tts_set_sample_rate (GstVaniTTS * tts, gint rate);

GST_VANI_API
gint gst_vani_tts_get_sample_rate (GstVaniTTS * tts);

G_END_DECLS

#endif /* __GST_VANI_TTS_H__ */
