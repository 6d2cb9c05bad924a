/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_LLM_STREAM_H__
#define __GST_VANI_LLM_STREAM_H__

#include <gst/vani/vani-prelude.h>
#include <gst/vani/gstvanicontext.h>

G_BEGIN_DECLS

/**
 * GST_VANI_LLM_STREAM_ERROR:
 *
 * The error domain of #GstVaniLLMStream.
 */
#define GST_VANI_LLM_STREAM_ERROR (gst_vani_llm_stream_error_quark ())
GST_VANI_API GQuark gst_vani_llm_stream_error_quark (void);

/**
 * GstVaniLLMStreamError:
 * @GST_VANI_LLM_STREAM_ERROR_SERVER: the server reported an error in the
 *   stream (its message is the error's text)
 * @GST_VANI_LLM_STREAM_ERROR_MALFORMED: a chunk is not valid JSON or not a
 *   chat-completion chunk
 * @GST_VANI_LLM_STREAM_ERROR_TRUNCATED: the stream ended before the reply was
 *   complete
 *
 * Errors of the chat-completions chunk handler.
 */
typedef enum {
  GST_VANI_LLM_STREAM_ERROR_SERVER,
  GST_VANI_LLM_STREAM_ERROR_MALFORMED,
  GST_VANI_LLM_STREAM_ERROR_TRUNCATED,
} GstVaniLLMStreamError;

/**
 * GstVaniLLMStreamStatus:
 * @GST_VANI_LLM_STREAM_STATUS_CONTINUE: more chunks are expected
 * @GST_VANI_LLM_STREAM_STATUS_DONE: `[DONE]` arrived
 * @GST_VANI_LLM_STREAM_STATUS_ERROR: the stream failed; see the #GError
 *
 * What gst_vani_llm_stream_push_event() found.
 */
typedef enum {
  GST_VANI_LLM_STREAM_STATUS_CONTINUE,
  GST_VANI_LLM_STREAM_STATUS_DONE,
  GST_VANI_LLM_STREAM_STATUS_ERROR,
} GstVaniLLMStreamStatus;

/**
 * GstVaniLLMUsage:
 * @prompt_tokens: input tokens, -1 when unknown
 * @completion_tokens: output tokens, -1 when unknown
 * @cached_tokens: input tokens served from the prompt cache, -1 when unknown
 * @reasoning_tokens: output tokens spent reasoning, -1 when unknown
 *
 * Token usage of one reply.
 */
typedef struct {
  gint64 prompt_tokens;
  gint64 completion_tokens;
  gint64 cached_tokens;
  gint64 reasoning_tokens;
} GstVaniLLMUsage;

/**
 * GstVaniLLMStream: (skip)
 *
 * Accumulates one streamed chat-completions reply from its SSE events: the
 * content (without reasoning), the tool calls, the finish reason and the
 * usage. Pure: it does no I/O.
 */
typedef struct _GstVaniLLMStream GstVaniLLMStream;

/**
 * GstVaniLLMTextFunc: (skip)
 * @text: a piece of text (not NUL-terminated)
 * @len: its length in bytes
 * @user_data: user data
 *
 * Receives content or reasoning as it arrives.
 */
typedef void (*GstVaniLLMTextFunc) (const gchar * text, gsize len,
    gpointer user_data);

GST_VANI_API GstVaniLLMStream *gst_vani_llm_stream_new (void);
GST_VANI_API void gst_vani_llm_stream_free (GstVaniLLMStream * stream);
GST_VANI_API void gst_vani_llm_stream_set_content_func (GstVaniLLMStream * stream,
    GstVaniLLMTextFunc func, gpointer user_data);
GST_VANI_API void gst_vani_llm_stream_set_reasoning_func (GstVaniLLMStream * stream,
    GstVaniLLMTextFunc func, gpointer user_data);
GST_VANI_API
GstVaniLLMStreamStatus gst_vani_llm_stream_push_event (GstVaniLLMStream * stream,
    const gchar * event_name, const gchar * data, gsize len, GError ** error);
GST_VANI_API gboolean gst_vani_llm_stream_finish (GstVaniLLMStream * stream,
    GError ** error);

GST_VANI_API gboolean gst_vani_llm_stream_has_first_delta (GstVaniLLMStream * stream);
GST_VANI_API const gchar *gst_vani_llm_stream_get_content (GstVaniLLMStream * stream);
GST_VANI_API const gchar *gst_vani_llm_stream_get_reasoning (GstVaniLLMStream * stream);
GST_VANI_API const gchar *gst_vani_llm_stream_get_finish_reason (GstVaniLLMStream * stream);
GST_VANI_API gboolean gst_vani_llm_stream_get_usage (GstVaniLLMStream * stream,
    GstVaniLLMUsage * usage);
GST_VANI_API guint gst_vani_llm_stream_get_n_tool_calls (GstVaniLLMStream * stream);
GST_VANI_API GstVaniToolCall *gst_vani_llm_stream_get_tool_call (GstVaniLLMStream * stream,
    guint index);
GST_VANI_API gboolean gst_vani_llm_stream_tool_call_is_valid (GstVaniLLMStream * stream,
    const GstVaniToolCall * call);

G_END_DECLS

#endif /* __GST_VANI_LLM_STREAM_H__ */
