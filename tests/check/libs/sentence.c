/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The sentence splitter on a table of streamed replies in several languages,
 * each pushed whole, byte by byte and in random chunks (all three must agree),
 * and the text filter.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/vani/vani.h>

typedef struct
{
  const gchar *text;
  const gchar *sentences[8];
} SplitCase;

static const SplitCase split_cases[] = {
  /* English basics */
  {"Hello there. How are you?", {"Hello there.", "How are you?"}},
  {"Wait! Really? Yes.", {"Wait!", "Really?", "Yes."}},
  {"What?! No way!!! Okay.", {"What?!", "No way!!!", "Okay."}},
  {"No trailing punctuation", {"No trailing punctuation"}},
  {"  Leading and trailing spaces.   ", {"Leading and trailing spaces."}},
  {"", {NULL}},
  {"One.Two. Three.", {"One.Two.", "Three."}},
  /* abbreviations and initials */
  {"Dr. Smith will see you. Please wait.",
      {"Dr. Smith will see you.", "Please wait."}},
  {"Mr. and Mrs. Patel arrived. They sat down.",
      {"Mr. and Mrs. Patel arrived.", "They sat down."}},
  {"Bring fruit, e.g. Apples or pears. Thanks.",
      {"Bring fruit, e.g. Apples or pears.", "Thanks."}},
  {"I read J. R. R. Tolkien. It was great.",
      {"I read J. R. R. Tolkien.", "It was great."}},
  {"The U.S. Senate voted. It passed.",
      {"The U.S. Senate voted.", "It passed."}},
  {"We open at 9 a.m. and close at 5 p.m. See you.",
      {"We open at 9 a.m. and close at 5 p.m.", "See you."}},
  {"Room No. 5 is free. Book it?", {"Room No. 5 is free.", "Book it?"}},
  {"No. I don't think so.", {"No.", "I don't think so."}},
  {"It costs approx. five dollars. Okay?",
      {"It costs approx. five dollars.", "Okay?"}},
  /* numbers, versions, URLs, e-mail */
  {"Pi is 3.14159. That is all.", {"Pi is 3.14159.", "That is all."}},
  {"Update to v1.2.3 today. It fixes bugs.",
      {"Update to v1.2.3 today.", "It fixes bugs."}},
  {"See https://example.com/a.b?x=1 for details. Bye.",
      {"See https://example.com/a.b?x=1 for details.", "Bye."}},
  {"Visit example.org. Then call.", {"Visit example.org.", "Then call."}},
  {"Mail jane.doe@example.com. We reply fast.",
      {"Mail jane.doe@example.com.", "We reply fast."}},
  {"It was $1,299.99 in 2024. Cheap!", {"It was $1,299.99 in 2024.",
          "Cheap!"}},
  /* ellipsis */
  {"Well... let me think. Okay.", {"Well... let me think.", "Okay."}},
  {"Well... Let me think.", {"Well...", "Let me think."}},
  {"Hmm… maybe. Sure… Why not?", {"Hmm… maybe.", "Sure…", "Why not?"}},
  /* quotes and brackets */
  {"He said \"Stop!\" Then he left.", {"He said \"Stop!\"", "Then he left."}},
  {"(This is an aside.) Back to it.", {"(This is an aside.)",
          "Back to it."}},
  {"She asked “Why?” Nobody knew.", {"She asked “Why?”", "Nobody knew."}},
  /* lists and newlines */
  {"You need:\n1. Eggs\n2. Milk\n", {"You need:", "1. Eggs", "2. Milk"}},
  {"- Bread\n- Butter\n\nThat's all.", {"- Bread", "- Butter",
          "That's all."}},
  {"# Title\nSome text here. More.", {"# Title", "Some text here.",
          "More."}},
  {"Step 1. Open the box. Step 2. Done.", {"Step 1.", "Open the box.",
          "Step 2.", "Done."}},
  /* German, French, Spanish */
  {"Das ist z.B. gut. Danke schön!", {"Das ist z.B. gut.", "Danke schön!"}},
  {"Wir treffen uns um 10 Uhr. Bis bald.", {"Wir treffen uns um 10 Uhr.",
          "Bis bald."}},
  {"Bonjour ! Comment ça va ? Très bien.", {"Bonjour !", "Comment ça va ?",
          "Très bien."}},
  {"Mme. Dubois est là. Entrez.", {"Mme. Dubois est là.", "Entrez."}},
  {"¿Dónde está? ¡Aquí está! Gracias.", {"¿Dónde está?", "¡Aquí está!",
          "Gracias."}},
  {"La Sra. García llegó. Bien.", {"La Sra. García llegó.", "Bien."}},
  /* Chinese, Japanese, Hindi, Arabic */
  {"你好。今天天气很好！你呢？", {"你好。", "今天天气很好！", "你呢？"}},
  {"こんにちは。「元気？」と聞いた。", {"こんにちは。", "「元気？」",
          "と聞いた。"}},
  {"数字是3.5。好的。", {"数字是3.5。", "好的。"}},
  {"नमस्ते। आप कैसे हैं? मैं ठीक हूँ।", {"नमस्ते।", "आप कैसे हैं?",
          "मैं ठीक हूँ।"}},
  {"مرحبا. كيف حالك؟ أنا بخير.", {"مرحبا.", "كيف حالك؟", "أنا بخير."}},
  /* emoji and symbols pass through the splitter untouched */
  {"Great choice 😀! Anything else? 🍕", {"Great choice 😀!",
          "Anything else?", "🍕"}},
  {"It is 20°C. Nice.", {"It is 20°C.", "Nice."}},
  /* very long text without a boundary is cut at a comma */
  {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, "
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        "end",
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,",
              "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
              "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
            "end"}},
};

