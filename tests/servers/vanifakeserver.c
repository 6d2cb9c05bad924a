/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vanifakeserver.h"

#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <libsoup/soup.h>

#define ENDLESS_LIMIT (512 * 1024 * 1024)
#define TONE_HZ 220.0
#define TONE_AMPLITUDE 3000.0
#define DEFAULT_SPEECH_MS_PER_CHAR 60
#define SPEECH_RATE 24000

struct _VaniFakeReply
{
  guint status;
  gchar *content_type;
  GBytes *body;
  GPtrArray *headers;           /* name, value, name, value ... */
  gsize chunk_size;
  guint chunk_delay_ms;
  guint headers_delay_ms;
  gssize stall_after;
  gssize reset_after;
  gboolean endless;
  gboolean is_sse;
};

struct _VaniFakeRequest
{
  gchar *method;
  gchar *path;
  SoupMessageHeaders *headers;
  GBytes *body;
  JsonNode *json;
  GHashTable *form;
  GBytes *file;
  gchar *filename;
  gchar *file_type;
  guint client_port;
  GOnce parsed;                 /* the body is parsed when first asked for */
};

struct _VaniFakeServer
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *soup;
  gchar *base_url;
  guint port;
  GError *start_error;
  gboolean started;

  GMutex lock;
  GCond cond;
  GHashTable *queues;           /* path -> GQueue of VaniFakeReply */
  GHashTable *latencies;        /* path -> ms */
  GPtrArray *requests;          /* VaniFakeRequest */
  GList *writers;               /* replies being written (server thread) */
  guint n_closed;
  GHashTable *closed_at;        /* path -> monotonic µs of the last hang-up */
  gchar **answers;
  guint next_answer;
  gchar **transcripts;
  guint next_transcript;
  guint speech_ms_per_char;
  GThreadPool *sleepers;        /* precise reply delays */
  GTlsCertificate *certificate; /* serves https when set */
  GHashTable *reply_times;      /* path -> GArray of gint64 µs */
};

/* One reply being written. */
typedef struct
{
  VaniFakeServer *server;
  SoupServerMessage *msg;
  VaniFakeReply *reply;
  gsize offset;
  gsize sent;
  gboolean complete;
  gboolean client_left;
  GSource *timer;
  GSource *hangup_watch;
  gint64 received;              /* when the whole request was in */
  gchar *path;
} Writer;

#define STALL_POLL_MS 10

/* ------------------------------------------------------------------------ */
/* Replies                                                                  */

VaniFakeReply *
vani_fake_reply_new (guint status, const gchar * content_type, GBytes * body)
{
  VaniFakeReply *reply = g_new0 (VaniFakeReply, 1);

  reply->status = status;
  reply->content_type = g_strdup (content_type);
  reply->body = body ? g_bytes_ref (body) : g_bytes_new (NULL, 0);
  reply->headers = g_ptr_array_new_with_free_func (g_free);
  reply->stall_after = -1;
  reply->reset_after = -1;
  return reply;
}

static VaniFakeReply *
reply_new_take_text (guint status, const gchar * content_type, gchar * text)
{
  GBytes *body = g_bytes_new_take (text, strlen (text));
  VaniFakeReply *reply = vani_fake_reply_new (status, content_type, body);

  g_bytes_unref (body);
  return reply;
}

VaniFakeReply *
vani_fake_reply_new_sse (const gchar * sse)
{
  VaniFakeReply *reply = reply_new_take_text (200, "text/event-stream",
      g_strdup (sse));

  reply->is_sse = TRUE;
  return reply;
}

VaniFakeReply *
vani_fake_reply_new_text (guint status, const gchar * content_type,
    const gchar * text)
{
  return reply_new_take_text (status, content_type, g_strdup (text));
}

VaniFakeReply *
vani_fake_reply_new_json (guint status, const gchar * json)
{
  return vani_fake_reply_new_text (status, "application/json", json);
}

void
vani_fake_reply_free (VaniFakeReply * reply)
{
  if (!reply)
    return;
  g_free (reply->content_type);
  g_bytes_unref (reply->body);
  g_ptr_array_unref (reply->headers);
  g_free (reply);
}

void
vani_fake_reply_set_chunk_size (VaniFakeReply * reply, gsize size)
{
  reply->chunk_size = size;
}

void
vani_fake_reply_set_chunk_delay_ms (VaniFakeReply * reply, guint ms)
{
  reply->chunk_delay_ms = ms;
}

void
vani_fake_reply_set_headers_delay_ms (VaniFakeReply * reply, guint ms)
{
  reply->headers_delay_ms = ms;
}

void
vani_fake_reply_set_stall_after (VaniFakeReply * reply, gssize bytes)
{
  reply->stall_after = bytes;
}

