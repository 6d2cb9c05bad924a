/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-vaniopenaitts
 * @title: vaniopenaitts
 * @short_description: text-to-speech through an OpenAI-compatible /audio/speech
 *
 * vaniopenaitts speaks streamed text through `POST /v1/audio/speech` with
 * `response_format=pcm`, sentence by sentence (see #GstVaniTTS). Audio is
 * pushed as the bytes arrive, so playback starts with the first packet. It
 * works with OpenAI (`gpt-4o-mini-tts`, `tts-1`) and with local servers such
 * as Kokoro-FastAPI. An HTTP error skips that sentence with a warning; the
 * next sentence is tried as usual.
 *
 * ## Example launch line
 * |[
 * echo "Hello! How can I help you today?" | gst-launch-1.0 fdsrc \
 *     ! vaniopenaitts voice=coral ! audioconvert ! audioresample ! autoaudiosink
 * ]| Speaks the line (needs `OPENAI_API_KEY`, or a `base-url` of a local
 * server such as `http://localhost:8880/v1` for Kokoro-FastAPI).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvaniopenaitts.h"
#include "gstvanihttp.h"

#include <string.h>
#include <json-glib/json-glib.h>

GST_DEBUG_CATEGORY_STATIC (gst_vani_openai_tts_debug);
#define GST_CAT_DEFAULT gst_vani_openai_tts_debug

#define DEFAULT_MODEL "gpt-4o-mini-tts"
#define DEFAULT_VOICE "alloy"
#define DEFAULT_SPEED 1.0
#define DEFAULT_INSTRUCTIONS NULL
#define DEFAULT_PCM_RATE 24000
#define DEFAULT_REQUEST_TIMEOUT 30
#define READ_SIZE 4096
#define PROGRESS_MS 100         /* audio that counts as the server keeping up */

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_VOICE,
  PROP_SPEED,
  PROP_INSTRUCTIONS,
  PROP_PCM_RATE,
  PROP_HTTP_FIRST,              /* api-key, base-url, request-timeout, extra-headers */
};

struct _GstVaniOpenAITTS
{
  GstVaniTTS parent;

  /* properties, object lock */
  GstVaniHttpSettings http_settings;
  gchar *model;
  gchar *voice;
  gdouble speed;
  gchar *instructions;
  gint pcm_rate;

  GstVaniHttp *http;
  gpointer sending;             /* HTTP thread: the request awaiting headers */
};

/* One sentence's request, owned by the HTTP thread. */
typedef struct
{
  GstVaniOpenAITTS *self;
  GstVaniTTSSentence *sentence;
  SoupMessage *msg;
  GInputStream *body;
  GCancellable *cancellable;    /* the sentence's, or the watchdog's */
  gulong cancel_id;
  GstVaniHttpWatchdog *watchdog;
  gsize progress_bytes;         /* PROGRESS_MS of audio */
  guint8 buffer[READ_SIZE];
} Request;

#define gst_vani_openai_tts_parent_class parent_class
G_DEFINE_TYPE (GstVaniOpenAITTS, gst_vani_openai_tts, GST_VANI_TYPE_TTS);
GST_ELEMENT_REGISTER_DEFINE (vaniopenaitts, "vaniopenaitts", GST_RANK_NONE,
    GST_TYPE_VANI_OPENAI_TTS);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) S16LE, "
        "layout = (string) interleaved, channels = (int) 1, "
        "rate = (int) [ 8000, 48000 ]"));

/* ------------------------------------------------------------------------ */
/* Requests (HTTP thread)                                                   */

static void
request_free (Request * req)
{
  GCancellable *cancellable =
      gst_vani_tts_sentence_get_cancellable (req->sentence);

  g_cancellable_disconnect (cancellable, req->cancel_id);
  gst_vani_http_watchdog_free (req->watchdog);
  if (req->body)                /* before the end, this aborts the connection */
    gst_vani_http_close_body (req->body, req->msg, FALSE);
  g_clear_object (&req->body);
  g_object_unref (req->cancellable);
  g_clear_object (&req->msg);
  gst_vani_tts_sentence_unref (req->sentence);
  gst_object_unref (req->self);
  g_free (req);
}

