/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-vaniuseraggregator
 * @title: vaniuseraggregator
 * @short_description: turns final transcripts into user turns of the conversation
 *
 * vaniuseraggregator owns the conversation (#GstVaniUserAggregator:context).
 * It gathers the final transcripts the STT gives between
 * `user-started-speaking` and `user-stopped-speaking`, and when the user has
 * stopped and the words are in, adds them as one user message and pushes an
 * `llm-context` event for the LLM. A transcript that comes late (up to
 * #GstVaniUserAggregator:transcript-timeout after the VAD's stop) still
 * belongs to the turn. Without a VAD upstream, each final transcript is a
 * turn. Interim transcripts are never added to the context.
 *
 * Barge-in: when the user starts speaking while the bot speaks (it learns
 * that from the `bot-started/stopped-speaking` events coming upstream), and
 * #GstVaniUserAggregator:allow-interruptions is set, it posts
 * `vani/interruption`, sends the `interruption` event downstream and flushes
 * its source pad. That cancels the LLM request and the speech synthesis in
 * flight and empties the queues and the audio sink. With
 * #GstVaniUserAggregator:interruption-min-words, the bot is only interrupted
 * once the user has said that many words. If an interruption brings no words
 * within #GstVaniUserAggregator:false-interruption-timeout (a cough, a door),
 * `vani/false-interruption` is posted so the application can decide.
 *
 * After #GstVaniUserAggregator:user-idle-timeout of silence while the bot is
 * quiet, `vani/user-idle` is posted and, when
 * #GstVaniUserAggregator:user-idle-prompt is set, that prompt is added as a
 * system message and the LLM is asked to answer it.
 *
 * With #GstVaniUserAggregator:flow (a JSON file, read and checked when going
 * to READY) or #GstVaniUserAggregator:flow-object, the conversation follows a
 * flow (#GstVaniFlow): it enters the first node when the stream starts and
 * posts `vani/flow-node-entered`, `vani/flow-state-changed` and
 * `vani/flow-ended`. See docs/flows/README.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample \
 *     ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! vanivad ! vanisphinxstt \
 *     ! vaniuseraggregator system-prompt="You are a friendly receptionist." \
 *     ! vanillm ! vaniespeaktts ! vaniassistantaggregator ! audioconvert ! audioresample \
 *     ! autoaudiosink
 * ]| A voice agent with barge-in, offline except for the LLM.
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample \
 *     ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! vanivad ! vanisphinxstt \
 *     ! vaniuseraggregator flow=docs/flows/restaurant.json \
 *     ! vanillm ! vaniespeaktts ! vaniassistantaggregator ! audioconvert ! audioresample \
 *     ! autoaudiosink
 * ]| The same agent following the restaurant booking flow.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvaniuseraggregator.h"
#include "gstvanitimer.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_vani_user_aggregator_debug);
#define GST_CAT_DEFAULT gst_vani_user_aggregator_debug

#define DEFAULT_SYSTEM_PROMPT NULL
#define DEFAULT_ALLOW_INTERRUPTIONS TRUE
#define DEFAULT_INTERRUPTION_MIN_WORDS 0
#define DEFAULT_FALSE_INTERRUPTION_TIMEOUT 2000
#define DEFAULT_TRANSCRIPT_TIMEOUT 1000
#define DEFAULT_USER_IDLE_TIMEOUT 0
#define DEFAULT_USER_IDLE_PROMPT NULL

enum
{
  PROP_0,
  PROP_SYSTEM_PROMPT,
  PROP_MESSAGES,
  PROP_TOOLS,
  PROP_CONTEXT,
  PROP_ALLOW_INTERRUPTIONS,
  PROP_INTERRUPTION_MIN_WORDS,
  PROP_FALSE_INTERRUPTION_TIMEOUT,
  PROP_TRANSCRIPT_TIMEOUT,
  PROP_USER_IDLE_TIMEOUT,
  PROP_USER_IDLE_PROMPT,
  PROP_FLOW,
  PROP_FLOW_OBJECT,
};

struct _GstVaniUserAggregator
{
  GstElement parent;

