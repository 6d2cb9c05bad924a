/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_PRIVATE_H__
#define __GST_VANI_PRIVATE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Reads an optional string field: absent gives NULL; another type fails. */
G_GNUC_INTERNAL
gboolean gst_vani_structure_get_string_dup (const GstStructure * s,
    const gchar * field, gchar ** value);

/* The fast path for chat-completion chunks (gstvanichunkscan.c). */
G_GNUC_INTERNAL
gboolean gst_vani_chunk_scan_content (const gchar * data, gsize len,
    GString * content);

G_END_DECLS

#endif /* __GST_VANI_PRIVATE_H__ */
