/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-vanivad
 * @title: vanivad
 * @short_description: voice activity detection with backdated start/stop events
 *
 * vanivad decides, every 10 ms frame, whether someone is speaking, and tells
 * the rest of the pipeline with serialized `user-started-speaking` and
 * `user-stopped-speaking` events (and the same bus messages). It passes the
 * audio through in place: nothing is copied or delayed.
 *
 * The decision needs no model. The energy in the speech band (250–3500 Hz,
 * two biquads) is compared with an adaptive noise floor that falls at once and
 * rises slowly (3 dB/s), so a steady background noise or a change of level
 * is learnt while speech stands out. The band-limited signal-to-noise ratio
 * becomes a speech probability compared with #GstVaniVad:confidence. Brown
 * noise and hum carry little energy in that band; broadband noise is absorbed
 * by the floor.
 *
 * Like Pipecat's VAD, speech must last #GstVaniVad:start-secs before the user
 * counts as speaking, and silence must last #GstVaniVad:stop-secs before they
 * count as stopped. The events carry the times at which speech really began
 * and ended, so they are backdated by those delays. stop-secs defaults to
 * 0.8 s: with no turn-taking model to judge whether a sentence is finished,
 * a shorter wait cuts people off at their natural mid-sentence pauses
 * (300–500 ms), and a longer one makes the agent feel slow.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m autoaudiosrc ! audioconvert ! audioresample \
 *     ! audio/x-raw,rate=16000,channels=1 ! vanivad ! fakesink
 * ]| Prints a `vani/user-started-speaking` and a `vani/user-stopped-speaking`
 * message each time someone talks into the microphone.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanivad.h"

#include <math.h>
#include <string.h>
#include <gst/audio/audio.h>
#include <gst/vani/vani.h>

GST_DEBUG_CATEGORY_STATIC (gst_vani_vad_debug);
#define GST_CAT_DEFAULT gst_vani_vad_debug

#define DEFAULT_CONFIDENCE 0.7
#define DEFAULT_START_SECS 0.2
#define DEFAULT_STOP_SECS 0.8
#define DEFAULT_MIN_VOLUME 0.6

#define FRAMES_PER_SECOND 100   /* 10 ms frames */
#define BAND_LOW_HZ 250.0
#define BAND_HIGH_HZ 3500.0
#define FLOOR_RISE_DB_PER_FRAME (3.0 / FRAMES_PER_SECOND)
#define FLOOR_FALL 0.3          /* fraction of the gap closed per frame */
#define SNR_MIDPOINT_DB 4.5     /* probability 0.5 */
#define SNR_SLOPE_DB 1.5
#define ONSET_PROBABILITY 0.3   /* where a run of speech is said to begin */
#define MAX_START_GAP_FRAMES 8  /* silence tolerated while speech starts */
#define PROB_ATTACK 0.5         /* rising probability: half the gap per frame */
#define PROB_RELEASE 0.1        /* falling: a tenth, bridging short dips */
#define VOLUME_FLOOR_DB -90.0   /* volume 0 */
#define VOLUME_RANGE_DB 60.0    /* volume 1 at -30 dBFS */
#define MIN_DB -120.0

enum
{
  PROP_0,
  PROP_CONFIDENCE,
  PROP_START_SECS,
  PROP_STOP_SECS,
  PROP_MIN_VOLUME,
  PROP_SPEAKING,
};

typedef enum
{
  STATE_QUIET,
  STATE_STARTING,
  STATE_SPEAKING,
  STATE_STOPPING,
} VadState;

typedef struct
{
  gdouble b0, b1, b2, a1, a2;
  gdouble z1, z2;
} Biquad;

struct _GstVaniVad
{
  GstBaseTransform parent;

  /* properties, object lock */
  gdouble confidence;
  gdouble start_secs;
  gdouble stop_secs;
  gdouble min_volume;