void
vani_fake_reply_set_reset_after (VaniFakeReply * reply, gssize bytes)
{
  reply->reset_after = bytes;
}

void
vani_fake_reply_set_endless (VaniFakeReply * reply, gboolean endless)
{
  reply->endless = endless;
}

void
vani_fake_reply_add_header (VaniFakeReply * reply, const gchar * name,
    const gchar * value)
{
  g_ptr_array_add (reply->headers, g_strdup (name));
  g_ptr_array_add (reply->headers, g_strdup (value));
}

/* --- OpenAI-shaped streams --- */

static void
append_chunk_event (GString * sse, JsonBuilder * b)
{
  JsonNode *root = json_builder_get_root (b);
  gchar *text = json_to_string (root, FALSE);

  g_string_append_printf (sse, "data: %s\n\n", text);
  g_free (text);
  json_node_unref (root);
  json_builder_reset (b);
}

/* {"id":..,"object":"chat.completion.chunk","choices":[{"index":0,"delta":{ */
static void
begin_chunk (JsonBuilder * b)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, "chatcmpl-fake");
  json_builder_set_member_name (b, "object");
  json_builder_add_string_value (b, "chat.completion.chunk");
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, "fake-model");
  json_builder_set_member_name (b, "choices");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, 0);
  json_builder_set_member_name (b, "delta");
  json_builder_begin_object (b);
}

static void
end_chunk (JsonBuilder * b, const gchar * finish_reason)
{
  json_builder_end_object (b);
  json_builder_set_member_name (b, "finish_reason");
  if (finish_reason)
    json_builder_add_string_value (b, finish_reason);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
append_content_chunk (GString * sse, JsonBuilder * b, const gchar * text,
    gssize len)
{
  gchar *piece = len < 0 ? g_strdup (text) : g_strndup (text, len);

  begin_chunk (b);
  json_builder_set_member_name (b, "content");
  json_builder_add_string_value (b, piece);
  end_chunk (b, NULL);
  append_chunk_event (sse, b);
  g_free (piece);
}

static void
append_finish (GString * sse, JsonBuilder * b, const gchar * reason,
    gboolean with_usage)
{
  begin_chunk (b);
  end_chunk (b, reason);
  append_chunk_event (sse, b);
  if (with_usage)
    g_string_append (sse, "data: {\"id\":\"chatcmpl-fake\",\"choices\":[],"
        "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,"
        "\"total_tokens\":19,\"prompt_tokens_details\":{\"cached_tokens\":4}}"
        "}\n\n");
  g_string_append (sse, "data: [DONE]\n\n");
}

static gchar *
text_stream (const gchar * text, gboolean with_usage)
{
  JsonBuilder *b = json_builder_new ();
  GString *sse = g_string_new (NULL);
  const gchar *p = text;

  begin_chunk (b);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, "assistant");
  json_builder_set_member_name (b, "content");
  json_builder_add_string_value (b, "");
  end_chunk (b, NULL);
  append_chunk_event (sse, b);

  /* one delta per word, the space before it included */
  while (*p) {
    const gchar *q = p;

    while (*q == ' ')
      q++;
    while (*q && *q != ' ')
      q++;
    append_content_chunk (sse, b, p, q - p);
    p = q;
  }
  append_finish (sse, b, "stop", with_usage);
  g_object_unref (b);
  return g_string_free (sse, FALSE);
}

VaniFakeReply *
vani_fake_reply_new_text_stream (const gchar * text, gboolean with_usage)
{
  VaniFakeReply *reply = reply_new_take_text (200, "text/event-stream",
      text_stream (text, with_usage));

  reply->is_sse = TRUE;
  return reply;
}

static void
append_tool_delta (GString * sse, JsonBuilder * b, guint index,
    const gchar * id, const gchar * name, const gchar * args)
{
  begin_chunk (b);
  json_builder_set_member_name (b, "tool_calls");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, index);
  if (id) {
    json_builder_set_member_name (b, "id");
    json_builder_add_string_value (b, id);
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, "function");
  }
  json_builder_set_member_name (b, "function");
  json_builder_begin_object (b);
  if (name) {
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, name);
  }
  json_builder_set_member_name (b, "arguments");
  json_builder_add_string_value (b, args);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  end_chunk (b, NULL);
  append_chunk_event (sse, b);
}

/* The arguments arrive in small fragments, split anywhere (also inside
 * escapes once JSON-encoded), as OpenAI sends them. */
