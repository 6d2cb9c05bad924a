/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-vaniassistantaggregator
 * @title: vaniassistantaggregator
 * @short_description: adds to the conversation what the bot really said
 *
 * vaniassistantaggregator sits after the TTS and passes its audio through.
 * It adds the bot's answer to the conversation (the context that came with
 * the `llm-context` event) once its audio has been played, and after an
 * interruption only the sentences (`tts-text`) whose audio had started
 * playing, so the next turn's context holds what the user heard. Tool calls
 * and results are already in the context (vanillm adds them).
 *
 * It tells the rest of the pipeline when the bot speaks: at the reply's first
 * audio it sends `bot-started-speaking` upstream and posts it; when the last
 * audio has been played by the sink (its running time plus the pipeline
 * latency on the clock, not when the buffer passed here), it sends and posts
 * `bot-stopped-speaking`.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m filesrc location=answer.txt ! vaniespeaktts ! vaniassistantaggregator \
 *     ! audioconvert ! audioresample ! autoaudiosink
 * ]| Speaks answer.txt and posts when the bot starts and stops speaking.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvaniassistantaggregator.h"
#include "gstvanitimer.h"

GST_DEBUG_CATEGORY_STATIC (gst_vani_assistant_aggregator_debug);
#define GST_CAT_DEFAULT gst_vani_assistant_aggregator_debug

typedef struct
{
  gchar *text;
  GstClockTime start;           /* running time of its first audio */
} Sentence;

struct _GstVaniAssistantAggregator
{
  GstElement parent;

  GstPad *sinkpad, *srcpad;

  /* object lock */
  GstVaniContext *context;
  GQueue sentences;             /* Sentence, of the reply being spoken */
  gboolean awaiting_audio;      /* the last tts-text has no audio yet */
  gboolean bot_speaking;
  GstClockTime end;             /* running time where the audio so far ends */
  GstClockTime latency;
  GstSegment segment;
  gboolean ended;               /* end-conversation passed: EOS sent */
  gint64 first_played;          /* monotonic µs the reply's first audio plays */

  GstVaniTimer stopped_timer;
};

G_DEFINE_TYPE (GstVaniAssistantAggregator, gst_vani_assistant_aggregator,
    GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (vaniassistantaggregator,
    "vaniassistantaggregator", GST_RANK_NONE,
    GST_TYPE_VANI_ASSISTANT_AGGREGATOR);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-raw"));

static void
sentence_free (Sentence * s)
{
  g_free (s->text);
  g_free (s);
}

/* ------------------------------------------------------------------------ */
/* What was said                                                            */

/* Adds the sentences that started playing before @heard_until (all when
 * NONE) as one assistant message, and forgets the reply. */
static void
commit_said (GstVaniAssistantAggregator * self, GstClockTime heard_until)
{
  GString *said = g_string_new (NULL);
  GstVaniContext *context;
  Sentence *s;

  GST_OBJECT_LOCK (self);
  while ((s = g_queue_pop_head (&self->sentences))) {
    gboolean heard = GST_CLOCK_TIME_IS_VALID (s->start) &&
        (!GST_CLOCK_TIME_IS_VALID (heard_until) || s->start <= heard_until);

    if (heard) {
      if (said->len)
        g_string_append_c (said, ' ');
      g_string_append (said, s->text);
    }
    sentence_free (s);
  }
  self->awaiting_audio = FALSE;
  context = self->context ? g_object_ref (self->context) : NULL;
  GST_OBJECT_UNLOCK (self);

  if (context && said->len) {
    GST_INFO_OBJECT (self, "the bot said: %s", said->str);
    gst_vani_context_add_assistant_message (context, said->str);
  }
  g_clear_object (&context);
  g_string_free (said, TRUE);
}

/* The running time now, or NONE without a clock. */
static GstClockTime
running_time_now (GstVaniAssistantAggregator * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime now, base;

  if (!clock || GST_STATE (self) != GST_STATE_PLAYING) {
    g_clear_object (&clock);
    return GST_CLOCK_TIME_NONE;
  }
  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}

/* ------------------------------------------------------------------------ */
/* Bot speaking                                                             */

static void
set_bot_speaking (GstVaniAssistantAggregator * self, gboolean speaking)
{
  GstElement *element = GST_ELEMENT (self);

  GST_OBJECT_LOCK (self);
  if (self->bot_speaking == speaking) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  self->bot_speaking = speaking;
  GST_OBJECT_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "bot %s speaking", speaking ? "started" : "stopped");
  gst_pad_push_event (self->sinkpad, speaking ?
      gst_vani_event_new_bot_started_speaking () :
      gst_vani_event_new_bot_stopped_speaking ());
  gst_element_post_message (element, speaking ?
      gst_vani_bus_message_new_bot_started_speaking (GST_OBJECT (self)) :
      gst_vani_bus_message_new_bot_stopped_speaking (GST_OBJECT (self)));
}

