/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvanisentence
 * @title: GstVaniSentenceSplitter
 * @short_description: sentences out of streamed text, and text fit to read aloud
 *
 * A TTS engine speaks best with whole sentences, and the first one should
 * start as soon as it is complete. #GstVaniSentenceSplitter takes text as an
 * LLM streams it, split anywhere (even inside a UTF-8 character), and gives
 * back each sentence once the text that follows proves it is complete:
 *
 * - `.` `!` `?` `…` (and runs such as `?!` or `...`), with any closing quotes
 *   or brackets, end a sentence once whitespace and the next character have
 *   arrived. So "3.14", "example.com" and "jane@mail.com" never split.
 * - A full stop does not end a sentence after an abbreviation ("Dr.",
 *   "e.g.", "z.B."), an initial ("J. R. R. Tolkien"), a list number at the
 *   start of a line ("1. Eggs"), or before a lowercase letter. An ellipsis
 *   ends one only before a letter that is not lowercase.
 * - CJK and fullwidth `。！？`, the Devanagari dandas `।` `॥` and the Arabic
 *   question mark end a sentence without needing a space.
 * - A newline ends the text before it (lists, headings, paragraphs).
 * - Text with no boundary at all is cut at a comma or a space once it is
 *   longer than 400 bytes, so speech never waits for ever.
 *
 * gst_vani_text_filter() removes what should not be read aloud: markdown
 * markup and emoji.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanisentence.h"

#include <string.h>

#define MAX_PENDING 400

struct _GstVaniSentenceSplitter
{
  GString *pending;
  gsize scan;                   /* bytes before this are not a boundary */
};

G_DEFINE_BOXED_TYPE (GstVaniSentenceSplitter, gst_vani_sentence_splitter,
    gst_vani_sentence_splitter_copy, gst_vani_sentence_splitter_free);

/* Lowercase, without the final dot. "No" is only an abbreviation before a
 * number (see is_abbreviation). "etc", "a.m" and "p.m" are left out: before
 * a capital letter they usually end the sentence. */
static const gchar *const abbreviations[] = {
  "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "e.g", "i.e",
  "cf", "approx", "inc", "ltd", "co", "corp", "dept", "est", "mt", "ft",
  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
  "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat",
  "sun", "u.s", "u.k", "fig", "vol", "ca", "z.b", "bzw", "usw",
  "nr", "mme", "mlle", "sra", "srta", "dra", "av", "hr", "hrs", "min",
  NULL
};

/**
 * gst_vani_sentence_splitter_new:
 *
 * Returns: (transfer full): a new, empty splitter
 */
GstVaniSentenceSplitter *
gst_vani_sentence_splitter_new (void)
{
  GstVaniSentenceSplitter *splitter = g_new0 (GstVaniSentenceSplitter, 1);

  splitter->pending = g_string_new (NULL);
  return splitter;
}

/**
 * gst_vani_sentence_splitter_copy:
 * @splitter: a #GstVaniSentenceSplitter
 *
 * Returns: (transfer full): a copy, with the same pending text
 */
GstVaniSentenceSplitter *
gst_vani_sentence_splitter_copy (const GstVaniSentenceSplitter * splitter)
{
  GstVaniSentenceSplitter *copy = gst_vani_sentence_splitter_new ();

  g_string_append_len (copy->pending, splitter->pending->str,
      splitter->pending->len);
  copy->scan = splitter->scan;
  return copy;
}

/**
 * gst_vani_sentence_splitter_free:
 * @splitter: (transfer full) (nullable): a #GstVaniSentenceSplitter
 */
void
gst_vani_sentence_splitter_free (GstVaniSentenceSplitter * splitter)
{
  if (!splitter)
    return;
  g_string_free (splitter->pending, TRUE);
  g_free (splitter);
}

/**
 * gst_vani_sentence_splitter_reset:
 * @splitter: a #GstVaniSentenceSplitter
 *
 * Drops the pending text (an interruption).
 */
void
gst_vani_sentence_splitter_reset (GstVaniSentenceSplitter * splitter)
{
  g_string_truncate (splitter->pending, 0);
  splitter->scan = 0;
}

