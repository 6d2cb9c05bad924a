/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark: the delay GstVaniTTS adds between the last token of a sentence
 * and the synthesis request for it. An LLM reply is streamed as ~4-byte
 * tokens, one every TOKEN_MS (real time), into a TTS element whose engine
 * only notes when it is called. Two figures per sentence:
 *   - overhead: the token that shows the sentence is complete was pushed →
 *     synthesize() is called (the base class's own cost);
 *   - total: the token holding the end punctuation was pushed → synthesize()
 *     (adds the wait for that next token, one token interval).
 *
 * Run: meson devenv -C build tests/bench/tts/vani-bench-sentence-delay [token-ms]
 */
#include <string.h>
#include <stdlib.h>
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/vani/vani.h>

#include "benchutil.h"

#define REPLY "Sure, I can help with that. Dr. Rao has openings on Monday at " \
  "9.30 a.m. and on Tuesday afternoon. Which one works for you? I can also " \
  "send a reminder to jane.doe@example.com the day before. Shall I book it?"
#define TOKEN_BYTES 4
#define ROUNDS 20

typedef struct { GstVaniTTS parent; } NullTTS;
typedef struct { GstVaniTTSClass parent_class; } NullTTSClass;
static GType null_tts_get_type (void);
G_DEFINE_TYPE (NullTTS, null_tts, GST_VANI_TYPE_TTS);

static GMutex lock;
static GArray *called;          /* gint64 µs of each synthesize() */

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-raw"));

static void
null_tts_synthesize (GstVaniTTS * tts, GstVaniTTSSentence * s)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&lock);
  g_array_append_val (called, now);
  g_mutex_unlock (&lock);
  gst_vani_tts_sentence_finish (s, NULL);
}

static void
null_tts_init (NullTTS * self)
{
}

static void
null_tts_class_init (NullTTSClass * klass)
{
  GST_VANI_TTS_CLASS (klass)->synthesize = null_tts_synthesize;
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &src_template);
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), "Null",
      "Filter/Audio", "bench engine", "gst-rustvani");
}

typedef struct
{
  guint end_token;              /* holds the sentence's last character */
  guint confirm_token;          /* made the splitter give the sentence */
} Boundary;

/* Where the sentences of REPLY end and are confirmed, token by token, as
 * the same splitter the base class uses sees them. */
static GArray *
find_boundaries (void)
{
  GstVaniSentenceSplitter *splitter = gst_vani_sentence_splitter_new ();
  GArray *bounds = g_array_new (FALSE, FALSE, sizeof (Boundary));
  gsize len = strlen (REPLY), i, cursor = 0;

  for (i = 0; i < len; i += TOKEN_BYTES) {
    gchar **sentences = gst_vani_sentence_splitter_push (splitter, REPLY + i,
        MIN (TOKEN_BYTES, len - i)), **s;

    for (s = sentences; s && *s; s++) {
      const gchar *at = strstr (REPLY + cursor, *s);
      Boundary b;

      g_assert (at);
      cursor = at - REPLY + strlen (*s);
      b.end_token = (cursor - 1) / TOKEN_BYTES;
      b.confirm_token = i / TOKEN_BYTES;
      g_array_append_val (bounds, b);
    }
    g_strfreev (sentences);
  }
  gst_vani_sentence_splitter_free (splitter);
  return bounds;
}

/* One reply, tokens every @token_ms; appends each sentence's delays (µs). */
static void
run_reply (GstHarness * h, guint token_ms, GArray * bounds,
    GArray * overhead, GArray * total)
{
  gsize len = strlen (REPLY), i;
  GArray *pushed = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint k;

  g_mutex_lock (&lock);
  g_array_set_size (called, 0);
  g_mutex_unlock (&lock);
  gst_harness_push_event (h, gst_vani_event_new_llm_response_start (1));
  for (i = 0; i < len; i += TOKEN_BYTES) {
    gint64 now = g_get_monotonic_time ();

    g_array_append_val (pushed, now);
    gst_harness_push (h, gst_buffer_new_memdup (REPLY + i,
            MIN (TOKEN_BYTES, len - i)));
    g_usleep (token_ms * 1000);
  }
  gst_harness_push_event (h, gst_vani_event_new_llm_response_end (1));
  g_usleep (100 * 1000);

  g_mutex_lock (&lock);
  g_assert (called->len >= bounds->len);
  for (k = 0; k < bounds->len; k++) {
    Boundary *b = &g_array_index (bounds, Boundary, k);
    gint64 call = g_array_index (called, gint64, k);
    gint64 o = call - g_array_index (pushed, gint64, b->confirm_token);
    gint64 t = call - g_array_index (pushed, gint64, b->end_token);

    g_array_append_val (overhead, o);
    g_array_append_val (total, t);
  }
  g_mutex_unlock (&lock);
  g_array_unref (pushed);
}

int
main (int argc, char **argv)
{
  guint token_ms = argc > 1 ? atoi (argv[1]) : 20, r;
  GArray *overhead = g_array_new (FALSE, FALSE, sizeof (gint64));
  GArray *total = g_array_new (FALSE, FALSE, sizeof (gint64));
  GArray *bounds;
  GstHarness *h;

  gst_init (&argc, &argv);
  called = g_array_new (FALSE, FALSE, sizeof (gint64));
  gst_element_register (NULL, "nulltts", GST_RANK_NONE, null_tts_get_type ());
  h = gst_harness_new ("nulltts");
  gst_harness_set_src_caps_str (h, "text/x-raw,format=utf8");
  bounds = find_boundaries ();
  for (r = 0; r < ROUNDS; r++)
    run_reply (h, token_ms, bounds, overhead, total);
  vani_bench_print_machine ();
  g_print ("%u sentences confirmed by a token, token every %u ms, %u "
      "replies\n", bounds->len, token_ms, ROUNDS);
  vani_bench_report ("overhead", overhead);
  vani_bench_report ("total", total);
  gst_harness_teardown (h);
  g_array_unref (overhead);
  g_array_unref (total);
  g_array_unref (called);
  g_array_unref (bounds);
  return 0;
}