VaniFakeReply *
vani_fake_reply_new_tool_calls_stream (guint n, const gchar * const *ids,
    const gchar * const *names, const gchar * const *arguments)
{
  JsonBuilder *b = json_builder_new ();
  GString *sse = g_string_new (NULL);
  VaniFakeReply *reply;
  guint i;

  for (i = 0; i < n; i++) {
    const gchar *p = arguments[i];

    append_tool_delta (sse, b, i, ids[i], names[i], "");
    while (*p) {
      const gchar *q = p;
      gchar *frag;
      gint k;

      for (k = 0; k < 5 && *q; k++)
        q = g_utf8_next_char (q);
      frag = g_strndup (p, q - p);
      append_tool_delta (sse, b, i, NULL, NULL, frag);
      g_free (frag);
      p = q;
    }
  }
  append_finish (sse, b, "tool_calls", FALSE);
  g_object_unref (b);
  reply = reply_new_take_text (200, "text/event-stream",
      g_string_free (sse, FALSE));
  reply->is_sse = TRUE;
  return reply;
}

static GBytes *
tone_pcm (guint rate, guint duration_ms)
{
  gsize n = (gsize) rate * duration_ms / 1000, i;
  gint16 *samples = g_new (gint16, n ? n : 1);

  for (i = 0; i < n; i++)
    samples[i] = (gint16) (TONE_AMPLITUDE *
        sin (2.0 * G_PI * TONE_HZ * (gdouble) i / rate));
  return g_bytes_new_take (samples, n * sizeof (gint16));
}

VaniFakeReply *
vani_fake_reply_new_pcm (guint rate, guint duration_ms)
{
  GBytes *pcm = tone_pcm (rate, duration_ms);
  VaniFakeReply *reply = vani_fake_reply_new (200, "audio/pcm", pcm);

  g_bytes_unref (pcm);
  reply->chunk_size = 4096;
  return reply;
}

/* A fixture: *.sse is a 200 event stream; *.json a 200 JSON body; a first
 * line "status: N" sets another status. */
VaniFakeReply *
vani_fake_reply_new_from_file (const gchar * path, GError ** error)
{
  gchar *contents, *body;
  guint status = 200;
  VaniFakeReply *reply;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  body = contents;
  if (g_str_has_prefix (body, "status: ")) {
    status = (guint) g_ascii_strtoull (body + 8, &body, 10);
    while (*body == '\r' || *body == '\n')
      body++;
  }
  if (g_str_has_suffix (path, ".sse")) {
    reply = vani_fake_reply_new_sse (body);
    reply->status = status;
  } else {
    reply = vani_fake_reply_new_json (status, body);
  }
  g_free (contents);
  return reply;
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                 */

static void
request_free (VaniFakeRequest * req)
{
  g_free (req->method);
  g_free (req->path);
  soup_message_headers_unref (req->headers);
  g_bytes_unref (req->body);
  if (req->json)
    json_node_unref (req->json);
  g_hash_table_unref (req->form);
  if (req->file)
    g_bytes_unref (req->file);
  g_free (req->filename);
  g_free (req->file_type);
  g_free (req);
}

static void
copy_header (const char *name, const char *value, gpointer user_data)
{
  soup_message_headers_append (user_data, name, value);
}

static void
parse_multipart (VaniFakeRequest * req)
{
  SoupMultipart *mp = soup_multipart_new_from_message (req->headers,
      req->body);
  int i;

  if (!mp)
    return;
  for (i = 0; i < soup_multipart_get_length (mp); i++) {
    SoupMessageHeaders *headers;
    GBytes *part;
    GHashTable *params = NULL;
    const gchar *name, *filename;

    if (!soup_multipart_get_part (mp, i, &headers, &part) ||
        !soup_message_headers_get_content_disposition (headers, NULL,
            &params))
      continue;
    name = g_hash_table_lookup (params, "name");
    filename = g_hash_table_lookup (params, "filename");
    if (filename) {
      g_clear_pointer (&req->file, g_bytes_unref);
      req->file = g_bytes_ref (part);
      g_free (req->filename);
      req->filename = g_strdup (filename);
      g_free (req->file_type);
      req->file_type = g_strdup (soup_message_headers_get_content_type
          (headers, NULL));
    } else if (name) {
      g_hash_table_insert (req->form, g_strdup (name),
          g_strndup (g_bytes_get_data (part, NULL), g_bytes_get_size (part)));
    }
    g_hash_table_destroy (params);
  }
  soup_multipart_free (mp);
}

/* The body as JSON or as a form, once: not on the reply's path, where the
 * server's own time would count against the client's. */
static gpointer
parse_body (gpointer data)
{
  VaniFakeRequest *req = data;
  JsonParser *parser;
  const gchar *ctype = soup_message_headers_get_content_type (req->headers,
      NULL);

  if (g_strcmp0 (ctype, "multipart/form-data") == 0) {
    parse_multipart (req);
    return NULL;
  }
  parser = json_parser_new ();
  if (json_parser_load_from_data (parser, g_bytes_get_data (req->body, NULL),
          g_bytes_get_size (req->body), NULL) &&
      json_parser_get_root (parser))
    req->json = json_node_copy (json_parser_get_root (parser));
  g_object_unref (parser);
  return NULL;
}

static void
ensure_parsed (VaniFakeRequest * req)
{
  g_once (&req->parsed, parse_body, req);
}

static VaniFakeRequest *
record_request (SoupServerMessage * msg, const gchar * path)
{
  VaniFakeRequest *req = g_new0 (VaniFakeRequest, 1);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  req->method = g_strdup (soup_server_message_get_method (msg));
  req->client_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS
      (soup_server_message_get_remote_address (msg)));
  req->path = g_strdup (path);
  req->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg),
      copy_header, req->headers);
  req->body = soup_message_body_flatten (body);
  req->form = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return req;
}

