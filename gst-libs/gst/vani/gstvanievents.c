/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanievents
 * @title: Events
 * @short_description: the custom events the gst-rustvani elements exchange
 *
 * Every event carries a #GstStructure named `vani/<event>`. Build them with
 * the `gst_vani_event_new_*()` constructors, read them with
 * gst_vani_event_get_event_type() and the `gst_vani_event_parse_*()`
 * parsers; never spell structure names by hand.
 *
 * | event | direction | fields | sent by | read by |
 * |---|---|---|---|---|
 * | user-started-speaking | downstream, serialized | stream-time, running-time | vanivad | STT, user aggregator |
 * | user-stopped-speaking | downstream, serialized | stream-time, running-time | vanivad | STT, user aggregator |
 * | interim-transcription | downstream, serialized | text, language | STT | user aggregator (never into the context) |
 * | llm-context | downstream, serialized | context | user aggregator, flows | vanillm |
 * | llm-response-start/-end | downstream, serialized | response-id | vanillm | TTS, assistant aggregator |
 * | function-call-in-progress | downstream, serialized | call-id, name, arguments | vanillm | apps, UI |
 * | function-call-result | downstream, serialized | call-id, name, arguments, result | vanillm | apps, UI |
 * | tts-started / tts-stopped | downstream, serialized | — | TTS | assistant aggregator |
 * | tts-text | downstream, serialized | text | TTS | assistant aggregator |
 * | end-conversation | downstream, serialized | reason | flows | the bin, apps |
 * | interruption | downstream, out of band | — | user aggregator | vanillm, TTS, assistant aggregator |
 * | bot-started/stopped-speaking | upstream | — | assistant aggregator | user aggregator |
 * | speak | both, serialized | text | apps, flows | TTS |
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanievents.h"
#include "gstvani-private.h"

typedef struct
{
  GstVaniEventType type;
  const gchar *name;
  GstEventType gst_type;
} EventInfo;

static const EventInfo event_infos[] = {
  {GST_VANI_EVENT_NONE, NULL, GST_EVENT_UNKNOWN},
  {GST_VANI_EVENT_USER_STARTED_SPEAKING, "vani/user-started-speaking",
      GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_USER_STOPPED_SPEAKING, "vani/user-stopped-speaking",
      GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_INTERIM_TRANSCRIPTION, "vani/interim-transcription",
      GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_LLM_CONTEXT, "vani/llm-context",
      GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_LLM_RESPONSE_START, "vani/llm-response-start",
      GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_LLM_RESPONSE_END, "vani/llm-response-end",
      GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_FUNCTION_CALL_IN_PROGRESS, "vani/function-call-in-progress",
      GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_FUNCTION_CALL_RESULT, "vani/function-call-result",
      GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_TTS_STARTED, "vani/tts-started", GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_TTS_TEXT, "vani/tts-text", GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_TTS_STOPPED, "vani/tts-stopped", GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_END_CONVERSATION, "vani/end-conversation",
      GST_EVENT_CUSTOM_DOWNSTREAM},
  {GST_VANI_EVENT_INTERRUPTION, "vani/interruption",
      GST_EVENT_CUSTOM_DOWNSTREAM_OOB},
  {GST_VANI_EVENT_BOT_STARTED_SPEAKING, "vani/bot-started-speaking",
      GST_EVENT_CUSTOM_UPSTREAM},
  {GST_VANI_EVENT_BOT_STOPPED_SPEAKING, "vani/bot-stopped-speaking",
      GST_EVENT_CUSTOM_UPSTREAM},
  {GST_VANI_EVENT_SPEAK, "vani/speak", GST_EVENT_CUSTOM_BOTH},
};

G_STATIC_ASSERT (G_N_ELEMENTS (event_infos) == GST_VANI_EVENT_SPEAK + 1);

