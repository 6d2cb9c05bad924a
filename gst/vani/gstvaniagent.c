/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-vaniagent
 * @title: vaniagent
 * @short_description: a whole voice agent in one bin
 *
 * vaniagent takes the user's audio and gives the bot's audio. Inside:
 *
 * |[
 * queue ! audioconvert ! audioresample ! vanivad name=vad ! <stt> name=stt
 *   ! vaniuseraggregator name=user ! <llm> name=llm ! <tts> name=tts
 *   ! vaniassistantaggregator name=bot
 * ]|
 *
 * The #GstVaniAgent:stt, #GstVaniAgent:llm and #GstVaniAgent:tts properties
 * choose the services, as an element description with properties (e.g.
 * `"vaniopenaitts voice=coral"`); the children are named `stt`, `llm` and
 * `tts`, so their properties can also be set from a launch line as
 * `llm::model=gpt-4.1-mini`. Applications may instead hand over their own
 * elements with #GstVaniAgent:stt-element and the like. The queue at the
 * input keeps audio capture apart from recognition; the LLM and the TTS have
 * threads of their own. Bus messages of the children (transcripts, metrics,
 * speaking, tool calls) come out of the bin as they are.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 autoaudiosrc ! vaniagent system-prompt="You are a helpful assistant." \
 *     llm::base-url=http://localhost:11434/v1 llm::model=llama3.2 \
 *     ! audioconvert ! audioresample ! autoaudiosink
 * ]| Talk to a local Ollama model, offline speech in and out.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvaniagent.h"
#include "gstvaniuseraggregator.h"

GST_DEBUG_CATEGORY_STATIC (gst_vani_agent_debug);
#define GST_CAT_DEFAULT gst_vani_agent_debug

#define DEFAULT_STT "vanisphinxstt"
#define DEFAULT_LLM "vanillm"
#define DEFAULT_TTS "vaniespeaktts"
#define DEFAULT_INPUT_QUEUE TRUE

enum
{
  PROP_0,
  PROP_STT,
  PROP_LLM,
  PROP_TTS,
  PROP_STT_ELEMENT,
  PROP_LLM_ELEMENT,
  PROP_TTS_ELEMENT,
  PROP_INPUT_QUEUE,
  PROP_FIRST_USER               /* then vaniuseraggregator's, mirrored */
};

/* The conversation properties of vaniuseraggregator that the bin mirrors
 * (system-prompt, tools, interruption settings, context...), indexed by
 * prop_id - PROP_FIRST_USER. Their blurbs and defaults are the
 * aggregator's own, so the two cannot drift apart. */
static GPtrArray *user_properties;

/* The three slots an application fills. */
typedef enum
{
  SLOT_STT,
  SLOT_LLM,
  SLOT_TTS,
  N_SLOTS
} Slot;

static const gchar *const slot_names[N_SLOTS] = { "stt", "llm", "tts" };

struct _GstVaniAgent
{
  GstBin parent;

  GstPad *sinkpad, *srcpad;     /* ghost pads */
  GstElement *queue;            /* ours, in the bin or not (input-queue) */
  GstElement *convert;
  GstElement *vad, *user, *bot;
  gboolean input_queue;         /* object lock */
  GstElement *slots[N_SLOTS];
  gchar *descriptions[N_SLOTS];
};

#define gst_vani_agent_parent_class parent_class
G_DEFINE_TYPE (GstVaniAgent, gst_vani_agent, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (vaniagent, "vaniagent", GST_RANK_NONE,
    GST_TYPE_VANI_AGENT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-raw"));

/* ------------------------------------------------------------------------ */
/* The chain                                                                */

static GstElement *
make (const gchar * factory, const gchar * name)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (!e)
    g_warning ("vaniagent: the element %s is missing", factory);
  return e;
}

/* "vaniopenaitts voice=coral" → an element named after its slot. */
static GstElement *
make_from_description (const gchar * description, const gchar * name,
    GError ** error)
{
  GstElement *e = gst_parse_launch_full (description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, error);

  if (e && GST_IS_PIPELINE (e)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "\"%s\" must be one element", description);
    gst_clear_object (&e);
  }
  if (e)
    gst_object_set_name (GST_OBJECT (e), name);
  return e;
}