const gchar *
vani_fake_request_get_method (VaniFakeRequest * request)
{
  return request->method;
}

const gchar *
vani_fake_request_get_path (VaniFakeRequest * request)
{
  return request->path;
}

const gchar *
vani_fake_request_get_header (VaniFakeRequest * request, const gchar * name)
{
  return soup_message_headers_get_one (request->headers, name);
}

GBytes *
vani_fake_request_get_body (VaniFakeRequest * request)
{
  return request->body;
}

JsonNode *
vani_fake_request_get_json (VaniFakeRequest * request)
{
  ensure_parsed (request);
  return request->json;
}

const gchar *
vani_fake_request_get_form_field (VaniFakeRequest * request,
    const gchar * name)
{
  ensure_parsed (request);
  return g_hash_table_lookup (request->form, name);
}

guint
vani_fake_request_get_client_port (VaniFakeRequest * request)
{
  return request->client_port;
}

GBytes *
vani_fake_request_get_file (VaniFakeRequest * request,
    const gchar ** filename, const gchar ** content_type)
{
  ensure_parsed (request);
  if (filename)
    *filename = request->filename;
  if (content_type)
    *content_type = request->file_type;
  return request->file;
}

/* ------------------------------------------------------------------------ */
/* Writing replies (server thread)                                          */

static void writer_step (Writer * w);
static void writer_watch_stall (Writer * w);

static void
writer_free (Writer * w)
{
  w->server->writers = g_list_remove (w->server->writers, w);
  g_signal_handlers_disconnect_by_data (w->msg, w);
  if (w->timer) {
    g_source_destroy (w->timer);
    g_source_unref (w->timer);
  }
  if (w->hangup_watch) {
    g_source_destroy (w->hangup_watch);
    g_source_unref (w->hangup_watch);
  }
  vani_fake_reply_free (w->reply);
  g_object_unref (w->msg);
  g_free (w->path);
  g_free (w);
}

/* Counts a reply the client abandoned, once, with the time it left. */
static void
writer_note_client_left (Writer * w)
{
  VaniFakeServer *server = w->server;
  gint64 now = g_get_monotonic_time ();

  if (w->client_left)
    return;
  w->client_left = TRUE;
  g_mutex_lock (&server->lock);
  server->n_closed++;
  g_hash_table_insert (server->closed_at,
      g_strdup (g_uri_get_path (soup_server_message_get_uri (w->msg))),
      g_memdup2 (&now, sizeof (now)));
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);
}

static void
on_finished (SoupServerMessage * msg, Writer * w)
{
  if (!w->complete)
    writer_note_client_left (w);
  writer_free (w);
}

static gboolean
writer_timer_cb (gpointer data)
{
  Writer *w = data;

  g_source_unref (w->timer);
  w->timer = NULL;
  writer_step (w);
  return G_SOURCE_REMOVE;
}

static void
writer_schedule (Writer * w, guint ms, GSourceFunc func)
{
  w->timer = g_timeout_source_new (ms);
  g_source_set_callback (w->timer, func, w, NULL);
  g_source_attach (w->timer, w->server->context);
}

/* A paused message does not read its socket, so libsoup would not notice
 * the client leaving: look at the socket ourselves. */
static gboolean
client_has_left (SoupServerMessage * msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  gchar byte;

  if (!socket)
    return TRUE;
  if (!(g_socket_condition_check (socket, G_IO_IN | G_IO_HUP | G_IO_ERR)))
    return FALSE;
  return recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT)
      <= 0;
}

static gboolean
stall_watch_cb (gpointer data)
{
  Writer *w = data;

  g_source_unref (w->timer);
  w->timer = NULL;
  if (!client_has_left (w->msg)) {
    writer_watch_stall (w);
    return G_SOURCE_REMOVE;
  }
  writer_note_client_left (w);
  /* end the message so libsoup finds the closed socket and cleans up */
  w->complete = TRUE;
  soup_message_body_complete (soup_server_message_get_response_body (w->msg));
  soup_server_message_unpause (w->msg);
  return G_SOURCE_REMOVE;
}

