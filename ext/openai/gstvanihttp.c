/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanihttp.h"

#include <string.h>
#include <gst/vani/vani.h>

GST_DEBUG_CATEGORY_STATIC (vani_http_debug);
#define GST_CAT_DEFAULT vani_http_debug

#define READ_CHUNK_SIZE 16384
#define ERROR_TEXT_MAX_CHARS 300
#define BACKOFF_BASE_MS 500
#define BACKOFF_MAX_MS 20000
#define RETRY_AFTER_MAX_MS 60000

struct _GstVaniHttp
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupSession *session;

  GMutex lock;
  GCond cond;
  gboolean running;
};

G_DEFINE_QUARK (gst-vani-http-error-quark, gst_vani_http_error);

static gpointer
gst_vani_http_thread (gpointer data)
{
  GstVaniHttp *http = data;

  g_main_context_push_thread_default (http->context);
  /* The session belongs to this thread: every request runs here. */
  http->session = soup_session_new_with_options ("user-agent",
      "gst-rustvani/" VERSION, NULL);

  g_mutex_lock (&http->lock);
  http->running = TRUE;
  g_cond_signal (&http->cond);
  g_mutex_unlock (&http->lock);

  g_main_loop_run (http->loop);

  /* Let aborted requests deliver their callbacks before the session goes. */
  soup_session_abort (http->session);
  while (g_main_context_pending (http->context))
    g_main_context_iteration (http->context, FALSE);
  g_clear_object (&http->session);
  while (g_main_context_pending (http->context))
    g_main_context_iteration (http->context, FALSE);

  g_main_context_pop_thread_default (http->context);
  return NULL;
}

GstVaniHttp *
gst_vani_http_new (const gchar * thread_name)
{
  GstVaniHttp *http = g_new0 (GstVaniHttp, 1);

  static gsize debug_once = 0;

  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (vani_http_debug, "vanihttp", 0,
        "gst-rustvani HTTP layer");
    g_once_init_leave (&debug_once, 1);
  }

  g_mutex_init (&http->lock);
  g_cond_init (&http->cond);
  http->context = g_main_context_new ();
  http->loop = g_main_loop_new (http->context, FALSE);
  http->thread = g_thread_new (thread_name, gst_vani_http_thread, http);

  g_mutex_lock (&http->lock);
  while (!http->running)
    g_cond_wait (&http->cond, &http->lock);
  g_mutex_unlock (&http->lock);
  return http;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
gst_vani_http_free (GstVaniHttp * http)
{
  if (!http)
    return;
  gst_vani_http_invoke (http, quit_loop, http->loop, NULL);
  g_thread_join (http->thread);
  g_main_loop_unref (http->loop);
  g_main_context_unref (http->context);
  g_mutex_clear (&http->lock);
  g_cond_clear (&http->cond);
  g_free (http);
}

/* Frees *@http, then clears it: work still queued on the thread runs
 * during the free, and may use the element's pointer. */
void
gst_vani_http_clear (GstVaniHttp ** http)
{
  gst_vani_http_free (*http);
  *http = NULL;
}

GMainContext *
gst_vani_http_get_context (GstVaniHttp * http)
{
  return http->context;
}

SoupSession *
gst_vani_http_get_session (GstVaniHttp * http)
{
  return http->session;
}

/* Runs @func on the worker thread, always from its main loop (never inline),
 * so callers on any thread see the same ordering. */
void
gst_vani_http_invoke (GstVaniHttp * http, GSourceFunc func, gpointer data,
    GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, http->context);
  g_source_unref (source);
}

/* Returns a ref on the attached source so the caller can destroy it early. */
GSource *
gst_vani_http_add_timeout (GstVaniHttp * http, guint ms, GSourceFunc func,
    gpointer data, GDestroyNotify notify)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, http->context);
  return source;
}