static gboolean
link_chain (GstVaniAgent * self)
{
  GstElement *chain[] = { self->vad, self->slots[SLOT_STT], self->user,
    self->slots[SLOT_LLM], self->slots[SLOT_TTS], self->bot
  };
  GstPad *target;
  guint i;

  for (i = 0; i + 1 < G_N_ELEMENTS (chain); i++) {
    GstPad *src = gst_element_get_static_pad (chain[i], "src");
    gboolean linked = gst_pad_is_linked (src);

    gst_object_unref (src);
    if (!linked && !gst_element_link (chain[i], chain[i + 1])) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Could not link %s to %s",
              GST_OBJECT_NAME (chain[i]), GST_OBJECT_NAME (chain[i + 1])),
          (NULL));
      return FALSE;
    }
  }
  target = gst_element_get_static_pad (self->bot, "src");
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), target);
  gst_object_unref (target);
  return TRUE;
}

/* Makes what could not be made before, with a clear error, and links the
 * chain (NULL→READY). */
static gboolean
build_slots (GstVaniAgent * self)
{
  Slot s;

  for (s = 0; s < N_SLOTS; s++) {
    GError *error = NULL;

    if (self->slots[s])
      continue;
    self->slots[s] = make_from_description (self->descriptions[s],
        slot_names[s], &error);
    if (!self->slots[s]) {
      GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
          ("Could not make the %s \"%s\": %s", slot_names[s],
              self->descriptions[s], error ? error->message : "unknown"),
          (NULL));
      g_clear_error (&error);
      return FALSE;
    }
    gst_bin_add (GST_BIN (self), self->slots[s]);
  }
  return link_chain (self);
}

static void
set_slot_element (GstVaniAgent * self, Slot s, GstElement * element)
{
  if (self->slots[s]) {
    gst_element_set_state (self->slots[s], GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), self->slots[s]);
    self->slots[s] = NULL;
  }
  if (element) {
    gst_object_set_name (GST_OBJECT (element), slot_names[s]);
    self->slots[s] = element;
    gst_bin_add (GST_BIN (self), element);
  }
}

/* ------------------------------------------------------------------------ */
/* GstElement / GObject                                                     */

/* Puts the input queue in or takes it out, as input-queue says. */
static void
apply_input_queue (GstVaniAgent * self)
{
  gboolean wanted, present = GST_OBJECT_PARENT (self->queue) != NULL;
  GstPad *target;

  GST_OBJECT_LOCK (self);
  wanted = self->input_queue;
  GST_OBJECT_UNLOCK (self);
  if (wanted == present)
    return;
  if (wanted) {
    gst_bin_add (GST_BIN (self), self->queue);
    gst_element_link (self->queue, self->convert);
    target = gst_element_get_static_pad (self->queue, "sink");
  } else {
    gst_element_unlink (self->queue, self->convert);
    gst_bin_remove (GST_BIN (self), self->queue);
    target = gst_element_get_static_pad (self->convert, "sink");
  }
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), target);
  gst_object_unref (target);
}

static GstStateChangeReturn
gst_vani_agent_change_state (GstElement * element, GstStateChange transition)
{
  GstVaniAgent *self = GST_VANI_AGENT (element);

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    if (!build_slots (self))
      return GST_STATE_CHANGE_FAILURE;
    apply_input_queue (self);
  }
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static gboolean
is_slot_property (guint prop_id, Slot * slot, gboolean * is_element)
{
  if (prop_id >= PROP_STT && prop_id <= PROP_TTS) {
    *slot = prop_id - PROP_STT;
    *is_element = FALSE;
    return TRUE;
  }
  if (prop_id >= PROP_STT_ELEMENT && prop_id <= PROP_TTS_ELEMENT) {
    *slot = prop_id - PROP_STT_ELEMENT;
    *is_element = TRUE;
    return TRUE;
  }
  return FALSE;
}

static const gchar *
user_property_name (guint prop_id)
{
  if (prop_id < PROP_FIRST_USER ||
      prop_id - PROP_FIRST_USER >= user_properties->len)
    return NULL;
  return g_param_spec_get_name (g_ptr_array_index (user_properties,
          prop_id - PROP_FIRST_USER));
}

