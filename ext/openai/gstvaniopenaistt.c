/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-vaniopenaistt
 * @title: vaniopenaistt
 * @short_description: speech-to-text through an OpenAI-compatible /audio/transcriptions
 *
 * vaniopenaistt sends each utterance (a VAD segment, with some audio before
 * it) as a WAV file to `/v1/audio/transcriptions`. That works with OpenAI
 * (`whisper-1`, `gpt-4o-transcribe`), Groq (`whisper-large-v3`) and local
 * faster-whisper or whisper.cpp servers. The text comes out as a final
 * transcript buffer. Requests run on the element's own thread: audio keeps
 * flowing while a transcription is in flight, and results come out in order.
 * An HTTP error skips that utterance with a warning.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample \
 *     ! audio/x-raw,rate=16000,channels=1 ! vanivad \
 *     ! vaniopenaistt model=whisper-1 language=en ! fdsink
 * ]| Prints what is said into the microphone (needs `OPENAI_API_KEY`, or
 * `base-url=http://localhost:8000/v1` for a local server).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvaniopenaistt.h"
#include "gstvanihttp.h"

#include <string.h>
#include <gst/vani/vani.h>

GST_DEBUG_CATEGORY_STATIC (gst_vani_openai_stt_debug);
#define GST_CAT_DEFAULT gst_vani_openai_stt_debug

#define DEFAULT_MODEL "whisper-1"
#define DEFAULT_PROMPT NULL
#define DEFAULT_REQUEST_TIMEOUT 30
#define WAV_HEADER_SIZE 44

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_PROMPT,
  PROP_HTTP_FIRST,              /* api-key, base-url, request-timeout, extra-headers */
};

struct _GstVaniOpenAISTT
{
  GstVaniSTT parent;

  /* properties, object lock */
  GstVaniHttpSettings http_settings;
  gchar *model;
  gchar *prompt;

  /* streaming thread */
  GByteArray *audio;            /* PCM of the current utterance */
  gint rate;

  GstVaniHttp *http;
};

/* One transcription request, owned by the worker thread. */
typedef struct
{
  GstVaniOpenAISTT *self;
  guint64 utterance;
  GByteArray *pcm;
  SoupMessage *msg;
  GInputStream *body;
  GCancellable *cancellable;    /* the watchdog's */
  GstVaniHttpWatchdog *watchdog;
} Request;

#define gst_vani_openai_stt_parent_class parent_class
G_DEFINE_TYPE (GstVaniOpenAISTT, gst_vani_openai_stt, GST_VANI_TYPE_STT);
GST_ELEMENT_REGISTER_DEFINE (vaniopenaistt, "vaniopenaistt", GST_RANK_NONE,
    GST_TYPE_VANI_OPENAI_STT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) S16LE, "
        "layout = (string) interleaved, channels = (int) 1, "
        "rate = (int) [ 8000, 48000 ]"));

/* ------------------------------------------------------------------------ */
/* WAV                                                                      */