/* Ends the sentence with @error (may be NULL) and frees the request. */
static void
request_finish (Request * req, GError * error)
{
  if (error && !gst_vani_tts_sentence_is_cancelled (req->sentence)) {
    gchar *words = gst_vani_http_settings_explain_error (GST_OBJECT
        (req->self), &req->self->http_settings, error, req->watchdog);

    g_free (error->message);
    error->message = words;
    gst_vani_tts_sentence_finish (req->sentence, error);
  } else {
    gst_vani_tts_sentence_finish (req->sentence, NULL);
  }
  g_clear_error (&error);
  request_free (req);
}

static void read_audio (Request * req);

static void
on_audio (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Request *req = user_data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res,
      &error);

  if (n < 0) {
    request_finish (req, error);
  } else if (n == 0) {
    request_finish (req, NULL);
  } else {
    gst_vani_tts_sentence_push_audio (req->sentence, req->buffer, n);
    if (gst_vani_http_watchdog_count (req->watchdog, n) >=
        req->progress_bytes)
      gst_vani_http_watchdog_progress (req->watchdog);
    read_audio (req);
  }
}

static void
read_audio (Request * req)
{
  g_input_stream_read_async (req->body, req->buffer, READ_SIZE,
      G_PRIORITY_DEFAULT, req->cancellable, on_audio, req);
}

/* An error reply, or a 200 that is not audio (a proxy's page, an error as
 * JSON): what it says. */
static void
on_error_body (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Request *req = user_data;
  GBytes *body = gst_vani_http_read_all_finish (res, NULL);
  gchar *detail = gst_vani_http_describe_failure (req->msg, body);
  guint status = soup_message_get_status (req->msg);

  if (SOUP_STATUS_IS_SUCCESSFUL (status)) {
    gchar *not_audio = g_strdup_printf ("the reply is not audio (%s): %s",
        soup_message_headers_get_content_type
        (soup_message_get_response_headers (req->msg), NULL), detail);

    g_free (detail);
    detail = not_audio;
  }
  request_finish (req, g_error_new_literal (GST_VANI_HTTP_ERROR,
          GST_VANI_HTTP_ERROR_STATUS, detail));
  g_free (detail);
  if (body)
    g_bytes_unref (body);
}

/* A missing type is taken as the PCM asked for. */
static gboolean
is_audio (SoupMessage * msg)
{
  const gchar *type = soup_message_headers_get_content_type
      (soup_message_get_response_headers (msg), NULL);

  return !type || g_str_has_prefix (type, "audio/") ||
      g_str_equal (type, "application/octet-stream");
}

static void
on_headers (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Request *req = user_data;
  GError *error = NULL;

  req->self->sending = NULL;
  req->body = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (!req->body) {
    request_finish (req, error);
    return;
  }
  req->watchdog = gst_vani_http_settings_watch (GST_OBJECT (req->self),
      &req->self->http_settings, req->self->http, req->cancellable);
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (req->msg)) ||
      !is_audio (req->msg))
    gst_vani_http_read_all_async (req->body, GST_VANI_HTTP_BODY_MAX,
        req->cancellable, req->watchdog, on_error_body, req);
  else
    read_audio (req);
}

static GBytes *
build_body (GstVaniOpenAITTS * self, const gchar * text)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *root;
  gchar *json;
  gsize len;

  json_builder_begin_object (b);
  GST_OBJECT_LOCK (self);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, self->model);
  json_builder_set_member_name (b, "voice");
  json_builder_add_string_value (b, self->voice);
  json_builder_set_member_name (b, "input");
  json_builder_add_string_value (b, text);
  json_builder_set_member_name (b, "response_format");
  json_builder_add_string_value (b, "pcm");
  if (self->speed != DEFAULT_SPEED) {
    json_builder_set_member_name (b, "speed");
    json_builder_add_double_value (b, self->speed);
  }
  if (self->instructions && *self->instructions) {
    json_builder_set_member_name (b, "instructions");
    json_builder_add_string_value (b, self->instructions);
  }
  GST_OBJECT_UNLOCK (self);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  len = strlen (json);
  json_node_unref (root);
  g_object_unref (b);
  return g_bytes_new_take (json, len);
}