static void
writer_watch_stall (Writer * w)
{
  writer_schedule (w, STALL_POLL_MS, stall_watch_cb);
}

/* Notices the hang-up the moment it happens (benchmarks time it), not at
 * the next write. Data from the client instead ends the watch: a socket
 * that stays readable would wake it forever. */
static gboolean
hangup_watch_cb (GSocket * socket, GIOCondition condition, gpointer data)
{
  Writer *w = data;

  if (client_has_left (w->msg))
    writer_note_client_left (w);
  g_source_unref (w->hangup_watch);
  w->hangup_watch = NULL;
  return G_SOURCE_REMOVE;
}

static void
writer_watch_hangup (Writer * w)
{
  GSocket *socket = soup_server_message_get_socket (w->msg);

  if (!socket)
    return;
  w->hangup_watch = g_socket_create_source (socket,
      G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (w->hangup_watch, (GSourceFunc) G_CALLBACK
      (hangup_watch_cb), w, NULL);
  g_source_attach (w->hangup_watch, w->server->context);
}

/* How much to write next: a chunk, one SSE event, or the rest. */
static gsize
next_piece (Writer * w, const gchar * data, gsize len)
{
  gsize left = len - w->offset;
  const gchar *sep;

  if (w->reply->chunk_size > 0)
    return MIN (w->reply->chunk_size, left);
  if (!w->reply->is_sse)
    return left;
  sep = g_strstr_len (data + w->offset, left, "\n\n");
  return sep ? (gsize) (sep + 2 - (data + w->offset)) : left;
}

/* The server's own time for a request: whole request in → first byte of
 * the body handed to libsoup. */
static void
note_reply_time (Writer * w)
{
  VaniFakeServer *server = w->server;
  gint64 took = g_get_monotonic_time () - w->received;
  GArray *times;

  g_mutex_lock (&server->lock);
  times = g_hash_table_lookup (server->reply_times, w->path);
  if (!times) {
    times = g_array_new (FALSE, FALSE, sizeof (gint64));
    g_hash_table_insert (server->reply_times, g_strdup (w->path), times);
  }
  g_array_append_val (times, took);
  g_mutex_unlock (&server->lock);
}

static void
writer_step (Writer * w)
{
  SoupMessageBody *body = soup_server_message_get_response_body (w->msg);
  gsize len;
  const gchar *data = g_bytes_get_data (w->reply->body, &len);
  gsize piece;

  if (w->reply->endless && w->offset >= len && w->sent < ENDLESS_LIMIT)
    w->offset = 0;
  if (w->offset >= len || len == 0) {
    w->complete = TRUE;
    soup_message_body_complete (body);
    soup_server_message_unpause (w->msg);
    return;
  }

  piece = next_piece (w, data, len);
  if (w->reply->stall_after >= 0 &&
      w->sent + piece > (gsize) w->reply->stall_after)
    piece = w->reply->stall_after - w->sent;
  if (piece > 0 && w->sent == 0)
    note_reply_time (w);
  if (piece > 0) {
    soup_message_body_append (body, SOUP_MEMORY_COPY, data + w->offset,
        piece);
    w->offset += piece;
    w->sent += piece;
    soup_server_message_unpause (w->msg);
  }
  if (w->reply->stall_after >= 0 && w->sent >= (gsize) w->reply->stall_after) {
    writer_watch_stall (w);
    return;
  }
  writer_schedule (w, w->reply->chunk_delay_ms, writer_timer_cb);
}

static void
start_response (Writer * w)
{
  SoupMessageHeaders *headers =
      soup_server_message_get_response_headers (w->msg);
  guint i;

  soup_server_message_set_status (w->msg, w->reply->status, NULL);
  if (w->reply->content_type)
    soup_message_headers_set_content_type (headers, w->reply->content_type,
        NULL);
  for (i = 0; i + 1 < w->reply->headers->len; i += 2)
    soup_message_headers_replace (headers,
        g_ptr_array_index (w->reply->headers, i),
        g_ptr_array_index (w->reply->headers, i + 1));
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  writer_step (w);
}

/* Reset: take the socket from libsoup, write raw bytes, and abort it. */
static void
reset_connection (SoupServerMessage * msg, VaniFakeReply * reply)
{
  GSocket *socket = g_object_ref (soup_server_message_get_socket (msg));
  GIOStream *stream = soup_server_message_steal_connection (msg);
  gsize len;
  const gchar *data = g_bytes_get_data (reply->body, &len);

  if (!stream) {
    g_object_unref (socket);
    return;
  }
  if (reply->reset_after > 0) {
    gsize n = MIN ((gsize) reply->reset_after, len);
    gchar *head = g_strdup_printf ("HTTP/1.1 %u OK\r\nContent-Type: %s\r\n"
        "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", reply->status,
        reply->content_type ? reply->content_type : "text/plain", len);

    g_socket_send (socket, head, strlen (head), NULL, NULL);
    g_socket_send (socket, data, n, NULL, NULL);
    g_free (head);
  }
  {
    struct linger lg = { 1, 0 };        /* close with RST */

    setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &lg,
        sizeof (lg));
  }
  g_socket_close (socket, NULL);
  g_io_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
  g_object_unref (socket);
}

