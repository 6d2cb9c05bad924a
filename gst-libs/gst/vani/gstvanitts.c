/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanitts
 * @title: GstVaniTTS
 * @short_description: base class for text-to-speech elements
 *
 * A #GstVaniTTS takes `text/x-raw,format=utf8` as an LLM streams it, one
 * token per buffer or any other split, and gives `audio/x-raw` S16LE mono at
 * the engine's rate.
 *
 * The text is gathered into sentences (#GstVaniTTS:aggregate-sentences), so
 * the engine speaks whole sentences with the right intonation, and the first
 * one starts as soon as it is complete. What should not be read aloud
 * (markdown, emoji) is removed first (#GstVaniTTS:text-filter). At
 * `llm-response-end` (or EOS) the rest is spoken too.
 *
 * Output order for a reply: `tts-started`, then for each sentence a
 * `tts-text` event immediately followed by its audio, then `tts-stopped`
 * (and the `llm-response-start`/`-end` events of the reply around them). A
 * reply without text gives no `tts-*` events at all.
 *
 * Sentences are synthesised one after the other on a synthesis thread, while
 * the source pad's own thread pushes the audio as it comes, so the next
 * sentence is synthesised while the previous one plays. Neither the upstream
 * thread nor the application waits for synthesis.
 *
 * A `speak` event says its text now, in order with the text already
 * received. Send it into the element (gst_element_send_event()) or push it
 * downstream from upstream; it is also taken when it comes upstream from
 * downstream.
 *
 * A flush or an `interruption` event stops synthesis at once and drops all
 * pending text and audio; after FLUSH_STOP the element is ready for the next
 * reply.
 *
 * Timestamps: in PLAYING with a clock, audio that would start in the past
 * (after a pause between replies, or after a flush) starts at the current
 * running time, marked DISCONT, so it plays at once in a live pipeline;
 * otherwise buffers follow each other without gaps.
 *
 * Bus: `vani/metrics` with TTFB (first text of a reply in → first audio out)
 * and usage (`characters` synthesised per reply); `vani/error` and a warning
 * when a sentence fails (it is skipped; the next one is spoken).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanitts.h"
#include "gstvanievents.h"
#include "gstvanimessages.h"
#include "gstvanisentence.h"
#include "gstvaniturnmetrics.h"

#include <string.h>
#include <gst/audio/audio.h>

GST_DEBUG_CATEGORY_STATIC (gst_vani_tts_debug);
#define GST_CAT_DEFAULT gst_vani_tts_debug

#define DEFAULT_AGGREGATE_SENTENCES TRUE
#define DEFAULT_TEXT_FILTER \
    (GST_VANI_TEXT_FILTER_MARKDOWN | GST_VANI_TEXT_FILTER_EMOJI)

enum
{
  PROP_0,
  PROP_AGGREGATE_SENTENCES,
  PROP_TEXT_FILTER,
  PROP_SAMPLE_RATE,
};

/* ------------------------------------------------------------------------ */
/* Sentences                                                                */

struct _GstVaniTTSSentence
{
  gint refcount;
  gchar *text;                  /* what the engine says (filtered) */
  GCancellable *cancellable;

  GMutex lock;
  GCond cond;
  GQueue chunks;                /* GBytes, whole samples */
  guint8 odd_byte;              /* half a sample from the last push */
  gboolean has_odd_byte;
  gboolean finished;
  GError *error;
  gsize bytes;                  /* audio handed over so far */
  gsize max_bytes;              /* more is a runaway reply */
};

G_DEFINE_BOXED_TYPE (GstVaniTTSSentence, gst_vani_tts_sentence,
    gst_vani_tts_sentence_ref, gst_vani_tts_sentence_unref);

/* No voice is slower than a second per character: audio past this bound is
 * a runaway reply (a server streaming garbage forever), not speech. */
#define MAX_SECONDS_BASE 10
#define MAX_SECONDS_PER_CHAR 1

static guint
sentence_max_seconds (const gchar * text)
{
  return MAX_SECONDS_BASE + MAX_SECONDS_PER_CHAR * g_utf8_strlen (text, -1);
}

static GstVaniTTSSentence *
sentence_new (const gchar * text, gint rate)
{
  GstVaniTTSSentence *s = g_new0 (GstVaniTTSSentence, 1);

  s->refcount = 1;
  s->text = g_strdup (text);
  s->max_bytes = (gsize) sentence_max_seconds (text) * rate * 2;
  s->cancellable = g_cancellable_new ();
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  g_queue_init (&s->chunks);
  return s;
}

/**
 * gst_vani_tts_sentence_ref:
 * @sentence: a #GstVaniTTSSentence
 *
 * Returns: (transfer full): @sentence
 */
GstVaniTTSSentence *
gst_vani_tts_sentence_ref (GstVaniTTSSentence * sentence)
{
  g_return_val_if_fail (sentence != NULL, NULL);
  g_atomic_int_inc (&sentence->refcount);
  return sentence;
}

/**
 * gst_vani_tts_sentence_unref:
 * @sentence: (transfer full): a #GstVaniTTSSentence
 */
void
gst_vani_tts_sentence_unref (GstVaniTTSSentence * sentence)
{
  g_return_if_fail (sentence != NULL);
  if (!g_atomic_int_dec_and_test (&sentence->refcount))
    return;
  g_free (sentence->text);
  g_object_unref (sentence->cancellable);
  g_queue_clear_full (&sentence->chunks, (GDestroyNotify) g_bytes_unref);
  g_clear_error (&sentence->error);
  g_mutex_clear (&sentence->lock);
  g_cond_clear (&sentence->cond);
  g_free (sentence);
}

/**
 * gst_vani_tts_sentence_get_text:
 * @sentence: a #GstVaniTTSSentence
 *
 * Returns: the text to say, already filtered
 */
const gchar *
gst_vani_tts_sentence_get_text (GstVaniTTSSentence * sentence)
{
  return sentence->text;
}

/**
 * gst_vani_tts_sentence_get_cancellable:
 * @sentence: a #GstVaniTTSSentence
 *
 * Returns: (transfer none): cancelled when the sentence is no longer wanted
 *   (flush, interruption, state change)
 */
GCancellable *
gst_vani_tts_sentence_get_cancellable (GstVaniTTSSentence * sentence)
{
  return sentence->cancellable;
}

/**
 * gst_vani_tts_sentence_is_cancelled:
 * @sentence: a #GstVaniTTSSentence
 *
 * Returns: whether the engine should stop now
 */
gboolean
gst_vani_tts_sentence_is_cancelled (GstVaniTTSSentence * sentence)
{
  return g_cancellable_is_cancelled (sentence->cancellable);
}

/**
 * gst_vani_tts_sentence_push_audio:
 * @sentence: a #GstVaniTTSSentence
 * @data: (array length=size): S16LE mono samples at the element's rate
 * @size: bytes in @data; need not be a whole number of samples
 *
 * Hands over audio of @sentence as soon as the engine has it, from any
 * thread. Audio of a cancelled or finished sentence is dropped.
 */
void
gst_vani_tts_sentence_push_audio (GstVaniTTSSentence * sentence,
    const guint8 * data, gsize size)
{
  guint8 *whole;
  gsize n = 0;
  gboolean runaway = FALSE;

  g_return_if_fail (sentence != NULL);
  if (size == 0)
    return;
  whole = g_malloc (size + 1);
  g_mutex_lock (&sentence->lock);
  if (sentence->has_odd_byte)
    whole[n++] = sentence->odd_byte;
  memcpy (whole + n, data, size);
  n += size;
  sentence->has_odd_byte = n % 2;
  if (sentence->has_odd_byte)
    sentence->odd_byte = whole[--n];
  if (!sentence->finished &&
      !g_cancellable_is_cancelled (sentence->cancellable)) {
    if (sentence->bytes + n > sentence->max_bytes) {
      n = sentence->max_bytes - sentence->bytes;
      runaway = TRUE;
    }
    sentence->bytes += n;
    if (n > 0) {
      g_queue_push_tail (&sentence->chunks, g_bytes_new_take (whole, n));
      whole = NULL;
      g_cond_signal (&sentence->cond);
    }
  }
  g_mutex_unlock (&sentence->lock);
  g_free (whole);

  if (runaway) {
    GError *error = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
        "the speech for a %ld-character sentence is too long (over %u s): "
        "the rest is cut off", g_utf8_strlen (sentence->text, -1),
        sentence_max_seconds (sentence->text));

    gst_vani_tts_sentence_finish (sentence, error);
    g_error_free (error);
    /* the engine stops producing */
    g_cancellable_cancel (sentence->cancellable);
  }
}

/**
 * gst_vani_tts_sentence_finish:
 * @sentence: a #GstVaniTTSSentence
 * @error: (nullable): why synthesis failed: the sentence is skipped with a
 *   warning, and the next one is spoken as usual
 *
 * Ends @sentence, from any thread. Only the first call counts.
 */
void
gst_vani_tts_sentence_finish (GstVaniTTSSentence * sentence,
    const GError * error)
{
  g_return_if_fail (sentence != NULL);
  g_mutex_lock (&sentence->lock);
  if (!sentence->finished) {
    sentence->finished = TRUE;
    if (error)
      sentence->error = g_error_copy (error);
    g_cond_broadcast (&sentence->cond);
  }
  g_mutex_unlock (&sentence->lock);
}

static void
sentence_cancel (GstVaniTTSSentence * s)
{
  g_cancellable_cancel (s->cancellable);
  g_mutex_lock (&s->lock);
  g_queue_clear_full (&s->chunks, (GDestroyNotify) g_bytes_unref);
  g_mutex_unlock (&s->lock);
  gst_vani_tts_sentence_finish (s, NULL);
}

static void
sentence_wait_finished (GstVaniTTSSentence * s)
{
  g_mutex_lock (&s->lock);
  while (!s->finished)
    g_cond_wait (&s->cond, &s->lock);
  g_mutex_unlock (&s->lock);
}

/* The next chunk, or NULL once the sentence is finished and drained. */
static GBytes *
sentence_next_chunk (GstVaniTTSSentence * s)
{
  GBytes *chunk;

  g_mutex_lock (&s->lock);
  while (g_queue_is_empty (&s->chunks) && !s->finished)
    g_cond_wait (&s->cond, &s->lock);
  chunk = g_queue_pop_head (&s->chunks);
  g_mutex_unlock (&s->lock);
  return chunk;
}

/* ------------------------------------------------------------------------ */
/* The output queue: what the source pad's task pushes, in order            */

typedef enum
{
  ITEM_EVENT,                   /* a serialized event to forward */
  ITEM_REPLY_START,             /* a reply or a speak begins (event optional) */
  ITEM_SENTENCE,                /* tts-text + audio */
  ITEM_REPLY_END,               /* ends it (event optional) */
} ItemKind;

typedef struct
{
  ItemKind kind;
  guint generation;
  GstEvent *event;
  GstVaniTTSSentence *sentence;
  gchar *said;                  /* the sentence as written, for tts-text */
  gint64 text_in;               /* monotonic µs the reply's text came in */
  gint64 queued;                /* monotonic µs the sentence was complete */
} Item;

typedef struct
{
  GstPad *sinkpad, *srcpad;

  /* properties, object lock */
  gboolean aggregate_sentences;
  GstVaniTextFilterFlags text_filter;
  gint rate;

  /* streaming thread (sink stream lock) */
  GstVaniSentenceSplitter *splitter;
  guint splitter_generation;
  gboolean in_reply;
  gint64 reply_text_in;

  /* queue state, queue_lock */
  GMutex queue_lock;
  GCond queue_cond;
  GQueue items;
  GQueue synthesizing;          /* sentences not yet drained by the task */
  gboolean flushing;
  GstFlowReturn srcresult;
  guint generation;             /* bumped by flush and interruption */
  GThreadPool *synth_pool;

  /* source pad task */
  guint task_generation;
  gint open_replies;
  gboolean started;
  gboolean ttfb_pending;
  guint64 characters;
  gint64 first_sentence, first_audio;   /* this reply's metrics marks */
  gint caps_rate;
  gboolean need_segment;
  GstClockTime next_pts;
} GstVaniTTSPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GstVaniTTS, gst_vani_tts,
    GST_TYPE_ELEMENT);