  GstPad *sinkpad, *srcpad;
  GstVaniContext *context;      /* thread-safe itself */

  /* object lock */
  gchar *system_prompt;
  gboolean allow_interruptions;
  guint interruption_min_words;
  guint false_interruption_timeout;
  guint transcript_timeout;
  guint user_idle_timeout;
  gchar *user_idle_prompt;
  gchar *flow_location;
  GstVaniFlow *flow;
  gboolean flow_started;        /* its initial node has been entered */

  gboolean vad_seen;
  gboolean user_speaking;
  gboolean bot_speaking;
  gboolean interrupted;         /* this user turn already interrupted the bot */
  GString *turn_text;
  GstStructure *turn_marks;     /* this user turn's metrics marks */
  GstSegment segment;           /* re-sent after our own flush */

  GstVaniTimer transcript_timer, false_interruption_timer, idle_timer;
};

G_DEFINE_TYPE (GstVaniUserAggregator, gst_vani_user_aggregator,
    GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (vaniuseraggregator, "vaniuseraggregator",
    GST_RANK_NONE, GST_TYPE_VANI_USER_AGGREGATOR);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

/* ------------------------------------------------------------------------ */
/* Turns                                                                    */

/* Pushes a serialized event from any thread, in order with the stream. */
static void
push_serialized (GstVaniUserAggregator * self, GstEvent * event)
{
  GST_PAD_STREAM_LOCK (self->sinkpad);
  gst_pad_push_event (self->srcpad, event);
  GST_PAD_STREAM_UNLOCK (self->sinkpad);
}

static void
ask_llm (GstVaniUserAggregator * self)
{
  push_serialized (self, gst_vani_event_new_llm_context (self->context));
}

/* The user's turn, with where its time went so far (metrics). */
static void
ask_llm_for_turn (GstVaniUserAggregator * self, GstStructure * marks)
{
  gst_vani_turn_marks_set_time (marks, "decision", g_get_monotonic_time ());
  push_serialized (self, gst_vani_event_add_turn_marks
      (gst_vani_event_new_llm_context (self->context), marks));
}

/* This user turn's metrics marks, made on first use. Object lock. */
static GstStructure *
turn_marks_locked (GstVaniUserAggregator * self)
{
  if (!self->turn_marks)
    self->turn_marks = gst_structure_new_empty (GST_VANI_TURN_MARKS_NAME);
  return self->turn_marks;
}

/* Called with the object lock. */
static void
mark_turn_locked (GstVaniUserAggregator * self, const gchar * mark,
    gint64 when)
{
  gst_vani_turn_marks_set_time (turn_marks_locked (self), mark, when);
}

/* When @running_time was, on the monotonic clock: the VAD backdates. */
static gint64
monotonic_at (GstVaniUserAggregator * self, GstClockTime running_time)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  gint64 now = g_get_monotonic_time ();
  GstClockTime clock_now, base;

  if (!clock || !GST_CLOCK_TIME_IS_VALID (running_time)) {
    g_clear_object (&clock);
    return now;
  }
  clock_now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  if (clock_now < base || clock_now - base < running_time)
    return now;
  return now - (gint64) GST_TIME_AS_USECONDS (clock_now - base - running_time);
}

static void apply_pending_transition (GstVaniUserAggregator * self);

/* The user's words are in: one user message, then the LLM's turn. */
static void
close_turn (GstVaniUserAggregator * self)
{
  GstStructure *marks;
  gchar *text;

  gst_vani_timer_cancel (&self->transcript_timer, GST_ELEMENT (self));
  gst_vani_timer_cancel (&self->false_interruption_timer, GST_ELEMENT (self));
  GST_OBJECT_LOCK (self);
  text = g_strdup (g_strstrip (self->turn_text->str));
  g_string_truncate (self->turn_text, 0);
  self->interrupted = FALSE;
  marks = self->turn_marks;
  self->turn_marks = NULL;
  GST_OBJECT_UNLOCK (self);

  if (*text) {
    GST_INFO_OBJECT (self, "user turn: %s", text);
    apply_pending_transition (self);
    gst_vani_context_add_user_message (self->context, text);
    if (!marks)
      marks = gst_structure_new_empty (GST_VANI_TURN_MARKS_NAME);
    ask_llm_for_turn (self, marks);
  }
  if (marks)
    gst_structure_free (marks);
  g_free (text);
}

