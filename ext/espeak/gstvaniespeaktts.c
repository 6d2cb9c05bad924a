/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-vaniespeaktts
 * @title: vaniespeaktts
 * @short_description: offline text-to-speech with espeak-ng
 *
 * vaniespeaktts speaks text offline with espeak-ng, in about a hundred
 * languages. It takes text as an LLM streams it and speaks it sentence by
 * sentence (see #GstVaniTTS); the audio of a sentence is pushed in 50 ms
 * pieces as espeak-ng produces them, without waiting for the whole sentence.
 * The output is S16LE mono at espeak-ng's rate (22050 Hz).
 *
 * espeak-ng has one global state per process, so all vaniespeaktts
 * instances of a process take turns; each applies its own voice, rate, pitch
 * and volume before each sentence.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=answer.txt ! vaniespeaktts voice=en-us rate=170 \
 *     ! audioconvert ! audioresample ! autoaudiosink
 * ]| Reads answer.txt aloud.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvaniespeaktts.h"

#include <string.h>
#include <espeak-ng/speak_lib.h>

GST_DEBUG_CATEGORY_STATIC (gst_vani_espeak_tts_debug);
#define GST_CAT_DEFAULT gst_vani_espeak_tts_debug

#define DEFAULT_VOICE "en-us"
#define DEFAULT_RATE espeakRATE_NORMAL
#define DEFAULT_PITCH 50
#define DEFAULT_VOLUME 100
#define CHUNK_MS 50

enum
{
  PROP_0,
  PROP_VOICE,
  PROP_RATE,
  PROP_PITCH,
  PROP_VOLUME,
};

struct _GstVaniEspeakTTS
{
  GstVaniTTS parent;

  /* properties, object lock */
  gchar *voice;
  gint rate;
  gint pitch;
  gint volume;
};

G_DEFINE_TYPE (GstVaniEspeakTTS, gst_vani_espeak_tts, GST_VANI_TYPE_TTS);
GST_ELEMENT_REGISTER_DEFINE (vaniespeaktts, "vaniespeaktts",
    GST_RANK_NONE, GST_TYPE_VANI_ESPEAK_TTS);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) S16LE, "
        "layout = (string) interleaved, channels = (int) 1, "
        "rate = (int) [ 1, MAX ]"));

/* espeak-ng is one global engine: every call goes through this lock. */
static GMutex espeak_lock;
static gint espeak_rate;        /* 0: not initialised, < 0: failed */

static gint
espeak_callback (short *wav, int samples, espeak_EVENT * events)
{
  GstVaniTTSSentence *sentence = events ? events->user_data : NULL;

  if (!sentence)
    return 0;
  if (wav && samples > 0)
    gst_vani_tts_sentence_push_audio (sentence, (const guint8 *) wav,
        (gsize) samples * sizeof (short));
  return gst_vani_tts_sentence_is_cancelled (sentence) ? 1 : 0;
}

/* Called with espeak_lock held. */
static gint
ensure_espeak (void)
{
  if (espeak_rate == 0) {
    espeak_rate = espeak_Initialize (AUDIO_OUTPUT_SYNCHRONOUS, CHUNK_MS, NULL,
        espeakINITIALIZE_DONT_EXIT);
    if (espeak_rate > 0)
      espeak_SetSynthCallback (espeak_callback);
    else
      espeak_rate = -1;
  }
  return espeak_rate;
}

typedef struct
{
  gchar *voice;
  gint rate, pitch, volume;
} Settings;

static void
settings_read (GstVaniEspeakTTS * self, Settings * s)
{
  GST_OBJECT_LOCK (self);
  s->voice = g_strdup (self->voice);
  s->rate = self->rate;
  s->pitch = self->pitch;
  s->volume = self->volume;
  GST_OBJECT_UNLOCK (self);
}

/* Called with espeak_lock held. */
static gboolean
settings_apply (const Settings * s)
{
  if (espeak_SetVoiceByName (s->voice) != EE_OK)
    return FALSE;
  espeak_SetParameter (espeakRATE, s->rate, 0);
  espeak_SetParameter (espeakPITCH, s->pitch, 0);
  espeak_SetParameter (espeakVOLUME, s->volume, 0);
  return TRUE;
}

static gboolean
gst_vani_espeak_tts_start (GstVaniTTS * tts)
{
  GstVaniEspeakTTS *self = GST_VANI_ESPEAK_TTS (tts);
  gboolean voice_ok = FALSE;
  Settings s;
  gint rate;

  settings_read (self, &s);
  g_mutex_lock (&espeak_lock);
  rate = ensure_espeak ();
  if (rate > 0)
    voice_ok = settings_apply (&s);
  g_mutex_unlock (&espeak_lock);

  if (rate <= 0) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Could not start espeak-ng: its data (espeak-ng-data) was not "
            "found"), ("espeak_Initialize() failed"));
  } else if (!voice_ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("espeak-ng has no voice \"%s\" (see `espeak-ng --voices`)",
            s.voice), (NULL));
  } else {
    gst_vani_tts_set_sample_rate (tts, rate);
  }
  g_free (s.voice);
  return rate > 0 && voice_ok;
}