static gchar *
join_url (const gchar * base_url, const gchar * endpoint)
{
  gsize len = strlen (base_url);

  while (len > 0 && base_url[len - 1] == '/')
    len--;
  return g_strdup_printf ("%.*s%s", (int) len, base_url, endpoint);
}

static gboolean
add_extra_header_field (GQuark field, const GValue * value, gpointer user_data)
{
  SoupMessageHeaders *headers = user_data;

  if (G_VALUE_HOLDS_STRING (value)) {
    soup_message_headers_replace (headers, g_quark_to_string (field),
        g_value_get_string (value));
  } else {
    gchar *text = gst_value_serialize (value);

    if (text)
      soup_message_headers_replace (headers, g_quark_to_string (field), text);
    g_free (text);
  }
  return TRUE;
}

SoupMessage *
gst_vani_http_new_post (const gchar * base_url, const gchar * endpoint,
    const gchar * api_key, const GstStructure * extra_headers, GError ** error)
{
  SoupMessage *msg = NULL;
  GUri *uri;
  gchar *url;

  url = join_url (base_url ? base_url : "", endpoint);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (!uri || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
          g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)) {
    g_set_error (error, GST_VANI_HTTP_ERROR, GST_VANI_HTTP_ERROR_BAD_URL,
        "base-url \"%s\" is not an http:// or https:// URL",
        base_url ? base_url : "");
    goto out;
  }

  msg = soup_message_new_from_uri (SOUP_METHOD_POST, uri);
  /* libsoup opens a new connection for every POST unless told it may be
   * resent: that would cost a TCP (and TLS) handshake per turn. These
   * requests change nothing on the server, and libsoup resends only when a
   * reused connection turned out to be closed before any reply. */
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  if (api_key && *api_key) {
    gchar *auth = g_strdup_printf ("Bearer %s", api_key);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", auth);
    g_free (auth);
  }
  if (extra_headers)
    gst_structure_foreach (extra_headers, add_extra_header_field,
        soup_message_get_request_headers (msg));

out:
  if (uri)
    g_uri_unref (uri);
  g_free (url);
  return msg;
}

gboolean
gst_vani_http_status_is_retryable (guint status)
{
  return status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429 ||
      status >= 500;
}

static gint
parse_retry_after_ms (SoupMessage * msg)
{
  const gchar *value;
  gchar *end = NULL;
  gdouble seconds;

  if (!msg)
    return -1;
  value = soup_message_headers_get_one (soup_message_get_response_headers
      (msg), "Retry-After");
  if (!value)
    return -1;
  seconds = g_ascii_strtod (value, &end);
  if (end == value || seconds < 0)
    return -1;                  /* HTTP dates are rare here: fall back to backoff */
  return (gint) MIN (seconds * 1000.0, RETRY_AFTER_MAX_MS);
}

/* Retry-After when the server gives it, otherwise exponential backoff with
 * jitter so several agents do not retry in lockstep. */
guint
gst_vani_http_retry_delay_ms (SoupMessage * msg, guint attempt)
{
  gint retry_after = parse_retry_after_ms (msg);
  guint delay;

  if (retry_after >= 0)
    return retry_after;
  delay = BACKOFF_BASE_MS << MIN (attempt, 6);
  delay = MIN (delay, BACKOFF_MAX_MS);
  return delay / 2 + g_random_int_range (0, delay / 2 + 1);
}

static const gchar *
json_error_message (JsonNode * root)
{
  JsonObject *obj;
  JsonNode *err;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  obj = json_node_get_object (root);
  err = json_object_get_member (obj, "error");
  if (err && JSON_NODE_HOLDS_OBJECT (err)) {
    JsonObject *eo = json_node_get_object (err);
    JsonNode *m = json_object_get_member (eo, "message");

    if (m && JSON_NODE_HOLDS_VALUE (m) &&
        json_node_get_value_type (m) == G_TYPE_STRING)
      return json_node_get_string (m);
  }
  if (err && JSON_NODE_HOLDS_VALUE (err) &&
      json_node_get_value_type (err) == G_TYPE_STRING)
    return json_node_get_string (err);
  if (json_object_has_member (obj, "detail") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (obj, "detail")))
    return json_object_get_string_member (obj, "detail");
  if (json_object_has_member (obj, "message") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (obj, "message")))
    return json_object_get_string_member (obj, "message");
  return NULL;
}

