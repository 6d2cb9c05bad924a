/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_JSON_H__
#define __GST_VANI_JSON_H__

#include <gst/vani/vani-prelude.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * GST_VANI_JSON_MAX_DEPTH:
 *
 * The deepest nesting gst_vani_json_parse() accepts.
 */
#define GST_VANI_JSON_MAX_DEPTH 128

GST_VANI_API
JsonNode *gst_vani_json_parse (const gchar * data, gssize len, GError ** error);

GST_VANI_API
JsonNode *gst_vani_json_parser_load (JsonParser * parser, const gchar * data,
    gssize len, GError ** error);

G_END_DECLS

#endif /* __GST_VANI_JSON_H__ */