/* A reply's configured latency, to the tens of microseconds: a GLib timeout
 * wakes up to a millisecond late, and the benchmarks would count that as
 * ours. A pool thread sleeps, then hands over to the server thread. */
typedef struct
{
  VaniFakeServer *server;
  Writer *writer;               /* only compared on the server thread */
  gint64 due;
} Delay;

static gboolean
delayed_start_cb (gpointer data)
{
  Delay *d = data;

  /* the client may have gone, and the writer with it */
  if (g_list_find (d->server->writers, d->writer))
    start_response (d->writer);
  return G_SOURCE_REMOVE;
}

static void
sleep_then_start (gpointer data, gpointer unused)
{
  Delay *d = data;
  gint64 left = d->due - g_get_monotonic_time ();

  if (left > 0)
    g_usleep (left);
  g_main_context_invoke_full (d->server->context, G_PRIORITY_DEFAULT,
      delayed_start_cb, d, g_free);
}

static void
start_after (Writer * w, guint ms)
{
  Delay *d = g_new0 (Delay, 1);

  d->server = w->server;
  d->writer = w;
  d->due = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;
  g_thread_pool_push (w->server->sleepers, d, NULL);
}

/* ------------------------------------------------------------------------ */
/* Default replies                                                          */

static gchar *
next_cycling (VaniFakeServer * server, gchar ** list, guint * next)
{
  gchar *text = NULL;

  g_mutex_lock (&server->lock);
  if (list && list[0]) {
    text = g_strdup (list[*next % g_strv_length (list)]);
    (*next)++;
  }
  g_mutex_unlock (&server->lock);
  return text;
}

static gsize
speech_input_length (VaniFakeRequest * req)
{
  JsonNode *json = vani_fake_request_get_json (req);
  JsonObject *obj;

  if (!json || !JSON_NODE_HOLDS_OBJECT (json))
    return 0;
  obj = json_node_get_object (json);
  if (!json_object_has_member (obj, "input"))
    return 0;
  return g_utf8_strlen (json_object_get_string_member (obj, "input"), -1);
}

static VaniFakeReply *
default_reply (VaniFakeServer * server, const gchar * path,
    VaniFakeRequest * req)
{
  if (g_str_equal (path, VANI_FAKE_CHAT)) {
    gchar *answer = next_cycling (server, server->answers,
        &server->next_answer);
    VaniFakeReply *reply = vani_fake_reply_new_text_stream (answer ? answer :
        "Hello from the fake server.", TRUE);

    g_free (answer);
    return reply;
  }
  if (g_str_equal (path, VANI_FAKE_SPEECH))
    return vani_fake_reply_new_pcm (SPEECH_RATE,
        MAX (speech_input_length (req), 1) * server->speech_ms_per_char);
  if (g_str_equal (path, VANI_FAKE_TRANSCRIPTIONS)) {
    gchar *text = next_cycling (server, server->transcripts,
        &server->next_transcript);
    JsonBuilder *b = json_builder_new ();
    JsonNode *root;
    VaniFakeReply *reply;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "text");
    json_builder_add_string_value (b, text ? text : "");
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    reply = reply_new_take_text (200, "application/json",
        json_to_string (root, FALSE));
    json_node_unref (root);
    g_object_unref (b);
    g_free (text);
    return reply;
  }
  return vani_fake_reply_new_json (404, "{\"error\": {\"message\": "
      "\"no such endpoint on the fake server\", \"type\": "
      "\"invalid_request_error\"}}");
}

/* ------------------------------------------------------------------------ */
/* Server                                                                   */

static void
handle_request (SoupServer * soup, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  VaniFakeServer *server = user_data;
  VaniFakeRequest *req = record_request (msg, path);
  VaniFakeReply *reply;
  GQueue *queue;
  Writer *w;
  guint latency;

  /* as a real API server does: each reply chunk leaves at once */
  g_socket_set_option (soup_server_message_get_socket (msg), IPPROTO_TCP,
      TCP_NODELAY, 1, NULL);

  g_mutex_lock (&server->lock);
  g_ptr_array_add (server->requests, req);
  queue = g_hash_table_lookup (server->queues, path);
  reply = queue ? g_queue_pop_head (queue) : NULL;
  latency = GPOINTER_TO_UINT (g_hash_table_lookup (server->latencies, path));
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);

  if (!reply)
    reply = default_reply (server, path, req);

  if (reply->reset_after >= 0) {
    reset_connection (msg, reply);
    vani_fake_reply_free (reply);
    return;
  }

  w = g_new0 (Writer, 1);
  server->writers = g_list_prepend (server->writers, w);
  w->server = server;
  w->msg = g_object_ref (msg);
  w->received = g_get_monotonic_time ();
  w->path = g_strdup (path);
  w->reply = reply;
  g_signal_connect (msg, "finished", G_CALLBACK (on_finished), w);
  soup_server_message_pause (msg);
  writer_watch_hangup (w);

  latency += reply->headers_delay_ms;
  if (latency > 0)
    start_after (w, latency);
  else
    start_response (w);
}

