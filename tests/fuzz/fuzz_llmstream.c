/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzzes the chunk handler behind the SSE parser, as vanillm uses them: the
 * input is a server's reply body.
 */
#include <gst/vani/vani.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

static void
consume_text (const gchar * text, gsize len, gpointer user_data)
{
  *(gsize *) user_data += len;
}

static gboolean
on_event (const gchar * name, const gchar * text, gsize len, gpointer data)
{
  GstVaniLLMStream *stream = data;
  GError *error = NULL;
  GstVaniLLMStreamStatus status;

  status = gst_vani_llm_stream_push_event (stream, name, text, len, &error);
  g_clear_error (&error);
  return status == GST_VANI_LLM_STREAM_STATUS_CONTINUE;
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GstVaniSseParser *parser = gst_vani_sse_parser_new (1 << 20);
  GstVaniLLMStream *stream = gst_vani_llm_stream_new ();
  GError *error = NULL;
  gsize content = 0;
  guint i;

  gst_vani_llm_stream_set_content_func (stream, consume_text, &content);
  gst_vani_llm_stream_set_reasoning_func (stream, consume_text, &content);
  gst_vani_sse_parser_feed (parser, data, size, on_event, stream, NULL);
  gst_vani_llm_stream_finish (stream, &error);
  g_clear_error (&error);
  for (i = 0; i < gst_vani_llm_stream_get_n_tool_calls (stream); i++) {
    GstVaniToolCall *call = gst_vani_llm_stream_get_tool_call (stream, i);

    gst_vani_llm_stream_tool_call_is_valid (stream, call);
    gst_vani_tool_call_unref (call);
  }
  gst_vani_llm_stream_free (stream);
  gst_vani_sse_parser_free (parser);
  return 0;
}