static void
gst_vani_espeak_tts_synthesize (GstVaniTTS * tts,
    GstVaniTTSSentence * sentence)
{
  GstVaniEspeakTTS *self = GST_VANI_ESPEAK_TTS (tts);
  const gchar *text = gst_vani_tts_sentence_get_text (sentence);
  espeak_ERROR result = EE_NOT_FOUND;
  GError *error = NULL;
  Settings s;

  settings_read (self, &s);
  g_mutex_lock (&espeak_lock);
  if (settings_apply (&s))
    result = espeak_Synth (text, strlen (text) + 1, 0, POS_CHARACTER, 0,
        espeakCHARS_UTF8, NULL, sentence);
  g_mutex_unlock (&espeak_lock);

  /* a cancelled synthesis reports an error too: that is not a failure */
  if (result != EE_OK && !gst_vani_tts_sentence_is_cancelled (sentence))
    error = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
        "espeak-ng could not say this (error %d, voice \"%s\")", result,
        s.voice);
  gst_vani_tts_sentence_finish (sentence, error);
  g_clear_error (&error);
  g_free (s.voice);
}

static void
gst_vani_espeak_tts_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVaniEspeakTTS *self = GST_VANI_ESPEAK_TTS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VOICE:
      g_free (self->voice);
      self->voice = g_value_dup_string (value);
      if (!self->voice)
        self->voice = g_strdup (DEFAULT_VOICE);
      break;
    case PROP_RATE:
      self->rate = g_value_get_int (value);
      break;
    case PROP_PITCH:
      self->pitch = g_value_get_int (value);
      break;
    case PROP_VOLUME:
      self->volume = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_espeak_tts_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstVaniEspeakTTS *self = GST_VANI_ESPEAK_TTS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VOICE:
      g_value_set_string (value, self->voice);
      break;
    case PROP_RATE:
      g_value_set_int (value, self->rate);
      break;
    case PROP_PITCH:
      g_value_set_int (value, self->pitch);
      break;
    case PROP_VOLUME:
      g_value_set_int (value, self->volume);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_espeak_tts_finalize (GObject * object)
{
  GstVaniEspeakTTS *self = GST_VANI_ESPEAK_TTS (object);

  g_free (self->voice);
  G_OBJECT_CLASS (gst_vani_espeak_tts_parent_class)->finalize (object);
}

static void
gst_vani_espeak_tts_init (GstVaniEspeakTTS * self)
{
  self->voice = g_strdup (DEFAULT_VOICE);
  self->rate = DEFAULT_RATE;
  self->pitch = DEFAULT_PITCH;
  self->volume = DEFAULT_VOLUME;
}

static void
gst_vani_espeak_tts_class_init (GstVaniEspeakTTSClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVaniTTSClass *tts_class = GST_VANI_TTS_CLASS (klass);

  gobject_class->set_property = gst_vani_espeak_tts_set_property;
  gobject_class->get_property = gst_vani_espeak_tts_get_property;
  gobject_class->finalize = gst_vani_espeak_tts_finalize;
  tts_class->start = GST_DEBUG_FUNCPTR (gst_vani_espeak_tts_start);
  tts_class->synthesize = GST_DEBUG_FUNCPTR (gst_vani_espeak_tts_synthesize);

  g_object_class_install_property (gobject_class, PROP_VOICE,
      g_param_spec_string ("voice", "Voice",
          "espeak-ng voice: a language code with an optional variant, e.g. "
          "en-us, en-gb, de, hi, fr+f3 (list: espeak-ng --voices)",
          DEFAULT_VOICE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_RATE,
      g_param_spec_int ("rate", "Rate", "Speaking rate in words per minute",
          espeakRATE_MINIMUM, espeakRATE_MAXIMUM, DEFAULT_RATE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PITCH,
      g_param_spec_int ("pitch", "Pitch", "Base pitch (0-100, 50 is normal)",
          0, 100, DEFAULT_PITCH, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_VOLUME,
      g_param_spec_int ("volume", "Volume",
          "Loudness in percent (0-200, 100 is normal)", 0, 200,
          DEFAULT_VOLUME, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "espeak-ng text-to-speech", "Filter/Audio/Synthesizer",
      "Speaks streamed text offline with espeak-ng, sentence by sentence",
      "gst-rustvani developers");

  GST_DEBUG_CATEGORY_INIT (gst_vani_espeak_tts_debug, "vaniespeaktts", 0,
      "gst-rustvani espeak-ng text-to-speech");
}