  /* streaming thread */
  gint rate;
  guint frame_samples;
  gint16 *residue;              /* samples waiting for a whole frame */
  guint n_residue;
  GstClockTime residue_ts;      /* time of residue[0] */
  Biquad highpass, lowpass;
  gdouble floor_db;
  gboolean have_floor;
  gdouble probability;          /* smoothed speech probability */
  GstClockTime onset;           /* when the probability last rose past onset */
  VadState state;
  guint run_frames;             /* speech (or silence) frames so far */
  guint gap_frames;             /* silent frames in a row while starting */
  GstClockTime run_start;       /* first speech frame of the run */
  GstClockTime last_speech_end; /* end of the last speech frame */
  gboolean speaking;            /* read by the property, object lock */
};

#define gst_vani_vad_parent_class parent_class
G_DEFINE_TYPE (GstVaniVad, gst_vani_vad, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (vanivad, "vanivad", GST_RANK_NONE,
    GST_TYPE_VANI_VAD);

#define VAD_CAPS "audio/x-raw, format = (string) S16LE, " \
  "layout = (string) interleaved, channels = (int) 1, " \
  "rate = (int) { 8000, 16000, 24000, 48000 }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VAD_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VAD_CAPS));

/* ------------------------------------------------------------------------ */
/* Signal processing                                                        */

/* RBJ cookbook second-order sections, Q = 1/sqrt(2). */
static void
biquad_init (Biquad * bq, gdouble freq, gint rate, gboolean highpass)
{
  gdouble w0 = 2.0 * G_PI * freq / rate;
  gdouble alpha = sin (w0) / G_SQRT2;   /* sin(w0) / (2 Q), Q = 1/sqrt(2) */
  gdouble cosw = cos (w0);
  gdouble a0 = 1.0 + alpha;

  if (highpass) {
    bq->b0 = (1.0 + cosw) / 2.0 / a0;
    bq->b1 = -(1.0 + cosw) / a0;
  } else {
    bq->b0 = (1.0 - cosw) / 2.0 / a0;
    bq->b1 = (1.0 - cosw) / a0;
  }
  bq->b2 = bq->b0;
  bq->a1 = -2.0 * cosw / a0;
  bq->a2 = (1.0 - alpha) / a0;
  bq->z1 = bq->z2 = 0.0;
}

static inline gdouble
biquad_step (Biquad * bq, gdouble x)
{
  gdouble y = bq->b0 * x + bq->z1;

  bq->z1 = bq->b1 * x - bq->a1 * y + bq->z2;
  bq->z2 = bq->b2 * x - bq->a2 * y;
  return y;
}

static gdouble
power_to_db (gdouble power)
{
  return power > 0.0 ? MAX (10.0 * log10 (power), MIN_DB) : MIN_DB;
}

/* Band energy and total energy of one frame, in dBFS. */
static void
frame_levels (GstVaniVad * self, const gint16 * samples, guint n,
    gdouble * band_db, gdouble * total_db)
{
  gdouble band = 0.0, total = 0.0;
  guint i;

  for (i = 0; i < n; i++) {
    gdouble x = samples[i] / 32768.0;
    gdouble y = biquad_step (&self->lowpass, biquad_step (&self->highpass, x));

    total += x * x;
    band += y * y;
  }
  *band_db = power_to_db (band / n);
  *total_db = power_to_db (total / n);
}

/* The noise floor falls at once and rises slowly: steady noise is learnt in
 * a few seconds while a sentence barely moves it. */
static gdouble
update_noise_floor (GstVaniVad * self, gdouble band_db)
{
  if (!self->have_floor) {
    self->floor_db = band_db;
    self->have_floor = TRUE;
  } else if (band_db < self->floor_db) {
    self->floor_db += (band_db - self->floor_db) * FLOOR_FALL;
  } else {
    self->floor_db += MIN (band_db - self->floor_db, FLOOR_RISE_DB_PER_FRAME);
  }
  return band_db - self->floor_db;
}

/* The band SNR of one frame jumps between syllables; smoothing it (quick to
 * rise, slow to fall) gives a probability that follows words, not phones. */
static gdouble
speech_probability (GstVaniVad * self, gdouble snr_db)
{
  gdouble p = 1.0 / (1.0 + exp (-(snr_db - SNR_MIDPOINT_DB) / SNR_SLOPE_DB));

  self->probability += (p - self->probability) *
      (p > self->probability ? PROB_ATTACK : PROB_RELEASE);
  return self->probability;
}

static gdouble
volume_of (gdouble total_db)
{
  return CLAMP ((total_db - VOLUME_FLOOR_DB) / VOLUME_RANGE_DB, 0.0, 1.0);
}

/* ------------------------------------------------------------------------ */
/* State machine                                                            */

static void
set_speaking (GstVaniVad * self, gboolean speaking)
{
  GST_OBJECT_LOCK (self);
  self->speaking = speaking;
  GST_OBJECT_UNLOCK (self);
}

static void
announce (GstVaniVad * self, gboolean started, GstClockTime ts)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime stream_time = gst_segment_to_stream_time (&trans->segment,
      GST_FORMAT_TIME, ts);
  GstClockTime running_time = gst_segment_to_running_time (&trans->segment,
      GST_FORMAT_TIME, ts);
  GstEvent *event;
  GstMessage *msg;

  GST_INFO_OBJECT (self, "user %s speaking at %" GST_TIME_FORMAT,
      started ? "started" : "stopped", GST_TIME_ARGS (stream_time));
  if (started) {
    event = gst_vani_event_new_user_started_speaking (stream_time,
        running_time);
    msg = gst_vani_bus_message_new_user_started_speaking (GST_OBJECT (self),
        stream_time);
  } else {
    event = gst_vani_event_new_user_stopped_speaking (stream_time,
        running_time);
    msg = gst_vani_bus_message_new_user_stopped_speaking (GST_OBJECT (self),
        stream_time);
  }
  set_speaking (self, started);
  gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self), event);
  gst_element_post_message (GST_ELEMENT (self), msg);
}

