/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzzes the conversation importer; what imports must export and import
 * again to the same JSON, and the kept per-message text (twice: made, then
 * kept) must be what json-glib writes for the messages.
 */
#include <string.h>
#include <gst/vani/vani.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

static void
check_messages_text (GstVaniContext * context)
{
  JsonNode *node = gst_vani_context_messages_to_json_node (context);
  gchar *slow = json_to_string (node, FALSE);
  gchar *fast = gst_vani_context_messages_to_json (context);

  if (strcmp (slow, fast) != 0)
    __builtin_trap ();
  g_free (fast);
  g_free (slow);
  json_node_unref (node);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  gchar *text = g_strndup ((const gchar *) data, size);
  GstVaniContext *context = gst_vani_context_new_from_json (text, NULL);

  if (context) {
    gchar *json = gst_vani_context_to_json (context, FALSE);
    GstVaniContext *again = gst_vani_context_new_from_json (json, NULL);
    gchar *json2;

    if (!again)
      __builtin_trap ();
    json2 = gst_vani_context_to_json (again, FALSE);
    if (strcmp (json, json2) != 0)
      __builtin_trap ();
    check_messages_text (context);
    check_messages_text (context);
    g_free (json2);
    g_free (json);
    g_object_unref (again);
    g_object_unref (context);
  }
  g_free (text);
  return 0;
}
