/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark: what the framework adds to a voice turn, and how many agents
 * one process holds. A spoken word (tests/media/stt/eight.wav) is played in
 * real time, in 20 ms buffers, into vaniagent, again and again with pauses.
 * Every service is the fake server over loopback with a fixed latency (STT,
 * LLM time to first token, TTS time to first audio):
 *
 *   appsrc is-live=true ! clocksync ! vaniagent stt=vaniopenaistt
 *       llm=vanillm tts=vaniopenaitts ! fakesink sync=true
 *
 * Each turn's vani/turn-metrics gives the VAD's decision and when the first
 * answer audio was played. The overhead is that span minus the three
 * configured latencies: VAD → STT request → transcript → context → LLM
 * request → first token → sentence → TTS request → first audio → sink, all
 * ours. The VAD's own wait (stop-secs) comes before the decision and shows
 * in voice-to-voice. The sink's processing-deadline (20 ms by default in a
 * live pipeline, which delays every buffer's rendering) is set to 0: it is a
 * sink setting, not work, and a sound card adds its own.
 *
 * With --sessions 1,10,50,... it runs that many agents at once in this one
 * process, one count after the other, and adds CPU and RSS per session.
 * --server-process runs the fake server as its own process
 * (vani-fake-server), so those figures are the agents' alone.
 *
 * Run: meson devenv -C build tests/bench/overhead/vani-bench-turn-overhead \
 *        [--turns 200] [--sessions 1] [--stt-ms 100] [--llm-ms 200] \
 *        [--tts-ms 100]
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/vani/vani.h>

#include "benchutil.h"
#include "vanifakeserver.h"

#define WORD VANI_TESTS_DIR "/media/stt/eight.wav"
#define RATE VANI_BENCH_RATE
#define PAUSE_MS 1900           /* after each word: VAD stop + answer + slack */
#define QUEUED_BYTES (VANI_BENCH_CHUNK_BYTES * 5)

typedef struct
{
  GArray *overhead, *v2v, *llm_ttfb, *tts_ttfb;
  gint64 configured_us;
  guint sessions_running;
  guint done, expected;
  GMainLoop *loop;
  GMutex lock;                  /* messages come from streaming threads */
} Results;

static gboolean input_queue = TRUE;

typedef struct
{
  GstElement *pipeline;
  VaniBenchSpeaker speaker;
  guint turns_left;
} Session;

/* appsrc asks for more: the next 20 ms of word or pause, as a microphone
 * would give it (the queue stays small, so memory stays flat). */
static void
on_need_data (GstAppSrc * src, guint length, gpointer data)
{
  Session *s = data;

  if (s->turns_left == 0)
    gst_app_src_end_of_stream (src);
  else if (vani_bench_speaker_push (&s->speaker, GST_ELEMENT (src)))
    s->turns_left--;
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

static void
note_turn (Results * r, const GstStructure * s)
{
  if (!gst_structure_has_field (s, "vad-stop"))
    return;
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
  if (++r->done % 100 == 0)
    g_printerr ("%u/%u turns\n", r->done, r->expected);
}

/* A sync handler, as a server with many calls would use: a bus watch per
 * pipeline on one main context costs a poll of every bus per message. */
static GstBusSyncReply
on_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  Results *r = data;

  g_mutex_lock (&r->lock);
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      g_printerr ("error: %" GST_PTR_FORMAT "\n", msg);
      /* fall through */
    case GST_MESSAGE_EOS:
      if (--r->sessions_running == 0)
        g_main_loop_quit (r->loop);
      break;
    case GST_MESSAGE_ELEMENT:
      if (gst_vani_bus_message_get_message_type (msg) ==
          GST_VANI_BUS_MESSAGE_TURN_METRICS)
        note_turn (r, gst_message_get_structure (msg));
      break;
    default:
      break;
  }
  g_mutex_unlock (&r->lock);
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

/* Session @index of @count starts at its own point of the word + pause
 * period, so the agents do not all speak at once. */
