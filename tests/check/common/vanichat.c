/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vanichat.h"

#include <string.h>
#include <gst/check/gstcheck.h>

static VaniFakeServer *server;
static GstHarness *h;
static GstBus *bus;

void
vani_chat_prepare (const gchar * user_properties,
    const gchar * const *answers)
{
  GstElement *llm, *tts;
  gchar *desc;

  server = vani_fake_server_new (NULL);
  fail_unless (server != NULL);
  vani_fake_server_set_answers (server, answers);
  desc = g_strdup_printf ("vaniuseraggregator name=user %s ! vanillm "
      "name=llm ! vaniopenaitts name=tts ! vaniassistantaggregator name=bot",
      user_properties);
  h = gst_harness_new_parse (desc);
  g_free (desc);
  gst_harness_use_systemclock (h);
  llm = gst_harness_find_element (h, "vanillm");
  tts = gst_harness_find_element (h, "vaniopenaitts");
  g_object_set (llm, "base-url", vani_fake_server_get_base_url (server),
      "api-key", "sk-test", NULL);
  g_object_set (tts, "base-url", vani_fake_server_get_base_url (server),
      "api-key", "sk-test", NULL);
  gst_object_unref (llm);
  gst_object_unref (tts);
  bus = gst_bus_new ();
  gst_element_set_bus (h->element, bus);
}

void
vani_chat_begin (void)
{
  gst_harness_set_src_caps_str (h, "text/x-raw,format=utf8");
}

void
vani_chat_start (const gchar * user_properties, const gchar * const *answers)
{
  vani_chat_prepare (user_properties, answers);
  vani_chat_begin ();
}

void
vani_chat_stop (void)
{
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  vani_fake_server_free (server);
  h = NULL;
  bus = NULL;
  server = NULL;
}

VaniFakeServer *
vani_chat_server (void)
{
  return server;
}

GstHarness *
vani_chat_harness (void)
{
  return h;
}

GstBus *
vani_chat_bus (void)
{
  return bus;
}

GstElement *
vani_chat_user (void)
{
  return gst_harness_find_element (h, "vaniuseraggregator");
}

GstVaniContext *
vani_chat_context (void)
{
  GstElement *user = vani_chat_user ();
  GstVaniContext *context = NULL;

  g_object_get (user, "context", &context, NULL);
  gst_object_unref (user);
  return context;
}

void
vani_chat_user_says (const gchar * text)
{
  fail_unless (gst_harness_push_event (h,
          gst_vani_event_new_user_started_speaking (0, 0)));
  if (text)
    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_new_memdup (text, strlen (text))), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h,
          gst_vani_event_new_user_stopped_speaking (0, 0)));
}

GstMessage *
vani_chat_wait_message (GstVaniBusMessageType type)
{
  gint64 deadline = g_get_monotonic_time () +
      VANI_CHAT_WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ELEMENT);

    if (msg && gst_vani_bus_message_get_message_type (msg) == type)
      return msg;
    if (msg)
      gst_message_unref (msg);
  }
  return NULL;
}

gboolean
vani_chat_wait (GstVaniBusMessageType type)
{
  GstMessage *msg = vani_chat_wait_message (type);

  if (msg)
    gst_message_unref (msg);
  return msg != NULL;
}

const gchar *
vani_chat_content_of (GstVaniContext * context, guint i)
{
  GstVaniMessage *m = gst_vani_context_get_message (context, i);
  const gchar *content = gst_vani_message_get_content (m);

  gst_vani_message_unref (m);   /* the context keeps its own reference */
  return content;
}

static JsonObject *
chat_request (guint index)
{
  fail_unless (vani_fake_server_wait_requests (server, VANI_FAKE_CHAT,
          index + 1, VANI_CHAT_WAIT_MS), "no chat request %u", index);
  return json_node_get_object (vani_fake_request_get_json
      (vani_fake_server_get_request (server, VANI_FAKE_CHAT, index)));
}

gchar *
vani_chat_request_contents (guint index)
{
  JsonArray *messages = json_object_get_array_member (chat_request (index),
      "messages");
  GString *out = g_string_new (NULL);
  guint i;

  for (i = 0; i < json_array_get_length (messages); i++) {
    JsonObject *m = json_array_get_object_element (messages, i);
    const gchar *content = json_object_has_member (m, "content") &&
        !json_object_get_null_member (m, "content") ?
        json_object_get_string_member (m, "content") : "(tool call)";

    g_string_append_printf (out, "%s%s: %s", i ? " | " : "",
        json_object_get_string_member (m, "role"), content);
  }
  return g_string_free (out, FALSE);
}

gchar *
vani_chat_request_tools (guint index)
{
  JsonObject *request = chat_request (index);
  GString *out = g_string_new (NULL);
  JsonArray *tools;
  guint i;

  if (!json_object_has_member (request, "tools"))
    return g_string_free (out, FALSE);
  tools = json_object_get_array_member (request, "tools");
  for (i = 0; i < json_array_get_length (tools); i++) {
    JsonObject *fn = json_object_get_object_member
        (json_array_get_object_element (tools, i), "function");

    g_string_append_printf (out, "%s%s", i ? ", " : "",
        json_object_get_string_member (fn, "name"));
  }
  return g_string_free (out, FALSE);
}