#define PRIV(tts) ((GstVaniTTSPrivate *) \
    gst_vani_tts_get_instance_private (GST_VANI_TTS (tts)))

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

static void
item_free (Item * item)
{
  gst_clear_event (&item->event);
  g_clear_pointer (&item->sentence, gst_vani_tts_sentence_unref);
  g_free (item->said);
  g_free (item);
}

static Item *
item_new (ItemKind kind, GstEvent * event)
{
  Item *item = g_new0 (Item, 1);

  item->kind = kind;
  item->event = event;
  return item;
}

static void
enqueue (GstVaniTTS * tts, Item * item)
{
  GstVaniTTSPrivate *priv = PRIV (tts);

  g_mutex_lock (&priv->queue_lock);
  if (priv->flushing || !priv->synth_pool) {
    g_mutex_unlock (&priv->queue_lock);
    item_free (item);
    return;
  }
  item->generation = priv->generation;
  if (item->sentence) {
    g_queue_push_tail (&priv->synthesizing,
        gst_vani_tts_sentence_ref (item->sentence));
    g_thread_pool_push (priv->synth_pool,
        gst_vani_tts_sentence_ref (item->sentence), NULL);
  }
  g_queue_push_tail (&priv->items, item);
  g_cond_signal (&priv->queue_cond);
  g_mutex_unlock (&priv->queue_lock);
}