static void
put_le32 (guint8 * p, guint32 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

static void
put_le16 (guint8 * p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

/* A 16-bit mono PCM WAV file of @pcm at @rate. */
static GBytes *
encode_wav (GByteArray * pcm, gint rate)
{
  guint8 *wav = g_malloc (WAV_HEADER_SIZE + pcm->len);

  memcpy (wav, "RIFF", 4);
  put_le32 (wav + 4, 36 + pcm->len);
  memcpy (wav + 8, "WAVEfmt ", 8);
  put_le32 (wav + 16, 16);
  put_le16 (wav + 20, 1);       /* PCM */
  put_le16 (wav + 22, 1);       /* mono */
  put_le32 (wav + 24, rate);
  put_le32 (wav + 28, rate * 2);
  put_le16 (wav + 32, 2);
  put_le16 (wav + 34, 16);
  memcpy (wav + 36, "data", 4);
  put_le32 (wav + 40, pcm->len);
  memcpy (wav + WAV_HEADER_SIZE, pcm->data, pcm->len);
  return g_bytes_new_take (wav, WAV_HEADER_SIZE + pcm->len);
}

/* ------------------------------------------------------------------------ */
/* Requests (worker thread)                                                 */

static void
request_free (Request * req)
{
  gst_vani_http_watchdog_free (req->watchdog);
  g_clear_object (&req->body);
  g_object_unref (req->cancellable);
  g_byte_array_unref (req->pcm);
  g_clear_object (&req->msg);
  gst_object_unref (req->self);
  g_free (req);
}

static gchar *
parse_transcript (SoupMessage * msg, GBytes * body, GError ** error)
{
  GError *parse_error = NULL;
  JsonNode *root = gst_vani_json_parse (g_bytes_get_data (body, NULL),
      g_bytes_get_size (body), &parse_error);
  JsonObject *obj;
  gchar *text = NULL;

  if (!root) {
    g_set_error (error, GST_VANI_HTTP_ERROR, GST_VANI_HTTP_ERROR_STATUS,
        "the reply is not valid JSON (%s)", parse_error->message);
    g_error_free (parse_error);
    return NULL;
  }
  obj = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (obj && json_object_has_member (obj, "text") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (obj, "text"))) {
    text = g_strstrip (g_strdup (json_object_get_string_member (obj, "text")));
  } else {
    /* e.g. an error object sent with 200 */
    gchar *what = gst_vani_http_describe_failure (msg, body);

    g_set_error (error, GST_VANI_HTTP_ERROR, GST_VANI_HTTP_ERROR_STATUS,
        "the reply has no \"text\" (%s)", what);
    g_free (what);
  }
  json_node_unref (root);
  return text;
}

/* Hands the result to the base class, the error in a person's words. */
static void
request_finish (Request * req, const gchar * text, GError * error)
{
  GstVaniOpenAISTT *self = req->self;

  if (error) {
    gchar *words = gst_vani_http_settings_explain_error (GST_OBJECT (self),
        &self->http_settings, error, req->watchdog);

    g_free (error->message);
    error->message = words;
  }
  if (req->body)
    gst_vani_http_close_body (req->body, req->msg, error == NULL);
  gst_vani_stt_finish_utterance (GST_VANI_STT (self), req->utterance, text,
      error);
  g_clear_error (&error);
  request_free (req);
}

static void
on_reply_body (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Request *req = user_data;
  GError *error = NULL;
  GBytes *body = gst_vani_http_read_all_finish (res, &error);
  gchar *text = NULL;

  if (body && !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (req->msg))) {
    gchar *detail = gst_vani_http_describe_failure (req->msg, body);

    g_set_error_literal (&error, GST_VANI_HTTP_ERROR,
        GST_VANI_HTTP_ERROR_STATUS, detail);
    g_free (detail);
  } else if (body) {
    text = parse_transcript (req->msg, body, &error);
  }
  request_finish (req, text, error);
  g_free (text);
  if (body)
    g_bytes_unref (body);
}

/* request-timeout bounds the wait for the headers (the session's socket
 * timeout) and then the whole body (the watchdog). */
static void
on_reply_headers (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Request *req = user_data;
  GstVaniOpenAISTT *self = req->self;
  GError *error = NULL;

  req->body = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (!req->body) {
    request_finish (req, NULL, error);
    return;
  }
  req->watchdog = gst_vani_http_settings_watch (GST_OBJECT (self),
      &self->http_settings, self->http, req->cancellable);
  gst_vani_http_read_all_async (req->body, GST_VANI_HTTP_BODY_MAX,
      req->cancellable, req->watchdog, on_reply_body, req);
}

static void
add_form_field (SoupMultipart * form, const gchar * name, const gchar * value)
{
  if (value && *value)
    soup_multipart_append_form_string (form, name, value);
}

