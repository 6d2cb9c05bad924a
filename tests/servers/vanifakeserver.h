/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A fake OpenAI-compatible server for tests, demos and benchmarks: a
 * SoupServer on 127.0.0.1 (ephemeral port) running on its own thread,
 * answering /v1/chat/completions, /v1/audio/transcriptions and
 * /v1/audio/speech from scripted replies, and recording every request.
 */
#ifndef __VANI_FAKE_SERVER_H__
#define __VANI_FAKE_SERVER_H__

#include <glib.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define VANI_FAKE_CHAT "/v1/chat/completions"
#define VANI_FAKE_TRANSCRIPTIONS "/v1/audio/transcriptions"
#define VANI_FAKE_SPEECH "/v1/audio/speech"

typedef struct _VaniFakeServer VaniFakeServer;
typedef struct _VaniFakeReply VaniFakeReply;
typedef struct _VaniFakeRequest VaniFakeRequest;

VaniFakeServer *vani_fake_server_new (GError ** error);
VaniFakeServer *vani_fake_server_new_on_port (guint port, GError ** error);
VaniFakeServer *vani_fake_server_new_tls (GTlsCertificate * certificate,
    GError ** error);
void vani_fake_server_free (VaniFakeServer * server);
const gchar *vani_fake_server_get_base_url (VaniFakeServer * server);

/* Replies are served in order per path; @reply is taken over. */
void vani_fake_server_queue_reply (VaniFakeServer * server, const gchar * path,
    VaniFakeReply * reply);
/* Without queued replies: chat streams the next answer (cycling), speech
 * gives 60 ms of tone per character, transcription the next transcript. */
void vani_fake_server_set_answers (VaniFakeServer * server,
    const gchar * const *answers);
void vani_fake_server_set_transcripts (VaniFakeServer * server,
    const gchar * const *transcripts);
/* The default speech reply's length per input character (60 ms). */
void vani_fake_server_set_speech_ms_per_char (VaniFakeServer * server,
    guint ms);
/* Delay before the reply starts, for every request on @path. */
void vani_fake_server_set_latency (VaniFakeServer * server, const gchar * path,
    guint ms);

/* @path NULL counts every request. */
guint vani_fake_server_get_n_requests (VaniFakeServer * server,
    const gchar * path);
/* Valid until the server is freed. */
VaniFakeRequest *vani_fake_server_get_request (VaniFakeServer * server,
    const gchar * path, guint index);
gboolean vani_fake_server_wait_requests (VaniFakeServer * server,
    const gchar * path, guint n, guint timeout_ms);
/* Replies the client abandoned before their end (cancellation). */
guint vani_fake_server_get_n_closed (VaniFakeServer * server);
gboolean vani_fake_server_wait_closed (VaniFakeServer * server, guint n,
    guint timeout_ms);
/* When a client last hung up on a reply on @path (g_get_monotonic_time()
 * clock, noticed as it happens), or 0. */
gint64 vani_fake_server_get_last_closed_time (VaniFakeServer * server,
    const gchar * path);
/* (transfer full) The server's own time for each reply on @path, in order:
 * from the whole request received to the first body byte handed to libsoup
 * (gint64 µs; includes the configured latency). */
GArray *vani_fake_server_get_reply_times (VaniFakeServer * server,
    const gchar * path);
/* Drops the recorded requests (long runs); earlier VaniFakeRequest pointers
 * become invalid and request counts start again from 0. */
void vani_fake_server_forget_requests (VaniFakeServer * server);

VaniFakeReply *vani_fake_reply_new (guint status, const gchar * content_type,
    GBytes * body);
VaniFakeReply *vani_fake_reply_new_sse (const gchar * sse);
VaniFakeReply *vani_fake_reply_new_text (guint status,
    const gchar * content_type, const gchar * text);
VaniFakeReply *vani_fake_reply_new_json (guint status, const gchar * json);
VaniFakeReply *vani_fake_reply_new_text_stream (const gchar * text,
    gboolean with_usage);
VaniFakeReply *vani_fake_reply_new_tool_calls_stream (guint n,
    const gchar * const *ids, const gchar * const *names,
    const gchar * const *arguments);
VaniFakeReply *vani_fake_reply_new_pcm (guint rate, guint duration_ms);
VaniFakeReply *vani_fake_reply_new_from_file (const gchar * path,
    GError ** error);
void vani_fake_reply_free (VaniFakeReply * reply);

/* Bytes per write; 0 writes one SSE event (or the whole body) at a time. */
void vani_fake_reply_set_chunk_size (VaniFakeReply * reply, gsize size);
void vani_fake_reply_set_chunk_delay_ms (VaniFakeReply * reply, guint ms);
void vani_fake_reply_set_headers_delay_ms (VaniFakeReply * reply, guint ms);
/* Send that many body bytes, then nothing until the client goes away. */
void vani_fake_reply_set_stall_after (VaniFakeReply * reply, gssize bytes);
/* Send that many body bytes, then reset the connection (0: before headers). */
void vani_fake_reply_set_reset_after (VaniFakeReply * reply, gssize bytes);
/* Repeat the body forever (until the client goes away). */
void vani_fake_reply_set_endless (VaniFakeReply * reply, gboolean endless);
void vani_fake_reply_add_header (VaniFakeReply * reply, const gchar * name,
    const gchar * value);

const gchar *vani_fake_request_get_method (VaniFakeRequest * request);
const gchar *vani_fake_request_get_path (VaniFakeRequest * request);
const gchar *vani_fake_request_get_header (VaniFakeRequest * request,
    const gchar * name);
GBytes *vani_fake_request_get_body (VaniFakeRequest * request);
/* The client's TCP port: requests on one kept-alive connection share it. */
guint vani_fake_request_get_client_port (VaniFakeRequest * request);
/* The parsed JSON body, or NULL. */
JsonNode *vani_fake_request_get_json (VaniFakeRequest * request);
/* multipart/form-data fields and the uploaded file. */
const gchar *vani_fake_request_get_form_field (VaniFakeRequest * request,
    const gchar * name);
GBytes *vani_fake_request_get_file (VaniFakeRequest * request,
    const gchar ** filename, const gchar ** content_type);

G_END_DECLS

#endif /* __VANI_FAKE_SERVER_H__ */