/* Drops queued sentences and pending audio. Serialized events stay, so an
 * EOS or a stream-start queued behind a reply is not lost. */
static void
drop_speech_locked (GstVaniTTSPrivate * priv, gboolean keep_events)
{
  GList *l, *next;

  priv->generation++;
  for (l = priv->synthesizing.head; l; l = l->next)
    sentence_cancel (l->data);
  g_queue_clear_full (&priv->synthesizing,
      (GDestroyNotify) gst_vani_tts_sentence_unref);
  for (l = priv->items.head; l; l = next) {
    Item *item = l->data;

    next = l->next;
    if (keep_events && item->kind == ITEM_EVENT)
      continue;
    item_free (item);
    g_queue_delete_link (&priv->items, l);
  }
  g_cond_broadcast (&priv->queue_cond);
}

static void
drop_speech (GstVaniTTS * tts, gboolean keep_events)
{
  GstVaniTTSPrivate *priv = PRIV (tts);

  g_mutex_lock (&priv->queue_lock);
  drop_speech_locked (priv, keep_events);
  g_mutex_unlock (&priv->queue_lock);
}

/* ------------------------------------------------------------------------ */
/* Synthesis thread                                                         */

static void
synthesize_one (gpointer data, gpointer user_data)
{
  GstVaniTTSSentence *s = data;
  GstVaniTTS *tts = user_data;

  if (!gst_vani_tts_sentence_is_cancelled (s)) {
    GST_DEBUG_OBJECT (tts, "synthesising \"%s\"", s->text);
    GST_VANI_TTS_GET_CLASS (tts)->synthesize (tts, s);
    sentence_wait_finished (s);
  } else {
    gst_vani_tts_sentence_finish (s, NULL);
  }
  gst_vani_tts_sentence_unref (s);
}