/* Until the headers are in, cancelling aborts the session (one request at a
 * time per element): cancelling soup_session_send_async() itself can crash
 * libsoup 3.2 when the headers arrive at that moment. Body reads use the
 * sentence's cancellable. */
static gboolean
abort_if_sending (gpointer data)
{
  GstVaniOpenAITTS *self = data;

  if (self->sending)
    soup_session_abort (gst_vani_http_get_session (self->http));
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable * cancellable, gpointer data)
{
  Request *req = data;

  g_cancellable_cancel (req->cancellable);
  gst_vani_http_invoke (req->self->http, abort_if_sending,
      gst_object_ref (req->self), gst_object_unref);
}

static gboolean
send_request (gpointer data)
{
  Request *req = data;
  GstVaniOpenAITTS *self = req->self;
  GError *error = NULL;
  GBytes *body;

  if (gst_vani_tts_sentence_is_cancelled (req->sentence)) {
    request_finish (req, NULL);
    return G_SOURCE_REMOVE;
  }
  req->msg = gst_vani_http_settings_new_post (GST_OBJECT (self),
      &self->http_settings, "/audio/speech", &error);
  if (!req->msg) {
    request_finish (req, error);
    return G_SOURCE_REMOVE;
  }
  body = build_body (self, gst_vani_tts_sentence_get_text (req->sentence));
  soup_message_set_request_body_from_bytes (req->msg, "application/json",
      body);
  g_bytes_unref (body);

  req->cancel_id = g_cancellable_connect (gst_vani_tts_sentence_get_cancellable
      (req->sentence), G_CALLBACK (on_cancelled), req, NULL);
  soup_session_send_async (gst_vani_http_get_session (self->http), req->msg,
      G_PRIORITY_DEFAULT, NULL, on_headers, req);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* GstVaniTTS                                                               */

static gboolean
gst_vani_openai_tts_start (GstVaniTTS * tts)
{
  GstVaniOpenAITTS *self = GST_VANI_OPENAI_TTS (tts);
  gint rate;

  self->http = gst_vani_http_new ("vani-tts-http");
  gst_vani_http_settings_apply_timeout (GST_OBJECT (self),
      &self->http_settings, self->http);
  GST_OBJECT_LOCK (self);
  rate = self->pcm_rate;
  GST_OBJECT_UNLOCK (self);
  gst_vani_tts_set_sample_rate (tts, rate);
  return TRUE;
}

static gboolean
gst_vani_openai_tts_stop (GstVaniTTS * tts)
{
  gst_vani_http_clear (&GST_VANI_OPENAI_TTS (tts)->http);
  return TRUE;
}

static void
gst_vani_openai_tts_synthesize (GstVaniTTS * tts,
    GstVaniTTSSentence * sentence)
{
  GstVaniOpenAITTS *self = GST_VANI_OPENAI_TTS (tts);
  Request *req = g_new0 (Request, 1);

  req->self = gst_object_ref (self);
  req->sentence = gst_vani_tts_sentence_ref (sentence);
  req->cancellable = g_cancellable_new ();
  req->progress_bytes = (gsize) gst_vani_tts_get_sample_rate (tts) * 2 *
      PROGRESS_MS / 1000;
  gst_vani_http_invoke (self->http, send_request, req, NULL);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
gst_vani_openai_tts_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVaniOpenAITTS *self = GST_VANI_OPENAI_TTS (object);

  GST_OBJECT_LOCK (self);
  if (!gst_vani_http_settings_set (&self->http_settings, PROP_HTTP_FIRST,
          prop_id, value)) {
    switch (prop_id) {
      case PROP_MODEL:
        g_free (self->model);
        self->model = g_value_dup_string (value);
        break;
      case PROP_VOICE:
        g_free (self->voice);
        self->voice = g_value_dup_string (value);
        break;
      case PROP_SPEED:
        self->speed = g_value_get_double (value);
        break;
      case PROP_INSTRUCTIONS:
        g_free (self->instructions);
        self->instructions = g_value_dup_string (value);
        break;
      case PROP_PCM_RATE:
        self->pcm_rate = g_value_get_int (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_openai_tts_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstVaniOpenAITTS *self = GST_VANI_OPENAI_TTS (object);

  GST_OBJECT_LOCK (self);
  if (!gst_vani_http_settings_get (&self->http_settings, PROP_HTTP_FIRST,
          prop_id, value)) {
    switch (prop_id) {
      case PROP_MODEL:
        g_value_set_string (value, self->model);
        break;
      case PROP_VOICE:
        g_value_set_string (value, self->voice);
        break;
      case PROP_SPEED:
        g_value_set_double (value, self->speed);
        break;
      case PROP_INSTRUCTIONS:
        g_value_set_string (value, self->instructions);
        break;
      case PROP_PCM_RATE:
        g_value_set_int (value, self->pcm_rate);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_openai_tts_finalize (GObject * object)
{
  GstVaniOpenAITTS *self = GST_VANI_OPENAI_TTS (object);

  gst_vani_http_settings_clear (&self->http_settings);
  g_free (self->model);
  g_free (self->voice);
  g_free (self->instructions);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_vani_openai_tts_init (GstVaniOpenAITTS * self)
{
  gst_vani_http_settings_init (&self->http_settings, DEFAULT_REQUEST_TIMEOUT);
  self->model = g_strdup (DEFAULT_MODEL);
  self->voice = g_strdup (DEFAULT_VOICE);
  self->speed = DEFAULT_SPEED;
  self->instructions = g_strdup (DEFAULT_INSTRUCTIONS);
  self->pcm_rate = DEFAULT_PCM_RATE;
}

static void
gst_vani_openai_tts_class_init (GstVaniOpenAITTSClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVaniTTSClass *tts_class = GST_VANI_TTS_CLASS (klass);

  gobject_class->set_property = gst_vani_openai_tts_set_property;
  gobject_class->get_property = gst_vani_openai_tts_get_property;
  gobject_class->finalize = gst_vani_openai_tts_finalize;
  tts_class->start = GST_DEBUG_FUNCPTR (gst_vani_openai_tts_start);
  tts_class->stop = GST_DEBUG_FUNCPTR (gst_vani_openai_tts_stop);
  tts_class->synthesize = GST_DEBUG_FUNCPTR (gst_vani_openai_tts_synthesize);

  gst_vani_http_settings_install (gobject_class, PROP_HTTP_FIRST,
      DEFAULT_REQUEST_TIMEOUT);
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Speech model, e.g. gpt-4o-mini-tts, tts-1, kokoro", DEFAULT_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_VOICE,
      g_param_spec_string ("voice", "Voice",
          "Voice name, e.g. alloy, coral, nova (OpenAI) or af_heart (Kokoro)",
          DEFAULT_VOICE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SPEED,
      g_param_spec_double ("speed", "Speed",
          "Speaking speed (1.0 is normal; sent only when changed)", 0.25, 4.0,
          DEFAULT_SPEED, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_INSTRUCTIONS,
      g_param_spec_string ("instructions", "Instructions",
          "How to speak (tone, accent, pace), for models that take it such "
          "as gpt-4o-mini-tts", DEFAULT_INSTRUCTIONS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PCM_RATE,
      g_param_spec_int ("pcm-rate", "PCM rate",
          "Sample rate of the raw PCM the server returns (OpenAI and "
          "Kokoro-FastAPI: 24000)", 8000, 48000, DEFAULT_PCM_RATE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "OpenAI-compatible text-to-speech", "Filter/Audio/Synthesizer",
      "Speaks streamed text through an OpenAI-compatible /audio/speech "
      "endpoint, streaming the PCM as it arrives",
      "gst-rustvani developers");

  GST_DEBUG_CATEGORY_INIT (gst_vani_openai_tts_debug, "vaniopenaitts", 0,
      "gst-rustvani OpenAI-compatible text-to-speech");
}