static void
on_transcript_timeout (GstElement * element)
{
  GST_DEBUG_OBJECT (element, "no transcript came for the last speech");
  close_turn (GST_VANI_USER_AGGREGATOR (element));
}

static void
on_false_interruption (GstElement * element)
{
  GstVaniUserAggregator *self = GST_VANI_USER_AGGREGATOR (element);
  gboolean no_words;

  GST_OBJECT_LOCK (self);
  no_words = self->turn_text->len == 0;
  GST_OBJECT_UNLOCK (self);
  if (no_words) {
    GST_INFO_OBJECT (self, "the interruption brought no words");
    gst_element_post_message (element,
        gst_vani_bus_message_new_false_interruption (GST_OBJECT (self)));
  }
}

static void
on_user_idle (GstElement * element)
{
  GstVaniUserAggregator *self = GST_VANI_USER_AGGREGATOR (element);
  gchar *prompt;

  GST_OBJECT_LOCK (self);
  prompt = g_strdup (self->user_idle_prompt);
  GST_OBJECT_UNLOCK (self);
  gst_element_post_message (element,
      gst_vani_bus_message_new_user_idle (GST_OBJECT (self)));
  if (prompt && *prompt) {
    gst_vani_context_add_system_message (self->context, prompt);
    ask_llm (self);
  }
  g_free (prompt);
}

static void
arm_idle_timer (GstVaniUserAggregator * self)
{
  guint ms;

  GST_OBJECT_LOCK (self);
  ms = self->user_speaking || self->bot_speaking ? 0 : self->user_idle_timeout;
  GST_OBJECT_UNLOCK (self);
  if (ms)
    gst_vani_timer_start_after (&self->idle_timer, GST_ELEMENT (self),
        ms * GST_MSECOND, on_user_idle);
}

/* DESIGN §5: tell everyone downstream, then flush them. Streaming thread. */
static void
interrupt_bot (GstVaniUserAggregator * self)
{
  GstSegment segment;
  guint timeout;

  GST_OBJECT_LOCK (self);
  self->interrupted = TRUE;
  timeout = self->false_interruption_timeout;
  segment = self->segment;
  GST_OBJECT_UNLOCK (self);

  GST_INFO_OBJECT (self, "interrupting the bot");
  gst_element_post_message (GST_ELEMENT (self),
      gst_vani_bus_message_new_interruption (GST_OBJECT (self)));
  gst_pad_push_event (self->srcpad, gst_vani_event_new_interruption ());
  gst_pad_push_event (self->srcpad, gst_event_new_flush_start ());
  gst_pad_push_event (self->srcpad, gst_event_new_flush_stop (FALSE));
  gst_pad_push_event (self->srcpad, gst_event_new_segment (&segment));
  if (timeout)
    gst_vani_timer_start_after (&self->false_interruption_timer,
        GST_ELEMENT (self), timeout * GST_MSECOND, on_false_interruption);
}

static guint
count_words (const gchar * text)
{
  gchar **words = g_strsplit_set (text, " \t\n", -1), **w;
  guint n = 0;

  for (w = words; *w; w++)
    n += **w != '\0';
  g_strfreev (words);
  return n;
}

/* Called with the object lock: does the user's speech so far interrupt? */
static gboolean
should_interrupt_locked (GstVaniUserAggregator * self)
{
  if (!self->bot_speaking || !self->allow_interruptions || self->interrupted)
    return FALSE;
  return self->interruption_min_words == 0 ||
      count_words (self->turn_text->str) >= self->interruption_min_words;
}

/* ------------------------------------------------------------------------ */
/* Flows                                                                    */

static GstVaniFlow *
get_flow (GstVaniUserAggregator * self)
{
  GstVaniFlow *flow;

  GST_OBJECT_LOCK (self);
  flow = self->flow ? g_object_ref (self->flow) : NULL;
  GST_OBJECT_UNLOCK (self);
  return flow;
}

