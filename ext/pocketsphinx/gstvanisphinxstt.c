/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-vanisphinxstt
 * @title: vanisphinxstt
 * @short_description: offline speech-to-text with pocketsphinx
 *
 * vanisphinxstt recognises speech offline with CMU pocketsphinx, decoding as
 * the audio arrives (streaming). An utterance is what lies between the
 * `user-started-speaking` and `user-stopped-speaking` events of a VAD
 * upstream; without a VAD, the whole stream is one utterance. Interim results
 * go out as `interim-transcription` events every 300 ms of speech.
 *
 * By default it uses the US English model of Debian's pocketsphinx-en-us with
 * its general language model. A JSGF grammar (#GstVaniSphinxSTT:grammar) or a
 * keyword list (#GstVaniSphinxSTT:keywords) narrows the vocabulary, e.g. to
 * what a conversation-flow node expects, and makes recognition far more
 * accurate there.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=speech.wav ! wavparse ! audioconvert ! audioresample \
 *     ! audio/x-raw,rate=16000,channels=1 ! vanivad ! vanisphinxstt ! fdsink
 * ]| Prints one line of text per sentence spoken in speech.wav.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanisphinxstt.h"

#include <string.h>
#include <pocketsphinx.h>

GST_DEBUG_CATEGORY_STATIC (gst_vani_sphinx_stt_debug);
#define GST_CAT_DEFAULT gst_vani_sphinx_stt_debug

#define DEFAULT_HMM VANI_SPHINX_MODEL_DIR "/en-us"
#define DEFAULT_DICT VANI_SPHINX_MODEL_DIR "/cmudict-en-us.dict"
#define DEFAULT_LM VANI_SPHINX_MODEL_DIR "/en-us.lm.bin"
#define INTERIM_SAMPLES (16000 * 3 / 10)        /* 300 ms */

enum
{
  PROP_0,
  PROP_HMM,
  PROP_DICT,
  PROP_LM,
  PROP_GRAMMAR,
  PROP_KEYWORDS,
};

struct _GstVaniSphinxSTT
{
  GstVaniSTT parent;

  /* properties, object lock; used from NULL→READY on */
  gchar *hmm;
  gchar *dict;
  gchar *lm;
  gchar *grammar;
  gchar *keywords;

  /* streaming thread */
  ps_decoder_t *decoder;
  gboolean in_utterance;
  guint samples_since_interim;
  gchar *last_interim;
};

#define gst_vani_sphinx_stt_parent_class parent_class
G_DEFINE_TYPE (GstVaniSphinxSTT, gst_vani_sphinx_stt, GST_VANI_TYPE_STT);
GST_ELEMENT_REGISTER_DEFINE (vanisphinxstt, "vanisphinxstt", GST_RANK_NONE,
    GST_TYPE_VANI_SPHINX_STT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) S16LE, "
        "layout = (string) interleaved, channels = (int) 1, "
        "rate = (int) 16000"));

/* A missing file fails NULL→READY with an error naming it. */
static gboolean
require_path (GstVaniSphinxSTT * self, const gchar * what, const gchar * path,
    gboolean directory)
{
  if (path && g_file_test (path, directory ? G_FILE_TEST_IS_DIR :
          G_FILE_TEST_IS_REGULAR))
    return TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
      ("The pocketsphinx %s \"%s\" does not exist", what, path ? path : ""),
      ("install pocketsphinx-en-us, or set the property to an existing %s",
          directory ? "directory" : "file"));
  return FALSE;
}

/* The paths, copied under the object lock. */
typedef struct
{
  gchar *hmm, *dict, *lm, *grammar, *keywords;
} Paths;

static void
paths_clear (Paths * p)
{
  g_free (p->hmm);
  g_free (p->dict);
  g_free (p->lm);
  g_free (p->grammar);
  g_free (p->keywords);
}

static cmd_ln_t *
make_config (const Paths * p)
{
  const gchar *search_flag = "-lm", *search = p->lm;

  if (p->grammar) {
    search_flag = "-jsgf";
    search = p->grammar;
  } else if (p->keywords) {
    search_flag = "-kws";
    search = p->keywords;
  }
  return cmd_ln_init (NULL, ps_args (), TRUE, "-hmm", p->hmm,
      "-dict", p->dict, search_flag, search, "-samprate", "16000",
      "-logfn", "/dev/null", NULL);
}