/* Pushes @text in chunks of the sizes @next_size gives, then flushes. */
static GPtrArray *
split (const gchar * text, gsize (*next_size) (gsize left))
{
  GstVaniSentenceSplitter *splitter = gst_vani_sentence_splitter_new ();
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  gsize len = strlen (text), pos = 0;
  gchar **sentences, **s, *rest;

  while (pos < len) {
    gsize n = MIN (next_size (len - pos), len - pos);

    sentences = gst_vani_sentence_splitter_push (splitter, text + pos, n);
    for (s = sentences; s && *s; s++)
      g_ptr_array_add (out, g_strdup (*s));
    g_strfreev (sentences);
    pos += n;
  }
  rest = gst_vani_sentence_splitter_flush (splitter);
  if (rest)
    g_ptr_array_add (out, rest);
  fail_if (gst_vani_sentence_splitter_has_pending (splitter));
  gst_vani_sentence_splitter_free (splitter);
  return out;
}

static gsize
whole (gsize left)
{
  return left;
}

static gsize
one_byte (gsize left)
{
  return 1;
}

static gsize
random_size (gsize left)
{
  return g_random_int_range (1, 9);
}

static void
check_case (const SplitCase * c, gsize (*next_size) (gsize), const gchar * how)
{
  GPtrArray *got = split (c->text, next_size);
  guint i, expected = g_strv_length ((gchar **) c->sentences);

  for (i = 0; i < MAX (got->len, expected); i++) {
    const gchar *g = i < got->len ? g_ptr_array_index (got, i) : "(none)";
    const gchar *e = i < expected ? c->sentences[i] : "(none)";

    fail_unless (g_strcmp0 (g, e) == 0,
        "\"%s\" pushed %s: sentence %u is \"%s\", expected \"%s\"", c->text,
        how, i, g, e);
  }
  g_ptr_array_unref (got);
}

GST_START_TEST (test_split_table)
{
  guint i;

  fail_unless (G_N_ELEMENTS (split_cases) >= 40);
  g_random_set_seed (20261124);
  for (i = 0; i < G_N_ELEMENTS (split_cases); i++) {
    check_case (&split_cases[i], whole, "whole");
    check_case (&split_cases[i], one_byte, "byte by byte");
    check_case (&split_cases[i], random_size, "in random chunks");
  }
}

GST_END_TEST;

GST_START_TEST (test_waits_for_the_next_token)
{
  GstVaniSentenceSplitter *splitter = gst_vani_sentence_splitter_new ();
  gchar **out;
  gchar *rest;

  /* "Hello." might go on as "Hello.com": nothing yet */
  fail_unless (gst_vani_sentence_splitter_push (splitter, "Hello.", -1)
      == NULL);
  fail_unless (gst_vani_sentence_splitter_push (splitter, " ", -1) == NULL);
  fail_unless (gst_vani_sentence_splitter_has_pending (splitter));
  out = gst_vani_sentence_splitter_push (splitter, "W", -1);
  fail_unless (out != NULL && g_strv_length (out) == 1);
  fail_unless_equals_string (out[0], "Hello.");
  g_strfreev (out);
  rest = gst_vani_sentence_splitter_flush (splitter);
  fail_unless_equals_string (rest, "W");
  g_free (rest);

  /* a CJK full stop needs no space, only the next character */
  fail_unless (gst_vani_sentence_splitter_push (splitter, "好。", -1) == NULL);
  out = gst_vani_sentence_splitter_push (splitter, "我", -1);
  fail_unless_equals_string (out[0], "好。");
  g_strfreev (out);

  /* reset drops what is pending */
  gst_vani_sentence_splitter_reset (splitter);
  fail_if (gst_vani_sentence_splitter_has_pending (splitter));
  fail_unless (gst_vani_sentence_splitter_flush (splitter) == NULL);
  gst_vani_sentence_splitter_free (splitter);
}

