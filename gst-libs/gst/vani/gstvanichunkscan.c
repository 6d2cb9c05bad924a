/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The fast path for chat-completion chunks. Nearly every chunk of a stream
 * is the same small object carrying one content delta. Building a json-glib
 * tree for each was half of vanillm's CPU, so this scanner reads that one
 * shape in place: it validates the whole JSON text and decodes only
 * choices[0].delta.content. Anything else (tool calls, reasoning, a finish
 * reason, usage, an error, more than one choice, odd escapes, deep nesting)
 * makes it give up, and the caller parses the chunk the general way.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvani-private.h"

#include <string.h>

#define MAX_DEPTH 32

typedef struct
{
  const gchar *p;
  const gchar *end;
  GString *content;
  /* a repeated key means json-glib's "last one wins": leave it to json-glib */
  gboolean have_content, have_delta, have_choices, have_index;
} Scan;

static void
skip_ws (Scan * s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' ||
          *s->p == '\r'))
    s->p++;
}

static gboolean
expect (Scan * s, gchar c)
{
  skip_ws (s);
  if (s->p >= s->end || *s->p != c)
    return FALSE;
  s->p++;
  return TRUE;
}

static gint
hex4 (const gchar * p)
{
  gint value = 0, i;

  for (i = 0; i < 4; i++) {
    gint d = g_ascii_xdigit_value (p[i]);

    if (d < 0)
      return -1;
    value = value * 16 + d;
  }
  return value;
}

/* \uXXXX (a surrogate pair counts as one); lone surrogates and NUL give
 * up, so the general parser decides what they mean. */
static gboolean
scan_unicode (Scan * s, GString * out)
{
  gint unit, low;

  if (s->end - s->p < 5 || (unit = hex4 (s->p + 1)) <= 0)
    return FALSE;
  s->p += 5;
  if (unit >= 0xdc00 && unit <= 0xdfff)
    return FALSE;
  if (unit >= 0xd800 && unit <= 0xdbff) {
    if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
        (low = hex4 (s->p + 2)) < 0xdc00 || low > 0xdfff)
      return FALSE;
    s->p += 6;
    unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
  }
  if (out)
    g_string_append_unichar (out, unit);
  return TRUE;
}

/* A string at s->p (after the opening quote is checked); decoded into @out
 * when given. The text is already known to be valid UTF-8. */
static gboolean
scan_string (Scan * s, GString * out)
{
  static const gchar escapes[] = "\"\\/bfnrt";
  static const gchar decoded[] = "\"\\/\b\f\n\r\t";

  if (!expect (s, '"'))
    return FALSE;
  while (s->p < s->end) {
    const gchar *run = s->p;
    const gchar *e;

    while (s->p < s->end && *s->p != '"' && *s->p != '\\' &&
        (guchar) * s->p >= 0x20)
      s->p++;
    if (out)
      g_string_append_len (out, run, s->p - run);
    if (s->p >= s->end || (guchar) * s->p < 0x20)
      return FALSE;
    if (*s->p == '"') {
      s->p++;
      return TRUE;
    }
    s->p++;                     /* the backslash */
    if (s->p >= s->end)
      return FALSE;
    if (*s->p == 'u') {
      if (!scan_unicode (s, out))
        return FALSE;
      continue;
    }
    if (!(e = strchr (escapes, *s->p)) || *s->p == '\0')
      return FALSE;
    if (out)
      g_string_append_c (out, decoded[e - escapes]);
    s->p++;
  }
  return FALSE;
}

static gboolean
scan_number (Scan * s)
{
  const gchar *start;

  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p >= s->end || !g_ascii_isdigit (*s->p))
    return FALSE;
  if (*s->p == '0')
    s->p++;
  else
    while (s->p < s->end && g_ascii_isdigit (*s->p))
      s->p++;
  if (s->p < s->end && *s->p == '.') {
    start = ++s->p;
    while (s->p < s->end && g_ascii_isdigit (*s->p))
      s->p++;
    if (s->p == start)
      return FALSE;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    s->p++;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
      s->p++;
    start = s->p;
    while (s->p < s->end && g_ascii_isdigit (*s->p))
      s->p++;
    if (s->p == start)
      return FALSE;
  }
  return TRUE;
}