/* Shared with gstvanimessages.c. */
gboolean
gst_vani_structure_get_string_dup (const GstStructure * s,
    const gchar * field, gchar ** value)
{
  const GValue *v = gst_structure_get_value (s, field);

  if (v && !G_VALUE_HOLDS_STRING (v))
    return FALSE;
  if (value)
    *value = v ? g_value_dup_string (v) : NULL;
  return TRUE;
}

/**
 * gst_vani_event_type_get_name:
 * @type: an event type
 *
 * Returns: (nullable): the structure name, e.g. "vani/tts-text"
 */
const gchar *
gst_vani_event_type_get_name (GstVaniEventType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (event_infos), NULL);
  return event_infos[type].name;
}

/**
 * gst_vani_event_type_from_name:
 * @name: a structure name, e.g. "vani/tts-text"
 *
 * Returns: the event type, %GST_VANI_EVENT_NONE when unknown
 */
GstVaniEventType
gst_vani_event_type_from_name (const gchar * name)
{
  guint i;

  for (i = 1; name && i < G_N_ELEMENTS (event_infos); i++) {
    if (g_str_equal (name, event_infos[i].name))
      return event_infos[i].type;
  }
  return GST_VANI_EVENT_NONE;
}

/**
 * gst_vani_event_get_event_type:
 * @event: any event
 *
 * Returns: which gst-rustvani event @event is, %GST_VANI_EVENT_NONE for
 *   anything else
 */
GstVaniEventType
gst_vani_event_get_event_type (GstEvent * event)
{
  const GstStructure *s;
  GstVaniEventType type;

  g_return_val_if_fail (GST_IS_EVENT (event), GST_VANI_EVENT_NONE);
  s = gst_event_get_structure (event);
  if (!s)
    return GST_VANI_EVENT_NONE;
  type = gst_vani_event_type_from_name (gst_structure_get_name (s));
  if (type != GST_VANI_EVENT_NONE &&
      GST_EVENT_TYPE (event) != event_infos[type].gst_type)
    return GST_VANI_EVENT_NONE;
  return type;
}

static GstEvent *
event_new (GstVaniEventType type, const gchar * firstfield, ...)
{
  GstStructure *s;
  va_list args;

  va_start (args, firstfield);
  s = gst_structure_new_valist (event_infos[type].name, firstfield, args);
  va_end (args);
  return gst_event_new_custom (event_infos[type].gst_type, s);
}

/* The structure of @event when it is of @type, else NULL. */
static const GstStructure *
event_structure (GstEvent * event, GstVaniEventType type)
{
  g_return_val_if_fail (GST_IS_EVENT (event), NULL);
  if (gst_vani_event_get_event_type (event) != type)
    return NULL;
  return gst_event_get_structure (event);
}

static gboolean
parse_speaking (GstEvent * event, GstVaniEventType type,
    GstClockTime * stream_time, GstClockTime * running_time)
{
  const GstStructure *s = event_structure (event, type);

  if (!s)
    return FALSE;
  if (stream_time && !gst_structure_get_clock_time (s, "stream-time",
          stream_time))
    *stream_time = GST_CLOCK_TIME_NONE;
  if (running_time && !gst_structure_get_clock_time (s, "running-time",
          running_time))
    *running_time = GST_CLOCK_TIME_NONE;
  return TRUE;
}

/**
 * gst_vani_event_new_user_started_speaking:
 * @stream_time: when speech really began (backdated by the VAD's start time)
 * @running_time: the same moment in running time, or %GST_CLOCK_TIME_NONE
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_user_started_speaking (GstClockTime stream_time,
    GstClockTime running_time)
{
  return event_new (GST_VANI_EVENT_USER_STARTED_SPEAKING,
      "stream-time", GST_TYPE_CLOCK_TIME, stream_time,
      "running-time", GST_TYPE_CLOCK_TIME, running_time, NULL);
}

/**
 * gst_vani_event_parse_user_started_speaking:
 * @event: an event
 * @stream_time: (out) (optional): when speech began
 * @running_time: (out) (optional): the same in running time
 *
 * Returns: %TRUE when @event is a user-started-speaking event
 */