/* A printable, bounded excerpt: error bodies end up in GStreamer warnings. */
static gchar *
sanitize_excerpt (const gchar * text, gsize len)
{
  GString *out = g_string_new (NULL);
  const gchar *p = text, *end = text + len;
  guint chars = 0;

  while (p < end && chars < ERROR_TEXT_MAX_CHARS) {
    gunichar c = g_utf8_get_char_validated (p, end - p);

    if (c == (gunichar) - 1 || c == (gunichar) - 2)
      break;
    if (g_unichar_iscntrl (c))
      c = ' ';
    g_string_append_unichar (out, c);
    p = g_utf8_next_char (p);
    chars++;
  }
  if (p < end)
    g_string_append (out, "…");
  return g_strstrip (g_string_free (out, FALSE));
}

static gchar *
describe_body (SoupMessage * msg, GBytes * body)
{
  const gchar *ctype;
  const gchar *data;
  gsize len = 0;
  JsonNode *root;
  gchar *text = NULL;

  if (!body || g_bytes_get_size (body) == 0)
    return NULL;
  data = g_bytes_get_data (body, &len);
  ctype = soup_message_headers_get_content_type
      (soup_message_get_response_headers (msg), NULL);
  if (ctype && g_str_has_suffix (ctype, "html"))
    return g_strdup ("the server sent an HTML error page");

  root = gst_vani_json_parse (data, len, NULL);
  if (root) {
    const gchar *m = json_error_message (root);

    if (m)
      text = sanitize_excerpt (m, strlen (m));
    json_node_unref (root);
  }
  if (!text)
    text = sanitize_excerpt (data, len);
  return text;
}

/* "HTTP 401 Unauthorized: Incorrect API key provided" — the server's own
 * message when it gave one. */
gchar *
gst_vani_http_describe_failure (SoupMessage * msg, GBytes * body)
{
  guint status = soup_message_get_status (msg);
  const gchar *reason = soup_message_get_reason_phrase (msg);
  gchar *detail = describe_body (msg, body);
  gchar *text;

  /* libsoup 3.2 has no phrase for 429 */
  if (!reason || !*reason || g_str_equal (reason, "Unknown Error"))
    reason = status == 429 ? "Too Many Requests" :
        soup_status_get_phrase (status);
  if (detail && *detail)
    text = g_strdup_printf ("HTTP %u %s: %s", status, reason ? reason : "",
        detail);
  else
    text = g_strdup_printf ("HTTP %u %s", status, reason ? reason : "");
  g_free (detail);
  return text;
}

/* Servers sometimes echo the key back in their error text. */
gchar *
gst_vani_http_redact (const gchar * text, const gchar * secret)
{
  GString *s;

  if (!text)
    return NULL;
  if (!secret || strlen (secret) < 4)
    return g_strdup (text);
  s = g_string_new (text);
  g_string_replace (s, secret, "***", 0);
  return g_string_free (s, FALSE);
}

typedef struct
{
  GByteArray *data;
  gsize max_size;
  GstVaniHttpWatchdog *watchdog;
} ReadAllState;

static void
read_all_state_free (ReadAllState * state)
{
  g_byte_array_unref (state->data);
  g_free (state);
}

static void read_all_next (GTask * task);

