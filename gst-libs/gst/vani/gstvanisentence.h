/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_SENTENCE_H__
#define __GST_VANI_SENTENCE_H__

#include <gst/vani/vani-prelude.h>

G_BEGIN_DECLS

/**
 * GstVaniSentenceSplitter:
 *
 * Gathers streamed text (LLM tokens) into sentences for text-to-speech.
 */
typedef struct _GstVaniSentenceSplitter GstVaniSentenceSplitter;

#define GST_VANI_TYPE_SENTENCE_SPLITTER (gst_vani_sentence_splitter_get_type ())
GST_VANI_API
GType gst_vani_sentence_splitter_get_type (void);

GST_VANI_API
GstVaniSentenceSplitter *gst_vani_sentence_splitter_new (void);
GST_VANI_API
GstVaniSentenceSplitter *gst_vani_sentence_splitter_copy (
    const GstVaniSentenceSplitter * splitter);
GST_VANI_API
void gst_vani_sentence_splitter_free (GstVaniSentenceSplitter * splitter);
GST_VANI_API
gchar **gst_vani_sentence_splitter_push (GstVaniSentenceSplitter * splitter,
    const gchar * text, gssize len);
GST_VANI_API
gchar *gst_vani_sentence_splitter_flush (GstVaniSentenceSplitter * splitter);
GST_VANI_API
void gst_vani_sentence_splitter_reset (GstVaniSentenceSplitter * splitter);
GST_VANI_API
gboolean gst_vani_sentence_splitter_has_pending (GstVaniSentenceSplitter *
    splitter);

/**
 * GstVaniTextFilterFlags:
 * @GST_VANI_TEXT_FILTER_NONE: keep everything
 * @GST_VANI_TEXT_FILTER_MARKDOWN: remove markdown markup (emphasis, headings,
 *   list markers, link targets, code fences, table pipes)
 * @GST_VANI_TEXT_FILTER_EMOJI: remove pictographic emoji
 *
 * What gst_vani_text_filter() removes before text is read aloud.
 */
typedef enum
{
  GST_VANI_TEXT_FILTER_NONE = 0,
  GST_VANI_TEXT_FILTER_MARKDOWN = 1 << 0,
  GST_VANI_TEXT_FILTER_EMOJI = 1 << 1,
} GstVaniTextFilterFlags;

#define GST_VANI_TYPE_TEXT_FILTER_FLAGS (gst_vani_text_filter_flags_get_type ())
GST_VANI_API
GType gst_vani_text_filter_flags_get_type (void);

GST_VANI_API
gchar *gst_vani_text_filter (const gchar * text, GstVaniTextFilterFlags flags);

G_END_DECLS

#endif /* __GST_VANI_SENTENCE_H__ */