/* The flow's pre- and post-actions, from the streaming thread or a timer. */
static void
push_flow_events (GstVaniUserAggregator * self, GPtrArray * events)
{
  guint i;

  for (i = 0; i < events->len; i++)
    push_serialized (self, gst_event_ref (g_ptr_array_index (events, i)));
  g_ptr_array_unref (events);
}

/* Once the stream is set up: the initial node, and the bot may speak first. */
static void
start_flow (GstVaniUserAggregator * self)
{
  GstVaniFlow *flow = get_flow (self);
  GPtrArray *events;
  gboolean respond;

  if (!flow)
    return;
  GST_OBJECT_LOCK (self);
  respond = self->flow_started;
  self->flow_started = TRUE;
  GST_OBJECT_UNLOCK (self);
  if (!respond) {
    events = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_event_unref);
    respond = gst_vani_flow_start (flow, self->context, events);
    push_flow_events (self, events);
    if (respond)
      ask_llm (self);
  }
  g_object_unref (flow);
}

/* A transition an interruption cut short is taken before the next turn. */
static void
apply_pending_transition (GstVaniUserAggregator * self)
{
  GstVaniFlow *flow = get_flow (self);
  GPtrArray *events;

  if (!flow)
    return;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_event_unref);
  gst_vani_flow_apply_pending (flow, self->context, events);
  push_flow_events (self, events);
  g_object_unref (flow);
}

static void
reply_spoken (GstVaniUserAggregator * self)
{
  GstVaniFlow *flow = get_flow (self);

  if (flow) {
    gst_vani_flow_reply_spoken (flow);
    g_object_unref (flow);
  }
}

static void
on_flow_node_entered (GstVaniFlow * flow, const gchar * from,
    const gchar * to, const gchar * reason, GstElement * self)
{
  gst_element_post_message (self,
      gst_vani_bus_message_new_flow_node_entered (GST_OBJECT (self), from, to,
          reason));
}

static void
on_flow_state_changed (GstVaniFlow * flow, const gchar * key,
    const gchar * value, GstElement * self)
{
  gst_element_post_message (self,
      gst_vani_bus_message_new_flow_state_changed (GST_OBJECT (self), key,
          value));
}

static void
on_flow_ended (GstVaniFlow * flow, const gchar * node, const gchar * reason,
    GstElement * self)
{
  gst_element_post_message (self,
      gst_vani_bus_message_new_flow_ended (GST_OBJECT (self), node, reason));
}

/* Takes @flow (may be NULL); its signals become bus messages. */
static void
set_flow (GstVaniUserAggregator * self, GstVaniFlow * flow)
{
  GstVaniFlow *old;

  if (flow) {
    g_signal_connect_object (flow, "node-entered",
        G_CALLBACK (on_flow_node_entered), self, 0);
    g_signal_connect_object (flow, "state-changed",
        G_CALLBACK (on_flow_state_changed), self, 0);
    g_signal_connect_object (flow, "ended", G_CALLBACK (on_flow_ended), self,
        0);
  }
  GST_OBJECT_LOCK (self);
  old = self->flow;
  self->flow = flow;
  self->flow_started = FALSE;
  GST_OBJECT_UNLOCK (self);
  if (old) {
    g_signal_handlers_disconnect_by_data (old, self);
    g_object_unref (old);
  }
}

/* READY: the flow file is read and checked, or the pipeline does not
 * start. */
static gboolean
prepare_flow (GstVaniUserAggregator * self)
{
  GstVaniFlow *flow = NULL;
  GError *error = NULL;
  gchar *location;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->flow_location);
  if (self->flow && !location)
    flow = g_object_ref (self->flow);
  GST_OBJECT_UNLOCK (self);

  if (location) {
    flow = gst_vani_flow_new_from_file (location, &error);
    if (flow)
      set_flow (self, g_object_ref (flow));
  } else if (flow && !gst_vani_flow_validate (flow, &error)) {
    g_clear_object (&flow);
  }
  g_free (location);
  if (error) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
        ("the flow cannot run"));
    g_error_free (error);
    return FALSE;
  }
  g_clear_object (&flow);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Pads                                                                     */