static void
on_played (GstElement * element)
{
  GstVaniAssistantAggregator *self = GST_VANI_ASSISTANT_AGGREGATOR (element);

  commit_said (self, GST_CLOCK_TIME_NONE);
  set_bot_speaking (self, FALSE);
}

/* The reply's audio has all passed: the bot stops speaking when the sink
 * has played it, at its running time plus the pipeline latency. */
static void
reply_passed (GstVaniAssistantAggregator * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime end, latency;

  GST_OBJECT_LOCK (self);
  end = self->end;
  latency = GST_CLOCK_TIME_IS_VALID (self->latency) ? self->latency : 0;
  GST_OBJECT_UNLOCK (self);

  if (clock && GST_CLOCK_TIME_IS_VALID (end) &&
      GST_STATE (self) == GST_STATE_PLAYING)
    gst_vani_timer_start (&self->stopped_timer, GST_ELEMENT (self), clock,
        gst_element_get_base_time (GST_ELEMENT (self)) + end + latency,
        on_played);
  else
    on_played (GST_ELEMENT (self));
  g_clear_object (&clock);
}

/* The user barged in: keep what they heard; the flush empties the sink. */
static void
interrupted (GstVaniAssistantAggregator * self)
{
  GstClockTime now = running_time_now (self), latency;

  gst_vani_timer_cancel (&self->stopped_timer, GST_ELEMENT (self));
  GST_OBJECT_LOCK (self);
  latency = GST_CLOCK_TIME_IS_VALID (self->latency) ? self->latency : 0;
  GST_OBJECT_UNLOCK (self);
  /* what plays at running time t was pushed for t - latency */
  if (GST_CLOCK_TIME_IS_VALID (now))
    now = now > latency ? now - latency : 0;
  commit_said (self, now);
  set_bot_speaking (self, FALSE);
}

/* A flow's end_conversation (after its goodbye): EOS goes downstream, and
 * the sink plays what came before it before the pipeline posts EOS. */
static gboolean
end_conversation (GstVaniAssistantAggregator * self, GstPad * pad,
    GstObject * parent, GstEvent * event)
{
  gboolean first;

  GST_OBJECT_LOCK (self);
  first = !self->ended;
  self->ended = TRUE;
  GST_OBJECT_UNLOCK (self);
  if (!gst_pad_event_default (pad, parent, event) || !first)
    return TRUE;
  /* before EOS, which applications take as the end of everything */
  gst_vani_timer_cancel (&self->stopped_timer, GST_ELEMENT (self));
  commit_said (self, GST_CLOCK_TIME_NONE);
  set_bot_speaking (self, FALSE);
  GST_INFO_OBJECT (self, "the conversation is over: EOS");
  return gst_pad_push_event (self->srcpad, gst_event_new_eos ());
}

/* ------------------------------------------------------------------------ */
/* Turn metrics                                                             */