/* ------------------------------------------------------------------------ */
/* Source pad task                                                          */

static GstClockTime
running_time_now (GstVaniTTS * tts)
{
  GstClock *clock;
  GstClockTime now;

  if (GST_STATE (tts) != GST_STATE_PLAYING)
    return GST_CLOCK_TIME_NONE;
  clock = gst_element_get_clock (GST_ELEMENT (tts));
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  return now - MIN (now, gst_element_get_base_time (GST_ELEMENT (tts)));
}

static void
ensure_caps_and_segment (GstVaniTTS * tts)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  gint rate = gst_vani_tts_get_sample_rate (tts);

  if (priv->caps_rate != rate) {
    GstCaps *caps = gst_caps_new_simple ("audio/x-raw",
        "format", G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING, "interleaved",
        "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, rate, NULL);

    gst_pad_push_event (priv->srcpad, gst_event_new_caps (caps));
    gst_caps_unref (caps);
    priv->caps_rate = rate;
  }
  if (priv->need_segment) {
    GstSegment segment;

    gst_segment_init (&segment, GST_FORMAT_TIME);
    gst_pad_push_event (priv->srcpad, gst_event_new_segment (&segment));
    priv->need_segment = FALSE;
  }
}

/* Takes @chunk. */
static GstFlowReturn
push_chunk (GstVaniTTS * tts, GBytes * chunk)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  GstBuffer *buffer;
  GstClockTime now, duration;
  gsize samples = g_bytes_get_size (chunk) / 2;

  ensure_caps_and_segment (tts);
  buffer = gst_buffer_new_wrapped_bytes (chunk);
  g_bytes_unref (chunk);        /* the buffer holds its own reference */
  now = running_time_now (tts);
  if (!GST_CLOCK_TIME_IS_VALID (priv->next_pts) ||
      (GST_CLOCK_TIME_IS_VALID (now) && priv->next_pts < now)) {
    /* first audio, or a gap: start now, not in the past */
    priv->next_pts = GST_CLOCK_TIME_IS_VALID (now) ? now : 0;
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  }
  duration = gst_util_uint64_scale_int (samples, GST_SECOND, priv->caps_rate);
  GST_BUFFER_PTS (buffer) = priv->next_pts;
  GST_BUFFER_DURATION (buffer) = duration;
  priv->next_pts += duration;
  GST_LOG_OBJECT (tts, "pushing %" G_GSIZE_FORMAT " samples at %"
      GST_TIME_FORMAT, samples, GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  return gst_pad_push (priv->srcpad, buffer);
}

static gboolean
is_current (GstVaniTTS * tts, Item * item)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  gboolean current;

  g_mutex_lock (&priv->queue_lock);
  current = item->generation == priv->generation && !priv->flushing;
  g_mutex_unlock (&priv->queue_lock);
  return current;
}

static void
post_ttfb (GstVaniTTS * tts, gint64 text_in)
{
  gst_element_post_message (GST_ELEMENT (tts),
      gst_vani_bus_message_new_metrics_time (GST_OBJECT (tts),
          GST_OBJECT_NAME (tts), GST_VANI_METRICS_TTFB,
          (g_get_monotonic_time () - text_in) * GST_USECOND));
}

static void
post_sentence_error (GstVaniTTS * tts, GstVaniTTSSentence * s)
{
  GST_ELEMENT_WARNING (tts, RESOURCE, READ,
      ("Speech synthesis failed: %s", s->error->message),
      ("the sentence \"%s\" was skipped", s->text));
  gst_element_post_message (GST_ELEMENT (tts),
      gst_vani_bus_message_new_error (GST_OBJECT (tts), "tts",
          s->error->message, FALSE));
}

static GstFlowReturn
speak_sentence (GstVaniTTS * tts, Item * item)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  GstFlowReturn ret = GST_FLOW_OK;
  GBytes *chunk;

  ensure_caps_and_segment (tts);
  if (!priv->started) {
    priv->started = TRUE;
    priv->ttfb_pending = TRUE;
    priv->characters = 0;
    priv->first_sentence = item->queued;
    priv->first_audio = 0;
    gst_pad_push_event (priv->srcpad, gst_vani_event_new_tts_started ());
  }
  gst_pad_push_event (priv->srcpad, gst_vani_event_new_tts_text (item->said));
  priv->characters += g_utf8_strlen (item->sentence->text, -1);

  while (ret == GST_FLOW_OK &&
      (chunk = sentence_next_chunk (item->sentence))) {
    if (!is_current (tts, item)) {
      g_bytes_unref (chunk);
      break;
    }
    if (priv->ttfb_pending) {
      priv->ttfb_pending = FALSE;
      priv->first_audio = g_get_monotonic_time ();
      post_ttfb (tts, item->text_in);
    }
    ret = push_chunk (tts, chunk);
  }
  if (ret == GST_FLOW_OK && item->sentence->error && is_current (tts, item))
    post_sentence_error (tts, item->sentence);

  g_mutex_lock (&priv->queue_lock);
  if (g_queue_remove (&priv->synthesizing, item->sentence))
    gst_vani_tts_sentence_unref (item->sentence);
  g_mutex_unlock (&priv->queue_lock);
  if (ret != GST_FLOW_OK)
    sentence_cancel (item->sentence);
  return ret;
}