gboolean
gst_vani_event_parse_user_started_speaking (GstEvent * event,
    GstClockTime * stream_time, GstClockTime * running_time)
{
  return parse_speaking (event, GST_VANI_EVENT_USER_STARTED_SPEAKING,
      stream_time, running_time);
}

/**
 * gst_vani_event_new_user_stopped_speaking:
 * @stream_time: when speech really stopped (backdated by the VAD's stop time)
 * @running_time: the same moment in running time, or %GST_CLOCK_TIME_NONE
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_user_stopped_speaking (GstClockTime stream_time,
    GstClockTime running_time)
{
  return event_new (GST_VANI_EVENT_USER_STOPPED_SPEAKING,
      "stream-time", GST_TYPE_CLOCK_TIME, stream_time,
      "running-time", GST_TYPE_CLOCK_TIME, running_time, NULL);
}

/**
 * gst_vani_event_parse_user_stopped_speaking:
 * @event: an event
 * @stream_time: (out) (optional): when speech stopped
 * @running_time: (out) (optional): the same in running time
 *
 * Returns: %TRUE when @event is a user-stopped-speaking event
 */
gboolean
gst_vani_event_parse_user_stopped_speaking (GstEvent * event,
    GstClockTime * stream_time, GstClockTime * running_time)
{
  return parse_speaking (event, GST_VANI_EVENT_USER_STOPPED_SPEAKING,
      stream_time, running_time);
}

/**
 * gst_vani_event_new_interim_transcription:
 * @text: the partial transcript
 * @language: (nullable): its language, e.g. "en"
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_interim_transcription (const gchar * text,
    const gchar * language)
{
  return event_new (GST_VANI_EVENT_INTERIM_TRANSCRIPTION,
      "text", G_TYPE_STRING, text, "language", G_TYPE_STRING, language, NULL);
}

/**
 * gst_vani_event_parse_interim_transcription:
 * @event: an event
 * @text: (out) (optional) (transfer full): the partial transcript
 * @language: (out) (optional) (nullable) (transfer full): its language
 *
 * Returns: %TRUE when @event is an interim-transcription event
 */
gboolean
gst_vani_event_parse_interim_transcription (GstEvent * event, gchar ** text,
    gchar ** language)
{
  const GstStructure *s =
      event_structure (event, GST_VANI_EVENT_INTERIM_TRANSCRIPTION);

  return s && gst_vani_structure_get_string_dup (s, "text", text) &&
      gst_vani_structure_get_string_dup (s, "language", language);
}

/**
 * gst_vani_event_new_llm_context:
 * @context: the conversation to run inference on
 *
 * The event keeps a reference: the receiver works on the same conversation.
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_llm_context (GstVaniContext * context)
{
  g_return_val_if_fail (GST_VANI_IS_CONTEXT (context), NULL);
  return event_new (GST_VANI_EVENT_LLM_CONTEXT,
      "context", GST_VANI_TYPE_CONTEXT, context, NULL);
}

/**
 * gst_vani_event_parse_llm_context:
 * @event: an event
 * @context: (out) (optional) (transfer full): the conversation
 *
 * Returns: %TRUE when @event is an llm-context event
 */
gboolean
gst_vani_event_parse_llm_context (GstEvent * event, GstVaniContext ** context)
{
  const GstStructure *s = event_structure (event, GST_VANI_EVENT_LLM_CONTEXT);
  GstVaniContext *ctx = NULL;

  if (!s || !gst_structure_get (s, "context", GST_VANI_TYPE_CONTEXT, &ctx,
          NULL) || !ctx)
    return FALSE;
  if (context)
    *context = ctx;
  else
    g_object_unref (ctx);
  return TRUE;
}