/* When the reply's first audio (at running time @start) is played: the
 * pipeline latency after it reaches the sink, on the monotonic clock. */
static void
note_first_played (GstVaniAssistantAggregator * self, GstClockTime start)
{
  GstClockTime now = running_time_now (self), latency;
  gint64 played = g_get_monotonic_time ();

  GST_OBJECT_LOCK (self);
  if (self->first_played) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  latency = GST_CLOCK_TIME_IS_VALID (self->latency) ? self->latency : 0;
  if (GST_CLOCK_TIME_IS_VALID (now) && GST_CLOCK_TIME_IS_VALID (start))
    played += GST_CLOCK_DIFF (now, start + latency) / GST_USECOND;
  self->first_played = played;
  GST_OBJECT_UNLOCK (self);
}

/* The end of a reply: the turn's marks are complete. */
static void
post_turn_metrics (GstVaniAssistantAggregator * self, GstEvent * event)
{
  const GstStructure *marks = gst_vani_event_get_turn_marks (event);
  GstStructure *all;
  GstMessage *msg;
  gchar *line;
  gint64 played;

  GST_OBJECT_LOCK (self);
  played = self->first_played;
  self->first_played = 0;
  GST_OBJECT_UNLOCK (self);
  if (!marks || !played)
    return;
  all = gst_structure_copy (marks);
  gst_vani_turn_marks_set_time (all, "first-played", played);
  msg = gst_vani_bus_message_new_turn_metrics (GST_OBJECT (self), all);
  line = gst_vani_turn_metrics_describe (gst_message_get_structure (msg));
  GST_INFO_OBJECT (self, "turn metrics: %s", line);
  g_free (line);
  gst_element_post_message (GST_ELEMENT (self), msg);
  gst_structure_free (all);
}

/* ------------------------------------------------------------------------ */
/* Pads                                                                     */

static GstFlowReturn
gst_vani_assistant_aggregator_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstVaniAssistantAggregator *self = GST_VANI_ASSISTANT_AGGREGATOR (parent);
  GstClockTime start = gst_segment_to_running_time (&self->segment,
      GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  Sentence *last;

  GST_OBJECT_LOCK (self);
  last = g_queue_peek_tail (&self->sentences);
  if (self->awaiting_audio && last) {
    last->start = start;
    self->awaiting_audio = FALSE;
  }
  if (GST_CLOCK_TIME_IS_VALID (start))
    self->end = start + (GST_BUFFER_DURATION_IS_VALID (buffer) ?
        GST_BUFFER_DURATION (buffer) : 0);
  GST_OBJECT_UNLOCK (self);

  if (self->ended) {
    gst_buffer_unref (buffer);
    return GST_FLOW_EOS;
  }
  note_first_played (self, start);
  gst_vani_timer_cancel (&self->stopped_timer, GST_ELEMENT (self));
  set_bot_speaking (self, TRUE);
  return gst_pad_push (self->srcpad, buffer);
}

static void
add_sentence (GstVaniAssistantAggregator * self, GstEvent * event)
{
  Sentence *s = g_new0 (Sentence, 1);

  gst_vani_event_parse_tts_text (event, &s->text);
  s->start = GST_CLOCK_TIME_NONE;
  GST_OBJECT_LOCK (self);
  g_queue_push_tail (&self->sentences, s);
  self->awaiting_audio = TRUE;
  GST_OBJECT_UNLOCK (self);
}