static void
end_reply (GstVaniTTS * tts)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  GstStructure *usage;

  priv->open_replies = MAX (priv->open_replies - 1, 0);
  if (priv->open_replies > 0 || !priv->started)
    return;
  priv->started = FALSE;
  usage = gst_structure_new ("usage", "characters", G_TYPE_UINT64,
      priv->characters, NULL);
  gst_element_post_message (GST_ELEMENT (tts),
      gst_vani_bus_message_new_metrics_usage (GST_OBJECT (tts),
          GST_OBJECT_NAME (tts), usage));
  gst_structure_free (usage);
  gst_pad_push_event (priv->srcpad, gst_vani_event_new_tts_stopped ());
}

/* The turn's metrics, on the reply's llm-response-end. */
static GstEvent *
add_reply_marks (GstVaniTTS * tts, GstEvent * event)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  GstStructure *marks = gst_structure_new_empty (GST_VANI_TURN_MARKS_NAME);

  gst_vani_turn_marks_set_time (marks, "first-sentence", priv->first_sentence);
  gst_vani_turn_marks_set_time (marks, "first-audio", priv->first_audio);
  gst_structure_set (marks, "characters", G_TYPE_UINT64, priv->characters,
      NULL);
  event = gst_vani_event_add_turn_marks (event, marks);
  gst_structure_free (marks);
  return event;
}

static GstFlowReturn
handle_item (GstVaniTTS * tts, Item * item)
{
  GstVaniTTSPrivate *priv = PRIV (tts);

  /* an interruption: what was being said is gone */
  if (item->generation != priv->task_generation) {
    priv->task_generation = item->generation;
    priv->open_replies = 0;
    priv->started = FALSE;
  }
  switch (item->kind) {
    case ITEM_EVENT:
      if (GST_EVENT_TYPE (item->event) != GST_EVENT_EOS)
        break;
      ensure_caps_and_segment (tts);
      gst_pad_push_event (priv->srcpad, g_steal_pointer (&item->event));
      return GST_FLOW_EOS;
    case ITEM_REPLY_START:
      priv->open_replies++;
      break;
    case ITEM_SENTENCE:
      return speak_sentence (tts, item);
    case ITEM_REPLY_END:
      if (item->event && priv->first_audio)
        item->event = add_reply_marks (tts, item->event);
      end_reply (tts);
      break;
  }
  if (item->event)
    gst_pad_push_event (priv->srcpad, g_steal_pointer (&item->event));
  return GST_FLOW_OK;
}

static Item *
next_item (GstVaniTTS * tts)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  Item *item;

  g_mutex_lock (&priv->queue_lock);
  while (!priv->flushing && g_queue_is_empty (&priv->items))
    g_cond_wait (&priv->queue_cond, &priv->queue_lock);
  item = priv->flushing ? NULL : g_queue_pop_head (&priv->items);
  g_mutex_unlock (&priv->queue_lock);
  return item;
}

static void
gst_vani_tts_loop (GstVaniTTS * tts)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  GstFlowReturn ret = GST_FLOW_FLUSHING;
  Item *item = next_item (tts);

  if (item) {
    ret = handle_item (tts, item);
    item_free (item);
  }
  if (ret == GST_FLOW_OK)
    return;

  g_mutex_lock (&priv->queue_lock);
  if (priv->srcresult == GST_FLOW_OK)
    priv->srcresult = ret;
  g_mutex_unlock (&priv->queue_lock);
  GST_DEBUG_OBJECT (tts, "pausing: %s", gst_flow_get_name (ret));
  if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS)
    GST_ELEMENT_FLOW_ERROR (tts, ret);
  gst_pad_pause_task (priv->srcpad);
}

static gboolean
start_task (GstVaniTTS * tts)
{
  GstVaniTTSPrivate *priv = PRIV (tts);

  g_mutex_lock (&priv->queue_lock);
  priv->flushing = FALSE;
  priv->srcresult = GST_FLOW_OK;
  g_mutex_unlock (&priv->queue_lock);
  priv->open_replies = 0;
  priv->started = FALSE;
  priv->need_segment = TRUE;
  priv->next_pts = GST_CLOCK_TIME_NONE;
  return gst_pad_start_task (priv->srcpad, (GstTaskFunction) gst_vani_tts_loop,
      tts, NULL);
}