static void
gst_vani_agent_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVaniAgent *self = GST_VANI_AGENT (object);
  const gchar *user_prop = user_property_name (prop_id);
  gboolean is_element;
  Slot s;

  if (user_prop) {
    g_object_set_property (G_OBJECT (self->user), user_prop, value);
  } else if (prop_id == PROP_INPUT_QUEUE) {
    GST_OBJECT_LOCK (self);
    self->input_queue = g_value_get_boolean (value);
    GST_OBJECT_UNLOCK (self);
  } else if (is_slot_property (prop_id, &s, &is_element)) {
    if (is_element) {
      set_slot_element (self, s, g_value_get_object (value));
    } else {
      g_free (self->descriptions[s]);
      self->descriptions[s] = g_value_dup_string (value);
      /* made now, so "llm::model=..." later on a launch line finds it */
      set_slot_element (self, s, make_from_description (self->descriptions[s],
              slot_names[s], NULL));
    }
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_vani_agent_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstVaniAgent *self = GST_VANI_AGENT (object);
  const gchar *user_prop = user_property_name (prop_id);
  gboolean is_element;
  Slot s;

  if (user_prop) {
    g_object_get_property (G_OBJECT (self->user), user_prop, value);
  } else if (prop_id == PROP_INPUT_QUEUE) {
    GST_OBJECT_LOCK (self);
    g_value_set_boolean (value, self->input_queue);
    GST_OBJECT_UNLOCK (self);
  } else if (is_slot_property (prop_id, &s, &is_element)) {
    if (is_element)
      g_value_set_object (value, self->slots[s]);
    else
      g_value_set_string (value, self->descriptions[s]);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_vani_agent_finalize (GObject * object)
{
  GstVaniAgent *self = GST_VANI_AGENT (object);
  Slot s;

  for (s = 0; s < N_SLOTS; s++)
    g_free (self->descriptions[s]);
  gst_object_unref (self->queue);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* queue ! audioconvert ! audioresample ! capsfilter ! vanivad */
static void
make_head (GstVaniAgent * self)
{
  GstElement *queue = make ("queue", "input"), *convert =
      make ("audioconvert", NULL), *resample = make ("audioresample", NULL),
      *filter = make ("capsfilter", NULL);
  GstCaps *caps = gst_caps_from_string ("audio/x-raw, format=S16LE, "
      "layout=interleaved, channels=1, rate=16000");
  GstPad *target;

  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  self->vad = make ("vanivad", "vad");
  /* kept while out of the bin (input-queue=false) */
  self->queue = gst_object_ref_sink (queue);
  self->convert = convert;
  gst_bin_add_many (GST_BIN (self), queue, convert, resample, filter,
      self->vad, NULL);
  gst_element_link_many (queue, convert, resample, filter, self->vad, NULL);
  target = gst_element_get_static_pad (queue, "sink");
  self->sinkpad = gst_ghost_pad_new_from_template ("sink", target,
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self),
          "sink"));
  gst_object_unref (target);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
}

static void
gst_vani_agent_init (GstVaniAgent * self)
{
  Slot s;

  self->input_queue = DEFAULT_INPUT_QUEUE;
  self->descriptions[SLOT_STT] = g_strdup (DEFAULT_STT);
  self->descriptions[SLOT_LLM] = g_strdup (DEFAULT_LLM);
  self->descriptions[SLOT_TTS] = g_strdup (DEFAULT_TTS);

  make_head (self);
  for (s = 0; s < N_SLOTS; s++) {
    self->slots[s] = make_from_description (self->descriptions[s],
        slot_names[s], NULL);
    if (self->slots[s])
      gst_bin_add (GST_BIN (self), self->slots[s]);
  }
  self->user = make ("vaniuseraggregator", "user");
  self->bot = make ("vaniassistantaggregator", "bot");
  gst_bin_add_many (GST_BIN (self), self->user, self->bot, NULL);
  self->srcpad = gst_ghost_pad_new_no_target_from_template ("src",
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self),
          "src"));
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

