/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Differential fuzzing of vanillm's chunk fast path: whenever the scanner
 * takes a chunk, json-glib must read the same text from it, and nothing the
 * scanner skipped may matter (tool calls, reasoning, a finish reason, usage,
 * an error).
 */
#include <string.h>
#include <json-glib/json-glib.h>

#include "gstvani-private.h"

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

static const gchar *
string_or_null (JsonObject * obj, const gchar * member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  if (!node || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    __builtin_trap ();          /* the scanner took a non-string */
  return json_node_get_string (node);
}

static JsonObject *
object_or_null (JsonObject * obj, const gchar * member)
{
  JsonNode *node = obj ? json_object_get_member (obj, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) :
      NULL;
}

/* What json-glib says the chunk's content is; traps if the chunk holds
 * anything the fast path must not skip. */
static const gchar *
reference_content (JsonNode * root)
{
  JsonObject *chunk, *choice = NULL, *delta;
  JsonNode *choices, *usage, *calls;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    __builtin_trap ();
  chunk = json_node_get_object (root);
  usage = json_object_get_member (chunk, "usage");
  if (json_object_has_member (chunk, "error") ||
      json_object_has_member (chunk, "x_groq") ||
      (usage && !JSON_NODE_HOLDS_NULL (usage)))
    __builtin_trap ();
  choices = json_object_get_member (chunk, "choices");
  if (choices && JSON_NODE_HOLDS_ARRAY (choices) &&
      json_array_get_length (json_node_get_array (choices)) > 0)
    choice = json_array_get_object_element (json_node_get_array (choices), 0);
  if (!choice)
    return "";
  if (json_object_get_int_member_with_default (choice, "index", 0) != 0 ||
      string_or_null (choice, "finish_reason"))
    __builtin_trap ();
  delta = object_or_null (choice, "delta");
  calls = delta ? json_object_get_member (delta, "tool_calls") : NULL;
  if (string_or_null (delta, "reasoning_content") ||
      string_or_null (delta, "reasoning") ||
      (calls && !JSON_NODE_HOLDS_NULL (calls)))
    __builtin_trap ();
  return string_or_null (delta, "content") ? string_or_null (delta,
      "content") : "";
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GString *content = g_string_new (NULL);
  JsonParser *parser;

  if (!g_utf8_validate ((const gchar *) data, size, NULL) ||
      !gst_vani_chunk_scan_content ((const gchar *) data, size, content)) {
    g_string_free (content, TRUE);
    return 0;
  }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const gchar *) data, size, NULL))
    __builtin_trap ();          /* the scanner took what is not JSON */
  if (strcmp (reference_content (json_parser_get_root (parser)),
          content->str) != 0)
    __builtin_trap ();          /* a different text */
  g_object_unref (parser);
  g_string_free (content, TRUE);
  return 0;
}
