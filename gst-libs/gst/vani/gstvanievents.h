/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_EVENTS_H__
#define __GST_VANI_EVENTS_H__

#include <gst/vani/vani-prelude.h>
#include <gst/vani/gstvanicontext.h>

G_BEGIN_DECLS

/**
 * GstVaniEventType:
 * @GST_VANI_EVENT_NONE: not a gst-rustvani event
 * @GST_VANI_EVENT_USER_STARTED_SPEAKING: the VAD heard the user start (downstream, serialized)
 * @GST_VANI_EVENT_USER_STOPPED_SPEAKING: the VAD heard the user stop (downstream, serialized)
 * @GST_VANI_EVENT_INTERIM_TRANSCRIPTION: a partial transcript (downstream, serialized)
 * @GST_VANI_EVENT_LLM_CONTEXT: run inference on this context (downstream, serialized)
 * @GST_VANI_EVENT_LLM_RESPONSE_START: an LLM reply begins (downstream, serialized)
 * @GST_VANI_EVENT_LLM_RESPONSE_END: an LLM reply ends (downstream, serialized)
 * @GST_VANI_EVENT_FUNCTION_CALL_IN_PROGRESS: a tool call started (downstream, serialized)
 * @GST_VANI_EVENT_FUNCTION_CALL_RESULT: a tool call's result (downstream, serialized)
 * @GST_VANI_EVENT_TTS_STARTED: speech output begins (downstream, serialized)
 * @GST_VANI_EVENT_TTS_TEXT: the sentence whose audio follows (downstream, serialized)
 * @GST_VANI_EVENT_TTS_STOPPED: speech output ends (downstream, serialized)
 * @GST_VANI_EVENT_END_CONVERSATION: the conversation is over (downstream, serialized)
 * @GST_VANI_EVENT_INTERRUPTION: the user barged in; a flush follows (downstream, out of band)
 * @GST_VANI_EVENT_BOT_STARTED_SPEAKING: the bot's audio started playing (upstream)
 * @GST_VANI_EVENT_BOT_STOPPED_SPEAKING: the bot's audio finished playing (upstream)
 * @GST_VANI_EVENT_SPEAK: say this text now (both directions, serialized)
 *
 * The events of the gst-rustvani vocabulary, as told by
 * gst_vani_event_get_event_type().
 */
typedef enum {
  GST_VANI_EVENT_NONE = 0,
  GST_VANI_EVENT_USER_STARTED_SPEAKING,
  GST_VANI_EVENT_USER_STOPPED_SPEAKING,
  GST_VANI_EVENT_INTERIM_TRANSCRIPTION,
  GST_VANI_EVENT_LLM_CONTEXT,
  GST_VANI_EVENT_LLM_RESPONSE_START,
  GST_VANI_EVENT_LLM_RESPONSE_END,
  GST_VANI_EVENT_FUNCTION_CALL_IN_PROGRESS,
  GST_VANI_EVENT_FUNCTION_CALL_RESULT,
  GST_VANI_EVENT_TTS_STARTED,
  GST_VANI_EVENT_TTS_TEXT,
  GST_VANI_EVENT_TTS_STOPPED,
  GST_VANI_EVENT_END_CONVERSATION,
  GST_VANI_EVENT_INTERRUPTION,
  GST_VANI_EVENT_BOT_STARTED_SPEAKING,
  GST_VANI_EVENT_BOT_STOPPED_SPEAKING,
  GST_VANI_EVENT_SPEAK,
} GstVaniEventType;

GST_VANI_API GstVaniEventType gst_vani_event_get_event_type (GstEvent * event);
GST_VANI_API const gchar *gst_vani_event_type_get_name (GstVaniEventType type);
GST_VANI_API GstVaniEventType gst_vani_event_type_from_name (const gchar * name);

GST_VANI_API
GstEvent *gst_vani_event_new_user_started_speaking (GstClockTime stream_time,
    GstClockTime running_time);
GST_VANI_API
gboolean gst_vani_event_parse_user_started_speaking (GstEvent * event,
    GstClockTime * stream_time, GstClockTime * running_time);
GST_VANI_API
GstEvent *gst_vani_event_new_user_stopped_speaking (GstClockTime stream_time,
    GstClockTime running_time);
GST_VANI_API
gboolean gst_vani_event_parse_user_stopped_speaking (GstEvent * event,
    GstClockTime * stream_time, GstClockTime * running_time);

GST_VANI_API
GstEvent *gst_vani_event_new_interim_transcription (const gchar * text,
    const gchar * language);
GST_VANI_API
gboolean gst_vani_event_parse_interim_transcription (GstEvent * event,
    gchar ** text, gchar ** language);

GST_VANI_API GstEvent *gst_vani_event_new_llm_context (GstVaniContext * context);
GST_VANI_API
gboolean gst_vani_event_parse_llm_context (GstEvent * event,
    GstVaniContext ** context);

GST_VANI_API GstEvent *gst_vani_event_new_llm_response_start (guint64 response_id);
GST_VANI_API GstEvent *gst_vani_event_new_llm_response_end (guint64 response_id);
GST_VANI_API
gboolean gst_vani_event_parse_llm_response (GstEvent * event,
    guint64 * response_id);

GST_VANI_API
GstEvent *gst_vani_event_new_function_call_in_progress (const gchar * call_id,
    const gchar * name, const gchar * arguments);
GST_VANI_API
gboolean gst_vani_event_parse_function_call_in_progress (GstEvent * event,
    gchar ** call_id, gchar ** name, gchar ** arguments);
GST_VANI_API
GstEvent *gst_vani_event_new_function_call_result (const gchar * call_id,
    const gchar * name, const gchar * arguments, const gchar * result);
GST_VANI_API
gboolean gst_vani_event_parse_function_call_result (GstEvent * event,
    gchar ** call_id, gchar ** name, gchar ** arguments, gchar ** result);

GST_VANI_API GstEvent *gst_vani_event_new_tts_started (void);
GST_VANI_API GstEvent *gst_vani_event_new_tts_text (const gchar * text);
GST_VANI_API gboolean gst_vani_event_parse_tts_text (GstEvent * event, gchar ** text);
GST_VANI_API GstEvent *gst_vani_event_new_tts_stopped (void);

GST_VANI_API GstEvent *gst_vani_event_new_end_conversation (const gchar * reason);
GST_VANI_API
gboolean gst_vani_event_parse_end_conversation (GstEvent * event, gchar ** reason);

GST_VANI_API GstEvent *gst_vani_event_new_interruption (void);
GST_VANI_API GstEvent *gst_vani_event_new_bot_started_speaking (void);
GST_VANI_API GstEvent *gst_vani_event_new_bot_stopped_speaking (void);

GST_VANI_API GstEvent *gst_vani_event_new_speak (const gchar * text);
GST_VANI_API gboolean gst_vani_event_parse_speak (GstEvent * event, gchar ** text);

G_END_DECLS

#endif /* __GST_VANI_EVENTS_H__ */
