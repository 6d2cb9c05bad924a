/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark: what the framework adds to a voice turn. A spoken word
 * (tests/media/stt/eight.wav) is played in real time into vaniagent, again
 * and again with pauses, and every service is the fake server over loopback
 * with a fixed latency (STT, LLM time to first token, TTS time to first
 * audio):
 *
 *   appsrc ! clocksync ! vaniagent stt=vaniopenaistt llm=vanillm
 *       tts=vaniopenaitts ! fakesink sync=true
 *
 * Each turn's vani/turn-metrics gives the VAD's decision and when the first
 * answer audio was played. The overhead is that span minus the three
 * configured latencies: VAD → STT request → transcript → context → LLM
 * request → first token → sentence → TTS request → first audio → sink, all
 * ours. The VAD's own wait (stop-secs) comes before the decision and is
 * reported apart, as voice-to-voice. The sink's processing-deadline (20 ms
 * by default in a live pipeline, which delays every buffer's rendering) is
 * set to 0: it is a sink setting, not work, and a sound card adds its own.
 *
 * Run: meson devenv -C build tests/bench/overhead/vani-bench-turn-overhead \
 *        [turns=200] [stt-ms=100] [llm-ms=200] [tts-ms=100]
 */
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/vani/vani.h>

#include "benchutil.h"
#include "vanifakeserver.h"

#define WORD VANI_TESTS_DIR "/media/stt/eight.wav"
#define RATE 16000
#define WAV_HEADER 44
#define PAUSE_MS 1900           /* after each word: VAD stop + answer + slack */

typedef struct
{
  GArray *overhead, *v2v, *llm_ttfb, *tts_ttfb;
  gint64 configured_us;
  guint turns, done;
  GMainLoop *loop;
} Results;

static GBytes *
read_word (void)
{
  gchar *data;
  gsize len;
  GBytes *all, *pcm;

  if (!g_file_get_contents (WORD, &data, &len, NULL) || len <= WAV_HEADER)
    g_error ("cannot read %s", WORD);
  all = g_bytes_new_take (data, len);
  /* 16 kHz mono S16LE, the canonical 44-byte header */
  pcm = g_bytes_new_from_bytes (all, WAV_HEADER, len - WAV_HEADER);
  g_bytes_unref (all);
  return pcm;
}

#define CHUNK_BYTES (RATE * 2 / 50)     /* 20 ms, as a sound card gives */

/* Pushes @len bytes of @pcm (NULL: silence) in 20 ms buffers from @pts. */
static GstClockTime
push_audio (GstElement * src, const guint8 * pcm, gsize len, GstClockTime pts)
{
  GstFlowReturn ret;
  gsize off;

  for (off = 0; off < len; off += CHUNK_BYTES) {
    gsize n = MIN (CHUNK_BYTES, len - off);
    GstBuffer *buffer = pcm ? gst_buffer_new_memdup (pcm + off, n) :
        gst_buffer_new_allocate (NULL, n, NULL);

    if (!pcm)
      gst_buffer_memset (buffer, 0, 0, n);
    GST_BUFFER_PTS (buffer) = pts;
    GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (n / 2, GST_SECOND,
        RATE);
    pts += GST_BUFFER_DURATION (buffer);
    g_signal_emit_by_name (src, "push-buffer", buffer, &ret);
    gst_buffer_unref (buffer);
  }
  return pts;
}

/* The word then a pause, @turns times, timestamped; clocksync plays it in
 * real time. */
static void
feed (GstElement * src, GBytes * word, guint turns)
{
  gsize word_len;
  const guint8 *pcm = g_bytes_get_data (word, &word_len);
  GstClockTime pts = 0;
  GstFlowReturn ret;
  guint i;

  for (i = 0; i < turns; i++) {
    pts = push_audio (src, pcm, word_len, pts);
    pts = push_audio (src, NULL, RATE * 2 * PAUSE_MS / 1000, pts);
  }
  g_signal_emit_by_name (src, "end-of-stream", &ret);
}

static gint64
get (const GstStructure * s, const gchar * name)
{
  gint64 value = 0;

  gst_structure_get_int64 (s, name, &value);
  return value;
}

static void
append (GArray * array, gint64 value)
{
  g_array_append_val (array, value);
}