/**
 * gst_vani_sentence_splitter_has_pending:
 * @splitter: a #GstVaniSentenceSplitter
 *
 * Returns: whether text that is not only whitespace is waiting
 */
gboolean
gst_vani_sentence_splitter_has_pending (GstVaniSentenceSplitter * splitter)
{
  const gchar *p;

  for (p = splitter->pending->str; *p; p++)
    if (!g_ascii_isspace (*p))
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Characters                                                               */

/* The character at @pos, -2 when it is cut off at the end (more text will
 * complete it), or -1 for an invalid byte. */
static gunichar
char_at (const GString * s, gsize pos)
{
  return g_utf8_get_char_validated (s->str + pos, s->len - pos);
}

static gsize
char_len (const GString * s, gsize pos)
{
  gunichar c = char_at (s, pos);

  return c == (gunichar) - 1 ? 1 : (gsize) g_unichar_to_utf8 (c, NULL);
}

static gboolean
is_western_end (gunichar c)
{
  return c == '.' || c == '!' || c == '?' || c == 0x2026;
}

static gboolean
is_immediate_end (gunichar c)
{
  switch (c) {
    case 0x3002:               /* 。 */
    case 0xFF01:               /* ！ */
    case 0xFF1F:               /* ？ */
    case 0xFF0E:               /* ． */
    case 0x0964:               /* । */
    case 0x0965:               /* ॥ */
    case 0x061F:               /* ؟ */
    case 0x06D4:               /* ۔ */
      return TRUE;
    default:
      return FALSE;
  }
}

static gboolean
is_closer (gunichar c)
{
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0x201D ||
      c == 0x2019 || c == 0x00BB || c == 0x300D || c == 0x300F ||
      c == 0xFF09 || c == 0x3011 || c == 0x300B;
}

/* ------------------------------------------------------------------------ */
/* Deciding whether a full stop ends a sentence                             */

/* The word before @dot, without leading brackets or quotes. */
static gchar *
word_before (const GString * s, gsize dot, gboolean * at_line_start)
{
  gsize start = dot;

  while (start > 0 && !g_ascii_isspace (s->str[start - 1]))
    start--;
  *at_line_start = TRUE;
  for (gsize i = start; i > 0; i--) {
    if (s->str[i - 1] == '\n')
      break;
    if (!g_ascii_isspace (s->str[i - 1])) {
      *at_line_start = FALSE;
      break;
    }
  }
  while (start < dot && strchr ("(\"'[", s->str[start]))
    start++;
  return g_strndup (s->str + start, dot - start);
}

static gboolean
is_number (const gchar * word)
{
  if (!*word)
    return FALSE;
  for (; *word; word++)
    if (!g_ascii_isdigit (*word))
      return FALSE;
  return TRUE;
}

static gboolean
is_abbreviation (const gchar * word, gunichar next)
{
  gchar *lower = g_utf8_strdown (word, -1);
  gboolean found = g_strv_contains (abbreviations, lower) ||
      (g_str_equal (lower, "no") && g_unichar_isdigit (next));

  g_free (lower);
  return found;
}

static gboolean
is_initial (const gchar * word)
{
  return g_utf8_strlen (word, -1) == 1 &&
      g_unichar_isupper (g_utf8_get_char (word));
}

/* A lone "." after @word, followed by whitespace and @next. */
static gboolean
full_stop_ends_sentence (const GString * s, gsize dot, gunichar next)
{
  gboolean at_line_start, ends;
  gchar *word;

  if (g_unichar_islower (next))
    return FALSE;
  word = word_before (s, dot, &at_line_start);
  ends = !is_abbreviation (word, next) && !is_initial (word) &&
      !(at_line_start && is_number (word));
  g_free (word);
  return ends;
}

/* The run of end marks starting at @pos ends a sentence? @run_end is where
 * the marks and closers stop. Returns -1 if more text is needed to know. */
static gint
western_run_ends_sentence (const GString * s, gsize pos, gsize run_end)
{
  gboolean strong = FALSE, ellipsis = FALSE;
  guint dots = 0;
  gsize p, after = run_end;
  gunichar next;

  for (p = pos; p < run_end; p += char_len (s, p)) {
    gunichar c = char_at (s, p);

    strong |= c == '!' || c == '?';
    ellipsis |= c == 0x2026;
    dots += c == '.';
  }
  if (after >= s->len || char_at (s, after) == (gunichar) - 2)
    return -1;                  /* a closing quote may still be coming */
  if (!g_unichar_isspace (char_at (s, after)))
    return FALSE;               /* "3.14", "example.com", "?!)" inside */
  while (after < s->len && g_unichar_isspace (char_at (s, after)))
    after += char_len (s, after);
  if (after >= s->len || (next = char_at (s, after)) == (gunichar) - 2)
    return -1;
  if (strong)
    return TRUE;
  if (ellipsis || dots > 1)
    return !g_unichar_islower (next);
  return full_stop_ends_sentence (s, pos, next);
}

/* ------------------------------------------------------------------------ */
/* Splitting                                                                */

static gchar *
take_sentence (GstVaniSentenceSplitter * splitter, gsize end, gsize skip)
{
  gchar *raw = g_strndup (splitter->pending->str, end);
  gchar *sentence = g_utf8_make_valid (raw, -1);

  g_free (raw);
  g_string_erase (splitter->pending, 0, end + skip);
  splitter->scan = 0;
  g_strstrip (sentence);
  if (*sentence)
    return sentence;
  g_free (sentence);
  return NULL;
}

static gsize
skip_closers (const GString * s, gsize pos)
{
  while (pos < s->len && is_closer (char_at (s, pos)))
    pos += char_len (s, pos);
  return pos;
}

/* Where the first complete sentence ends, and how many bytes after it to
 * drop; FALSE when none is complete yet. Remembers how far it looked. */
static gboolean
find_boundary (GstVaniSentenceSplitter * splitter, gsize * end, gsize * skip)
{
  const GString *s = splitter->pending;
  gsize pos = splitter->scan;

  while (pos < s->len) {
    gunichar c = char_at (s, pos);
    gsize run_end;
    gint ends;

    if (c == (gunichar) - 2)
      break;                    /* a character cut in two: wait */
    if (c == '\n') {
      *end = pos;
      *skip = 1;
      return TRUE;
    }
    if (is_immediate_end (c)) {
      run_end = skip_closers (s, pos + char_len (s, pos));
      if (run_end >= s->len || char_at (s, run_end) == (gunichar) - 2)
        break;                  /* a closing bracket may follow */
      *end = run_end;
      *skip = 0;
      return TRUE;
    }
    if (!is_western_end (c)) {
      pos += char_len (s, pos);
      continue;
    }
    for (run_end = pos; run_end < s->len &&
        is_western_end (char_at (s, run_end));
        run_end += char_len (s, run_end));
    run_end = skip_closers (s, run_end);
    ends = western_run_ends_sentence (s, pos, run_end);
    if (ends < 0)
      break;
    if (ends) {
      *end = run_end;
      *skip = 0;
      return TRUE;
    }
    pos = run_end;
  }
  splitter->scan = pos;
  return FALSE;
}

/* No boundary in far too much text: cut at the last comma-like mark, else
 * the last space, else anywhere between characters. */
static gsize
forced_cut (const GString * s)
{
  gsize pos = 0, comma = 0, space = 0;

  while (pos < MAX_PENDING && pos < s->len) {
    gunichar c = char_at (s, pos);
    gsize len = char_len (s, pos);

    if (c == (gunichar) - 2 || pos + len > MAX_PENDING)
      break;
    pos += len;
    if (c == ',' || c == ';' || c == ':' || c == 0xFF0C || c == 0x3001 ||
        c == 0xFF1B)
      comma = pos;
    else if (g_unichar_isspace (c))
      space = pos;
  }
  return comma ? comma : space ? space : pos;
}

/**
 * gst_vani_sentence_splitter_push:
 * @splitter: a #GstVaniSentenceSplitter
 * @text: (array length=len) (element-type guint8): streamed UTF-8 text
 * @len: bytes in @text, or -1 if it is nul-terminated
 *
 * Appends text, which may be cut anywhere.
 *
 * Returns: (transfer full) (array zero-terminated=1) (nullable): the
 *   sentences now complete, in order, trimmed; %NULL if none is
 */
gchar **
gst_vani_sentence_splitter_push (GstVaniSentenceSplitter * splitter,
    const gchar * text, gssize len)
{
  GPtrArray *out = NULL;
  gsize end, skip;

  g_return_val_if_fail (splitter != NULL, NULL);
  g_string_append_len (splitter->pending, text,
      len < 0 ? (gssize) strlen (text) : len);

  for (;;) {
    gchar *sentence;

    if (!find_boundary (splitter, &end, &skip)) {
      if (splitter->pending->len <= MAX_PENDING)
        break;
      end = forced_cut (splitter->pending);
      skip = 0;
    }
    sentence = take_sentence (splitter, end, skip);
    if (!sentence)
      continue;
    if (!out)
      out = g_ptr_array_new ();
    g_ptr_array_add (out, sentence);
  }
  if (!out)
    return NULL;
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

/**
 * gst_vani_sentence_splitter_flush:
 * @splitter: a #GstVaniSentenceSplitter
 *
 * The reply is over: everything pending is the last sentence.
 *
 * Returns: (transfer full) (nullable): the rest, trimmed, or %NULL when
 *   only whitespace was left
 */
gchar *
gst_vani_sentence_splitter_flush (GstVaniSentenceSplitter * splitter)
{
  g_return_val_if_fail (splitter != NULL, NULL);
  return take_sentence (splitter, splitter->pending->len, 0);
}

/* ------------------------------------------------------------------------ */
/* Text filter                                                              */

GType
gst_vani_text_filter_flags_get_type (void)
{
  static GType type = 0;
  static const GFlagsValue values[] = {
    {GST_VANI_TEXT_FILTER_NONE, "GST_VANI_TEXT_FILTER_NONE", "none"},
    {GST_VANI_TEXT_FILTER_MARKDOWN, "GST_VANI_TEXT_FILTER_MARKDOWN",
        "markdown"},
    {GST_VANI_TEXT_FILTER_EMOJI, "GST_VANI_TEXT_FILTER_EMOJI", "emoji"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_flags_register_static ("GstVaniTextFilterFlags", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
is_emoji (gunichar c)
{
  return (c >= 0x1F000 && c <= 0x1FAFF) ||      /* pictographs, flags, ... */
      (c >= 0x2600 && c <= 0x27BF) ||   /* symbols, dingbats */
      (c >= 0x2B00 && c <= 0x2BFF) ||   /* stars, arrows */
      (c >= 0xE0020 && c <= 0xE007F) || /* tag sequences */
      c == 0xFE0F || c == 0x200D || c == 0x20E3 ||
      c == 0x231A || c == 0x231B || (c >= 0x23E9 && c <= 0x23FA);
}

static gchar *
remove_emoji (const gchar * text)
{
  GString *out = g_string_new (NULL);
  const gchar *p;

  for (p = text; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (!is_emoji (c))
      g_string_append_unichar (out, c);
  }
  return g_string_free (out, FALSE);
}

static const gchar *
skip_spaces (const gchar * p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* Block markup at the start of a line: quotes, headings, list markers. */
static const gchar *
skip_line_markers (const gchar * p)
{
  const gchar *q;

  p = skip_spaces (p);
  while (*p == '>')
    p = skip_spaces (p + 1);
  for (q = p; *q == '#'; q++);
  if (q > p && q - p <= 6 && (*q == ' ' || *q == '\0'))
    return skip_spaces (q);
  if ((*p == '-' || *p == '*' || *p == '+') && p[1] == ' ')
    return skip_spaces (p + 2);
  for (q = p; g_ascii_isdigit (*q); q++);
  if (q > p && (*q == '.' || *q == ')') && q[1] == ' ')
    return skip_spaces (q + 2);
  return p;
}

static gboolean
is_fence_or_rule (const gchar * line)
{
  const gchar *p = skip_spaces (line);

  if (g_str_has_prefix (p, "```") || g_str_has_prefix (p, "~~~"))
    return TRUE;
  /* a table separator row or a horizontal rule: only | - : = * and spaces */
  if (!*p)
    return FALSE;
  for (; *p; p++)
    if (!strchr ("|-:=* \t", *p))
      return FALSE;
  return TRUE;
}

/* "[text](url)" and "![alt](url)": keep the text. Returns where to go on. */
static const gchar *
copy_link (GString * out, const gchar * p)
{
  const gchar *close = strstr (p, "](");
  const gchar *end = close ? strchr (close + 2, ')') : NULL;
  const gchar *newline = strchr (p, '\n');

  if (!close || !end || (newline && newline < end))
    return NULL;
  g_string_append_len (out, p + 1, close - p - 1);
  return end + 1;
}

static gboolean
is_word_char (const gchar * p)
{
  return *p && g_unichar_isalnum (g_utf8_get_char (p));
}

/* A run of "*" or "_" at @p marks emphasis when a word touches it on one
 * side only ("**bold**", "_it_"), not in "2 * 3" or snake_case. Returns the
 * run's length in *@run. */
static gboolean
is_emphasis (const gchar * line, const gchar * p, gsize * run)
{
  const gchar *end = p, *prev = p > line ? g_utf8_find_prev_char (line, p) :
      NULL;
  gboolean word_before, word_after;

  while (*end == *p)
    end++;
  *run = end - p;
  word_before = prev && is_word_char (prev);
  word_after = is_word_char (end);
  if (*p == '_' && word_before && word_after)
    return FALSE;
  return word_before != word_after;
}

static void
filter_markdown_line (GString * out, const gchar * line)
{
  const gchar *p = skip_line_markers (line);

  while (*p) {
    const gchar *next = NULL;

    if (*p == '!' && p[1] == '[')
      next = copy_link (out, p + 1);
    else if (*p == '[')
      next = copy_link (out, p);
    if (next) {
      p = next;
      continue;
    }
    if (*p == '`' || (*p == '~' && p[1] == '~'))
      p += (*p == '~') ? 2 : 1;
    else if (*p == '*' || *p == '_') {
      gsize run;

      if (!is_emphasis (line, p, &run))
        g_string_append_len (out, p, run);
      p += run;
    } else if (*p == '|') {
      g_string_append_c (out, ' ');
      p++;
    } else {
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
  }
}

static gchar *
remove_markdown (const gchar * text)
{
  gchar **lines = g_strsplit (text, "\n", -1), **l;
  GString *out = g_string_new (NULL);

  for (l = lines; *l; l++) {
    if (is_fence_or_rule (*l))
      continue;
    if (out->len)
      g_string_append_c (out, '\n');
    filter_markdown_line (out, *l);
  }
  g_strfreev (lines);
  return g_string_free (out, FALSE);
}

/* Runs of spaces left by removed markup become one. */
static gchar *
collapse_spaces (const gchar * text)
{
  GString *out = g_string_new (NULL);
  const gchar *p;

  for (p = text; *p; p++) {
    if (*p == ' ' && (out->len == 0 || out->str[out->len - 1] == ' ' ||
            out->str[out->len - 1] == '\n'))
      continue;
    if ((*p == '\n' || strchr (".,!?;:", *p)) && out->len &&
        out->str[out->len - 1] == ' ')
      g_string_truncate (out, out->len - 1);
    g_string_append_c (out, *p);
  }
  return g_strstrip (g_string_free (out, FALSE));
}

/**
 * gst_vani_text_filter:
 * @text: valid UTF-8 text
 * @flags: what to remove
 *
 * Removes what should not be read aloud: markdown markup (the words stay)
 * and emoji. Ordinary symbols (©, °, €), digits and every script are kept.
 *
 * Returns: (transfer full): the text to speak; may be empty
 */
gchar *
gst_vani_text_filter (const gchar * text, GstVaniTextFilterFlags flags)
{
  gchar *out = g_strdup (text), *tmp;

  g_return_val_if_fail (text != NULL, NULL);
  if (flags & GST_VANI_TEXT_FILTER_EMOJI) {
    tmp = remove_emoji (out);
    g_free (out);
    out = tmp;
  }
  if (flags & GST_VANI_TEXT_FILTER_MARKDOWN) {
    tmp = remove_markdown (out);
    g_free (out);
    out = tmp;
  }
  if (flags != GST_VANI_TEXT_FILTER_NONE) {
    tmp = collapse_spaces (out);
    g_free (out);
    out = tmp;
  }
  return out;
}