static gpointer
server_thread (gpointer data)
{
  VaniFakeServer *server = data;
  GError *error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (server->context);
  server->soup = soup_server_new ("server-header", "vani-fake-server",
      "tls-certificate", server->certificate, NULL);
  soup_server_add_handler (server->soup, NULL, handle_request, server, NULL);
  if (soup_server_listen_local (server->soup, server->port,
          SOUP_SERVER_LISTEN_IPV4_ONLY | (server->certificate ?
              SOUP_SERVER_LISTEN_HTTPS : 0), &error)) {
    uris = soup_server_get_uris (server->soup);
    server->base_url = g_strdup_printf ("%s://127.0.0.1:%d/v1",
        server->certificate ? "https" : "http", g_uri_get_port (uris->data));
    g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  }

  g_mutex_lock (&server->lock);
  server->start_error = error;
  server->started = TRUE;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);

  if (!error)
    g_main_loop_run (server->loop);

  /* replies still pending when the server stops */
  while (server->writers)
    writer_free (server->writers->data);
  soup_server_disconnect (server->soup);
  while (g_main_context_pending (server->context))
    g_main_context_iteration (server->context, FALSE);
  g_clear_object (&server->soup);
  while (g_main_context_pending (server->context))
    g_main_context_iteration (server->context, FALSE);
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

static void
free_queue (gpointer queue)
{
  g_queue_free_full (queue, (GDestroyNotify) vani_fake_reply_free);
}

static VaniFakeServer *
fake_server_new (guint port, GTlsCertificate * certificate, GError ** error)
{
  VaniFakeServer *server = g_new0 (VaniFakeServer, 1);

  server->port = port;
  server->certificate = certificate ? g_object_ref (certificate) : NULL;
  server->speech_ms_per_char = DEFAULT_SPEECH_MS_PER_CHAR;
  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->queues = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      free_queue);
  server->latencies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  server->requests = g_ptr_array_new_with_free_func ((GDestroyNotify)
      request_free);
  server->closed_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  server->reply_times = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, (GDestroyNotify) g_array_unref);
  server->context = g_main_context_new ();
  server->loop = g_main_loop_new (server->context, FALSE);
  server->sleepers = g_thread_pool_new (sleep_then_start, NULL, 256, FALSE,
      NULL);
  server->thread = g_thread_new ("vani-fake-server", server_thread, server);

  g_mutex_lock (&server->lock);
  while (!server->started)
    g_cond_wait (&server->cond, &server->lock);
  g_mutex_unlock (&server->lock);

  if (server->start_error) {
    g_propagate_error (error, server->start_error);
    server->start_error = NULL;
    vani_fake_server_free (server);
    return NULL;
  }
  return server;
}

VaniFakeServer *
vani_fake_server_new_on_port (guint port, GError ** error)
{
  return fake_server_new (port, NULL, error);
}

/* https with @certificate: a client that checks certificates refuses it. */
VaniFakeServer *
vani_fake_server_new_tls (GTlsCertificate * certificate, GError ** error)
{
  return fake_server_new (0, certificate, error);
}