static void
install_slot_properties (GObjectClass * gobject_class)
{
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  g_object_class_install_property (gobject_class, PROP_STT,
      g_param_spec_string ("stt", "STT",
          "Speech-to-text element, with properties (e.g. \"vaniopenaistt "
          "model=whisper-1\")", DEFAULT_STT, flags));
  g_object_class_install_property (gobject_class, PROP_LLM,
      g_param_spec_string ("llm", "LLM", "LLM element, with properties",
          DEFAULT_LLM, flags));
  g_object_class_install_property (gobject_class, PROP_TTS,
      g_param_spec_string ("tts", "TTS",
          "Text-to-speech element, with properties (e.g. \"vaniopenaitts "
          "voice=coral\")", DEFAULT_TTS, flags));
  g_object_class_install_property (gobject_class, PROP_STT_ELEMENT,
      g_param_spec_object ("stt-element", "STT element",
          "The speech-to-text element itself (an application's own)",
          GST_TYPE_ELEMENT, flags));
  g_object_class_install_property (gobject_class, PROP_LLM_ELEMENT,
      g_param_spec_object ("llm-element", "LLM element",
          "The LLM element itself (e.g. to connect to its tool-call signal)",
          GST_TYPE_ELEMENT, flags));
  g_object_class_install_property (gobject_class, PROP_TTS_ELEMENT,
      g_param_spec_object ("tts-element", "TTS element",
          "The text-to-speech element itself", GST_TYPE_ELEMENT, flags));
  g_object_class_install_property (gobject_class, PROP_INPUT_QUEUE,
      g_param_spec_boolean ("input-queue", "Input queue",
          "A queue (a thread of its own) before the VAD, so that a slow "
          "speech-to-text engine never holds up the audio source. Turn it "
          "off with a network STT and many agents in one process: one "
          "thread and one hand-off per buffer less (read on NULL to READY)",
          DEFAULT_INPUT_QUEUE,
          flags));
}

/* A property of the bin with the same name, type, range, default, blurb
 * and flags as @user's. */
static GParamSpec *
mirror_param_spec (GParamSpec * user)
{
  const gchar *name = g_param_spec_get_name (user);
  const gchar *nick = g_param_spec_get_nick (user);
  const gchar *blurb = g_param_spec_get_blurb (user);
  /* the strings belong to the aggregator's class, which is kept */
  GParamFlags flags = user->flags | G_PARAM_STATIC_STRINGS;

  if (G_IS_PARAM_SPEC_STRING (user))
    return g_param_spec_string (name, nick, blurb,
        G_PARAM_SPEC_STRING (user)->default_value, flags);
  if (G_IS_PARAM_SPEC_BOOLEAN (user))
    return g_param_spec_boolean (name, nick, blurb,
        G_PARAM_SPEC_BOOLEAN (user)->default_value, flags);
  if (G_IS_PARAM_SPEC_UINT (user))
    return g_param_spec_uint (name, nick, blurb,
        G_PARAM_SPEC_UINT (user)->minimum, G_PARAM_SPEC_UINT (user)->maximum,
        G_PARAM_SPEC_UINT (user)->default_value, flags);
  if (G_IS_PARAM_SPEC_OBJECT (user))
    return g_param_spec_object (name, nick, blurb, user->value_type, flags);
  return NULL;
}

static void
install_user_properties (GObjectClass * gobject_class)
{
  GObjectClass *user_class =
      g_type_class_ref (GST_TYPE_VANI_USER_AGGREGATOR);
  GParamSpec **specs;
  guint n, i;

  user_properties = g_ptr_array_new ();
  specs = g_object_class_list_properties (user_class, &n);
  for (i = 0; i < n; i++) {
    GParamSpec *mirror;

    if (specs[i]->owner_type != GST_TYPE_VANI_USER_AGGREGATOR)
      continue;
    mirror = mirror_param_spec (specs[i]);
    g_assert (mirror != NULL);
    g_object_class_install_property (gobject_class,
        PROP_FIRST_USER + user_properties->len, mirror);
    g_ptr_array_add (user_properties, specs[i]);
  }
  g_free (specs);
}

static void
gst_vani_agent_class_init (GstVaniAgentClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_vani_agent_set_property;
  gobject_class->get_property = gst_vani_agent_get_property;
  gobject_class->finalize = gst_vani_agent_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_vani_agent_change_state);

  install_slot_properties (gobject_class);
  install_user_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Voice agent",
      "Filter/Audio", "A whole voice agent: VAD, speech-to-text, "
      "conversation, LLM, text-to-speech and barge-in in one bin",
      "gst-rustvani developers");

  GST_DEBUG_CATEGORY_INIT (gst_vani_agent_debug, "vaniagent", 0,
      "gst-rustvani agent bin");
}
