/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The fault matrix of docs/reliability.md: every network fault the fake
 * server can play, on each of vanillm, vaniopenaistt and vaniopenaitts. For
 * each: a warning that names the cause (and never the key), the turn ends,
 * the conversation is intact and the next turn works.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gio/gio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/vani/vani.h>

#include "vanifakeserver.h"

#define KEY "sk-faults-NEVER-SHOWN-0c1d"
#define WAIT_MS 30000
#define STT_RATE 16000
#define TTS_RATE 24000
#define HUGE_EVENT_BYTES (100 * 1024 * 1024)

typedef enum
{
  SERVICE_LLM,
  SERVICE_STT,
  SERVICE_TTS,
  N_SERVICES
} Service;

typedef enum
{
  FAULT_REFUSED,
  FAULT_RESET_BEFORE_HEADERS,
  FAULT_RESET_MID_STREAM,
  FAULT_STALL,
  FAULT_SLOW_DRIP,
  FAULT_401,
  FAULT_404,
  FAULT_429,
  FAULT_500,
  FAULT_503_HTML,
  FAULT_ERROR_AFTER_200,
  FAULT_INVALID_JSON,
  FAULT_HUGE_EVENT,
  FAULT_ENDLESS_LINE,
  FAULT_UNTRUSTED_TLS,
  N_FAULTS
} Fault;

typedef struct
{
  const gchar *name;
  /* what the warning must say, per service (lower case) */
  const gchar *cause[N_SERVICES];
} FaultCase;

static const FaultCase fault_cases[N_FAULTS] = {
  [FAULT_REFUSED] = {"connection refused",
      {"connection refused", "connection refused", "connection refused"}},
  [FAULT_RESET_BEFORE_HEADERS] = {"reset before headers",
      {"connection", "connection", "connection"}},
  [FAULT_RESET_MID_STREAM] = {"reset mid-stream",
      {"connection reset", "connection reset", "connection reset"}},
  [FAULT_STALL] = {"stall", {"request-timeout", "request-timeout",
              "request-timeout"}},
  [FAULT_SLOW_DRIP] = {"slow drip", {"request-timeout", "request-timeout",
              "request-timeout"}},
  [FAULT_401] = {"401", {"http 401", "http 401", "http 401"}},
  [FAULT_404] = {"404", {"http 404", "http 404", "http 404"}},
  [FAULT_429] = {"429 with retry-after", {"http 429", "http 429",
              "http 429"}},
  [FAULT_500] = {"500 (json)", {"http 500", "http 500", "http 500"}},
  [FAULT_503_HTML] = {"503 (html)", {"http 503", "http 503", "http 503"}},
  [FAULT_ERROR_AFTER_200] = {"error after 200", {"overloaded", "overloaded",
              "overloaded"}},
  [FAULT_INVALID_JSON] = {"invalid json", {"json", "json", "not audio"}},
  [FAULT_HUGE_EVENT] = {"100 mb event", {"max-event-size", "too large",
              "too long"}},
  [FAULT_ENDLESS_LINE] = {"endless, no newline", {"max-event-size",
              "too large", "too long"}},
  [FAULT_UNTRUSTED_TLS] = {"untrusted tls certificate", {"certificate",
              "certificate", "certificate"}},
};

static const gchar *const paths[N_SERVICES] = {
  VANI_FAKE_CHAT, VANI_FAKE_TRANSCRIPTIONS, VANI_FAKE_SPEECH
};

static const gchar *const factories[N_SERVICES] = {
  "vanillm", "vaniopenaistt", "vaniopenaitts"
};

static VaniFakeServer *server;
static VaniFakeServer *tls_server;      /* self-signed: never trusted */
static GstHarness *h;
static GstBus *bus;
static Service service;
static GstClockTime now;        /* STT: time of the next audio buffer */
static guint64 response_id;
static const gchar *current_fault;

/* ------------------------------------------------------------------------ */
/* Replies                                                                  */

/* A reply whose body is @len bytes: @head, then @fill repeated. */
static VaniFakeReply *
reply_sized (const gchar * type, const gchar * head, gchar fill, gsize len)
{
  gchar *body = g_malloc (len);
  gsize head_len = strlen (head);
  GBytes *bytes;
  VaniFakeReply *reply;

  memset (body, fill, len);
  memcpy (body, head, head_len);
  bytes = g_bytes_new_take (body, len);
  reply = vani_fake_reply_new (200, type, bytes);
  g_bytes_unref (bytes);
  return reply;
}