static void
set_flushing (GstVaniTTS * tts)
{
  GstVaniTTSPrivate *priv = PRIV (tts);

  g_mutex_lock (&priv->queue_lock);
  priv->flushing = TRUE;
  priv->srcresult = GST_FLOW_FLUSHING;
  drop_speech_locked (priv, FALSE);
  g_mutex_unlock (&priv->queue_lock);
}

static gboolean
gst_vani_tts_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstVaniTTS *tts = GST_VANI_TTS (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active)
    return start_task (tts);
  set_flushing (tts);
  return gst_pad_stop_task (pad);
}

/* ------------------------------------------------------------------------ */
/* Sink side: text in, sentences out                                        */

static void
enqueue_sentence (GstVaniTTS * tts, const gchar * said, gint64 text_in)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  GstVaniTextFilterFlags filter;
  Item *item;
  gchar *spoken;

  GST_OBJECT_LOCK (tts);
  filter = priv->text_filter;
  GST_OBJECT_UNLOCK (tts);
  spoken = gst_vani_text_filter (said, filter);
  g_strstrip (spoken);

  item = item_new (ITEM_SENTENCE, NULL);
  item->said = g_strdup (said);
  item->sentence = sentence_new (spoken, gst_vani_tts_get_sample_rate (tts));
  item->text_in = text_in;
  item->queued = g_get_monotonic_time ();
  if (*spoken == '\0')          /* nothing to say aloud, e.g. only emoji */
    gst_vani_tts_sentence_finish (item->sentence, NULL);
  g_free (spoken);
  enqueue (tts, item);
}

static void
enqueue_sentences (GstVaniTTS * tts, gchar ** sentences, gint64 text_in)
{
  gchar **s;

  for (s = sentences; s && *s; s++)
    enqueue_sentence (tts, *s, text_in);
  g_strfreev (sentences);
}

/* Text of an earlier reply must not run into this one after an
 * interruption, which may come from another thread. */
static void
sync_splitter (GstVaniTTS * tts)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  guint generation;

  g_mutex_lock (&priv->queue_lock);
  generation = priv->generation;
  g_mutex_unlock (&priv->queue_lock);
  if (generation != priv->splitter_generation) {
    gst_vani_sentence_splitter_reset (priv->splitter);
    priv->splitter_generation = generation;
    priv->in_reply = FALSE;
  }
}

static void
begin_reply (GstVaniTTS * tts, GstEvent * event)
{
  GstVaniTTSPrivate *priv = PRIV (tts);

  priv->in_reply = TRUE;
  priv->reply_text_in = 0;
  enqueue (tts, item_new (ITEM_REPLY_START, event));
}

static void
finish_reply (GstVaniTTS * tts, GstEvent * event)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  gchar *rest = gst_vani_sentence_splitter_flush (priv->splitter);

  if (rest)
    enqueue_sentence (tts, rest, priv->reply_text_in);
  g_free (rest);
  priv->in_reply = FALSE;
  enqueue (tts, item_new (ITEM_REPLY_END, event));
}

static GstFlowReturn
gst_vani_tts_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstVaniTTS *tts = GST_VANI_TTS (parent);
  GstVaniTTSPrivate *priv = PRIV (tts);
  GstFlowReturn ret;
  gboolean aggregate;
  GstMapInfo map;
  gchar *text;

  sync_splitter (tts);
  if (!priv->in_reply)          /* plain text, e.g. from a file */
    begin_reply (tts, NULL);
  if (priv->reply_text_in == 0)
    priv->reply_text_in = g_get_monotonic_time ();

  GST_OBJECT_LOCK (tts);
  aggregate = priv->aggregate_sentences;
  GST_OBJECT_UNLOCK (tts);

  /* the splitter copes with characters cut across buffers */
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  if (aggregate) {
    enqueue_sentences (tts, gst_vani_sentence_splitter_push (priv->splitter,
            (const gchar *) map.data, map.size), priv->reply_text_in);
  } else {
    text = g_utf8_make_valid ((const gchar *) map.data, map.size);
    if (*g_strstrip (text))
      enqueue_sentence (tts, text, priv->reply_text_in);
    g_free (text);
  }
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);

  g_mutex_lock (&priv->queue_lock);
  ret = priv->srcresult;
  g_mutex_unlock (&priv->queue_lock);
  return ret;
}

/* Says @text now, in order with what is queued, as a reply of its own. */
static void
enqueue_speak (GstVaniTTS * tts, GstEvent * event)
{
  GstVaniSentenceSplitter *splitter;
  gchar *text = NULL, *rest;

  if (!gst_vani_event_parse_speak (event, &text) || !text)
    return;
  splitter = gst_vani_sentence_splitter_new ();
  enqueue (tts, item_new (ITEM_REPLY_START, NULL));
  enqueue_sentences (tts, gst_vani_sentence_splitter_push (splitter, text,
          -1), g_get_monotonic_time ());
  rest = gst_vani_sentence_splitter_flush (splitter);
  if (rest)
    enqueue_sentence (tts, rest, g_get_monotonic_time ());
  enqueue (tts, item_new (ITEM_REPLY_END, NULL));
  g_free (rest);
  g_free (text);
  gst_vani_sentence_splitter_free (splitter);
}