/* Called with the object lock: the user speech the STT heard. */
static void
add_audio_seconds_locked (GstVaniUserAggregator * self, GstClockTime duration)
{
  GstStructure *marks = turn_marks_locked (self);
  gdouble seconds = 0;

  gst_structure_get_double (marks, "audio-seconds", &seconds);
  gst_structure_set (marks, "audio-seconds", G_TYPE_DOUBLE,
      seconds + (gdouble) duration / GST_SECOND, NULL);
}

static GstFlowReturn
gst_vani_user_aggregator_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstVaniUserAggregator *self = GST_VANI_USER_AGGREGATOR (parent);
  gboolean interrupt, turn_over;
  GstMapInfo map;
  gchar *text;

  if (gst_buffer_get_size (buffer) == 0) {     /* no words: a gap marker */
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  text = g_utf8_make_valid ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buffer, &map);

  GST_OBJECT_LOCK (self);
  mark_turn_locked (self, "transcript", g_get_monotonic_time ());
  if (GST_BUFFER_DURATION_IS_VALID (buffer))
    add_audio_seconds_locked (self, GST_BUFFER_DURATION (buffer));
  gst_buffer_unref (buffer);
  if (self->turn_text->len)
    g_string_append_c (self->turn_text, ' ');
  g_string_append (self->turn_text, g_strstrip (text));
  interrupt = should_interrupt_locked (self);
  /* without a VAD a transcript is a turn; after the VAD's stop it ends one */
  turn_over = !self->vad_seen || !self->user_speaking;
  GST_OBJECT_UNLOCK (self);
  g_free (text);

  gst_vani_timer_cancel (&self->false_interruption_timer, GST_ELEMENT (self));
  if (interrupt)
    interrupt_bot (self);
  if (turn_over)
    close_turn (self);
  return GST_FLOW_OK;
}

static void
user_started (GstVaniUserAggregator * self)
{
  gboolean interrupt;

  gst_vani_timer_cancel (&self->idle_timer, GST_ELEMENT (self));
  GST_OBJECT_LOCK (self);
  self->vad_seen = TRUE;
  self->user_speaking = TRUE;
  interrupt = should_interrupt_locked (self);
  GST_OBJECT_UNLOCK (self);
  if (interrupt)
    interrupt_bot (self);
}

static void
user_stopped (GstVaniUserAggregator * self, GstEvent * event)
{
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  gboolean have_words;
  gint64 speech_end;
  guint timeout;

  gst_vani_event_parse_user_stopped_speaking (event, NULL, &running_time);
  speech_end = monotonic_at (self, running_time);
  GST_OBJECT_LOCK (self);
  mark_turn_locked (self, "vad-stop", g_get_monotonic_time ());
  mark_turn_locked (self, "speech-end", speech_end);
  self->vad_seen = TRUE;
  self->user_speaking = FALSE;
  have_words = self->turn_text->len > 0;
  timeout = self->transcript_timeout;
  GST_OBJECT_UNLOCK (self);

  if (have_words)
    close_turn (self);
  else
    /* the STT's final transcript usually comes just after the VAD's stop */
    gst_vani_timer_start_after (&self->transcript_timer, GST_ELEMENT (self),
        timeout * GST_MSECOND, on_transcript_timeout);
  arm_idle_timer (self);
}

