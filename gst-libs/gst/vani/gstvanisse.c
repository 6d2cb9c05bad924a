/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanisse
 * @title: GstVaniSseParser
 * @short_description: incremental server-sent events framing
 *
 * Splits a byte stream into server-sent events following the WHATWG
 * event-stream rules, whatever the network chunking:
 *
 * - lines end with CR, LF or CRLF, also when the CR and the LF arrive in
 *   different chunks; only CR and LF end lines;
 * - bytes are buffered and only whole lines are looked at, so a UTF-8
 *   character split across chunks is whole again;
 * - `data:` lines of one event are joined with "\n"; one space after the colon
 *   is removed; a blank line dispatches the event when it has data;
 * - lines starting with `:` are comments (keep-alives); `id:` and `retry:`
 *   are ignored; `event:` names the event;
 * - a byte-order mark at the very start is skipped;
 * - an event without its closing blank line at the end is discarded;
 * - one event, and one line, can not grow past the size limit, so a broken
 *   server cannot exhaust memory with an endless line.
 *
 * The buffer is read through an offset and compacted only when the consumed
 * part is larger than what is left, so the work per byte stays constant.
 * The data handed to the callback is the raw bytes; checking that they are
 * UTF-8 JSON is the consumer's job (#GstVaniLLMStream does it).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanisse.h"

#include <string.h>

#define COMPACT_MIN 4096

struct _GstVaniSseParser
{
  gsize max_event_size;

  GByteArray *buf;
  gsize pos;                    /* start of the current line */
  gsize scan;                   /* where the search for a line end resumes */
  gboolean skip_lf;             /* the last line ended with a CR */
  gboolean at_start;            /* a BOM may still come */

  GString *data;
  gboolean has_data;
  gchar *event_name;
};

G_DEFINE_QUARK (gst-vani-sse-error-quark, gst_vani_sse_error);

/**
 * gst_vani_sse_parser_new: (skip)
 * @max_event_size: the largest event accepted, 0 for
 *   %GST_VANI_SSE_DEFAULT_MAX_EVENT_SIZE
 *
 * Returns: (transfer full): a new parser
 */
GstVaniSseParser *
gst_vani_sse_parser_new (gsize max_event_size)
{
  GstVaniSseParser *parser = g_new0 (GstVaniSseParser, 1);

  parser->max_event_size = max_event_size ? max_event_size :
      GST_VANI_SSE_DEFAULT_MAX_EVENT_SIZE;
  parser->buf = g_byte_array_new ();
  parser->data = g_string_new (NULL);
  parser->at_start = TRUE;
  return parser;
}

/**
 * gst_vani_sse_parser_free: (skip)
 * @parser: a parser
 */
void
gst_vani_sse_parser_free (GstVaniSseParser * parser)
{
  if (!parser)
    return;
  g_byte_array_unref (parser->buf);
  g_string_free (parser->data, TRUE);
  g_free (parser->event_name);
  g_free (parser);
}

static void
reset_event (GstVaniSseParser * parser)
{
  g_string_truncate (parser->data, 0);
  parser->has_data = FALSE;
  g_clear_pointer (&parser->event_name, g_free);
}

/**
 * gst_vani_sse_parser_reset: (skip)
 * @parser: a parser
 *
 * Forgets everything, ready for a new stream.
 */
void
gst_vani_sse_parser_reset (GstVaniSseParser * parser)
{
  g_byte_array_set_size (parser->buf, 0);
  parser->pos = parser->scan = 0;
  parser->skip_lf = FALSE;
  parser->at_start = TRUE;
  reset_event (parser);
}

static gboolean
too_large (GError ** error, gsize limit)
{
  g_set_error (error, GST_VANI_SSE_ERROR, GST_VANI_SSE_ERROR_EVENT_TOO_LARGE,
      "a server-sent event is larger than %" G_GSIZE_FORMAT " bytes "
      "(max-event-size)", limit);
  return FALSE;
}