static gboolean
flush_start (GstVaniTTS * tts, GstEvent * event)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  gboolean ret;

  set_flushing (tts);
  ret = gst_pad_push_event (priv->srcpad, event);
  gst_pad_pause_task (priv->srcpad);
  return ret;
}

static gboolean
flush_stop (GstVaniTTS * tts, GstEvent * event)
{
  GstVaniTTSPrivate *priv = PRIV (tts);
  gboolean ret;

  gst_vani_sentence_splitter_reset (priv->splitter);
  priv->in_reply = FALSE;
  drop_speech (tts, FALSE);
  ret = gst_pad_push_event (priv->srcpad, event);
  start_task (tts);
  return ret;
}

static gboolean
gst_vani_tts_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstVaniTTS *tts = GST_VANI_TTS (parent);
  GstVaniTTSPrivate *priv = PRIV (tts);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      return flush_start (tts, event);
    case GST_EVENT_FLUSH_STOP:
      return flush_stop (tts, event);
    case GST_EVENT_CAPS:       /* ours are audio caps, sent with the audio */
    case GST_EVENT_SEGMENT:    /* a text segment says nothing about audio */
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_EOS:
      sync_splitter (tts);
      if (priv->in_reply)
        finish_reply (tts, NULL);
      enqueue (tts, item_new (ITEM_EVENT, event));
      return TRUE;
    default:
      break;
  }

  switch (gst_vani_event_get_event_type (event)) {
    case GST_VANI_EVENT_INTERRUPTION:
      GST_DEBUG_OBJECT (tts, "interruption: dropping what is not said yet");
      drop_speech (tts, TRUE);
      return gst_pad_push_event (priv->srcpad, event);
    case GST_VANI_EVENT_LLM_RESPONSE_START:
      sync_splitter (tts);
      if (priv->in_reply)
        finish_reply (tts, NULL);
      begin_reply (tts, event);
      return TRUE;
    case GST_VANI_EVENT_LLM_RESPONSE_END:
      sync_splitter (tts);
      finish_reply (tts, event);
      return TRUE;
    case GST_VANI_EVENT_SPEAK:
      enqueue_speak (tts, event);
      gst_event_unref (event);
      return TRUE;
    default:
      break;
  }

  if (GST_EVENT_IS_SERIALIZED (event)) {
    enqueue (tts, item_new (ITEM_EVENT, event));
    return TRUE;
  }
  return gst_pad_push_event (priv->srcpad, event);
}

static gboolean
gst_vani_tts_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  if (gst_vani_event_get_event_type (event) == GST_VANI_EVENT_SPEAK) {
    enqueue_speak (GST_VANI_TTS (parent), event);
    gst_event_unref (event);
    return TRUE;
  }
  return gst_pad_event_default (pad, parent, event);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */

/**
 * gst_vani_tts_set_sample_rate:
 * @tts: a #GstVaniTTS
 * @rate: the engine's output rate in Hz
 *
 * Tells the base class the rate of the audio the engine produces; call it
 * in @start or when the rate changes between sentences.
 */
void
gst_vani_tts_set_sample_rate (GstVaniTTS * tts, gint rate)
{
  g_return_if_fail (GST_VANI_IS_TTS (tts));
  g_return_if_fail (rate > 0);
  GST_OBJECT_LOCK (tts);
  PRIV (tts)->rate = rate;
  GST_OBJECT_UNLOCK (tts);
}

/**
 * gst_vani_tts_get_sample_rate:
 * @tts: a #GstVaniTTS
 *
 * Returns: the engine's output rate in Hz
 */
gint
gst_vani_tts_get_sample_rate (GstVaniTTS * tts)
{
  gint rate;

  g_return_val_if_fail (GST_VANI_IS_TTS (tts), 0);
  GST_OBJECT_LOCK (tts);
  rate = PRIV (tts)->rate;
  GST_OBJECT_UNLOCK (tts);
  return rate;
}

/* ------------------------------------------------------------------------ */
/* GstElement / GObject                                                     */

static gboolean
open_engine (GstVaniTTS * tts)
{
  GstVaniTTSClass *klass = GST_VANI_TTS_GET_CLASS (tts);
  GstVaniTTSPrivate *priv = PRIV (tts);

  if (klass->start && !klass->start (tts))
    return FALSE;
  /* one thread: sentences are synthesised in order */
  priv->synth_pool = g_thread_pool_new (synthesize_one, tts, 1, FALSE, NULL);
  return TRUE;
}

static void
close_engine (GstVaniTTS * tts)
{
  GstVaniTTSClass *klass = GST_VANI_TTS_GET_CLASS (tts);
  GstVaniTTSPrivate *priv = PRIV (tts);

  drop_speech (tts, FALSE);
  if (priv->synth_pool)
    g_thread_pool_free (g_steal_pointer (&priv->synth_pool), FALSE, TRUE);
  if (klass->stop)
    klass->stop (tts);
}