static gboolean
gst_vani_user_aggregator_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstVaniUserAggregator *self = GST_VANI_USER_AGGREGATOR (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEGMENT:
      GST_OBJECT_LOCK (self);
      gst_event_copy_segment (event, &self->segment);
      GST_OBJECT_UNLOCK (self);
      if (!gst_pad_event_default (pad, parent, event))
        return FALSE;
      start_flow (self);
      return TRUE;
    case GST_EVENT_EOS:
      close_turn (self);
      break;
    default:
      break;
  }
  switch (gst_vani_event_get_event_type (event)) {
    case GST_VANI_EVENT_USER_STARTED_SPEAKING:
      user_started (self);
      break;
    case GST_VANI_EVENT_USER_STOPPED_SPEAKING:
      user_stopped (self, event);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_vani_user_aggregator_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstVaniUserAggregator *self = GST_VANI_USER_AGGREGATOR (parent);

  switch (gst_vani_event_get_event_type (event)) {
    case GST_VANI_EVENT_BOT_STARTED_SPEAKING:
      gst_vani_timer_cancel (&self->idle_timer, GST_ELEMENT (self));
      GST_OBJECT_LOCK (self);
      self->bot_speaking = TRUE;
      GST_OBJECT_UNLOCK (self);
      gst_event_unref (event);
      return TRUE;
    case GST_VANI_EVENT_BOT_STOPPED_SPEAKING:
      GST_OBJECT_LOCK (self);
      self->bot_speaking = FALSE;
      GST_OBJECT_UNLOCK (self);
      arm_idle_timer (self);
      reply_spoken (self);
      gst_event_unref (event);
      return TRUE;
    default:
      return gst_pad_event_default (pad, parent, event);
  }
}

/* ------------------------------------------------------------------------ */
/* Context properties                                                       */

/* The system prompt is the first message, replaced when it changes. */
static void
apply_system_prompt (GstVaniUserAggregator * self, const gchar * prompt)
{
  GPtrArray *messages = gst_vani_context_get_messages (self->context);
  GstVaniMessage *first = messages->len ? g_ptr_array_index (messages, 0) :
      NULL;

  if (first && gst_vani_message_get_role (first) == GST_VANI_ROLE_SYSTEM)
    g_ptr_array_remove_index (messages, 0);
  if (prompt && *prompt)
    g_ptr_array_insert (messages, 0, gst_vani_message_new (GST_VANI_ROLE_SYSTEM,
            prompt));
  gst_vani_context_set_messages (self->context, messages);
  g_ptr_array_unref (messages);
}

static void
set_json_property (GstVaniUserAggregator * self, const gchar * what,
    const gchar * json)
{
  GError *error = NULL;
  gboolean ok;

  if (g_str_equal (what, "messages"))
    ok = gst_vani_context_set_messages_from_json (self->context,
        json ? json : "[]", &error);
  else
    ok = gst_vani_context_set_tools_from_json (self->context,
        json ? json : "[]", &error);
  if (!ok) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("The %s property is not usable: %s", what, error->message), (NULL));
    g_error_free (error);
  }
}

/* ------------------------------------------------------------------------ */
/* GstElement / GObject                                                     */

static void
cancel_timers (GstVaniUserAggregator * self)
{
  gst_vani_timer_cancel (&self->transcript_timer, GST_ELEMENT (self));
  gst_vani_timer_cancel (&self->false_interruption_timer, GST_ELEMENT (self));
  gst_vani_timer_cancel (&self->idle_timer, GST_ELEMENT (self));
}

static GstStateChangeReturn
gst_vani_user_aggregator_change_state (GstElement * element,
    GstStateChange transition)
{
  GstVaniUserAggregator *self = GST_VANI_USER_AGGREGATOR (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !prepare_flow (self))
    return GST_STATE_CHANGE_FAILURE;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    GST_OBJECT_LOCK (self);
    self->vad_seen = self->user_speaking = self->bot_speaking = FALSE;
    self->interrupted = FALSE;
    g_string_truncate (self->turn_text, 0);
    gst_segment_init (&self->segment, GST_FORMAT_TIME);
    g_clear_pointer (&self->turn_marks, gst_structure_free);
    self->flow_started = FALSE;
    GST_OBJECT_UNLOCK (self);
  }
  ret = GST_ELEMENT_CLASS (gst_vani_user_aggregator_parent_class)->change_state
      (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    cancel_timers (self);
  return ret;
}

