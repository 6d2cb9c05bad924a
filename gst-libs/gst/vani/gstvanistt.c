/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanistt
 * @title: GstVaniSTT
 * @short_description: base class for speech-to-text elements
 *
 * A #GstVaniSTT takes raw audio and gives final transcripts as
 * `text/x-raw,format=utf8` buffers, one per utterance, with PTS = where the
 * speech started and duration = how long it lasted. Partial results go out
 * as `interim-transcription` events.
 *
 * Utterances follow the `user-started-speaking` / `user-stopped-speaking`
 * events of a VAD upstream (they are passed on downstream too). The start
 * event is backdated, so the audio that came before it is kept in a ring
 * buffer and handed to the engine first, with #GstVaniSTT:pre-speech-ms of
 * padding before the start. When no VAD is upstream, the stream is kept (up
 * to its last two minutes) and recognised as one utterance at EOS.
 *
 * An engine may answer an utterance from any thread and at any time;
 * results are pushed in utterance order, and audio keeps flowing to the next
 * utterance meanwhile. EOS waits for pending results; a flush drops them. For
 * every result a `vani/transcript` bus message and a `vani/metrics` message
 * (processing time: end of speech → final transcript) are posted.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanistt.h"
#include "gstvanievents.h"
#include "gstvanimessages.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_vani_stt_debug);
#define GST_CAT_DEFAULT gst_vani_stt_debug

#define DEFAULT_PRE_SPEECH_MS 200
#define DEFAULT_LANGUAGE NULL
#define RING_SECONDS 3          /* audio kept while nobody speaks */
#define NO_VAD_SECONDS 120      /* kept until EOS when no VAD is upstream */

enum
{
  PROP_0,
  PROP_PRE_SPEECH_MS,
  PROP_LANGUAGE,
};

typedef struct
{
  guint64 id;
  GstClockTime start;           /* buffer time of the speech start */
  GstClockTime duration;
  gint64 ended;                 /* monotonic µs when speech ended */
  gboolean done;
  gchar *text;
  GError *error;
} Utterance;

typedef struct
{
  GstPad *sinkpad, *srcpad;

  /* properties, object lock */
  guint pre_speech_ms;
  gchar *language;

  /* streaming thread (sink stream lock) */
  GstAudioInfo info;
  gboolean have_info;
  GstSegment segment;
  GQueue ring;                  /* GstBuffer, while nobody speaks */
  gboolean vad_seen;
  gboolean in_utterance;
  guint64 current;
  GstClockTime utterance_start;
  GstClockTime last_end;        /* end of the last audio buffer */

  /* shared with finishing threads, object lock */
  GQueue pending;               /* Utterance, in order */
  guint64 next_id;
  GstEvent *held_eos;
  guint generation;
} GstVaniSTTPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GstVaniSTT, gst_vani_stt,
    GST_TYPE_ELEMENT);

#define PRIV(stt) ((GstVaniSTTPrivate *) \
    gst_vani_stt_get_instance_private (GST_VANI_STT (stt)))

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