/**
 * gst_vani_event_new_llm_response_start:
 * @response_id: identifies the reply, so start and end can be matched
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_llm_response_start (guint64 response_id)
{
  return event_new (GST_VANI_EVENT_LLM_RESPONSE_START,
      "response-id", G_TYPE_UINT64, response_id, NULL);
}

/**
 * gst_vani_event_new_llm_response_end:
 * @response_id: the id given to the matching start
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_llm_response_end (guint64 response_id)
{
  return event_new (GST_VANI_EVENT_LLM_RESPONSE_END,
      "response-id", G_TYPE_UINT64, response_id, NULL);
}

/**
 * gst_vani_event_parse_llm_response:
 * @event: an llm-response-start or llm-response-end event
 * @response_id: (out) (optional): the reply's id
 *
 * Returns: %TRUE when @event is one of the two
 */
gboolean
gst_vani_event_parse_llm_response (GstEvent * event, guint64 * response_id)
{
  const GstStructure *s = event_structure (event,
      GST_VANI_EVENT_LLM_RESPONSE_START);

  if (!s)
    s = event_structure (event, GST_VANI_EVENT_LLM_RESPONSE_END);
  if (!s)
    return FALSE;
  if (response_id && !gst_structure_get_uint64 (s, "response-id",
          response_id))
    *response_id = 0;
  return TRUE;
}

/**
 * gst_vani_event_new_function_call_in_progress:
 * @call_id: the call's id
 * @name: the function
 * @arguments: the arguments (JSON text)
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_function_call_in_progress (const gchar * call_id,
    const gchar * name, const gchar * arguments)
{
  return event_new (GST_VANI_EVENT_FUNCTION_CALL_IN_PROGRESS,
      "call-id", G_TYPE_STRING, call_id, "name", G_TYPE_STRING, name,
      "arguments", G_TYPE_STRING, arguments, NULL);
}

/**
 * gst_vani_event_parse_function_call_in_progress:
 * @event: an event
 * @call_id: (out) (optional) (transfer full): the call's id
 * @name: (out) (optional) (transfer full): the function
 * @arguments: (out) (optional) (transfer full): the arguments
 *
 * Returns: %TRUE when @event is a function-call-in-progress event
 */
gboolean
gst_vani_event_parse_function_call_in_progress (GstEvent * event,
    gchar ** call_id, gchar ** name, gchar ** arguments)
{
  const GstStructure *s =
      event_structure (event, GST_VANI_EVENT_FUNCTION_CALL_IN_PROGRESS);

  return s && gst_vani_structure_get_string_dup (s, "call-id", call_id) &&
      gst_vani_structure_get_string_dup (s, "name", name) &&
      gst_vani_structure_get_string_dup (s, "arguments", arguments);
}

/**
 * gst_vani_event_new_function_call_result:
 * @call_id: the call's id
 * @name: the function
 * @arguments: the arguments (JSON text)
 * @result: the result the model sees
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_function_call_result (const gchar * call_id,
    const gchar * name, const gchar * arguments, const gchar * result)
{
  return event_new (GST_VANI_EVENT_FUNCTION_CALL_RESULT,
      "call-id", G_TYPE_STRING, call_id, "name", G_TYPE_STRING, name,
      "arguments", G_TYPE_STRING, arguments,
      "result", G_TYPE_STRING, result, NULL);
}

/**
 * gst_vani_event_parse_function_call_result:
 * @event: an event
 * @call_id: (out) (optional) (transfer full): the call's id
 * @name: (out) (optional) (transfer full): the function
 * @arguments: (out) (optional) (transfer full): the arguments
 * @result: (out) (optional) (transfer full): the result
 *
 * Returns: %TRUE when @event is a function-call-result event
 */
gboolean
gst_vani_event_parse_function_call_result (GstEvent * event,
    gchar ** call_id, gchar ** name, gchar ** arguments, gchar ** result)
{
  const GstStructure *s =
      event_structure (event, GST_VANI_EVENT_FUNCTION_CALL_RESULT);

  return s && gst_vani_structure_get_string_dup (s, "call-id", call_id) &&
      gst_vani_structure_get_string_dup (s, "name", name) &&
      gst_vani_structure_get_string_dup (s, "arguments", arguments) &&
      gst_vani_structure_get_string_dup (s, "result", result);
}