/* Returns FALSE on error; *stop is set when the callback wants out. */
static gboolean
process_line (GstVaniSseParser * parser, const gchar * line, gsize len,
    GstVaniSseEventFunc func, gpointer user_data, gboolean * stop,
    GError ** error)
{
  const gchar *colon, *value;
  gsize field_len, value_len;

  if (len == 0) {
    if (parser->has_data)
      *stop = !func (parser->event_name, parser->data->str, parser->data->len,
          user_data);
    reset_event (parser);
    return TRUE;
  }
  if (line[0] == ':')
    return TRUE;

  colon = memchr (line, ':', len);
  field_len = colon ? (gsize) (colon - line) : len;
  value = colon ? colon + 1 : line + len;
  value_len = len - (value - line);
  if (value_len > 0 && value[0] == ' ') {
    value++;
    value_len--;
  }

  if (field_len == 4 && memcmp (line, "data", 4) == 0) {
    if (parser->data->len + value_len + 1 > parser->max_event_size)
      return too_large (error, parser->max_event_size);
    if (parser->has_data)
      g_string_append_c (parser->data, '\n');
    g_string_append_len (parser->data, value, value_len);
    parser->has_data = TRUE;
  } else if (field_len == 5 && memcmp (line, "event", 5) == 0) {
    g_free (parser->event_name);
    parser->event_name = g_strndup (value, value_len);
  }
  /* id:, retry: and unknown fields are ignored. */
  return TRUE;
}

static const guint8 bom[] = { 0xEF, 0xBB, 0xBF };

/* Returns FALSE while the start is still a possible BOM prefix. */
static gboolean
skip_bom (GstVaniSseParser * parser)
{
  gsize avail = parser->buf->len - parser->pos;
  gsize n = MIN (avail, sizeof (bom));

  if (avail == 0)
    return FALSE;
  if (memcmp (parser->buf->data + parser->pos, bom, n) != 0) {
    parser->at_start = FALSE;
    return TRUE;
  }
  if (n < sizeof (bom))
    return FALSE;
  parser->pos += sizeof (bom);
  parser->scan = parser->pos;
  parser->at_start = FALSE;
  return TRUE;
}

static void
compact (GstVaniSseParser * parser)
{
  if (parser->pos < COMPACT_MIN || parser->pos < parser->buf->len / 2)
    return;
  g_byte_array_remove_range (parser->buf, 0, parser->pos);
  parser->scan -= parser->pos;
  parser->pos = 0;
}

static const guint8 *
find_line_end (const guint8 * p, const guint8 * end)
{
  for (; p < end; p++) {
    if (*p == '\n' || *p == '\r')
      return p;
  }
  return NULL;
}

/**
 * gst_vani_sse_parser_feed: (skip)
 * @parser: a parser
 * @data: (array length=len): the next bytes of the stream
 * @len: how many
 * @func: called for each complete event
 * @user_data: for @func
 * @error: where to put an error
 *
 * Returns: %FALSE with @error set when an event is too large; %TRUE
 *   otherwise, also when @func asked to stop
 */
gboolean
gst_vani_sse_parser_feed (GstVaniSseParser * parser, const guint8 * data,
    gsize len, GstVaniSseEventFunc func, gpointer user_data, GError ** error)
{
  gboolean stop = FALSE;

  g_return_val_if_fail (parser != NULL, FALSE);
  g_byte_array_append (parser->buf, data, len);

  if (parser->at_start && !skip_bom (parser))
    return TRUE;

  while (!stop) {
    guint8 *base = parser->buf->data;
    const guint8 *end = base + parser->buf->len;
    const guint8 *eol;

    if (parser->skip_lf && parser->pos < parser->buf->len) {
      if (base[parser->pos] == '\n')
        parser->pos++;
      parser->skip_lf = FALSE;
      parser->scan = MAX (parser->scan, parser->pos);
    }

    eol = find_line_end (base + parser->scan, end);
    if (!eol) {
      parser->scan = parser->buf->len;
      if (parser->buf->len - parser->pos > parser->max_event_size)
        return too_large (error, parser->max_event_size);
      break;
    }

    if (!process_line (parser, (const gchar *) base + parser->pos,
            eol - (base + parser->pos), func, user_data, &stop, error))
      return FALSE;

    parser->pos = eol - base + 1;
    if (*eol == '\r') {
      if (eol + 1 < end) {
        if (eol[1] == '\n')
          parser->pos++;
      } else {
        parser->skip_lf = TRUE;
      }
    }
    parser->scan = parser->pos;
    compact (parser);
  }
  return TRUE;
}

/**
 * gst_vani_sse_parser_finish: (skip)
 * @parser: a parser
 *
 * Ends the stream: an event still missing its blank line is discarded, as
 * the rules say. The parser is reset.
 *
 * Returns: %TRUE when something incomplete was discarded
 */
gboolean
gst_vani_sse_parser_finish (GstVaniSseParser * parser)
{
  gboolean incomplete;

  g_return_val_if_fail (parser != NULL, FALSE);
  incomplete = parser->has_data || parser->pos < parser->buf->len;
  gst_vani_sse_parser_reset (parser);
  return incomplete;
}