static void
read_all_done (GObject * source, GAsyncResult * res, gpointer user_data)
{
  GTask *task = user_data;
  ReadAllState *state = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *bytes;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res,
      &error);
  if (!bytes) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  if (g_bytes_get_size (bytes) == 0) {
    g_bytes_unref (bytes);
    g_task_return_pointer (task,
        g_byte_array_free_to_bytes (g_byte_array_ref (state->data)),
        (GDestroyNotify) g_bytes_unref);
    g_object_unref (task);
    return;
  }
  if (state->watchdog)
    gst_vani_http_watchdog_count (state->watchdog, g_bytes_get_size (bytes));
  if (state->data->len + g_bytes_get_size (bytes) > state->max_size) {
    g_bytes_unref (bytes);
    g_task_return_new_error (task, GST_VANI_HTTP_ERROR,
        GST_VANI_HTTP_ERROR_TOO_LARGE, "the reply is too large (over %"
        G_GSIZE_FORMAT " bytes)", state->max_size);
    g_object_unref (task);
    return;
  }
  g_byte_array_append (state->data, g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));
  g_bytes_unref (bytes);
  read_all_next (task);
}

static void
read_all_next (GTask * task)
{
  g_input_stream_read_bytes_async (g_task_get_source_object (task),
      READ_CHUNK_SIZE, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
      read_all_done, task);
}

/* Reads a whole (small) reply body, e.g. an error or a transcription. The
 * whole body is the unit of progress: @watchdog (may be NULL; it must cancel
 * @cancellable) only counts the bytes. */
void
gst_vani_http_read_all_async (GInputStream * stream, gsize max_size,
    GCancellable * cancellable, GstVaniHttpWatchdog * watchdog,
    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);
  ReadAllState *state = g_new0 (ReadAllState, 1);

  state->data = g_byte_array_new ();
  state->max_size = max_size;
  state->watchdog = watchdog;
  g_task_set_task_data (task, state, (GDestroyNotify) read_all_state_free);
  read_all_next (task);
}

GBytes *
gst_vani_http_read_all_finish (GAsyncResult * result, GError ** error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* Closing reply bodies                                                     */

#define DRAIN_MAX_BYTES 4096
#define DRAIN_TIMEOUT_MS 2000

typedef struct
{
  GInputStream *stream;
  SoupMessage *msg;
  GCancellable *cancellable;
  GSource *timeout;
  gsize drained;
} BodyCloser;

static void
body_closed (GObject * source, GAsyncResult * res, gpointer user_data)
{
  BodyCloser *closer = user_data;

  g_input_stream_close_finish (G_INPUT_STREAM (source), res, NULL);
  /* the body stream uses its message until it is closed */
  g_object_unref (closer->stream);
  g_clear_object (&closer->msg);
  g_clear_object (&closer->cancellable);
  g_free (closer);
}

static void
body_closer_close (BodyCloser * closer)
{
  if (closer->timeout) {
    g_source_destroy (closer->timeout);
    g_source_unref (closer->timeout);
    closer->timeout = NULL;
  }
  g_input_stream_close_async (closer->stream, G_PRIORITY_DEFAULT, NULL,
      body_closed, closer);
}

static void body_closer_drain (BodyCloser * closer);

static void
body_drained (GObject * source, GAsyncResult * res, gpointer user_data)
{
  BodyCloser *closer = user_data;
  GBytes *bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source),
      res, NULL);
  gsize size = bytes ? g_bytes_get_size (bytes) : 0;

  if (bytes)
    g_bytes_unref (bytes);
  closer->drained += size;
  if (size > 0 && closer->drained <= DRAIN_MAX_BYTES)
    body_closer_drain (closer);
  else
    body_closer_close (closer);
}

static void
body_closer_drain (BodyCloser * closer)
{
  g_input_stream_read_bytes_async (closer->stream, DRAIN_MAX_BYTES,
      G_PRIORITY_DEFAULT, closer->cancellable, body_drained, closer);
}