static Session *
session_new (const gchar * url, GBytes * word, guint turns, guint index,
    guint count, Results * r)
{
  static GstAppSrcCallbacks callbacks = {.need_data = on_need_data };
  Session *s = g_new0 (Session, 1);
  GstElement *src;
  gchar *desc;

  desc = g_strdup_printf ("appsrc name=src is-live=true format=time "
      "max-bytes=%d caps=audio/x-raw,format=S16LE,rate=%d,channels=1,"
      "layout=interleaved ! clocksync ! vaniagent input-queue=%s "
      "stt=\"vaniopenaistt "
      "base-url=%s api-key=sk-bench\" llm=\"vanillm base-url=%s "
      "api-key=sk-bench\" tts=\"vaniopenaitts base-url=%s api-key=sk-bench\""
      " ! fakesink sync=true async=false processing-deadline=0",
      QUEUED_BYTES, RATE, input_queue ? "true" : "false", url, url, url);
  s->pipeline = gst_parse_launch (desc, NULL);
  g_assert (s->pipeline);
  g_free (desc);
  vani_bench_speaker_init (&s->speaker, word, PAUSE_MS);
  s->turns_left = turns;
  s->speaker.pos = (s->speaker.period / VANI_BENCH_CHUNK_BYTES) * index /
      count * VANI_BENCH_CHUNK_BYTES;
  src = gst_bin_get_by_name (GST_BIN (s->pipeline), "src");
  gst_app_src_set_callbacks (GST_APP_SRC (src), &callbacks, s, NULL);
  gst_object_unref (src);
  gst_bus_set_sync_handler (GST_ELEMENT_BUS (s->pipeline), on_message, r,
      NULL);
  return s;
}

static void
session_free (Session * s)
{
  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  gst_object_unref (s->pipeline);
  vani_bench_speaker_clear (&s->speaker);
  g_free (s);
}