static gboolean
scan_literal (Scan * s, const gchar * word)
{
  gsize n = strlen (word);

  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

static gboolean scan_value (Scan * s, guint depth);

/* A member handler: reads the value of member @key (at s->p). */
typedef gboolean (*MemberFunc) (Scan * s, const gchar * key, gsize key_len,
    guint depth);

/* An object, each member given to @member. Keys with escapes give up. */
static gboolean
scan_object (Scan * s, MemberFunc member, guint depth)
{
  if (depth > MAX_DEPTH || !expect (s, '{'))
    return FALSE;
  skip_ws (s);
  if (s->p < s->end && *s->p == '}') {
    s->p++;
    return TRUE;
  }
  for (;;) {
    const gchar *key;
    gsize key_len;

    skip_ws (s);
    key = s->p + 1;
    if (!scan_string (s, NULL))
      return FALSE;
    key_len = s->p - 1 - key;
    if (memchr (key, '\\', key_len) || !expect (s, ':'))
      return FALSE;
    skip_ws (s);
    if (!member (s, key, key_len, depth + 1))
      return FALSE;
    skip_ws (s);
    if (s->p < s->end && *s->p == ',') {
      s->p++;
      continue;
    }
    return expect (s, '}');
  }
}

static gboolean
skip_member (Scan * s, const gchar * key, gsize key_len, guint depth)
{
  return scan_value (s, depth);
}

static gboolean
scan_array (Scan * s, guint depth)
{
  if (depth > MAX_DEPTH || !expect (s, '['))
    return FALSE;
  skip_ws (s);
  if (s->p < s->end && *s->p == ']') {
    s->p++;
    return TRUE;
  }
  for (;;) {
    if (!scan_value (s, depth + 1))
      return FALSE;
    skip_ws (s);
    if (s->p < s->end && *s->p == ',') {
      s->p++;
      continue;
    }
    return expect (s, ']');
  }
}

static gboolean
scan_value (Scan * s, guint depth)
{
  skip_ws (s);
  if (s->p >= s->end)
    return FALSE;
  switch (*s->p) {
    case '{':
      return scan_object (s, skip_member, depth);
    case '[':
      return scan_array (s, depth);
    case '"':
      return scan_string (s, NULL);
    case 't':
      return scan_literal (s, "true");
    case 'f':
      return scan_literal (s, "false");
    case 'n':
      return scan_literal (s, "null");
    default:
      return scan_number (s);
  }
}

static gboolean
key_is (const gchar * key, gsize key_len, const gchar * name)
{
  return key_len == strlen (name) && memcmp (key, name, key_len) == 0;
}

/* Members whose only harmless value is null. */
static gboolean
expect_null (Scan * s)
{
  return scan_literal (s, "null");
}

static gboolean
delta_member (Scan * s, const gchar * key, gsize key_len, guint depth)
{
  if (key_is (key, key_len, "content")) {
    if (s->have_content)
      return FALSE;
    s->have_content = TRUE;
    if (s->p < s->end && *s->p == 'n')
      return expect_null (s);
    return scan_string (s, s->content);
  }
  if (key_is (key, key_len, "tool_calls") ||
      key_is (key, key_len, "reasoning_content") ||
      key_is (key, key_len, "reasoning"))
    return expect_null (s);
  return scan_value (s, depth);
}

static gboolean
choice_member (Scan * s, const gchar * key, gsize key_len, guint depth)
{
  if (key_is (key, key_len, "index") && !s->have_index) {
    s->have_index = TRUE;
    return scan_literal (s, "0") && (s->p >= s->end ||
        !g_ascii_isdigit (*s->p)) && (s->p >= s->end || (*s->p != '.' &&
            *s->p != 'e' && *s->p != 'E'));
  }
  if (key_is (key, key_len, "index"))
    return FALSE;
  if (key_is (key, key_len, "delta")) {
    if (s->have_delta)
      return FALSE;
    s->have_delta = TRUE;
    return (s->p < s->end && *s->p == 'n') ? expect_null (s) :
        scan_object (s, delta_member, depth);
  }
  if (key_is (key, key_len, "finish_reason"))
    return expect_null (s);
  return scan_value (s, depth);
}

/* "choices": one choice at most. */
static gboolean
scan_choices (Scan * s, guint depth)
{
  if (!expect (s, '['))
    return FALSE;
  skip_ws (s);
  if (s->p < s->end && *s->p == ']') {
    s->p++;
    return TRUE;
  }
  skip_ws (s);
  return scan_object (s, choice_member, depth) && expect (s, ']');
}

static gboolean
chunk_member (Scan * s, const gchar * key, gsize key_len, guint depth)
{
  if (key_is (key, key_len, "choices")) {
    if (s->have_choices)
      return FALSE;
    s->have_choices = TRUE;
    return scan_choices (s, depth);
  }
  if (key_is (key, key_len, "usage"))
    return expect_null (s);
  if (key_is (key, key_len, "error") || key_is (key, key_len, "x_groq"))
    return FALSE;
  return scan_value (s, depth);
}

/**
 * gst_vani_chunk_scan_content:
 * @data: a chunk's JSON text, valid UTF-8
 * @len: its length
 * @content: where the decoded content delta goes (appended)
 *
 * Returns: %TRUE when the chunk is nothing but a content delta (or empty),
 *   with @content filled in; %FALSE when it needs the general parser (and
 *   @content must be ignored)
 */
gboolean
gst_vani_chunk_scan_content (const gchar * data, gsize len, GString * content)
{
  Scan s = { data, data + len, content, FALSE, FALSE, FALSE, FALSE };

  if (!scan_object (&s, chunk_member, 0))
    return FALSE;
  skip_ws (&s);
  return s.p == s.end;
}