static gboolean
drain_timed_out (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Closes a reply body in the background (call on the HTTP thread). Closing
 * before the end aborts the connection, which is what a cancelled request
 * wants: the server sees the client leave at once. With @drain, the few
 * bytes after the end of the data (the end of a chunked body after an SSE
 * [DONE]) are read first, so the connection goes back to the pool; a
 * server that keeps sending, or goes quiet, is cut off after a bound. */
void
gst_vani_http_close_body (GInputStream * stream, SoupMessage * msg,
    gboolean drain)
{
  BodyCloser *closer = g_new0 (BodyCloser, 1);

  closer->stream = g_object_ref (stream);
  closer->msg = msg ? g_object_ref (msg) : NULL;
  if (!drain) {
    body_closer_close (closer);
    return;
  }
  closer->cancellable = g_cancellable_new ();
  closer->timeout = g_timeout_source_new (DRAIN_TIMEOUT_MS);
  g_source_set_callback (closer->timeout, drain_timed_out,
      g_object_ref (closer->cancellable), g_object_unref);
  g_source_attach (closer->timeout, g_main_context_get_thread_default ());
  body_closer_drain (closer);
}

/* ------------------------------------------------------------------------ */
/* Connection settings shared by the elements                               */

#define DEFAULT_BASE_URL "https://api.openai.com/v1"
#define SETTINGS_FLAGS (G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

void
gst_vani_http_settings_init (GstVaniHttpSettings * settings,
    guint default_timeout)
{
  const gchar *env_base_url = g_getenv ("OPENAI_BASE_URL");

  settings->api_key = g_strdup (g_getenv ("OPENAI_API_KEY"));
  settings->base_url = g_strdup (env_base_url && *env_base_url ?
      env_base_url : DEFAULT_BASE_URL);
  settings->request_timeout = default_timeout;
  settings->extra_headers = NULL;
}

void
gst_vani_http_settings_clear (GstVaniHttpSettings * settings)
{
  g_clear_pointer (&settings->api_key, g_free);
  g_clear_pointer (&settings->base_url, g_free);
  g_clear_pointer (&settings->extra_headers, gst_structure_free);
}

void
gst_vani_http_settings_install (GObjectClass * klass, guint first_prop_id,
    guint default_timeout)
{
  /* Write-only, so the key never shows in gst-inspect, deep-notify (-v) or
   * property dumps. */
  g_object_class_install_property (klass,
      first_prop_id + GST_VANI_HTTP_PROP_API_KEY,
      g_param_spec_string ("api-key", "API key",
          "Bearer token for the server (default: $OPENAI_API_KEY). "
          "Write-only: it is never printed", NULL,
          G_PARAM_WRITABLE | SETTINGS_FLAGS));
  g_object_class_install_property (klass,
      first_prop_id + GST_VANI_HTTP_PROP_BASE_URL,
      g_param_spec_string ("base-url", "Base URL",
          "OpenAI-compatible API root, e.g. http://localhost:8000/v1 "
          "(default: $OPENAI_BASE_URL when set)", DEFAULT_BASE_URL,
          G_PARAM_READWRITE | SETTINGS_FLAGS));
  g_object_class_install_property (klass,
      first_prop_id + GST_VANI_HTTP_PROP_REQUEST_TIMEOUT,
      g_param_spec_uint ("request-timeout", "Request timeout",
          "Seconds the server may take to connect and start the reply, and "
          "then to make each step of progress (an event, 100 ms of audio, "
          "a whole transcript) before the request fails (0 = never)", 0, 3600,
          default_timeout, G_PARAM_READWRITE | SETTINGS_FLAGS));
  g_object_class_install_property (klass,
      first_prop_id + GST_VANI_HTTP_PROP_EXTRA_HEADERS,
      g_param_spec_boxed ("extra-headers", "Extra headers",
          "Extra HTTP headers for each request, as a GstStructure "
          "(e.g. \"headers, x-org=(string)abc\")", GST_TYPE_STRUCTURE,
          G_PARAM_READWRITE | SETTINGS_FLAGS));
}

/* Returns FALSE when @prop_id is not one of the settings. Object lock held. */
gboolean
gst_vani_http_settings_set (GstVaniHttpSettings * settings,
    guint first_prop_id, guint prop_id, const GValue * value)
{
  switch (prop_id - first_prop_id) {
    case GST_VANI_HTTP_PROP_API_KEY:
      g_free (settings->api_key);
      settings->api_key = g_value_dup_string (value);
      return TRUE;
    case GST_VANI_HTTP_PROP_BASE_URL:
      g_free (settings->base_url);
      settings->base_url = g_value_dup_string (value);
      return TRUE;
    case GST_VANI_HTTP_PROP_REQUEST_TIMEOUT:
      settings->request_timeout = g_value_get_uint (value);
      return TRUE;
    case GST_VANI_HTTP_PROP_EXTRA_HEADERS:
      g_clear_pointer (&settings->extra_headers, gst_structure_free);
      settings->extra_headers = g_value_dup_boxed (value);
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
gst_vani_http_settings_get (GstVaniHttpSettings * settings,
    guint first_prop_id, guint prop_id, GValue * value)
{
  switch (prop_id - first_prop_id) {
    case GST_VANI_HTTP_PROP_BASE_URL:
      g_value_set_string (value, settings->base_url);
      return TRUE;
    case GST_VANI_HTTP_PROP_REQUEST_TIMEOUT:
      g_value_set_uint (value, settings->request_timeout);
      return TRUE;
    case GST_VANI_HTTP_PROP_EXTRA_HEADERS:
      g_value_set_boxed (value, settings->extra_headers);
      return TRUE;
    default:
      return FALSE;
  }
}

/* A POST to @endpoint with the element's URL, key and headers (read under
 * its object lock). */
SoupMessage *
gst_vani_http_settings_new_post (GstObject * element,
    GstVaniHttpSettings * settings, const gchar * endpoint, GError ** error)
{
  gchar *api_key, *base_url;
  GstStructure *headers;
  SoupMessage *msg;

  GST_OBJECT_LOCK (element);
  api_key = g_strdup (settings->api_key);
  base_url = g_strdup (settings->base_url);
  headers = settings->extra_headers ?
      gst_structure_copy (settings->extra_headers) : NULL;
  GST_OBJECT_UNLOCK (element);

  msg = gst_vani_http_new_post (base_url, endpoint, api_key, headers, error);
  g_free (api_key);
  g_free (base_url);
  if (headers)
    gst_structure_free (headers);
  return msg;
}

/* @text with the element's API key replaced by "***". */
gchar *
gst_vani_http_settings_redact (GstObject * element,
    GstVaniHttpSettings * settings, const gchar * text)
{
  gchar *key, *safe;

  GST_OBJECT_LOCK (element);
  key = g_strdup (settings->api_key);
  GST_OBJECT_UNLOCK (element);
  safe = gst_vani_http_redact (text, key);
  g_free (key);
  return safe;
}

static guint
settings_get_timeout (GstObject * element, GstVaniHttpSettings * settings)
{
  guint timeout;

  GST_OBJECT_LOCK (element);
  timeout = settings->request_timeout;
  GST_OBJECT_UNLOCK (element);
  return timeout;
}

/* For elements whose requests are short (one transcription, one sentence):
 * request-timeout bounds every socket operation of the session. */
void
gst_vani_http_settings_apply_timeout (GstObject * element,
    GstVaniHttpSettings * settings, GstVaniHttp * http)
{
  g_object_set (gst_vani_http_get_session (http), "timeout",
      settings_get_timeout (element, settings), NULL);
}

/* ------------------------------------------------------------------------ */
/* Progress watchdog                                                        */

struct _GstVaniHttpWatchdog
{
  GSource *source;
  GCancellable *cancellable;
  gint64 timeout_us;
  gint64 last_progress;
  gsize bytes;                  /* received since the last progress */
  gboolean fired;
};

/* Progress is only a timestamp (it comes per SSE event): the source wakes
 * at the deadline and looks whether there was progress since. */
static gboolean
watchdog_dispatch (GSource * source, GSourceFunc callback, gpointer data)
{
  GstVaniHttpWatchdog *watchdog = data;
  gint64 deadline = watchdog->last_progress + watchdog->timeout_us;

  if (g_get_monotonic_time () < deadline) {
    g_source_set_ready_time (source, deadline);
    return G_SOURCE_CONTINUE;
  }
  watchdog->fired = TRUE;
  g_source_set_ready_time (source, -1);
  g_cancellable_cancel (watchdog->cancellable);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs watchdog_funcs = {
  .dispatch = watchdog_dispatch,
};

/* @timeout_s 0: never fires. */
GstVaniHttpWatchdog *
gst_vani_http_watchdog_new (GstVaniHttp * http, guint timeout_s,
    GCancellable * cancellable)
{
  GstVaniHttpWatchdog *watchdog = g_new0 (GstVaniHttpWatchdog, 1);

  watchdog->cancellable = g_object_ref (cancellable);
  watchdog->timeout_us = (gint64) timeout_s * G_USEC_PER_SEC;
  watchdog->last_progress = g_get_monotonic_time ();
  if (timeout_s > 0) {
    watchdog->source = g_source_new (&watchdog_funcs, sizeof (GSource));
    g_source_set_callback (watchdog->source, NULL, watchdog, NULL);
    g_source_set_ready_time (watchdog->source,
        watchdog->last_progress + watchdog->timeout_us);
    g_source_attach (watchdog->source, http->context);
  }
  return watchdog;
}

void
gst_vani_http_watchdog_free (GstVaniHttpWatchdog * watchdog)
{
  if (!watchdog)
    return;
  if (watchdog->source) {
    g_source_destroy (watchdog->source);
    g_source_unref (watchdog->source);
  }
  g_object_unref (watchdog->cancellable);
  g_free (watchdog);
}

void
gst_vani_http_watchdog_progress (GstVaniHttpWatchdog * watchdog)
{
  watchdog->last_progress = g_get_monotonic_time ();
  watchdog->bytes = 0;
}

/* Bytes that came but are not progress yet (half an event); returns all
 * of them since the last progress. */
gsize
gst_vani_http_watchdog_count (GstVaniHttpWatchdog * watchdog, gsize bytes)
{
  watchdog->bytes += bytes;
  return watchdog->bytes;
}

gboolean
gst_vani_http_watchdog_fired (GstVaniHttpWatchdog * watchdog)
{
  return watchdog && watchdog->fired;
}

/* A watchdog with the element's request-timeout. */
GstVaniHttpWatchdog *
gst_vani_http_settings_watch (GstObject * element,
    GstVaniHttpSettings * settings, GstVaniHttp * http,
    GCancellable * cancellable)
{
  return gst_vani_http_watchdog_new (http,
      settings_get_timeout (element, settings), cancellable);
}

static gchar *
describe_error (const GError * error, GstVaniHttpWatchdog * watchdog,
    guint timeout_s)
{
  if (gst_vani_http_watchdog_fired (watchdog) && watchdog->bytes > 0)
    return g_strdup_printf ("the server sent only %" G_GSIZE_FORMAT
        " bytes in %u s, too little to go on (request-timeout)",
        watchdog->bytes, timeout_s);
  if (gst_vani_http_watchdog_fired (watchdog) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup_printf ("the server sent nothing for %u s "
        "(request-timeout)", timeout_s);
  return g_strdup (error->message);
}

/* A person's words for a failed request, the element's key redacted: a
 * timeout names request-timeout and says whether the server went silent
 * or was too slow. @watchdog may be NULL. */
gchar *
gst_vani_http_settings_explain_error (GstObject * element,
    GstVaniHttpSettings * settings, const GError * error,
    GstVaniHttpWatchdog * watchdog)
{
  gchar *text = describe_error (error, watchdog,
      settings_get_timeout (element, settings));
  gchar *safe = gst_vani_http_settings_redact (element, settings, text);

  g_free (text);
  return safe;
}
