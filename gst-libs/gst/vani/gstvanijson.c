/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanijson
 * @title: JSON from the network
 * @short_description: parsing untrusted JSON safely
 *
 * json-glib parses recursively, so a few hundred kilobytes of brackets from a
 * broken or hostile server would overflow the stack. Every JSON text that
 * comes from outside (server replies, imported conversations) goes through
 * gst_vani_json_parse(), which refuses nesting deeper than
 * %GST_VANI_JSON_MAX_DEPTH levels first. Conversations never nest that deep.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanijson.h"

#include <string.h>

static gboolean
depth_is_acceptable (const gchar * json, gsize len)
{
  const gchar *p, *end = json + len;
  gboolean in_string = FALSE;
  guint depth = 0;

  for (p = json; p < end; p++) {
    if (in_string) {
      if (*p == '\\' && p + 1 < end)
        p++;
      else if (*p == '"')
        in_string = FALSE;
    } else if (*p == '"') {
      in_string = TRUE;
    } else if (*p == '[' || *p == '{') {
      if (++depth > GST_VANI_JSON_MAX_DEPTH)
        return FALSE;
    } else if ((*p == ']' || *p == '}') && depth > 0) {
      depth--;
    }
  }
  return TRUE;
}

/**
 * gst_vani_json_parser_load:
 * @parser: a parser to reuse (saves creating one per document, which matters
 *   for thousands of small chunks)
 * @data: (array length=len): a JSON text
 * @len: its length, or -1 when NUL-terminated
 * @error: where to put a #JSON_PARSER_ERROR
 *
 * Like gst_vani_json_parse(), with a parser of the caller's.
 *
 * Returns: (transfer full) (nullable): the root node, or %NULL with @error
 */
JsonNode *
gst_vani_json_parser_load (JsonParser * parser, const gchar * data,
    gssize len, GError ** error)
{
  JsonNode *root;

  if (!data) {
    g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
        "no text");
    return NULL;
  }
  if (len < 0)
    len = strlen (data);
  if (!depth_is_acceptable (data, len)) {
    g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
        "nested more than %d levels deep", GST_VANI_JSON_MAX_DEPTH);
    return NULL;
  }
  if (!json_parser_load_from_data (parser, data, len, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (!root) {
    g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
        "empty text");
    return NULL;
  }
  return json_node_ref (root);
}

/**
 * gst_vani_json_parse:
 * @data: (array length=len): a JSON text
 * @len: its length, or -1 when NUL-terminated
 * @error: where to put a #JSON_PARSER_ERROR
 *
 * Returns: (transfer full) (nullable): the root node, or %NULL with @error
 */
JsonNode *
gst_vani_json_parse (const gchar * data, gssize len, GError ** error)
{
  JsonParser *parser = json_parser_new_immutable ();
  JsonNode *root = gst_vani_json_parser_load (parser, data, len, error);

  g_object_unref (parser);
  return root;
}