static gboolean
send_request (gpointer data)
{
  Request *req = data;
  GstVaniOpenAISTT *self = req->self;
  SoupMultipart *form;
  SoupMessageHeaders *headers;
  GBytes *wav, *body;
  GError *error = NULL;
  gchar *model, *prompt, *language, *content_type;

  req->msg = gst_vani_http_settings_new_post (GST_OBJECT (self),
      &self->http_settings, "/audio/transcriptions", &error);
  if (!req->msg) {
    request_finish (req, NULL, error);
    return G_SOURCE_REMOVE;
  }

  GST_OBJECT_LOCK (self);
  model = g_strdup (self->model);
  prompt = g_strdup (self->prompt);
  GST_OBJECT_UNLOCK (self);
  language = gst_vani_stt_get_language (GST_VANI_STT (self));

  form = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  add_form_field (form, "model", model);
  add_form_field (form, "language", language);
  add_form_field (form, "prompt", prompt);
  add_form_field (form, "response_format", "json");
  wav = encode_wav (req->pcm, self->rate);
  soup_multipart_append_form_file (form, "file", "audio.wav", "audio/wav",
      wav);
  headers = soup_message_get_request_headers (req->msg);
  soup_multipart_to_message (form, headers, &body);
  content_type = g_strdup (soup_message_headers_get_one (headers,
          "Content-Type"));
  soup_message_set_request_body_from_bytes (req->msg, content_type, body);

  GST_DEBUG_OBJECT (self, "utterance %" G_GUINT64_FORMAT ": %u bytes of audio",
      req->utterance, req->pcm->len);
  soup_session_send_async (gst_vani_http_get_session (self->http), req->msg,
      G_PRIORITY_DEFAULT, NULL, on_reply_headers, req);

  g_free (content_type);
  g_bytes_unref (body);
  g_bytes_unref (wav);
  soup_multipart_free (form);
  g_free (model);
  g_free (prompt);
  g_free (language);
  return G_SOURCE_REMOVE;
}