static gdouble
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
      (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void
results_init (Results * r, guint sessions, guint turns, gint64 configured)
{
  r->overhead = g_array_new (FALSE, FALSE, sizeof (gint64));
  r->v2v = g_array_new (FALSE, FALSE, sizeof (gint64));
  r->llm_ttfb = g_array_new (FALSE, FALSE, sizeof (gint64));
  r->tts_ttfb = g_array_new (FALSE, FALSE, sizeof (gint64));
  r->configured_us = configured;
  r->sessions_running = sessions;
  r->expected = sessions * turns;
  r->done = 0;
  g_mutex_init (&r->lock);
}

static void
results_clear (Results * r)
{
  g_array_unref (r->overhead);
  g_array_unref (r->v2v);
  g_array_unref (r->llm_ttfb);
  g_array_unref (r->tts_ttfb);
  g_mutex_clear (&r->lock);
}

/* The three services, in the order of the latency arrays. */
static const gchar *const service_paths[3] = { VANI_FAKE_TRANSCRIPTIONS,
  VANI_FAKE_CHAT, VANI_FAKE_SPEECH
};

/* The fake server's own time beyond its configured latencies, per turn:
 * what it took from a whole request to the first byte of the reply, less
 * the latency it was told to wait. Only for one session, where the n-th
 * request of each service belongs to the n-th turn; @first: the number of
 * replies each service gave before this run. */
static GArray *
server_excess (VaniFakeServer * server, const guint first[3],
    const gint latency_ms[3], guint turns)
{
  GArray *excess = g_array_new (FALSE, TRUE, sizeof (gint64));
  guint p, t;

  g_array_set_size (excess, turns);
  for (p = 0; p < 3; p++) {
    GArray *times = vani_fake_server_get_reply_times (server,
        service_paths[p]);

    if (times->len != first[p] + turns) {
      g_array_unref (times);
      g_array_unref (excess);
      return NULL;
    }
    for (t = 0; t < turns; t++)
      g_array_index (excess, gint64, t) += g_array_index (times, gint64,
          first[p] + t) - (gint64) latency_ms[p] * 1000;
    g_array_unref (times);
  }
  return excess;
}

static void
count_replies (VaniFakeServer * server, guint counts[3])
{
  guint p;

  for (p = 0; p < 3; p++) {
    GArray *times = vani_fake_server_get_reply_times (server,
        service_paths[p]);

    counts[p] = times->len;
    g_array_unref (times);
  }
}

/* Overhead less what the fake server itself added: ours alone. */
static void
report_net_overhead (Results * r, VaniFakeServer * server,
    const guint first[3], const gint latency_ms[3])
{
  GArray *excess = server_excess (server, first, latency_ms,
      r->overhead->len), *net;
  guint t;

  if (!excess)
    return;
  net = g_array_sized_new (FALSE, FALSE, sizeof (gint64), excess->len);
  for (t = 0; t < excess->len; t++)
    append (net, g_array_index (r->overhead, gint64, t) -
        g_array_index (excess, gint64, t));
  vani_bench_report ("fake server past its latencies (3 replies)", excess);
  vani_bench_report ("framework overhead less the fake server", net);
  g_array_unref (excess);
  g_array_unref (net);
}

/* @sessions agents at once for @turns turns each; prints the figures.
 * @server: the in-process fake server, or NULL. */
static void
run (const gchar * url, VaniFakeServer * server, GBytes * word,
    guint sessions, guint turns, const gint latency_ms[3], GMainLoop * loop)
{
  gint64 configured = (gint64) (latency_ms[0] + latency_ms[1] +
      latency_ms[2]) * 1000;
  guint first[3] = { 0 };
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify)
      session_free);
  Results r = { 0 };
  glong rss_before = vani_bench_rss_kib (), rss_during;
  gdouble cpu_before, cpu;
  gint64 started;
  guint i;

  results_init (&r, sessions, turns, configured);
  r.loop = loop;
  if (server)
    count_replies (server, first);
  for (i = 0; i < sessions; i++)
    g_ptr_array_add (all, session_new (url, word, turns, i, sessions, &r));
  cpu_before = cpu_seconds ();
  started = g_get_monotonic_time ();
  for (i = 0; i < sessions; i++)
    gst_element_set_state (((Session *) g_ptr_array_index (all,
                i))->pipeline, GST_STATE_PLAYING);
  g_main_loop_run (loop);
  cpu = cpu_seconds () - cpu_before;
  rss_during = vani_bench_rss_kib ();

  g_print ("\n%u session(s), %u turns each, %u turns measured; %.1f s\n",
      sessions, turns, r.overhead->len,
      (g_get_monotonic_time () - started) / 1e6);
  g_print ("CPU per session %.2f%% of a core; RSS per session %.2f MiB "
      "(%.1f MiB for all)\n", 100.0 * cpu / sessions /
      ((g_get_monotonic_time () - started) / 1e6),
      (rss_during - rss_before) / 1024.0 / sessions,
      (rss_during - rss_before) / 1024.0);
  vani_bench_report ("framework overhead", r.overhead);
  if (server && sessions == 1)
    report_net_overhead (&r, server, first, latency_ms);
  vani_bench_report ("voice-to-voice", r.v2v);
  vani_bench_report ("LLM TTFB (incl. latency)", r.llm_ttfb);
  vani_bench_report ("TTS TTFB (incl. latency)", r.tts_ttfb);
  g_ptr_array_unref (all);
  results_clear (&r);
}

/* vani-fake-server in its own process; returns its base URL. */
static gchar *
spawn_server (gint stt_ms, gint llm_ms, gint tts_ms, GSubprocess ** process)
{
  gchar *answers = NULL, *line, *stt = g_strdup_printf ("%d", stt_ms);
  gchar *llm = g_strdup_printf ("%d", llm_ms);
  gchar *tts = g_strdup_printf ("%d", tts_ms);
  GDataInputStream *out;
  gint fd = g_file_open_tmp ("vani-bench-answers-XXXXXX", &answers, NULL);
  GError *error = NULL;

  g_assert (fd >= 0);
  g_assert (write (fd, "OK.\n", 4) == 4);
  close (fd);
  *process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
      VANI_FAKE_SERVER_BIN, "--answers", answers, "--transcript", "eight",
      "--stt-ms", stt, "--llm-ttfb-ms", llm, "--tts-ttfb-ms", tts, NULL);
  if (!*process)
    g_error ("cannot start the fake server: %s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*process));
  line = g_data_input_stream_read_line (out, NULL, NULL, NULL);
  if (!line || !g_str_has_prefix (line, "VANI_FAKE_SERVER_URL="))
    g_error ("the fake server did not start");
  g_object_unref (out);
  g_unlink (answers);
  g_free (answers);
  g_free (stt);
  g_free (llm);
  g_free (tts);
  memmove (line, line + strlen ("VANI_FAKE_SERVER_URL="),
      strlen (line) - strlen ("VANI_FAKE_SERVER_URL=") + 1);
  return line;
}