/* The service's normal answer to turn @n. */
static VaniFakeReply *
good_reply (guint n)
{
  gchar *text = g_strdup_printf ("Answer %u.", n);
  gchar *json;
  VaniFakeReply *reply;

  switch (service) {
    case SERVICE_LLM:
      reply = vani_fake_reply_new_text_stream (text, TRUE);
      break;
    case SERVICE_STT:
      json = g_strdup_printf ("{\"text\": \"%s\"}", text);
      reply = vani_fake_reply_new_json (200, json);
      g_free (json);
      break;
    default:
      reply = vani_fake_reply_new_pcm (TTS_RATE, 1000);
      break;
  }
  g_free (text);
  return reply;
}

static VaniFakeReply *
error_reply (guint status, const gchar * message)
{
  gchar *json = g_strdup_printf ("{\"error\": {\"message\": \"%s (key %s)\", "
      "\"type\": \"server_error\"}}", message, KEY);
  VaniFakeReply *reply = vani_fake_reply_new_json (status, json);

  g_free (json);
  return reply;
}

/* A 200 reply that carries an error instead of the answer. */
static VaniFakeReply *
error_after_200_reply (void)
{
  const gchar *error = "{\"error\": {\"message\": \"The server is "
      "overloaded\", \"type\": \"server_error\"}}";
  gchar *sse;
  VaniFakeReply *reply;

  if (service != SERVICE_LLM)
    return vani_fake_reply_new_json (200, error);
  sse = g_strdup_printf ("data: {\"choices\":[{\"index\":0,\"delta\":"
      "{\"content\":\"Hel\"}}]}\n\ndata: %s\n\ndata: [DONE]\n\n", error);
  reply = vani_fake_reply_new_sse (sse);
  g_free (sse);
  return reply;
}

static VaniFakeReply *
invalid_reply (void)
{
  switch (service) {
    case SERVICE_LLM:
      return vani_fake_reply_new_sse ("data: {\"choices\":[{\"index\":0,"
          "\"delta\":{\"content\":\"Hel\"}}]}\n\n"
          "data: {\"choices\": [{\"delta\": \n\n" "data: [DONE]\n\n");
    case SERVICE_STT:
      return vani_fake_reply_new_text (200, "application/json",
          "{\"text\": \"Hel");
    default:
      return vani_fake_reply_new_text (200, "text/html",
          "<html>proxy login</html>");
  }
}

/* One event (LLM), one JSON text (STT), or one sentence's audio (TTS) of
 * 100 MB. */
static VaniFakeReply *
huge_reply (void)
{
  switch (service) {
    case SERVICE_LLM:
      return reply_sized ("text/event-stream", "data: \"", 'x',
          HUGE_EVENT_BYTES);
    case SERVICE_STT:
      return reply_sized ("application/json", "{\"text\": \"", 'x',
          HUGE_EVENT_BYTES);
    default:
      return reply_sized ("audio/pcm", "", 1, HUGE_EVENT_BYTES);
  }
}

static VaniFakeReply *
endless_reply (void)
{
  VaniFakeReply *reply;

  switch (service) {
    case SERVICE_LLM:
      reply = reply_sized ("text/event-stream", "data: ", 'x', 65536);
      break;
    case SERVICE_STT:
      reply = reply_sized ("application/json", "{\"text\": \"", 'x', 65536);
      break;
    default:
      reply = reply_sized ("audio/pcm", "", 1, 4800);
      break;
  }
  vani_fake_reply_set_endless (reply, TRUE);
  return reply;
}