static gboolean
abort_requests (gpointer data)
{
  soup_session_abort (gst_vani_http_get_session (data));
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* GstVaniSTT                                                               */

static gboolean
gst_vani_openai_stt_start (GstVaniSTT * stt)
{
  GstVaniOpenAISTT *self = GST_VANI_OPENAI_STT (stt);

  self->http = gst_vani_http_new ("vani-stt-http");
  gst_vani_http_settings_apply_timeout (GST_OBJECT (self),
      &self->http_settings, self->http);
  self->audio = g_byte_array_new ();
  return TRUE;
}

static gboolean
gst_vani_openai_stt_stop (GstVaniSTT * stt)
{
  GstVaniOpenAISTT *self = GST_VANI_OPENAI_STT (stt);

  gst_vani_http_clear (&self->http);
  g_clear_pointer (&self->audio, g_byte_array_unref);
  return TRUE;
}

static gboolean
gst_vani_openai_stt_set_format (GstVaniSTT * stt, const GstAudioInfo * info)
{
  GST_VANI_OPENAI_STT (stt)->rate = GST_AUDIO_INFO_RATE (info);
  return TRUE;
}

static void
gst_vani_openai_stt_begin_utterance (GstVaniSTT * stt, guint64 utterance)
{
  g_byte_array_set_size (GST_VANI_OPENAI_STT (stt)->audio, 0);
}

static GstFlowReturn
gst_vani_openai_stt_handle_audio (GstVaniSTT * stt, guint64 utterance,
    GstBuffer * buffer)
{
  GstVaniOpenAISTT *self = GST_VANI_OPENAI_STT (stt);
  GstMapInfo map;

  if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    g_byte_array_append (self->audio, map.data, map.size);
    gst_buffer_unmap (buffer, &map);
  }
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static void
gst_vani_openai_stt_end_utterance (GstVaniSTT * stt, guint64 utterance)
{
  GstVaniOpenAISTT *self = GST_VANI_OPENAI_STT (stt);
  Request *req = g_new0 (Request, 1);

  req->self = gst_object_ref (self);
  req->utterance = utterance;
  req->cancellable = g_cancellable_new ();
  req->pcm = self->audio;
  self->audio = g_byte_array_new ();
  gst_vani_http_invoke (self->http, send_request, req, NULL);
}

static void
gst_vani_openai_stt_cancel (GstVaniSTT * stt)
{
  GstVaniOpenAISTT *self = GST_VANI_OPENAI_STT (stt);

  /* Closes the connections: the requests fail and their results are
   * ignored, as the base class has dropped those utterances. */
  if (self->http)
    gst_vani_http_invoke (self->http, abort_requests, self->http, NULL);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
gst_vani_openai_stt_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVaniOpenAISTT *self = GST_VANI_OPENAI_STT (object);

  GST_OBJECT_LOCK (self);
  if (!gst_vani_http_settings_set (&self->http_settings, PROP_HTTP_FIRST,
          prop_id, value)) {
    switch (prop_id) {
      case PROP_MODEL:
        g_free (self->model);
        self->model = g_value_dup_string (value);
        break;
      case PROP_PROMPT:
        g_free (self->prompt);
        self->prompt = g_value_dup_string (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_openai_stt_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstVaniOpenAISTT *self = GST_VANI_OPENAI_STT (object);

  GST_OBJECT_LOCK (self);
  if (!gst_vani_http_settings_get (&self->http_settings, PROP_HTTP_FIRST,
          prop_id, value)) {
    switch (prop_id) {
      case PROP_MODEL:
        g_value_set_string (value, self->model);
        break;
      case PROP_PROMPT:
        g_value_set_string (value, self->prompt);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vani_openai_stt_finalize (GObject * object)
{
  GstVaniOpenAISTT *self = GST_VANI_OPENAI_STT (object);

  gst_vani_http_settings_clear (&self->http_settings);
  g_free (self->model);
  g_free (self->prompt);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_vani_openai_stt_init (GstVaniOpenAISTT * self)
{
  gst_vani_http_settings_init (&self->http_settings, DEFAULT_REQUEST_TIMEOUT);
  self->model = g_strdup (DEFAULT_MODEL);
  self->prompt = g_strdup (DEFAULT_PROMPT);
}

static void
gst_vani_openai_stt_class_init (GstVaniOpenAISTTClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVaniSTTClass *stt_class = GST_VANI_STT_CLASS (klass);

  gobject_class->set_property = gst_vani_openai_stt_set_property;
  gobject_class->get_property = gst_vani_openai_stt_get_property;
  gobject_class->finalize = gst_vani_openai_stt_finalize;

  gst_vani_http_settings_install (gobject_class, PROP_HTTP_FIRST,
      DEFAULT_REQUEST_TIMEOUT);
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Transcription model, e.g. whisper-1, gpt-4o-transcribe, "
          "whisper-large-v3", DEFAULT_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "Text that guides the transcription (names, spellings, the "
          "previous sentence)", DEFAULT_PROMPT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Vani OpenAI-compatible speech-to-text", "Filter/Audio/Text/Network",
      "Transcribes each utterance with an OpenAI-compatible "
      "/audio/transcriptions endpoint", "gst-rustvani developers");

  stt_class->start = GST_DEBUG_FUNCPTR (gst_vani_openai_stt_start);
  stt_class->stop = GST_DEBUG_FUNCPTR (gst_vani_openai_stt_stop);
  stt_class->set_format = GST_DEBUG_FUNCPTR (gst_vani_openai_stt_set_format);
  stt_class->begin_utterance =
      GST_DEBUG_FUNCPTR (gst_vani_openai_stt_begin_utterance);
  stt_class->handle_audio =
      GST_DEBUG_FUNCPTR (gst_vani_openai_stt_handle_audio);
  stt_class->end_utterance =
      GST_DEBUG_FUNCPTR (gst_vani_openai_stt_end_utterance);
  stt_class->cancel = GST_DEBUG_FUNCPTR (gst_vani_openai_stt_cancel);

  GST_DEBUG_CATEGORY_INIT (gst_vani_openai_stt_debug, "vaniopenaistt", 0,
      "gst-rustvani OpenAI-compatible speech-to-text");
}