static gboolean
on_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  Results *r = data;
  const GstStructure *s;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS ||
      GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      g_printerr ("error: %" GST_PTR_FORMAT "\n", msg);
    g_main_loop_quit (r->loop);
    return G_SOURCE_CONTINUE;
  }
  if (gst_vani_bus_message_get_message_type (msg) !=
      GST_VANI_BUS_MESSAGE_TURN_METRICS)
    return G_SOURCE_CONTINUE;
  s = gst_message_get_structure (msg);
  if (!gst_structure_has_field (s, "vad-stop"))
    return G_SOURCE_CONTINUE;
  if (g_getenv ("VANI_BENCH_VERBOSE")) {
    gchar *line = gst_vani_turn_metrics_describe (s);

    g_printerr ("%s\n", line);
    g_free (line);
  }
  append (r->overhead, get (s, "first-played") - get (s, "vad-stop") -
      r->configured_us);
  append (r->v2v, get (s, "voice-to-voice"));
  append (r->llm_ttfb, get (s, "llm-ttfb"));
  append (r->tts_ttfb, get (s, "tts-ttfb"));
  if (++r->done % 20 == 0)
    g_printerr ("%u/%u turns\n", r->done, r->turns);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  guint turns = argc > 1 ? atoi (argv[1]) : 200;
  guint stt_ms = argc > 2 ? atoi (argv[2]) : 100;
  guint llm_ms = argc > 3 ? atoi (argv[3]) : 200;
  guint tts_ms = argc > 4 ? atoi (argv[4]) : 100;
  const gchar *answers[] = { "OK.", NULL }, *transcripts[] = { "eight", NULL };
  Results r = { 0 };
  VaniFakeServer *server;
  GstElement *pipeline, *src;
  GBytes *word;
  gchar *desc;
  const gchar *url;

  gst_init (&argc, &argv);
  server = vani_fake_server_new (NULL);
  g_assert (server);
  vani_fake_server_set_answers (server, answers);
  vani_fake_server_set_transcripts (server, transcripts);
  vani_fake_server_set_speech_ms_per_char (server, 60);
  vani_fake_server_set_latency (server, VANI_FAKE_TRANSCRIPTIONS, stt_ms);
  vani_fake_server_set_latency (server, VANI_FAKE_CHAT, llm_ms);
  vani_fake_server_set_latency (server, VANI_FAKE_SPEECH, tts_ms);
  url = vani_fake_server_get_base_url (server);

  desc = g_strdup_printf ("appsrc name=src is-live=true format=time caps=audio/x-raw,"
      "format=S16LE,rate=%d,channels=1,layout=interleaved ! clocksync ! "
      "vaniagent stt=\"vaniopenaistt base-url=%s api-key=sk-bench\" "
      "llm=\"vanillm base-url=%s api-key=sk-bench\" "
      "tts=\"vaniopenaitts base-url=%s api-key=sk-bench\" ! "
      "fakesink sync=true async=false processing-deadline=0", RATE, url, url,
      url);
  pipeline = gst_parse_launch (desc, NULL);
  g_assert (pipeline);
  g_free (desc);

  r.turns = turns;
  r.configured_us = (gint64) (stt_ms + llm_ms + tts_ms) * 1000;
  r.overhead = g_array_new (FALSE, FALSE, sizeof (gint64));
  r.v2v = g_array_new (FALSE, FALSE, sizeof (gint64));
  r.llm_ttfb = g_array_new (FALSE, FALSE, sizeof (gint64));
  r.tts_ttfb = g_array_new (FALSE, FALSE, sizeof (gint64));
  r.loop = g_main_loop_new (NULL, FALSE);
  gst_bus_add_watch (GST_ELEMENT_BUS (pipeline), on_message, &r);

  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  word = read_word ();
  feed (src, word, turns);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (r.loop);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  vani_bench_print_machine ();
  g_print ("%u of %u turns measured; configured latencies: STT %u ms, LLM "
      "TTFB %u ms, TTS TTFB %u ms\n", r.overhead->len, turns, stt_ms, llm_ms,
      tts_ms);
  vani_bench_report ("framework overhead", r.overhead);
  vani_bench_report ("voice-to-voice", r.v2v);
  vani_bench_report ("LLM TTFB (incl. latency)", r.llm_ttfb);
  vani_bench_report ("TTS TTFB (incl. latency)", r.tts_ttfb);

  g_bytes_unref (word);
  gst_object_unref (src);
  gst_bus_remove_watch (GST_ELEMENT_BUS (pipeline));
  gst_object_unref (pipeline);
  g_main_loop_unref (r.loop);
  vani_fake_server_free (server);
  g_array_unref (r.overhead);
  g_array_unref (r.v2v);
  g_array_unref (r.llm_ttfb);
  g_array_unref (r.tts_ttfb);
  return 0;
}