static void
take_context (GstVaniAssistantAggregator * self, GstEvent * event)
{
  GstVaniContext *context = NULL;

  if (!gst_vani_event_parse_llm_context (event, &context))
    return;
  GST_OBJECT_LOCK (self);
  g_clear_object (&self->context);
  self->context = context;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_vani_assistant_aggregator_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstVaniAssistantAggregator *self = GST_VANI_ASSISTANT_AGGREGATOR (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEGMENT:
      GST_OBJECT_LOCK (self);
      gst_event_copy_segment (event, &self->segment);
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      GST_OBJECT_LOCK (self);
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_EVENT_EOS:
      commit_said (self, GST_CLOCK_TIME_NONE);
      set_bot_speaking (self, FALSE);
      break;
    default:
      break;
  }
  switch (gst_vani_event_get_event_type (event)) {
    case GST_VANI_EVENT_LLM_CONTEXT:
      take_context (self, event);
      break;
    case GST_VANI_EVENT_TTS_TEXT:
      add_sentence (self, event);
      break;
    case GST_VANI_EVENT_TTS_STOPPED:
      reply_passed (self);
      break;
    case GST_VANI_EVENT_INTERRUPTION:
      interrupted (self);
      GST_OBJECT_LOCK (self);
      self->first_played = 0;
      GST_OBJECT_UNLOCK (self);
      break;
    case GST_VANI_EVENT_LLM_RESPONSE_END:
      post_turn_metrics (self, event);
      break;
    case GST_VANI_EVENT_END_CONVERSATION:
      return end_conversation (self, pad, parent, event);
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_vani_assistant_aggregator_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstVaniAssistantAggregator *self = GST_VANI_ASSISTANT_AGGREGATOR (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY) {
    GST_OBJECT_LOCK (self);
    gst_event_parse_latency (event, &self->latency);
    GST_OBJECT_UNLOCK (self);
  }
  return gst_pad_event_default (pad, parent, event);
}

/* ------------------------------------------------------------------------ */
/* GstElement / GObject                                                     */

static void
reset (GstVaniAssistantAggregator * self)
{
  GST_OBJECT_LOCK (self);
  g_queue_clear_full (&self->sentences, (GDestroyNotify) sentence_free);
  self->awaiting_audio = FALSE;
  self->bot_speaking = FALSE;
  self->end = GST_CLOCK_TIME_NONE;
  self->ended = FALSE;
  self->first_played = 0;
  self->latency = GST_CLOCK_TIME_NONE;
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  GST_OBJECT_UNLOCK (self);
}

static GstStateChangeReturn
gst_vani_assistant_aggregator_change_state (GstElement * element,
    GstStateChange transition)
{
  GstVaniAssistantAggregator *self = GST_VANI_ASSISTANT_AGGREGATOR (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    reset (self);
  ret = GST_ELEMENT_CLASS (gst_vani_assistant_aggregator_parent_class)->
      change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    gst_vani_timer_cancel (&self->stopped_timer, element);
    reset (self);
  }
  return ret;
}

static void
gst_vani_assistant_aggregator_finalize (GObject * object)
{
  GstVaniAssistantAggregator *self = GST_VANI_ASSISTANT_AGGREGATOR (object);

  g_queue_clear_full (&self->sentences, (GDestroyNotify) sentence_free);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (gst_vani_assistant_aggregator_parent_class)->finalize
      (object);
}

static void
gst_vani_assistant_aggregator_init (GstVaniAssistantAggregator * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_assistant_aggregator_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_assistant_aggregator_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_vani_assistant_aggregator_src_event));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  g_queue_init (&self->sentences);
  self->end = GST_CLOCK_TIME_NONE;
  self->latency = GST_CLOCK_TIME_NONE;
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
}

static void
gst_vani_assistant_aggregator_class_init (GstVaniAssistantAggregatorClass *
    klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_vani_assistant_aggregator_finalize;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_vani_assistant_aggregator_change_state);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Voice agent assistant aggregator", "Filter/Audio",
      "Adds to the conversation what the bot really said, and tells when "
      "the bot starts and stops speaking", "gst-rustvani developers");

  GST_DEBUG_CATEGORY_INIT (gst_vani_assistant_aggregator_debug,
      "vaniassistantaggregator", 0, "gst-rustvani assistant aggregator");
}