static void
utterance_free (Utterance * u)
{
  g_free (u->text);
  g_clear_error (&u->error);
  g_free (u);
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static void
ensure_src_caps (GstVaniSTT * stt)
{
  GstVaniSTTPrivate *priv = PRIV (stt);

  if (!gst_pad_has_current_caps (priv->srcpad)) {
    GstCaps *caps = gst_static_pad_template_get_caps (&src_template);

    gst_pad_push_event (priv->srcpad, gst_event_new_caps (caps));
    gst_caps_unref (caps);
    gst_pad_push_event (priv->srcpad, gst_event_new_segment (&priv->segment));
  }
}

static void
push_result (GstVaniSTT * stt, Utterance * u)
{
  GstVaniSTTPrivate *priv = PRIV (stt);
  GstClockTime stream_start;
  gchar *language = gst_vani_stt_get_language (stt);

  gst_element_post_message (GST_ELEMENT (stt),
      gst_vani_bus_message_new_metrics_time (GST_OBJECT (stt),
          GST_OBJECT_NAME (stt), GST_VANI_METRICS_PROCESSING,
          (g_get_monotonic_time () - u->ended) * GST_USECOND));
  if (u->error) {
    GST_ELEMENT_WARNING (stt, RESOURCE, READ,
        ("Speech recognition failed: %s", u->error->message),
        ("utterance %" G_GUINT64_FORMAT " was skipped", u->id));
    gst_element_post_message (GST_ELEMENT (stt),
        gst_vani_bus_message_new_error (GST_OBJECT (stt), "stt",
            u->error->message, FALSE));
  } else if (u->text && *u->text) {
    GstBuffer *buffer = gst_buffer_new_memdup (u->text, strlen (u->text));

    GST_BUFFER_PTS (buffer) = u->start;
    GST_BUFFER_DURATION (buffer) = u->duration;
    stream_start = gst_segment_to_stream_time (&priv->segment,
        GST_FORMAT_TIME, u->start);
    gst_element_post_message (GST_ELEMENT (stt),
        gst_vani_bus_message_new_transcript (GST_OBJECT (stt), u->text, TRUE,
            language, stream_start, u->duration));
    GST_INFO_OBJECT (stt, "transcript: %s", u->text);
    ensure_src_caps (stt);
    gst_pad_push (priv->srcpad, buffer);
  }
  g_free (language);
}

/* Pushes finished utterances in order, then a held EOS. Any thread; the
 * stream lock keeps results in order with the other serialized events. */
static void
push_ready_results (GstVaniSTT * stt)
{
  GstVaniSTTPrivate *priv = PRIV (stt);

  GST_PAD_STREAM_LOCK (priv->sinkpad);
  for (;;) {
    Utterance *u;
    GstEvent *eos = NULL;

    GST_OBJECT_LOCK (stt);
    u = g_queue_peek_head (&priv->pending);
    if (u && u->done) {
      g_queue_pop_head (&priv->pending);
    } else {
      u = NULL;
      if (g_queue_is_empty (&priv->pending)) {
        eos = priv->held_eos;
        priv->held_eos = NULL;
      }
    }
    GST_OBJECT_UNLOCK (stt);

    if (u) {
      push_result (stt, u);
      utterance_free (u);
      continue;
    }
    if (eos)
      gst_pad_push_event (priv->srcpad, eos);
    break;
  }
  GST_PAD_STREAM_UNLOCK (priv->sinkpad);
}

/**
 * gst_vani_stt_finish_utterance:
 * @stt: a #GstVaniSTT
 * @utterance: the id given to end_utterance
 * @text: (nullable): the final transcript (%NULL or empty: nothing was said)
 * @error: (nullable): why recognition failed; the utterance is skipped with a
 *   warning and the next one works as usual
 *
 * Delivers the result of an utterance, from any thread.
 */
void
gst_vani_stt_finish_utterance (GstVaniSTT * stt, guint64 utterance,
    const gchar * text, const GError * error)
{
  GstVaniSTTPrivate *priv;
  gboolean found = FALSE;
  GList *l;

  g_return_if_fail (GST_VANI_IS_STT (stt));
  priv = PRIV (stt);
  GST_OBJECT_LOCK (stt);
  for (l = priv->pending.head; l; l = l->next) {
    Utterance *u = l->data;

    if (u->id == utterance && !u->done) {
      u->done = TRUE;
      u->text = g_strdup (text);
      u->error = error ? g_error_copy (error) : NULL;
      found = TRUE;
    }
  }
  GST_OBJECT_UNLOCK (stt);
  if (found)
    push_ready_results (stt);
  else
    GST_DEBUG_OBJECT (stt, "utterance %" G_GUINT64_FORMAT " was flushed",
        utterance);
}

/**
 * gst_vani_stt_push_interim:
 * @stt: a #GstVaniSTT
 * @text: a partial transcript of the current utterance
 *
 * Sends an `interim-transcription` event and a non-final transcript message.
 * Call it from the streaming thread (handle_audio).
 */
void
gst_vani_stt_push_interim (GstVaniSTT * stt, const gchar * text)
{
  GstVaniSTTPrivate *priv;
  gchar *language;

  g_return_if_fail (GST_VANI_IS_STT (stt));
  priv = PRIV (stt);
  language = gst_vani_stt_get_language (stt);
  ensure_src_caps (stt);
  gst_pad_push_event (priv->srcpad,
      gst_vani_event_new_interim_transcription (text, language));
  gst_element_post_message (GST_ELEMENT (stt),
      gst_vani_bus_message_new_transcript (GST_OBJECT (stt), text, FALSE,
          language, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE));
  g_free (language);
}

/**
 * gst_vani_stt_get_audio_info:
 * @stt: a #GstVaniSTT
 * @info: (out caller-allocates): the negotiated audio format
 *
 * Returns: %TRUE once the format is known
 */
gboolean
gst_vani_stt_get_audio_info (GstVaniSTT * stt, GstAudioInfo * info)
{
  GstVaniSTTPrivate *priv = PRIV (stt);

  if (priv->have_info)
    *info = priv->info;
  return priv->have_info;
}

/**
 * gst_vani_stt_get_language:
 * @stt: a #GstVaniSTT
 *
 * Returns: (transfer full) (nullable): the #GstVaniSTT:language property
 */
gchar *
gst_vani_stt_get_language (GstVaniSTT * stt)
{
  gchar *language;

  GST_OBJECT_LOCK (stt);
  language = g_strdup (PRIV (stt)->language);
  GST_OBJECT_UNLOCK (stt);
  return language;
}

/* ------------------------------------------------------------------------ */
/* Utterances                                                               */

static void
clear_ring (GstVaniSTTPrivate * priv)
{
  g_queue_clear_full (&priv->ring, (GDestroyNotify) gst_buffer_unref);
}

static void
trim_ring (GstVaniSTTPrivate * priv)
{
  GstClockTime keep = (priv->vad_seen ? RING_SECONDS : NO_VAD_SECONDS) *
      GST_SECOND;
  GstBuffer *head;

  while ((head = g_queue_peek_head (&priv->ring)) &&
      GST_CLOCK_TIME_IS_VALID (priv->last_end) &&
      GST_BUFFER_PTS (head) + keep < priv->last_end)
    gst_buffer_unref (g_queue_pop_head (&priv->ring));
}

static GstFlowReturn
feed (GstVaniSTT * stt, GstBuffer * buffer)
{
  return GST_VANI_STT_GET_CLASS (stt)->handle_audio (stt, PRIV (stt)->current,
      buffer);
}

/* Speech started at buffer time @start: hand over the kept audio from the
 * padding before it. */
static void
begin_utterance (GstVaniSTT * stt, GstClockTime start)
{
  GstVaniSTTClass *klass = GST_VANI_STT_GET_CLASS (stt);
  GstVaniSTTPrivate *priv = PRIV (stt);
  GstClockTime padding;
  GstBuffer *buffer;

  GST_OBJECT_LOCK (stt);
  priv->current = ++priv->next_id;
  padding = priv->pre_speech_ms * GST_MSECOND;
  GST_OBJECT_UNLOCK (stt);

  priv->in_utterance = TRUE;
  priv->utterance_start = start;
  GST_DEBUG_OBJECT (stt, "utterance %" G_GUINT64_FORMAT " at %"
      GST_TIME_FORMAT, priv->current, GST_TIME_ARGS (start));
  if (klass->begin_utterance)
    klass->begin_utterance (stt, priv->current);
  while ((buffer = g_queue_pop_head (&priv->ring))) {
    GstClockTime end = GST_BUFFER_PTS (buffer) + GST_BUFFER_DURATION (buffer);

    if (!GST_CLOCK_TIME_IS_VALID (start) || start < padding ||
        end > start - padding)
      feed (stt, buffer);
    else
      gst_buffer_unref (buffer);
  }
}

static void
end_utterance (GstVaniSTT * stt, GstClockTime stop)
{
  GstVaniSTTPrivate *priv = PRIV (stt);
  Utterance *u;

  if (!priv->in_utterance)
    return;
  priv->in_utterance = FALSE;
  u = g_new0 (Utterance, 1);
  u->id = priv->current;
  u->start = priv->utterance_start;
  u->duration = GST_CLOCK_TIME_IS_VALID (stop) &&
      GST_CLOCK_TIME_IS_VALID (u->start) && stop > u->start ?
      stop - u->start : GST_CLOCK_TIME_NONE;
  u->ended = g_get_monotonic_time ();
  GST_OBJECT_LOCK (stt);
  g_queue_push_tail (&priv->pending, u);
  GST_OBJECT_UNLOCK (stt);
  GST_VANI_STT_GET_CLASS (stt)->end_utterance (stt, u->id);
}

/* The VAD speaks in stream time; buffers are in buffer time. */
static GstClockTime
buffer_time_of (GstVaniSTTPrivate * priv, GstClockTime stream_time)
{
  if (!GST_CLOCK_TIME_IS_VALID (stream_time))
    return GST_CLOCK_TIME_NONE;
  return gst_segment_position_from_stream_time (&priv->segment,
      GST_FORMAT_TIME, stream_time);
}

static void
drop_pending (GstVaniSTT * stt)
{
  GstVaniSTTPrivate *priv = PRIV (stt);
  GstVaniSTTClass *klass = GST_VANI_STT_GET_CLASS (stt);

  if (klass->cancel)
    klass->cancel (stt);
  GST_OBJECT_LOCK (stt);
  g_queue_clear_full (&priv->pending, (GDestroyNotify) utterance_free);
  gst_clear_event (&priv->held_eos);
  GST_OBJECT_UNLOCK (stt);
  priv->in_utterance = FALSE;
  clear_ring (priv);
}

/* ------------------------------------------------------------------------ */
/* Pads                                                                     */

static GstFlowReturn
gst_vani_stt_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstVaniSTT *stt = GST_VANI_STT (parent);
  GstVaniSTTPrivate *priv = PRIV (stt);

  if (!priv->have_info) {
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (!GST_BUFFER_DURATION_IS_VALID (buffer))
    GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale_int
        (gst_buffer_get_size (buffer) / GST_AUDIO_INFO_BPF (&priv->info),
        GST_SECOND, GST_AUDIO_INFO_RATE (&priv->info));
  if (!GST_BUFFER_PTS_IS_VALID (buffer))
    GST_BUFFER_PTS (buffer) = GST_CLOCK_TIME_IS_VALID (priv->last_end) ?
        priv->last_end : priv->segment.start;
  priv->last_end = GST_BUFFER_PTS (buffer) + GST_BUFFER_DURATION (buffer);

  if (priv->in_utterance)
    return feed (stt, buffer);
  g_queue_push_tail (&priv->ring, buffer);
  trim_ring (priv);
  return GST_FLOW_OK;
}

static gboolean
set_caps (GstVaniSTT * stt, GstCaps * caps)
{
  GstVaniSTTClass *klass = GST_VANI_STT_GET_CLASS (stt);
  GstVaniSTTPrivate *priv = PRIV (stt);
  GstAudioInfo info;

  if (!gst_audio_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (stt, STREAM, FORMAT, ("Unusable audio caps"),
        ("%" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (klass->set_format && !klass->set_format (stt, &info))
    return FALSE;
  priv->info = info;
  priv->have_info = TRUE;
  return TRUE;
}

static gboolean
gst_vani_stt_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstVaniSTT *stt = GST_VANI_STT (parent);
  GstVaniSTTPrivate *priv = PRIV (stt);
  GstClockTime t;
  GstCaps *caps;
  gboolean ret;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      ret = set_caps (stt, caps);
      gst_event_unref (event);
      return ret;
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &priv->segment);
      if (gst_pad_has_current_caps (priv->srcpad))
        return gst_pad_push_event (priv->srcpad, event);
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_FLUSH_START:
      drop_pending (stt);
      return gst_pad_push_event (priv->srcpad, event);
    case GST_EVENT_FLUSH_STOP:
      priv->last_end = GST_CLOCK_TIME_NONE;
      return gst_pad_push_event (priv->srcpad, event);
    case GST_EVENT_EOS:
      /* no VAD upstream: what was kept is one utterance */
      if (!priv->vad_seen && !priv->in_utterance &&
          !g_queue_is_empty (&priv->ring))
        begin_utterance (stt, GST_BUFFER_PTS (g_queue_peek_head
                (&priv->ring)));
      end_utterance (stt, priv->last_end);
      GST_OBJECT_LOCK (stt);
      priv->held_eos = event;
      GST_OBJECT_UNLOCK (stt);
      push_ready_results (stt);
      return TRUE;
    default:
      break;
  }

  if (gst_vani_event_parse_user_started_speaking (event, &t, NULL)) {
    priv->vad_seen = TRUE;
    if (!priv->in_utterance)
      begin_utterance (stt, buffer_time_of (priv, t));
  } else if (gst_vani_event_parse_user_stopped_speaking (event, &t, NULL)) {
    priv->vad_seen = TRUE;
    end_utterance (stt, buffer_time_of (priv, t));
  }
  return gst_pad_event_default (pad, parent, event);
}

/* ------------------------------------------------------------------------ */
/* GstElement / GObject                                                     */

static GstStateChangeReturn
gst_vani_stt_change_state (GstElement * element, GstStateChange transition)
{
  GstVaniSTT *stt = GST_VANI_STT (element);
  GstVaniSTTClass *klass = GST_VANI_STT_GET_CLASS (stt);
  GstVaniSTTPrivate *priv = PRIV (stt);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      /* a missing model or grammar fails here, naming the file */
      if (klass->start && !klass->start (stt))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      gst_segment_init (&priv->segment, GST_FORMAT_TIME);
      priv->have_info = FALSE;
      priv->vad_seen = FALSE;
      priv->last_end = GST_CLOCK_TIME_NONE;
      break;
    default:
      break;
  }
  ret = GST_ELEMENT_CLASS (gst_vani_stt_parent_class)->change_state (element,
      transition);
  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      drop_pending (stt);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      if (klass->stop)
        klass->stop (stt);
      break;
    default:
      break;
  }
  return ret;
}