static GstStateChangeReturn
gst_vani_tts_change_state (GstElement * element, GstStateChange transition)
{
  GstVaniTTS *tts = GST_VANI_TTS (element);
  GstVaniTTSPrivate *priv = PRIV (tts);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!open_engine (tts))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      gst_vani_sentence_splitter_reset (priv->splitter);
      priv->in_reply = FALSE;
      priv->caps_rate = 0;
      break;
    default:
      break;
  }
  ret = GST_ELEMENT_CLASS (gst_vani_tts_parent_class)->change_state (element,
      transition);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    close_engine (tts);
  return ret;
}

static void
gst_vani_tts_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVaniTTSPrivate *priv = PRIV (object);

  GST_OBJECT_LOCK (object);
  switch (prop_id) {
    case PROP_AGGREGATE_SENTENCES:
      priv->aggregate_sentences = g_value_get_boolean (value);
      break;
    case PROP_TEXT_FILTER:
      priv->text_filter = g_value_get_flags (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (object);
}

static void
gst_vani_tts_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstVaniTTSPrivate *priv = PRIV (object);

  GST_OBJECT_LOCK (object);
  switch (prop_id) {
    case PROP_AGGREGATE_SENTENCES:
      g_value_set_boolean (value, priv->aggregate_sentences);
      break;
    case PROP_TEXT_FILTER:
      g_value_set_flags (value, priv->text_filter);
      break;
    case PROP_SAMPLE_RATE:
      g_value_set_int (value, priv->rate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (object);
}

static void
gst_vani_tts_finalize (GObject * object)
{
  GstVaniTTSPrivate *priv = PRIV (object);

  drop_speech (GST_VANI_TTS (object), FALSE);
  if (priv->synth_pool)
    g_thread_pool_free (priv->synth_pool, FALSE, TRUE);
  gst_vani_sentence_splitter_free (priv->splitter);
  g_mutex_clear (&priv->queue_lock);
  g_cond_clear (&priv->queue_cond);
  G_OBJECT_CLASS (gst_vani_tts_parent_class)->finalize (object);
}

/* Pads are made here, not in _init: during the base class's _init the
 * instance still has the abstract class, without the subclass's source
 * template. */
static void
gst_vani_tts_constructed (GObject * object)
{
  GstVaniTTS *tts = GST_VANI_TTS (object);
  GstVaniTTSPrivate *priv = PRIV (tts);
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (tts), "src");

  G_OBJECT_CLASS (gst_vani_tts_parent_class)->constructed (object);
  g_return_if_fail (templ != NULL);

  priv->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_tts_chain));
  gst_pad_set_event_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vani_tts_sink_event));
  gst_element_add_pad (GST_ELEMENT (tts), priv->sinkpad);

  priv->srcpad = gst_pad_new_from_template (templ, "src");
  gst_pad_set_activatemode_function (priv->srcpad,
      GST_DEBUG_FUNCPTR (gst_vani_tts_src_activate_mode));
  gst_pad_set_event_function (priv->srcpad,
      GST_DEBUG_FUNCPTR (gst_vani_tts_src_event));
  gst_pad_use_fixed_caps (priv->srcpad);
  gst_element_add_pad (GST_ELEMENT (tts), priv->srcpad);
}

static void
gst_vani_tts_init (GstVaniTTS * tts)
{
  GstVaniTTSPrivate *priv = PRIV (tts);

  priv->aggregate_sentences = DEFAULT_AGGREGATE_SENTENCES;
  priv->text_filter = DEFAULT_TEXT_FILTER;
  priv->rate = 16000;
  priv->splitter = gst_vani_sentence_splitter_new ();
  priv->srcresult = GST_FLOW_FLUSHING;
  priv->next_pts = GST_CLOCK_TIME_NONE;
  g_mutex_init (&priv->queue_lock);
  g_cond_init (&priv->queue_cond);
  g_queue_init (&priv->items);
  g_queue_init (&priv->synthesizing);
}

static void
gst_vani_tts_class_init (GstVaniTTSClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_vani_tts_set_property;
  gobject_class->get_property = gst_vani_tts_get_property;
  gobject_class->finalize = gst_vani_tts_finalize;
  gobject_class->constructed = gst_vani_tts_constructed;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_vani_tts_change_state);

  g_object_class_install_property (gobject_class, PROP_AGGREGATE_SENTENCES,
      g_param_spec_boolean ("aggregate-sentences", "Aggregate sentences",
          "Gather streamed text into whole sentences before synthesis; "
          "FALSE sends every text buffer as it comes (for engines that "
          "stream words)", DEFAULT_AGGREGATE_SENTENCES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_TEXT_FILTER,
      g_param_spec_flags ("text-filter", "Text filter",
          "What is removed before synthesis because it should not be read "
          "aloud", GST_VANI_TYPE_TEXT_FILTER_FLAGS, DEFAULT_TEXT_FILTER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_SAMPLE_RATE,
      g_param_spec_int ("sample-rate", "Sample rate",
          "Rate of the audio the engine produces (Hz)", 1, G_MAXINT, 16000,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);

  GST_DEBUG_CATEGORY_INIT (gst_vani_tts_debug, "vanitts", 0,
      "gst-rustvani text-to-speech base class");
}