/* A port nothing listens on. */
static guint
closed_port (void)
{
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *any = g_inet_socket_address_new (loopback, 0);
  GSocketAddress *bound;
  guint port;

  fail_unless (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (any);
  g_object_unref (loopback);
  g_object_unref (socket);
  return port;
}

static VaniFakeServer *
start_tls_server (void)
{
  GError *error = NULL;
  GTlsCertificate *cert = g_tls_certificate_new_from_files (VANI_TESTS_DIR
      "/servers/fixtures/tls-cert.pem",
      VANI_TESTS_DIR "/servers/fixtures/tls-key.pem", &error);
  VaniFakeServer *tls;

  fail_unless (cert != NULL, "%s", error ? error->message : "");
  tls = vani_fake_server_new_tls (cert, &error);
  fail_unless (tls != NULL, "%s", error ? error->message : "");
  g_object_unref (cert);
  return tls;
}

/* Sets the fault up for the next request. */
static void
arrange_fault (Fault fault)
{
  const gchar *path = paths[service];
  VaniFakeReply *reply = NULL;
  gchar *url;

  switch (fault) {
    case FAULT_REFUSED:
      url = g_strdup_printf ("http://127.0.0.1:%u/v1", closed_port ());
      g_object_set (h->element, "base-url", url, NULL);
      g_free (url);
      return;
    case FAULT_UNTRUSTED_TLS:
      tls_server = start_tls_server ();
      g_object_set (h->element, "base-url",
          vani_fake_server_get_base_url (tls_server), NULL);
      return;
    case FAULT_RESET_BEFORE_HEADERS:
      reply = good_reply (0);
      vani_fake_reply_set_reset_after (reply, 0);
      break;
    case FAULT_RESET_MID_STREAM:
      reply = service == SERVICE_LLM ? good_reply (0) : huge_reply ();
      vani_fake_reply_set_chunk_size (reply, 100);
      vani_fake_reply_set_reset_after (reply, 200);
      break;
    case FAULT_STALL:
      reply = service == SERVICE_LLM ? good_reply (0) : huge_reply ();
      vani_fake_reply_set_stall_after (reply, service == SERVICE_STT ? 4 :
          100);
      break;
    case FAULT_SLOW_DRIP:
      reply = good_reply (0);
      vani_fake_reply_set_chunk_size (reply, 1);
      vani_fake_reply_set_chunk_delay_ms (reply, 100);
      break;
    case FAULT_401:
      reply = error_reply (401, "Incorrect API key provided");
      break;
    case FAULT_404:
      reply = error_reply (404, "The model does not exist");
      break;
    case FAULT_429:
      reply = error_reply (429, "Rate limit reached");
      vani_fake_reply_add_header (reply, "Retry-After", "1");
      if (service == SERVICE_LLM) {
        /* it waits Retry-After, tries again, and gives up */
        VaniFakeReply *again = error_reply (429, "Rate limit reached");

        g_object_set (h->element, "max-retries", 1, NULL);
        vani_fake_reply_add_header (again, "Retry-After", "1");
        vani_fake_server_queue_reply (server, path, reply);
        reply = again;
      }
      break;
    case FAULT_500:
      reply = error_reply (500, "The server had an error");
      break;
    case FAULT_503_HTML:
      reply = vani_fake_reply_new_text (503, "text/html",
          "<html><body><h1>503 Service Unavailable</h1></body></html>");
      break;
    case FAULT_ERROR_AFTER_200:
      reply = error_after_200_reply ();
      break;
    case FAULT_INVALID_JSON:
      reply = invalid_reply ();
      break;
    case FAULT_HUGE_EVENT:
      reply = huge_reply ();
      break;
    case FAULT_ENDLESS_LINE:
      reply = endless_reply ();
      break;
    default:
      g_assert_not_reached ();
  }
  vani_fake_server_queue_reply (server, path, reply);
}

static void
clear_fault (Fault fault)
{
  if (tls_server) {
    /* it failed closed: no request got through */
    fail_unless_equals_int (vani_fake_server_get_n_requests (tls_server, NULL),
        0);
    g_clear_pointer (&tls_server, vani_fake_server_free);
  }
  if (fault == FAULT_REFUSED || fault == FAULT_UNTRUSTED_TLS)
    g_object_set (h->element, "base-url",
        vani_fake_server_get_base_url (server), NULL);
  if (service == SERVICE_LLM)
    g_object_set (h->element, "max-retries", 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Turns                                                                    */

/* Short only where the fault is about time: elsewhere a slow machine
 * (valgrind) must not turn the fault into a timeout. */
static guint
timeout_for (Fault fault)
{
  return fault == FAULT_STALL || fault == FAULT_SLOW_DRIP ? 1 : 30;
}

static void
setup_service (Service s, Fault fault)
{
  GstElement *element;

  service = s;
  server = vani_fake_server_new (NULL);
  fail_unless (server != NULL);
  element = gst_element_factory_make (factories[s], NULL);
  /* request-timeout is read at start */
  g_object_set (element, "base-url", vani_fake_server_get_base_url (server),
      "api-key", KEY, "request-timeout", timeout_for (fault), NULL);
  if (s == SERVICE_LLM)
    g_object_set (element, "max-retries", 0, "system-prompt", "Be brief.",
        NULL);
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
  if (s == SERVICE_STT)
    gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
        "layout=interleaved,channels=1,rate=16000");
  else
    gst_harness_set_src_caps_str (h, "text/x-raw,format=utf8");
  now = 0;
  response_id = 0;
}

static void
teardown_service (void)
{
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  vani_fake_server_free (server);
}

static void
push_stt_audio (guint ms, gboolean loud)
{
  guint i;

  for (i = 0; i < ms / 20; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, STT_RATE / 50 * 2, NULL);

    gst_buffer_memset (buf, 0, loud ? 0x40 : 0, STT_RATE / 50 * 2);
    GST_BUFFER_PTS (buf) = now;
    GST_BUFFER_DURATION (buf) = 20 * GST_MSECOND;
    now += 20 * GST_MSECOND;
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
}

/* Drains the harness: what the element pushed, as text (LLM, STT) or as a
 * count of samples (TTS). */
static gchar *
take_output (void)
{
  GString *out = g_string_new (NULL);
  guint64 bytes = 0;
  GstBuffer *buf;

  while ((buf = gst_harness_try_pull (h))) {
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_READ);
    if (service == SERVICE_TTS)
      bytes += map.size;
    else
      g_string_append_len (out, (const gchar *) map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  if (service == SERVICE_TTS)
    g_string_printf (out, "%" G_GUINT64_FORMAT " ms",
        bytes / 2 * 1000 / TTS_RATE);
  return g_string_free (out, FALSE);
}

/* Waits for the vani event that ends a turn downstream. */
static void
wait_event (GstVaniEventType type)
{
  for (;;) {
    GstEvent *event = gst_harness_pull_event (h);

    fail_unless (event != NULL, "the turn did not end");
    if (gst_vani_event_get_event_type (event) == type) {
      gst_event_unref (event);
      return;
    }
    gst_event_unref (event);
  }
}

/* One turn: the user's words to the LLM, an utterance to the STT, or a
 * one-sentence reply to the TTS. Returns once the element ended the turn. */
static void
run_turn (guint n)
{
  gchar *text = g_strdup_printf ("Turn %u.", n);
  GstClockTime start;

  switch (service) {
    case SERVICE_LLM:
      fail_unless_equals_int (gst_harness_push (h,
              gst_buffer_new_memdup (text, strlen (text))), GST_FLOW_OK);
      wait_event (GST_VANI_EVENT_LLM_RESPONSE_END);
      break;
    case SERVICE_STT:
      push_stt_audio (200, FALSE);
      start = now;
      gst_harness_push_event (h,
          gst_vani_event_new_user_started_speaking (start, start));
      push_stt_audio (400, TRUE);
      gst_harness_push_event (h,
          gst_vani_event_new_user_stopped_speaking (now, now));
      break;
    default:
      response_id++;
      gst_harness_push_event (h,
          gst_vani_event_new_llm_response_start (response_id));
      gst_harness_push (h, gst_buffer_new_memdup (text, strlen (text)));
      gst_harness_push_event (h,
          gst_vani_event_new_llm_response_end (response_id));
      wait_event (GST_VANI_EVENT_LLM_RESPONSE_END);
      break;
  }
  g_free (text);
}

/* A good turn: its answer is all the element pushed. */
static void
assert_good_turn (guint n)
{
  gchar *expected, *got;

  vani_fake_server_queue_reply (server, paths[service], good_reply (n));
  run_turn (n);
  expected = service == SERVICE_TTS ? g_strdup ("1000 ms") :
      g_strdup_printf ("Answer %u.", n);
  if (service == SERVICE_STT) {
    /* the transcript comes when the server has answered */
    GstBuffer *buf = gst_harness_pull (h);
    GstMapInfo map;

    fail_unless (buf != NULL, "no transcript");
    gst_buffer_map (buf, &map, GST_MAP_READ);
    fail_unless (map.size == strlen (expected) &&
        memcmp (map.data, expected, map.size) == 0, "transcript %.*s",
        (int) map.size, map.data);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    g_free (expected);
    expected = g_strdup ("");
  }
  got = take_output ();
  fail_unless_equals_string (got, expected);
  g_free (got);
  g_free (expected);
}

/* The next warning's text, in lower case. */
static gchar *
wait_warning (void)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, WAIT_MS * GST_MSECOND,
      GST_MESSAGE_WARNING);
  GError *error = NULL;
  gchar *debug = NULL, *text;

  fail_unless (msg != NULL, "no warning was posted");
  gst_message_parse_warning (msg, &error, &debug);
  /* the log is the "what the user sees" column of docs/reliability.md */
  g_print ("%s | %s | %s\n", factories[service], current_fault,
      error->message);
  fail_unless (strstr (error->message, KEY) == NULL, "key in the warning: %s",
      error->message);
  fail_unless (debug == NULL || strstr (debug, KEY) == NULL,
      "key in the warning's details: %s", debug);
  text = g_ascii_strdown (error->message, -1);
  g_error_free (error);
  g_free (debug);
  gst_message_unref (msg);
  return text;
}

/* The messages of chat request @index, as "role:content|...". */
static gchar *
chat_messages (guint index)
{
  VaniFakeRequest *req;
  JsonArray *messages;
  GString *out = g_string_new (NULL);
  guint i;

  fail_unless (vani_fake_server_wait_requests (server, VANI_FAKE_CHAT,
          index + 1, WAIT_MS));
  req = vani_fake_server_get_request (server, VANI_FAKE_CHAT, index);
  messages = json_object_get_array_member (json_node_get_object
      (vani_fake_request_get_json (req)), "messages");
  for (i = 0; i < json_array_get_length (messages); i++) {
    JsonObject *m = json_array_get_object_element (messages, i);

    g_string_append_printf (out, "%s%s:%s", i ? "|" : "",
        json_object_get_string_member (m, "role"),
        json_object_get_string_member_with_default (m, "content", "-"));
  }
  return g_string_free (out, FALSE);
}

/* Turn 1 is good, turn 2 meets the fault, turn 3 must work. */
GST_START_TEST (test_fault)
{
  Service s = __i__ / N_FAULTS;
  Fault fault = __i__ % N_FAULTS;
  const gchar *cause = fault_cases[fault].cause[s];
  gchar *warning, *out;
  guint requests_before;

  setup_service (s, fault);
  current_fault = fault_cases[fault].name;
  assert_good_turn (1);

  requests_before = vani_fake_server_get_n_requests (server, NULL);
  arrange_fault (fault);
  run_turn (2);
  warning = wait_warning ();
  fail_unless (strstr (warning, cause) != NULL,
      "%s, %s: the warning \"%s\" does not say \"%s\"", factories[s],
      fault_cases[fault].name, warning, cause);
  g_free (warning);
  if (fault == FAULT_429 && s == SERVICE_LLM)
    fail_unless_equals_int (vani_fake_server_get_n_requests (server, NULL) -
        requests_before, 2);
  /* STT: the failed utterance gives no transcript */
  out = take_output ();
  if (s == SERVICE_STT)
    fail_unless_equals_string (out, "");
  g_free (out);
  clear_fault (fault);

  assert_good_turn (3);
  if (s == SERVICE_LLM) {
    gchar *before = chat_messages (0), *after;
    guint n = vani_fake_server_get_n_requests (server, VANI_FAKE_CHAT);

    /* the conversation is intact: turn 1 and its answer, then the user's
     * turns 2 and 3 */
    after = chat_messages (n - 1);
    fail_unless (g_str_has_prefix (after, before), "%s", after);
    fail_unless (strstr (after, "assistant:Answer 1.|user:Turn 2.") != NULL,
        "%s", after);
    fail_unless (g_str_has_suffix (after, "user:Turn 3."), "%s", after);
    g_free (before);
    g_free (after);
  }
  teardown_service ();
}

GST_END_TEST;

static Suite *
faults_suite (void)
{
  Suite *s = suite_create ("faults");
  TCase *tc = tcase_create ("matrix");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_fault, 0, N_SERVICES * N_FAULTS);
  return s;
}

GST_CHECK_MAIN (faults);