static gboolean
gst_vani_sphinx_stt_start (GstVaniSTT * stt)
{
  GstVaniSphinxSTT *self = GST_VANI_SPHINX_STT (stt);
  cmd_ln_t *config = NULL;
  Paths p;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  p.hmm = g_strdup (self->hmm);
  p.dict = g_strdup (self->dict);
  p.lm = g_strdup (self->lm);
  p.grammar = g_strdup (self->grammar);
  p.keywords = g_strdup (self->keywords);
  GST_OBJECT_UNLOCK (self);

  ok = require_path (self, "model directory", p.hmm, TRUE) &&
      require_path (self, "dictionary", p.dict, FALSE) &&
      (p.grammar ? require_path (self, "grammar", p.grammar, FALSE) :
      p.keywords ? require_path (self, "keyword list", p.keywords, FALSE) :
      require_path (self, "language model", p.lm, FALSE));
  if (ok)
    config = make_config (&p);
  paths_clear (&p);
  if (!ok)
    return FALSE;

  self->decoder = config ? ps_init (config) : NULL;
  if (config)
    cmd_ln_free_r (config);
  if (!self->decoder) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("pocketsphinx could not load its model"),
        ("check the model, dictionary and grammar properties"));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_vani_sphinx_stt_stop (GstVaniSTT * stt)
{
  GstVaniSphinxSTT *self = GST_VANI_SPHINX_STT (stt);

  g_clear_pointer (&self->decoder, ps_free);
  self->in_utterance = FALSE;
  g_clear_pointer (&self->last_interim, g_free);
  return TRUE;
}

static void
gst_vani_sphinx_stt_begin_utterance (GstVaniSTT * stt, guint64 utterance)
{
  GstVaniSphinxSTT *self = GST_VANI_SPHINX_STT (stt);

  if (self->in_utterance)
    ps_end_utt (self->decoder);
  ps_start_utt (self->decoder);
  self->in_utterance = TRUE;
  self->samples_since_interim = 0;
  g_clear_pointer (&self->last_interim, g_free);
}

static void
maybe_push_interim (GstVaniSphinxSTT * self, guint samples)
{
  const gchar *hyp;

  self->samples_since_interim += samples;
  if (self->samples_since_interim < INTERIM_SAMPLES)
    return;
  self->samples_since_interim = 0;
  hyp = ps_get_hyp (self->decoder, NULL);
  if (hyp && *hyp && g_strcmp0 (hyp, self->last_interim) != 0) {
    g_free (self->last_interim);
    self->last_interim = g_strdup (hyp);
    gst_vani_stt_push_interim (GST_VANI_STT (self), hyp);
  }
}

static GstFlowReturn
gst_vani_sphinx_stt_handle_audio (GstVaniSTT * stt, guint64 utterance,
    GstBuffer * buffer)
{
  GstVaniSphinxSTT *self = GST_VANI_SPHINX_STT (stt);
  GstMapInfo map;
  guint samples;

  if (!self->in_utterance || !gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  samples = map.size / sizeof (gint16);
  ps_process_raw (self->decoder, (const int16 *) map.data, samples, FALSE,
      FALSE);
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  maybe_push_interim (self, samples);
  return GST_FLOW_OK;
}

static void
gst_vani_sphinx_stt_end_utterance (GstVaniSTT * stt, guint64 utterance)
{
  GstVaniSphinxSTT *self = GST_VANI_SPHINX_STT (stt);
  const gchar *hyp = NULL;

  if (self->in_utterance) {
    ps_end_utt (self->decoder);
    hyp = ps_get_hyp (self->decoder, NULL);
    self->in_utterance = FALSE;
  }
  gst_vani_stt_finish_utterance (stt, utterance, hyp, NULL);
}

static void
gst_vani_sphinx_stt_cancel (GstVaniSTT * stt)
{
  GstVaniSphinxSTT *self = GST_VANI_SPHINX_STT (stt);

  if (self->in_utterance)
    ps_end_utt (self->decoder);
  self->in_utterance = FALSE;
}

static gchar **
path_field (GstVaniSphinxSTT * self, guint prop_id)
{
  switch (prop_id) {
    case PROP_HMM:
      return &self->hmm;
    case PROP_DICT:
      return &self->dict;
    case PROP_LM:
      return &self->lm;
    case PROP_GRAMMAR:
      return &self->grammar;
    case PROP_KEYWORDS:
      return &self->keywords;
    default:
      return NULL;
  }
}

static void
gst_vani_sphinx_stt_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  gchar **field = path_field (GST_VANI_SPHINX_STT (object), prop_id);

  if (!field) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (object);
  g_free (*field);
  *field = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (object);
}