static void
gst_vani_stt_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVaniSTTPrivate *priv = PRIV (object);

  GST_OBJECT_LOCK (object);
  switch (prop_id) {
    case PROP_PRE_SPEECH_MS:
      priv->pre_speech_ms = g_value_get_uint (value);
      break;
    case PROP_LANGUAGE:
      g_free (priv->language);
      priv->language = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (object);
}

static void
gst_vani_stt_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstVaniSTTPrivate *priv = PRIV (object);

  GST_OBJECT_LOCK (object);
  switch (prop_id) {
    case PROP_PRE_SPEECH_MS:
      g_value_set_uint (value, priv->pre_speech_ms);
      break;
    case PROP_LANGUAGE:
      g_value_set_string (value, priv->language);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (object);
}

static void
gst_vani_stt_finalize (GObject * object)
{
  GstVaniSTTPrivate *priv = PRIV (object);

  clear_ring (priv);
  g_queue_clear_full (&priv->pending, (GDestroyNotify) utterance_free);
  gst_clear_event (&priv->held_eos);
  g_free (priv->language);
  G_OBJECT_CLASS (gst_vani_stt_parent_class)->finalize (object);
}

/* Pads are made here, not in _init: during the base class's _init the
 * instance still has the abstract class, without the subclass's sink
 * template. */