static guint
secs_to_frames (gdouble secs)
{
  return MAX (1, (guint) (secs * FRAMES_PER_SECOND + 0.5));
}

/* One 10 ms frame starting at @ts: Pipecat's QUIET/STARTING/SPEAKING/STOPPING
 * machine. */
static void
process_frame (GstVaniVad * self, const gint16 * samples, GstClockTime ts)
{
  GstClockTime frame_end = ts + GST_SECOND / FRAMES_PER_SECOND;
  gdouble band_db, total_db, snr, probability, confidence, min_volume;
  guint start_frames, stop_frames;
  gboolean speech;

  frame_levels (self, samples, self->frame_samples, &band_db, &total_db);
  snr = update_noise_floor (self, band_db);

  GST_OBJECT_LOCK (self);
  confidence = self->confidence;
  min_volume = self->min_volume;
  start_frames = secs_to_frames (self->start_secs);
  stop_frames = secs_to_frames (self->stop_secs);
  GST_OBJECT_UNLOCK (self);

  /* too quiet to be speech, however clean the silence around it */
  if (volume_of (total_db) < min_volume)
    snr = MIN_DB;
  probability = speech_probability (self, snr);
  if (probability < ONSET_PROBABILITY)
    self->onset = GST_CLOCK_TIME_NONE;
  else if (!GST_CLOCK_TIME_IS_VALID (self->onset))
    self->onset = ts;
  speech = probability >= confidence;
  GST_LOG_OBJECT (self, "%" GST_TIME_FORMAT " band %.1f dB floor %.1f dB "
      "snr %.1f total %.1f -> %d", GST_TIME_ARGS (ts), band_db, self->floor_db,
      snr, total_db, speech);

  switch (self->state) {
    case STATE_QUIET:
      if (speech) {
        self->state = STATE_STARTING;
        self->run_frames = 1;
        self->gap_frames = 0;
        /* the words began where the probability started to rise */
        self->run_start = GST_CLOCK_TIME_IS_VALID (self->onset) ?
            self->onset : ts;
        self->last_speech_end = frame_end;
      }
      break;
    case STATE_STARTING:
      /* noisy speech comes in bursts: short gaps do not restart the count */
      if (!speech) {
        if (++self->gap_frames > MAX_START_GAP_FRAMES)
          self->state = STATE_QUIET;
        break;
      }
      self->gap_frames = 0;
      self->last_speech_end = frame_end;
      if (++self->run_frames >= start_frames) {
        self->state = STATE_SPEAKING;
        announce (self, TRUE, self->run_start);
      }
      break;
    case STATE_SPEAKING:
      if (speech) {
        self->last_speech_end = frame_end;
      } else {
        self->state = STATE_STOPPING;
        self->run_frames = 1;
      }
      break;
    case STATE_STOPPING:
      if (speech) {
        self->state = STATE_SPEAKING;
        self->last_speech_end = frame_end;
      } else if (++self->run_frames >= stop_frames) {
        self->state = STATE_QUIET;
        announce (self, FALSE, self->last_speech_end);
      }
      break;
  }
}