/**
 * gst_vani_event_new_tts_started:
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_tts_started (void)
{
  return event_new (GST_VANI_EVENT_TTS_STARTED, NULL);
}

/**
 * gst_vani_event_new_tts_text:
 * @text: the sentence whose audio follows this event
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_tts_text (const gchar * text)
{
  return event_new (GST_VANI_EVENT_TTS_TEXT, "text", G_TYPE_STRING, text,
      NULL);
}

/**
 * gst_vani_event_parse_tts_text:
 * @event: an event
 * @text: (out) (optional) (transfer full): the sentence
 *
 * Returns: %TRUE when @event is a tts-text event
 */
gboolean
gst_vani_event_parse_tts_text (GstEvent * event, gchar ** text)
{
  const GstStructure *s = event_structure (event, GST_VANI_EVENT_TTS_TEXT);

  return s && gst_vani_structure_get_string_dup (s, "text", text);
}

/**
 * gst_vani_event_new_tts_stopped:
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_tts_stopped (void)
{
  return event_new (GST_VANI_EVENT_TTS_STOPPED, NULL);
}

/**
 * gst_vani_event_new_end_conversation:
 * @reason: (nullable): why, for logs and apps
 *
 * Returns: (transfer full): a serialized downstream event
 */
GstEvent *
gst_vani_event_new_end_conversation (const gchar * reason)
{
  return event_new (GST_VANI_EVENT_END_CONVERSATION,
      "reason", G_TYPE_STRING, reason, NULL);
}

/**
 * gst_vani_event_parse_end_conversation:
 * @event: an event
 * @reason: (out) (optional) (nullable) (transfer full): why
 *
 * Returns: %TRUE when @event is an end-conversation event
 */
gboolean
gst_vani_event_parse_end_conversation (GstEvent * event, gchar ** reason)
{
  const GstStructure *s =
      event_structure (event, GST_VANI_EVENT_END_CONVERSATION);

  return s && gst_vani_structure_get_string_dup (s, "reason", reason);
}

/**
 * gst_vani_event_new_interruption:
 *
 * Sent out of band by the user aggregator right before it flushes.
 *
 * Returns: (transfer full): an out-of-band downstream event
 */
GstEvent *
gst_vani_event_new_interruption (void)
{
  return event_new (GST_VANI_EVENT_INTERRUPTION, NULL);
}

/**
 * gst_vani_event_new_bot_started_speaking:
 *
 * Returns: (transfer full): an upstream event
 */
GstEvent *
gst_vani_event_new_bot_started_speaking (void)
{
  return event_new (GST_VANI_EVENT_BOT_STARTED_SPEAKING, NULL);
}

/**
 * gst_vani_event_new_bot_stopped_speaking:
 *
 * Returns: (transfer full): an upstream event
 */
GstEvent *
gst_vani_event_new_bot_stopped_speaking (void)
{
  return event_new (GST_VANI_EVENT_BOT_STOPPED_SPEAKING, NULL);
}

/**
 * gst_vani_event_new_speak:
 * @text: what to say now
 *
 * Apps send it upstream from the sink side (gst_element_send_event() on the
 * pipeline); flows push it downstream in order with their other output.
 *
 * Returns: (transfer full): a serialized event for both directions
 */
GstEvent *
gst_vani_event_new_speak (const gchar * text)
{
  return event_new (GST_VANI_EVENT_SPEAK, "text", G_TYPE_STRING, text, NULL);
}

/**
 * gst_vani_event_parse_speak:
 * @event: an event
 * @text: (out) (optional) (transfer full): what to say
 *
 * Returns: %TRUE when @event is a speak event
 */
gboolean
gst_vani_event_parse_speak (GstEvent * event, gchar ** text)
{
  const GstStructure *s = event_structure (event, GST_VANI_EVENT_SPEAK);

  return s && gst_vani_structure_get_string_dup (s, "text", text);
}