VaniFakeServer *
vani_fake_server_new (GError ** error)
{
  return vani_fake_server_new_on_port (0, error);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
vani_fake_server_free (VaniFakeServer * server)
{
  GSource *source;

  if (!server)
    return;
  /* delays still sleeping hand over to the running loop first */
  g_thread_pool_free (server->sleepers, FALSE, TRUE);
  source = g_idle_source_new ();
  g_source_set_callback (source, quit_cb, server->loop, NULL);
  g_source_attach (source, server->context);
  g_source_unref (source);
  g_thread_join (server->thread);

  g_main_loop_unref (server->loop);
  g_main_context_unref (server->context);
  g_hash_table_unref (server->queues);
  g_hash_table_unref (server->latencies);
  g_ptr_array_unref (server->requests);
  g_hash_table_unref (server->closed_at);
  g_hash_table_unref (server->reply_times);
  g_strfreev (server->answers);
  g_strfreev (server->transcripts);
  g_free (server->base_url);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_clear_object (&server->certificate);
  g_free (server);
}

const gchar *
vani_fake_server_get_base_url (VaniFakeServer * server)
{
  return server->base_url;
}

void
vani_fake_server_queue_reply (VaniFakeServer * server, const gchar * path,
    VaniFakeReply * reply)
{
  GQueue *queue;

  g_mutex_lock (&server->lock);
  queue = g_hash_table_lookup (server->queues, path);
  if (!queue) {
    queue = g_queue_new ();
    g_hash_table_insert (server->queues, g_strdup (path), queue);
  }
  g_queue_push_tail (queue, reply);
  g_mutex_unlock (&server->lock);
}

void
vani_fake_server_set_answers (VaniFakeServer * server,
    const gchar * const *answers)
{
  g_mutex_lock (&server->lock);
  g_strfreev (server->answers);
  server->answers = g_strdupv ((gchar **) answers);
  server->next_answer = 0;
  g_mutex_unlock (&server->lock);
}

void
vani_fake_server_set_transcripts (VaniFakeServer * server,
    const gchar * const *transcripts)
{
  g_mutex_lock (&server->lock);
  g_strfreev (server->transcripts);
  server->transcripts = g_strdupv ((gchar **) transcripts);
  server->next_transcript = 0;
  g_mutex_unlock (&server->lock);
}

void
vani_fake_server_set_speech_ms_per_char (VaniFakeServer * server, guint ms)
{
  g_mutex_lock (&server->lock);
  server->speech_ms_per_char = ms;
  g_mutex_unlock (&server->lock);
}

void
vani_fake_server_set_latency (VaniFakeServer * server, const gchar * path,
    guint ms)
{
  g_mutex_lock (&server->lock);
  g_hash_table_insert (server->latencies, g_strdup (path),
      GUINT_TO_POINTER (ms));
  g_mutex_unlock (&server->lock);
}

static guint
count_requests_locked (VaniFakeServer * server, const gchar * path)
{
  guint i, n = 0;

  for (i = 0; i < server->requests->len; i++) {
    VaniFakeRequest *req = g_ptr_array_index (server->requests, i);

    if (!path || g_str_equal (req->path, path))
      n++;
  }
  return n;
}

guint
vani_fake_server_get_n_requests (VaniFakeServer * server, const gchar * path)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = count_requests_locked (server, path);
  g_mutex_unlock (&server->lock);
  return n;
}

VaniFakeRequest *
vani_fake_server_get_request (VaniFakeServer * server, const gchar * path,
    guint index)
{
  VaniFakeRequest *found = NULL;
  guint i, n = 0;

  g_mutex_lock (&server->lock);
  for (i = 0; i < server->requests->len && !found; i++) {
    VaniFakeRequest *req = g_ptr_array_index (server->requests, i);

    if (!path || g_str_equal (req->path, path)) {
      if (n == index)
        found = req;
      n++;
    }
  }
  g_mutex_unlock (&server->lock);
  return found;
}

gboolean
vani_fake_server_wait_requests (VaniFakeServer * server, const gchar * path,
    guint n, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean ok = TRUE;

  g_mutex_lock (&server->lock);
  while (ok && count_requests_locked (server, path) < n)
    ok = g_cond_wait_until (&server->cond, &server->lock, deadline);
  ok = count_requests_locked (server, path) >= n;
  g_mutex_unlock (&server->lock);
  return ok;
}

guint
vani_fake_server_get_n_closed (VaniFakeServer * server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->n_closed;
  g_mutex_unlock (&server->lock);
  return n;
}

gboolean
vani_fake_server_wait_closed (VaniFakeServer * server, guint n,
    guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean ok = TRUE;

  g_mutex_lock (&server->lock);
  while (ok && server->n_closed < n)
    ok = g_cond_wait_until (&server->cond, &server->lock, deadline);
  ok = server->n_closed >= n;
  g_mutex_unlock (&server->lock);
  return ok;
}

gint64
vani_fake_server_get_last_closed_time (VaniFakeServer * server,
    const gchar * path)
{
  gint64 *at;
  gint64 time = 0;

  g_mutex_lock (&server->lock);
  at = g_hash_table_lookup (server->closed_at, path);
  if (at)
    time = *at;
  g_mutex_unlock (&server->lock);
  return time;
}

GArray *
vani_fake_server_get_reply_times (VaniFakeServer * server, const gchar * path)
{
  GArray *times, *copy = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_mutex_lock (&server->lock);
  times = g_hash_table_lookup (server->reply_times, path);
  if (times)
    g_array_append_vals (copy, times->data, times->len);
  g_mutex_unlock (&server->lock);
  return copy;
}

void
vani_fake_server_forget_requests (VaniFakeServer * server)
{
  g_mutex_lock (&server->lock);
  g_ptr_array_set_size (server->requests, 0);
  g_mutex_unlock (&server->lock);
}