static void
gst_vani_user_aggregator_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVaniUserAggregator *self = GST_VANI_USER_AGGREGATOR (object);

  switch (prop_id) {
    case PROP_SYSTEM_PROMPT:
      GST_OBJECT_LOCK (self);
      g_free (self->system_prompt);
      self->system_prompt = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      apply_system_prompt (self, g_value_get_string (value));
      return;
    case PROP_MESSAGES:
      set_json_property (self, "messages", g_value_get_string (value));
      return;
    case PROP_TOOLS:
      set_json_property (self, "tools", g_value_get_string (value));
      return;
    case PROP_FLOW_OBJECT:
      GST_OBJECT_LOCK (self);
      g_clear_pointer (&self->flow_location, g_free);
      GST_OBJECT_UNLOCK (self);
      set_flow (self, g_value_dup_object (value));
      return;
    default:
      break;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_ALLOW_INTERRUPTIONS:
      self->allow_interruptions = g_value_get_boolean (value);
      break;
    case PROP_INTERRUPTION_MIN_WORDS:
      self->interruption_min_words = g_value_get_uint (value);
      break;
    case PROP_FALSE_INTERRUPTION_TIMEOUT:
      self->false_interruption_timeout = g_value_get_uint (value);
      break;
    case PROP_TRANSCRIPT_TIMEOUT:
      self->transcript_timeout = g_value_get_uint (value);
      break;
    case PROP_USER_IDLE_TIMEOUT:
      self->user_idle_timeout = g_value_get_uint (value);
      break;
    case PROP_USER_IDLE_PROMPT:
      g_free (self->user_idle_prompt);
      self->user_idle_prompt = g_value_dup_string (value);
      break;
    case PROP_FLOW:
      g_free (self->flow_location);
      self->flow_location = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_user_aggregator_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstVaniUserAggregator *self = GST_VANI_USER_AGGREGATOR (object);
  JsonNode *node;

  switch (prop_id) {
    case PROP_MESSAGES:
      node = gst_vani_context_messages_to_json_node (self->context);
      g_value_take_string (value, json_to_string (node, FALSE));
      json_node_unref (node);
      return;
    case PROP_TOOLS:
      g_value_take_string (value,
          gst_vani_context_get_tools_json (self->context));
      return;
    case PROP_CONTEXT:
      g_value_set_object (value, self->context);
      return;
    default:
      break;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SYSTEM_PROMPT:
      g_value_set_string (value, self->system_prompt);
      break;
    case PROP_ALLOW_INTERRUPTIONS:
      g_value_set_boolean (value, self->allow_interruptions);
      break;
    case PROP_INTERRUPTION_MIN_WORDS:
      g_value_set_uint (value, self->interruption_min_words);
      break;
    case PROP_FALSE_INTERRUPTION_TIMEOUT:
      g_value_set_uint (value, self->false_interruption_timeout);
      break;
    case PROP_TRANSCRIPT_TIMEOUT:
      g_value_set_uint (value, self->transcript_timeout);
      break;
    case PROP_USER_IDLE_TIMEOUT:
      g_value_set_uint (value, self->user_idle_timeout);
      break;
    case PROP_USER_IDLE_PROMPT:
      g_value_set_string (value, self->user_idle_prompt);
      break;
    case PROP_FLOW:
      g_value_set_string (value, self->flow_location);
      break;
    case PROP_FLOW_OBJECT:
      g_value_set_object (value, self->flow);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_user_aggregator_finalize (GObject * object)
{
  GstVaniUserAggregator *self = GST_VANI_USER_AGGREGATOR (object);

  g_object_unref (self->context);
  g_free (self->system_prompt);
  g_free (self->user_idle_prompt);
  g_free (self->flow_location);
  set_flow (self, NULL);
  if (self->turn_marks)
    gst_structure_free (self->turn_marks);
  g_string_free (self->turn_text, TRUE);
  G_OBJECT_CLASS (gst_vani_user_aggregator_parent_class)->finalize (object);
}

static void
gst_vani_user_aggregator_init (GstVaniUserAggregator * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_user_aggregator_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_user_aggregator_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_vani_user_aggregator_src_event));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->context = gst_vani_context_new ();
  self->allow_interruptions = DEFAULT_ALLOW_INTERRUPTIONS;
  self->interruption_min_words = DEFAULT_INTERRUPTION_MIN_WORDS;
  self->false_interruption_timeout = DEFAULT_FALSE_INTERRUPTION_TIMEOUT;
  self->transcript_timeout = DEFAULT_TRANSCRIPT_TIMEOUT;
  self->user_idle_timeout = DEFAULT_USER_IDLE_TIMEOUT;
  self->turn_text = g_string_new (NULL);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
}

