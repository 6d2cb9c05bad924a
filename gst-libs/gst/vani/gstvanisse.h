/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_SSE_H__
#define __GST_VANI_SSE_H__

#include <gst/vani/vani-prelude.h>

G_BEGIN_DECLS

/**
 * GST_VANI_SSE_ERROR:
 *
 * The error domain of #GstVaniSseParser.
 */
#define GST_VANI_SSE_ERROR (gst_vani_sse_error_quark ())
GST_VANI_API GQuark gst_vani_sse_error_quark (void);

/**
 * GstVaniSseError:
 * @GST_VANI_SSE_ERROR_EVENT_TOO_LARGE: an event or a line is larger than the
 *   parser's limit
 *
 * Errors of the SSE parser.
 */
typedef enum {
  GST_VANI_SSE_ERROR_EVENT_TOO_LARGE,
} GstVaniSseError;

/**
 * GST_VANI_SSE_DEFAULT_MAX_EVENT_SIZE:
 *
 * The default limit of one event's size: 16 MiB.
 */
#define GST_VANI_SSE_DEFAULT_MAX_EVENT_SIZE (16 * 1024 * 1024)

/**
 * GstVaniSseParser: (skip)
 *
 * An incremental parser of a server-sent event stream (WHATWG
 * event-stream framing). Pure: it does no I/O.
 */
typedef struct _GstVaniSseParser GstVaniSseParser;

/**
 * GstVaniSseEventFunc: (skip)
 * @event_name: (nullable): the `event:` field, %NULL for the default
 *   "message"
 * @data: the event's data, NUL-terminated (the `data:` lines joined by "\n")
 * @data_len: its length in bytes
 * @user_data: the data given to gst_vani_sse_parser_feed()
 *
 * Returns: %FALSE to stop parsing (the rest of the fed bytes are dropped)
 */
typedef gboolean (*GstVaniSseEventFunc) (const gchar * event_name,
    const gchar * data, gsize data_len, gpointer user_data);

GST_VANI_API GstVaniSseParser *gst_vani_sse_parser_new (gsize max_event_size);
GST_VANI_API void gst_vani_sse_parser_free (GstVaniSseParser * parser);
GST_VANI_API void gst_vani_sse_parser_reset (GstVaniSseParser * parser);
GST_VANI_API gboolean gst_vani_sse_parser_feed (GstVaniSseParser * parser,
    const guint8 * data, gsize len, GstVaniSseEventFunc func,
    gpointer user_data, GError ** error);
GST_VANI_API gboolean gst_vani_sse_parser_finish (GstVaniSseParser * parser);

G_END_DECLS

#endif /* __GST_VANI_SSE_H__ */