int
main (int argc, char **argv)
{
  gint turns = 200, stt_ms = 100, llm_ms = 200, tts_ms = 100;
  gboolean server_process = FALSE;
  GSubprocess *process = NULL;
  gchar *url;
  gchar *sessions_list = NULL, **counts, **c;
  GOptionEntry entries[] = {
    {"turns", 0, 0, G_OPTION_ARG_INT, &turns, "Turns per session", "N"},
    {"sessions", 0, 0, G_OPTION_ARG_STRING, &sessions_list,
        "Concurrent sessions, one run per count (e.g. 1,10,50)", "LIST"},
    {"stt-ms", 0, 0, G_OPTION_ARG_INT, &stt_ms, "STT latency", "MS"},
    {"llm-ms", 0, 0, G_OPTION_ARG_INT, &llm_ms, "LLM time to first token",
        "MS"},
    {"tts-ms", 0, 0, G_OPTION_ARG_INT, &tts_ms, "TTS time to first audio",
        "MS"},
    {"server-process", 0, 0, G_OPTION_ARG_NONE, &server_process,
        "Run the fake server as a process of its own", NULL},
    {"no-input-queue", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE,
        &input_queue, "vaniagent input-queue=false", NULL},
    {NULL}
  };
  const gchar *answers[] = { "OK.", NULL }, *transcripts[] = { "eight", NULL };
  GOptionContext *options = g_option_context_new ("- voice turn overhead");
  VaniFakeServer *server = NULL;
  GMainLoop *loop;
  GBytes *word;
  gint latency_ms[3];

  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_add_group (options, gst_init_get_option_group ());
  if (!g_option_context_parse (options, &argc, &argv, NULL))
    return 2;
  g_option_context_free (options);

  if (server_process) {
    url = spawn_server (stt_ms, llm_ms, tts_ms, &process);
  } else {
    server = vani_fake_server_new (NULL);
    g_assert (server);
    vani_fake_server_set_answers (server, answers);
    vani_fake_server_set_transcripts (server, transcripts);
    vani_fake_server_set_latency (server, VANI_FAKE_TRANSCRIPTIONS, stt_ms);
    vani_fake_server_set_latency (server, VANI_FAKE_CHAT, llm_ms);
    vani_fake_server_set_latency (server, VANI_FAKE_SPEECH, tts_ms);
    url = g_strdup (vani_fake_server_get_base_url (server));
  }
  loop = g_main_loop_new (NULL, FALSE);
  word = vani_bench_read_wav_pcm (WORD);

  vani_bench_print_machine ();
  g_print ("configured latencies: STT %d ms, LLM TTFB %d ms, TTS TTFB %d "
      "ms\n", stt_ms, llm_ms, tts_ms);
  counts = g_strsplit (sessions_list ? sessions_list : "1", ",", -1);
  latency_ms[0] = stt_ms;
  latency_ms[1] = llm_ms;
  latency_ms[2] = tts_ms;
  for (c = counts; *c; c++)
    run (url, server, word, atoi (*c), turns, latency_ms, loop);

  g_strfreev (counts);
  g_free (sessions_list);
  g_bytes_unref (word);
  g_main_loop_unref (loop);
  if (process) {
    g_subprocess_force_exit (process);
    g_subprocess_wait (process, NULL, NULL);
    g_object_unref (process);
  }
  vani_fake_server_free (server);
  g_free (url);
  return 0;
}