static void
gst_vani_user_aggregator_class_init (GstVaniUserAggregatorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_vani_user_aggregator_set_property;
  gobject_class->get_property = gst_vani_user_aggregator_get_property;
  gobject_class->finalize = gst_vani_user_aggregator_finalize;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_vani_user_aggregator_change_state);

  g_object_class_install_property (gobject_class, PROP_SYSTEM_PROMPT,
      g_param_spec_string ("system-prompt", "System prompt",
          "The system message that opens the conversation", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_MESSAGES,
      g_param_spec_string ("messages", "Messages",
          "The conversation as an OpenAI messages JSON array (setting it "
          "replaces the history)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_TOOLS,
      g_param_spec_string ("tools", "Tools",
          "Tools the LLM may call, as an OpenAI tools JSON array", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_CONTEXT,
      g_param_spec_object ("context", "Context",
          "The conversation (GstVaniContext), shared with vanillm and "
          "vaniassistantaggregator", GST_VANI_TYPE_CONTEXT,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_ALLOW_INTERRUPTIONS,
      g_param_spec_boolean ("allow-interruptions", "Allow interruptions",
          "Whether the user may interrupt the bot by speaking",
          DEFAULT_ALLOW_INTERRUPTIONS, rw));
  g_object_class_install_property (gobject_class, PROP_INTERRUPTION_MIN_WORDS,
      g_param_spec_uint ("interruption-min-words", "Interruption minimum words",
          "Words the user must say before the bot is interrupted (0: as soon "
          "as the user starts speaking)", 0, 100,
          DEFAULT_INTERRUPTION_MIN_WORDS, rw));
  g_object_class_install_property (gobject_class,
      PROP_FALSE_INTERRUPTION_TIMEOUT,
      g_param_spec_uint ("false-interruption-timeout",
          "False interruption timeout",
          "If an interruption brings no words within this time (ms), "
          "vani/false-interruption is posted (0: never)", 0, 60000,
          DEFAULT_FALSE_INTERRUPTION_TIMEOUT, rw));
  g_object_class_install_property (gobject_class, PROP_TRANSCRIPT_TIMEOUT,
      g_param_spec_uint ("transcript-timeout", "Transcript timeout",
          "How long after the user stopped speaking a final transcript may "
          "still arrive for that turn (ms)", 0, 60000,
          DEFAULT_TRANSCRIPT_TIMEOUT, rw));
  g_object_class_install_property (gobject_class, PROP_USER_IDLE_TIMEOUT,
      g_param_spec_uint ("user-idle-timeout", "User idle timeout",
          "Silence (ms) while the bot is quiet before vani/user-idle is "
          "posted (0: never)", 0, G_MAXUINT, DEFAULT_USER_IDLE_TIMEOUT, rw));
  g_object_class_install_property (gobject_class, PROP_USER_IDLE_PROMPT,
      g_param_spec_string ("user-idle-prompt", "User idle prompt",
          "A system message added when the user is idle, to make the bot "
          "speak (e.g. \"The user is quiet; ask if they are still there.\")",
          DEFAULT_USER_IDLE_PROMPT, rw));
  g_object_class_install_property (gobject_class, PROP_FLOW,
      g_param_spec_string ("flow", "Flow",
          "A conversation flow JSON file (Pipecat Flows form): read and "
          "checked when going to READY; the conversation follows its nodes",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_FLOW_OBJECT,
      g_param_spec_object ("flow-object", "Flow object",
          "The conversation flow (GstVaniFlow): the one loaded from \"flow\", "
          "or one an application builds in code", GST_VANI_TYPE_FLOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Voice agent user aggregator", "Filter/Text",
      "Turns final transcripts into user turns of the conversation, and "
      "interrupts the bot when the user barges in",
      "gst-rustvani developers");

  GST_DEBUG_CATEGORY_INIT (gst_vani_user_aggregator_debug,
      "vaniuseraggregator", 0, "gst-rustvani user aggregator");
}