static void
reset_detector (GstVaniVad * self)
{
  self->n_residue = 0;
  self->residue_ts = GST_CLOCK_TIME_NONE;
  self->have_floor = FALSE;
  self->probability = 0.0;
  self->onset = GST_CLOCK_TIME_NONE;
  self->state = STATE_QUIET;
  self->run_frames = 0;
  if (self->rate > 0) {
    biquad_init (&self->highpass, BAND_LOW_HZ, self->rate, TRUE);
    biquad_init (&self->lowpass, MIN (BAND_HIGH_HZ, self->rate * 0.45),
        self->rate, FALSE);
  }
  set_speaking (self, FALSE);
}

/* A stream that ends while the user speaks still gets its stop. */
static void
finish_speech (GstVaniVad * self)
{
  if (self->state == STATE_SPEAKING || self->state == STATE_STOPPING)
    announce (self, FALSE, self->last_speech_end);
  self->state = STATE_QUIET;
}

/* ------------------------------------------------------------------------ */
/* GstBaseTransform                                                         */

static gboolean
gst_vani_vad_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstVaniVad *self = GST_VANI_VAD (trans);
  GstAudioInfo info;

  if (!gst_audio_info_from_caps (&info, incaps) ||
      GST_AUDIO_INFO_CHANNELS (&info) != 1 ||
      GST_AUDIO_INFO_FORMAT (&info) != GST_AUDIO_FORMAT_S16LE) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("vanivad needs mono S16LE audio at 8, 16, 24 or 48 kHz"),
        ("got %" GST_PTR_FORMAT, incaps));
    return FALSE;
  }
  self->rate = GST_AUDIO_INFO_RATE (&info);
  self->frame_samples = self->rate / FRAMES_PER_SECOND;
  g_free (self->residue);
  self->residue = g_new (gint16, self->frame_samples);
  reset_detector (self);
  return TRUE;
}

static GstClockTime
samples_to_time (GstVaniVad * self, guint64 samples)
{
  return gst_util_uint64_scale_int (samples, GST_SECOND, self->rate);
}

static GstFlowReturn
gst_vani_vad_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstVaniVad *self = GST_VANI_VAD (trans);
  GstMapInfo map;
  const gint16 *samples;
  guint n, i = 0;
  GstClockTime ts;

  if (self->rate == 0)
    return GST_FLOW_NOT_NEGOTIATED;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  samples = (const gint16 *) map.data;
  n = map.size / sizeof (gint16);

  /* the time of the first sample of this buffer */
  ts = GST_BUFFER_PTS (buffer);
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    ts = GST_CLOCK_TIME_IS_VALID (self->residue_ts) ?
        self->residue_ts + samples_to_time (self, self->n_residue) : 0;
  if (self->n_residue == 0)
    self->residue_ts = ts;

  /* complete the frame left over from the last buffer */
  if (self->n_residue > 0) {
    guint take = MIN (self->frame_samples - self->n_residue, n);

    memcpy (self->residue + self->n_residue, samples, take * sizeof (gint16));
    self->n_residue += take;
    i = take;
    if (self->n_residue == self->frame_samples) {
      process_frame (self, self->residue, self->residue_ts);
      self->n_residue = 0;
    }
  }
  for (; i + self->frame_samples <= n; i += self->frame_samples)
    process_frame (self, samples + i, ts + samples_to_time (self, i));
  if (i < n) {
    memcpy (self->residue, samples + i, (n - i) * sizeof (gint16));
    self->n_residue = n - i;
    self->residue_ts = ts + samples_to_time (self, i);
  }
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