GST_END_TEST;

GST_START_TEST (test_character_split_across_pushes)
{
  GstVaniSentenceSplitter *splitter = gst_vani_sentence_splitter_new ();
  const gchar *text = "Café… Olé! Ça va?";
  gchar **out, *rest;
  GString *all = g_string_new (NULL);
  gsize i;

  for (i = 0; text[i]; i++) {
    out = gst_vani_sentence_splitter_push (splitter, text + i, 1);
    if (out) {
      fail_unless (g_utf8_validate (out[0], -1, NULL));
      g_string_append_printf (all, "[%s]", out[0]);
    }
    g_strfreev (out);
  }
  rest = gst_vani_sentence_splitter_flush (splitter);
  g_string_append_printf (all, "[%s]", rest);
  fail_unless_equals_string (all->str, "[Café…][Olé!][Ça va?]");
  g_free (rest);
  g_string_free (all, TRUE);
  gst_vani_sentence_splitter_free (splitter);
}

GST_END_TEST;

typedef struct
{
  const gchar *text;
  GstVaniTextFilterFlags flags;
  const gchar *spoken;
} FilterCase;

#define MD GST_VANI_TEXT_FILTER_MARKDOWN
#define EMOJI GST_VANI_TEXT_FILTER_EMOJI
#define BOTH (MD | EMOJI)

static const FilterCase filter_cases[] = {
  {"**Bold** and *italic* and __strong__.", MD,
      "Bold and italic and strong."},
  {"Use `gst-launch-1.0` here.", MD, "Use gst-launch-1.0 here."},
  {"## Opening hours", MD, "Opening hours"},
  {"- Eggs", MD, "Eggs"},
  {"* Milk", MD, "Milk"},
  {"1. Preheat the oven", MD, "Preheat the oven"},
  {"> A quote", MD, "A quote"},
  {"See [the menu](https://example.com/menu).", MD, "See the menu."},
  {"![a cat](cat.png) is here", MD, "a cat is here"},
  {"2 * 3 = 6", MD, "2 * 3 = 6"},
  {"my_variable_name stays", MD, "my_variable_name stays"},
  {"```\ncode line\n```", MD, "code line"},
  {"| Name | Age |\n|---|---|\n| Ana | 30 |", MD, "Name Age\nAna 30"},
  {"~~old~~ new", MD, "old new"},
  {"Great choice 😀!", EMOJI, "Great choice!"},
  {"Thumbs up 👍🏽 and flag 🇮🇳 ok", EMOJI, "Thumbs up and flag ok"},
  {"Family 👨‍👩‍👧 here", EMOJI, "Family here"},
  {"© 2024, 20°C, €5", BOTH, "© 2024, 20°C, €5"},
  {"你好，世界！", BOTH, "你好，世界！"},
  {"नमस्ते दुनिया", BOTH, "नमस्ते दुनिया"},
  {"**Pizza** 🍕 is *ready* ✅", BOTH, "Pizza is ready"},
  {"**Bold** 😀", GST_VANI_TEXT_FILTER_NONE, "**Bold** 😀"},
  {"😀", BOTH, ""},
};

GST_START_TEST (test_filter_table)
{
  guint i;

  fail_unless (G_N_ELEMENTS (filter_cases) >= 15);
  for (i = 0; i < G_N_ELEMENTS (filter_cases); i++) {
    gchar *spoken = gst_vani_text_filter (filter_cases[i].text,
        filter_cases[i].flags);

    fail_unless (g_utf8_validate (spoken, -1, NULL));
    fail_unless (g_strcmp0 (spoken, filter_cases[i].spoken) == 0,
        "\"%s\" became \"%s\", expected \"%s\"", filter_cases[i].text,
        spoken, filter_cases[i].spoken);
    g_free (spoken);
  }
}

GST_END_TEST;

static Suite *
sentence_suite (void)
{
  Suite *s = suite_create ("sentence");
  TCase *tc = tcase_create ("general");

  tcase_add_test (tc, test_split_table);
  tcase_add_test (tc, test_waits_for_the_next_token);
  tcase_add_test (tc, test_character_split_across_pushes);
  tcase_add_test (tc, test_filter_table);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (sentence);