static void
gst_vani_stt_constructed (GObject * object)
{
  GstVaniSTT *stt = GST_VANI_STT (object);
  GstVaniSTTPrivate *priv = PRIV (stt);
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (stt), "sink");

  G_OBJECT_CLASS (gst_vani_stt_parent_class)->constructed (object);
  g_return_if_fail (templ != NULL);
  priv->sinkpad = gst_pad_new_from_template (templ, "sink");
  gst_pad_set_chain_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_stt_chain));
  gst_pad_set_event_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_stt_sink_event));
  gst_element_add_pad (GST_ELEMENT (stt), priv->sinkpad);

  priv->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (priv->srcpad);
  gst_element_add_pad (GST_ELEMENT (stt), priv->srcpad);
}

static void
gst_vani_stt_init (GstVaniSTT * stt)
{
  GstVaniSTTPrivate *priv = PRIV (stt);

  priv->pre_speech_ms = DEFAULT_PRE_SPEECH_MS;
  priv->language = g_strdup (DEFAULT_LANGUAGE);
  priv->last_end = GST_CLOCK_TIME_NONE;
  g_queue_init (&priv->ring);
  g_queue_init (&priv->pending);
}

static void
gst_vani_stt_class_init (GstVaniSTTClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_vani_stt_set_property;
  gobject_class->get_property = gst_vani_stt_get_property;
  gobject_class->finalize = gst_vani_stt_finalize;
  gobject_class->constructed = gst_vani_stt_constructed;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_vani_stt_change_state);

  g_object_class_install_property (gobject_class, PROP_PRE_SPEECH_MS,
      g_param_spec_uint ("pre-speech-ms", "Pre-speech padding",
          "Audio kept before the speech start the VAD reported, so the "
          "first sound is not cut (ms)", 0, 2000, DEFAULT_PRE_SPEECH_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_LANGUAGE,
      g_param_spec_string ("language", "Language",
          "Language of the speech (ISO 639-1, e.g. \"en\"), when the engine "
          "can use it; NULL lets the engine decide", DEFAULT_LANGUAGE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &src_template);

  GST_DEBUG_CATEGORY_INIT (gst_vani_stt_debug, "vanistt", 0,
      "gst-rustvani speech-to-text base class");
}