static gboolean
gst_vani_vad_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstVaniVad *self = GST_VANI_VAD (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      finish_speech (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      reset_detector (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_vani_vad_stop (GstBaseTransform * trans)
{
  GstVaniVad *self = GST_VANI_VAD (trans);

  reset_detector (self);
  self->rate = 0;
  g_clear_pointer (&self->residue, g_free);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
gst_vani_vad_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVaniVad *self = GST_VANI_VAD (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CONFIDENCE:
      self->confidence = g_value_get_double (value);
      break;
    case PROP_START_SECS:
      self->start_secs = g_value_get_double (value);
      break;
    case PROP_STOP_SECS:
      self->stop_secs = g_value_get_double (value);
      break;
    case PROP_MIN_VOLUME:
      self->min_volume = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_vad_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstVaniVad *self = GST_VANI_VAD (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_CONFIDENCE:
      g_value_set_double (value, self->confidence);
      break;
    case PROP_START_SECS:
      g_value_set_double (value, self->start_secs);
      break;
    case PROP_STOP_SECS:
      g_value_set_double (value, self->stop_secs);
      break;
    case PROP_MIN_VOLUME:
      g_value_set_double (value, self->min_volume);
      break;
    case PROP_SPEAKING:
      g_value_set_boolean (value, self->speaking);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_vad_finalize (GObject * object)
{
  g_free (GST_VANI_VAD (object)->residue);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_vani_vad_init (GstVaniVad * self)
{
  self->confidence = DEFAULT_CONFIDENCE;
  self->start_secs = DEFAULT_START_SECS;
  self->stop_secs = DEFAULT_STOP_SECS;
  self->min_volume = DEFAULT_MIN_VOLUME;
  self->residue_ts = GST_CLOCK_TIME_NONE;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}

#define RW_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_PLAYING)

static void
gst_vani_vad_class_init (GstVaniVadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_vani_vad_set_property;
  gobject_class->get_property = gst_vani_vad_get_property;
  gobject_class->finalize = gst_vani_vad_finalize;

  g_object_class_install_property (gobject_class, PROP_CONFIDENCE,
      g_param_spec_double ("confidence", "Confidence",
          "Speech probability a 10 ms frame needs to count as speech "
          "(higher: fewer false starts in noise, more missed quiet speech)",
          0.0, 1.0, DEFAULT_CONFIDENCE, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_START_SECS,
      g_param_spec_double ("start-secs", "Start seconds",
          "How long speech must last before the user counts as speaking; "
          "the event is backdated to when it began", 0.01, 5.0,
          DEFAULT_START_SECS, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_STOP_SECS,
      g_param_spec_double ("stop-secs", "Stop seconds",
          "How long silence must last before the user counts as stopped "
          "(0.8 s rides over mid-sentence pauses when no turn model is "
          "used); the event is backdated to when speech ended", 0.01, 10.0,
          DEFAULT_STOP_SECS, RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MIN_VOLUME,
      g_param_spec_double ("min-volume", "Minimum volume",
          "Quietest level that can count as speech, from 0 (-90 dBFS) to 1 "
          "(-30 dBFS); 0.6 is -54 dBFS", 0.0, 1.0, DEFAULT_MIN_VOLUME,
          RW_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SPEAKING,
      g_param_spec_boolean ("speaking", "Speaking",
          "Whether the user is speaking now", FALSE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Vani voice activity detector", "Filter/Analyzer/Audio",
      "Detects speech and sends backdated user-started/stopped-speaking "
      "events, passing the audio through", "gst-rustvani developers");

  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_vani_vad_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_vani_vad_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_vani_vad_sink_event);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_vani_vad_stop);
  trans_class->passthrough_on_same_caps = TRUE;
  trans_class->transform_ip_on_passthrough = TRUE;

  GST_DEBUG_CATEGORY_INIT (gst_vani_vad_debug, "vanivad", 0,
      "gst-rustvani voice activity detector");
}
