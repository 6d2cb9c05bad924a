/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzzes the SSE framing: the input is a stream, and its first byte picks the
 * chunk size, so every way of cutting the stream gets exercised.
 */
#include <gst/vani/vani.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

static gboolean
count_event (const gchar * name, const gchar * text, gsize len, gpointer data)
{
  (*(guint *) data)++;
  return text[len] == '\0';
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GstVaniSseParser *parser = gst_vani_sse_parser_new (4096);
  gsize chunk, off;
  guint n = 0;

  if (size == 0) {
    gst_vani_sse_parser_free (parser);
    return 0;
  }
  chunk = data[0] % 64 + 1;
  for (off = 1; off < size; off += chunk) {
    if (!gst_vani_sse_parser_feed (parser, data + off, MIN (chunk, size - off),
            count_event, &n, NULL))
      break;
  }
  gst_vani_sse_parser_finish (parser);
  gst_vani_sse_parser_free (parser);
  return 0;
}