static void
gst_vani_sphinx_stt_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  gchar **field = path_field (GST_VANI_SPHINX_STT (object), prop_id);

  if (!field) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK (object);
  g_value_set_string (value, *field);
  GST_OBJECT_UNLOCK (object);
}

static void
gst_vani_sphinx_stt_finalize (GObject * object)
{
  GstVaniSphinxSTT *self = GST_VANI_SPHINX_STT (object);

  g_free (self->hmm);
  g_free (self->dict);
  g_free (self->lm);
  g_free (self->grammar);
  g_free (self->keywords);
  g_free (self->last_interim);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_vani_sphinx_stt_init (GstVaniSphinxSTT * self)
{
  self->hmm = g_strdup (DEFAULT_HMM);
  self->dict = g_strdup (DEFAULT_DICT);
  self->lm = g_strdup (DEFAULT_LM);
}

#define PATH_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
gst_vani_sphinx_stt_class_init (GstVaniSphinxSTTClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVaniSTTClass *stt_class = GST_VANI_STT_CLASS (klass);

  gobject_class->set_property = gst_vani_sphinx_stt_set_property;
  gobject_class->get_property = gst_vani_sphinx_stt_get_property;
  gobject_class->finalize = gst_vani_sphinx_stt_finalize;

  g_object_class_install_property (gobject_class, PROP_HMM,
      g_param_spec_string ("hmm", "Acoustic model",
          "Directory of the acoustic model", DEFAULT_HMM, PATH_FLAGS));
  g_object_class_install_property (gobject_class, PROP_DICT,
      g_param_spec_string ("dict", "Dictionary",
          "Pronunciation dictionary file", DEFAULT_DICT, PATH_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LM,
      g_param_spec_string ("lm", "Language model",
          "N-gram language model file, used unless a grammar or keyword "
          "list is set", DEFAULT_LM, PATH_FLAGS));
  g_object_class_install_property (gobject_class, PROP_GRAMMAR,
      g_param_spec_string ("grammar", "Grammar",
          "JSGF grammar file that narrows what can be recognised", NULL,
          PATH_FLAGS));
  g_object_class_install_property (gobject_class, PROP_KEYWORDS,
      g_param_spec_string ("keywords", "Keywords",
          "Keyword list file (one phrase per line, with /threshold/) to "
          "spot instead of free speech", NULL, PATH_FLAGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Vani pocketsphinx speech-to-text", "Filter/Audio/Text",
      "Recognises speech offline with CMU pocketsphinx",
      "gst-rustvani developers");

  stt_class->start = GST_DEBUG_FUNCPTR (gst_vani_sphinx_stt_start);
  stt_class->stop = GST_DEBUG_FUNCPTR (gst_vani_sphinx_stt_stop);
  stt_class->begin_utterance =
      GST_DEBUG_FUNCPTR (gst_vani_sphinx_stt_begin_utterance);
  stt_class->handle_audio =
      GST_DEBUG_FUNCPTR (gst_vani_sphinx_stt_handle_audio);
  stt_class->end_utterance =
      GST_DEBUG_FUNCPTR (gst_vani_sphinx_stt_end_utterance);
  stt_class->cancel = GST_DEBUG_FUNCPTR (gst_vani_sphinx_stt_cancel);

  GST_DEBUG_CATEGORY_INIT (gst_vani_sphinx_stt_debug, "vanisphinxstt", 0,
      "gst-rustvani pocketsphinx speech-to-text");
}
