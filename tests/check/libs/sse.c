/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The SSE framing parser: every rule, and every split point of real streams
 * gives the same events as the stream fed whole.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/vani/vani.h>

typedef struct
{
  GString *log;
  guint stop_after;             /* 0: never stop */
  guint n;
} Collector;

static gboolean
collect (const gchar * event_name, const gchar * data, gsize len,
    gpointer user_data)
{
  Collector *c = user_data;

  g_assert (data[len] == '\0');
  g_string_append_printf (c->log, "[%s|", event_name ? event_name : "-");
  g_string_append_len (c->log, data, len);
  g_string_append (c->log, "]");
  c->n++;
  return c->stop_after == 0 || c->n < c->stop_after;
}

/* Feeds @stream in pieces cut at @cuts (sorted offsets), returns the log. */
static gchar *
parse_pieces (const gchar * stream, gsize len, const gsize * cuts,
    guint n_cuts, gboolean * incomplete)
{
  GstVaniSseParser *parser = gst_vani_sse_parser_new (0);
  Collector c = { g_string_new (NULL), 0, 0 };
  gsize start = 0;
  guint i;

  for (i = 0; i <= n_cuts; i++) {
    gsize end = i < n_cuts ? cuts[i] : len;

    fail_unless (gst_vani_sse_parser_feed (parser,
            (const guint8 *) stream + start, end - start, collect, &c, NULL));
    start = end;
  }
  *incomplete = gst_vani_sse_parser_finish (parser);
  gst_vani_sse_parser_free (parser);
  return g_string_free (c.log, FALSE);
}

static gchar *
parse_whole (const gchar * stream, gboolean * incomplete)
{
  return parse_pieces (stream, strlen (stream), NULL, 0, incomplete);
}

/* Every two-piece split, and byte by byte, must give the same events. */
static void
check_all_splits (const gchar * stream)
{
  gsize len = strlen (stream), cut, i;
  gboolean inc_whole, inc;
  gchar *whole = parse_whole (stream, &inc_whole);
  gsize *cuts = g_new (gsize, len);

  for (cut = 1; cut < len; cut++) {
    gchar *split = parse_pieces (stream, len, &cut, 1, &inc);

    fail_unless_equals_string (split, whole);
    fail_unless (inc == inc_whole);
    g_free (split);
  }
  for (i = 0; i + 1 < len; i++)
    cuts[i] = i + 1;
  if (len > 1) {
    gchar *bytes = parse_pieces (stream, len, cuts, len - 1, &inc);

    fail_unless_equals_string (bytes, whole);
    g_free (bytes);
  }
  g_free (cuts);
  g_free (whole);
}

static void
assert_events (const gchar * stream, const gchar * expected)
{
  gboolean incomplete;
  gchar *log = parse_whole (stream, &incomplete);

  fail_unless_equals_string (log, expected);
  g_free (log);
  check_all_splits (stream);
}

static const gchar *openai_stream =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Héllo wörld "
    "नमस्ते 🙂\"}}]}\n\n"
    ": ping\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"
    "\n\n" "data: [DONE]\n\n";

GST_START_TEST (test_real_stream_every_split)
{
  check_all_splits (openai_stream);
  check_all_splits ("data: a\r\n\r\ndata: b\r\rdata: c\n\r\n");
  check_all_splits ("\xEF\xBB\xBF" "data: bom\n\n");
  check_all_splits ("event: error\ndata: {\"error\": {\"message\": \"x\"}}\n\n");
}

GST_END_TEST;

GST_START_TEST (test_line_endings)
{
  assert_events ("data: lf\n\ndata: crlf\r\n\r\ndata: cr\r\r",
      "[-|lf][-|crlf][-|cr]");
  /* a CR at the end of one chunk and its LF in the next are one ending */
  assert_events ("data: x\r\n\r\n", "[-|x]");
}

GST_END_TEST;

GST_START_TEST (test_data_lines_and_spaces)
{
  assert_events ("data: one\ndata: two\n\n", "[-|one\ntwo]");
  assert_events ("data:x\n\n", "[-|x]");
  assert_events ("data:  two spaces\n\n", "[-| two spaces]");
  assert_events ("data\n\n", "[-|]");
  assert_events ("data:\ndata:\n\n", "[-|\n]");
  /* U+2028 and U+2029 do not end lines */
  assert_events ("data: a\xE2\x80\xA8" "b\xE2\x80\xA9" "c\n\n",
      "[-|a\xE2\x80\xA8" "b\xE2\x80\xA9" "c]");
}

GST_END_TEST;

GST_START_TEST (test_comments_and_fields)
{
  assert_events (": keep-alive\n\n: OPENROUTER PROCESSING\n\n", "");
  assert_events ("id: 5\nretry: 100\n\n", "");
  assert_events ("event: ping\n\n", "");
  assert_events ("event: error\ndata: bad\n\n", "[error|bad]");
  assert_events ("event: custom\ndata: 1\n\ndata: 2\n\n", "[custom|1][-|2]");
  assert_events ("unknown: field\ndata: ok\n\n", "[-|ok]");
}

GST_END_TEST;

GST_START_TEST (test_bom_only_at_start)
{
  assert_events ("\xEF\xBB\xBF" "data: a\n\n", "[-|a]");
  /* a BOM later is data */
  assert_events ("data: \xEF\xBB\xBF" "a\n\n", "[-|\xEF\xBB\xBF" "a]");
}

GST_END_TEST;

GST_START_TEST (test_incomplete_event_discarded)
{
  gboolean incomplete;
  gchar *log = parse_whole ("data: full\n\ndata: half", &incomplete);

  fail_unless_equals_string (log, "[-|full]");
  fail_unless (incomplete);
  g_free (log);
  log = parse_whole ("data: full\n\ndata: no blank line\n", &incomplete);
  fail_unless_equals_string (log, "[-|full]");
  fail_unless (incomplete);
  g_free (log);
  log = parse_whole ("data: full\n\n", &incomplete);
  fail_if (incomplete);
  g_free (log);
}

GST_END_TEST;

GST_START_TEST (test_event_size_cap)
{
  GstVaniSseParser *parser = gst_vani_sse_parser_new (1024);
  Collector c = { g_string_new (NULL), 0, 0 };
  GError *error = NULL;
  gchar *big = g_strnfill (600, 'x');
  gchar *line = g_strdup_printf ("data: %s\n", big);
  guint i;

  /* two 600-byte data lines make one event over 1 KiB */
  fail_unless (gst_vani_sse_parser_feed (parser, (guint8 *) line,
          strlen (line), collect, &c, &error));
  fail_if (gst_vani_sse_parser_feed (parser, (guint8 *) line, strlen (line),
          collect, &c, &error));
  fail_unless (g_error_matches (error, GST_VANI_SSE_ERROR,
          GST_VANI_SSE_ERROR_EVENT_TOO_LARGE));
  g_clear_error (&error);

  /* an endless line with no newline stops at the cap, memory bounded */
  gst_vani_sse_parser_reset (parser);
  for (i = 0; i < 10000; i++) {
    if (!gst_vani_sse_parser_feed (parser, (guint8 *) big, strlen (big),
            collect, &c, &error))
      break;
  }
  fail_unless (i < 10, "the cap did not stop an endless line");
  fail_unless (g_error_matches (error, GST_VANI_SSE_ERROR,
          GST_VANI_SSE_ERROR_EVENT_TOO_LARGE));
  g_clear_error (&error);
  fail_unless_equals_int (c.n, 0);

  g_free (line);
  g_free (big);
  g_string_free (c.log, TRUE);
  gst_vani_sse_parser_free (parser);
}

GST_END_TEST;

/* Found by fuzz_sse: an empty first feed read a NULL buffer. */
GST_START_TEST (test_empty_feeds)
{
  GstVaniSseParser *parser = gst_vani_sse_parser_new (0);
  Collector c = { g_string_new (NULL), 0, 0 };

  fail_unless (gst_vani_sse_parser_feed (parser, NULL, 0, collect, &c, NULL));
  fail_unless (gst_vani_sse_parser_feed (parser, (guint8 *) "data: x\n\n", 9,
          collect, &c, NULL));
  fail_unless (gst_vani_sse_parser_feed (parser, NULL, 0, collect, &c, NULL));
  fail_unless_equals_string (c.log->str, "[-|x]");
  fail_if (gst_vani_sse_parser_finish (parser));
  g_string_free (c.log, TRUE);
  gst_vani_sse_parser_free (parser);
}

GST_END_TEST;

GST_START_TEST (test_callback_can_stop)
{
  GstVaniSseParser *parser = gst_vani_sse_parser_new (0);
  Collector c = { g_string_new (NULL), 1, 0 };
  const gchar *s = "data: 1\n\ndata: 2\n\n";

  fail_unless (gst_vani_sse_parser_feed (parser, (guint8 *) s, strlen (s),
          collect, &c, NULL));
  fail_unless_equals_string (c.log->str, "[-|1]");
  g_string_free (c.log, TRUE);
  gst_vani_sse_parser_free (parser);
}

GST_END_TEST;

GST_START_TEST (test_many_events_stay_linear)
{
  GstVaniSseParser *parser = gst_vani_sse_parser_new (0);
  Collector c = { g_string_new (NULL), 0, 0 };
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < 20000; i++)
    g_string_append_printf (s, "data: {\"n\": %u}\n\n", i);
  /* fed in odd-sized pieces; a quadratic parser would take minutes here */
  for (i = 0; i < s->len; i += 997)
    fail_unless (gst_vani_sse_parser_feed (parser,
            (guint8 *) s->str + i, MIN (997, s->len - i), collect, &c, NULL));
  fail_unless_equals_int (c.n, 20000);
  g_string_free (s, TRUE);
  g_string_free (c.log, TRUE);
  gst_vani_sse_parser_free (parser);
}

GST_END_TEST;

static Suite *
sse_suite (void)
{
  Suite *s = suite_create ("vani-sse");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_real_stream_every_split);
  tcase_add_test (tc, test_line_endings);
  tcase_add_test (tc, test_data_lines_and_spaces);
  tcase_add_test (tc, test_comments_and_fields);
  tcase_add_test (tc, test_bom_only_at_start);
  tcase_add_test (tc, test_incomplete_event_discarded);
  tcase_add_test (tc, test_event_size_cap);
  tcase_add_test (tc, test_empty_feeds);
  tcase_add_test (tc, test_callback_can_stop);
  tcase_add_test (tc, test_many_events_stay_linear);
  return s;
}

GST_CHECK_MAIN (sse);
