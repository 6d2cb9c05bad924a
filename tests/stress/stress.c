/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vani-stress: a whole vaniagent pipeline (a spoken word over and over,
 * VAD, the three services on the in-process fake server) under abuse:
 *
 *   --state-changes N  N random state changes while it streams; each must
 *                      complete (10 s), and the agent must still answer;
 *   --barge-ins N      N times the user talks over the answer: each
 *                      flushes the LLM, TTS and sink mid-reply;
 *   --app-flushes N    N flushes from the application's thread into the
 *                      LLM, each while an answer plays;
 *   --turns N          N turns in one pipeline; the RSS every 100 turns,
 *                      the context (and the server's log) emptied every 50.
 *
 * Run it under ASan/UBSan or valgrind (tests/stress/run.sh) for the memory
 * errors and leaks; it fails itself on a hang, an error message, or an
 * agent that stops answering. Figures in docs/reliability.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/vani/vani.h>

#include "benchutil.h"
#include "vanifakeserver.h"

#define WORD VANI_TESTS_DIR "/media/stt/eight.wav"
#define PAUSE_MS 600
#define VAD_STOP_SECS 0.3           /* quicker turns */
#define STATE_TIMEOUT (10 * GST_SECOND)
#define TURN_TIMEOUT_US (30 * G_USEC_PER_SEC)
#define CONTEXT_EVERY 50

typedef struct
{
  GstElement *pipeline;
  GstElement *agent;
  VaniFakeServer *server;
  VaniBenchSpeaker speaker;

  GMutex lock;
  GCond cond;
  guint turns;                  /* answers heard (bot-started-speaking) */
  guint interruptions;
  guint errors;
  guint warnings;
} Stress;

static void
on_need_data (GstAppSrc * src, guint length, gpointer data)
{
  Stress *st = data;

  vani_bench_speaker_push (&st->speaker, GST_ELEMENT (src));
}

static GstBusSyncReply
on_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  Stress *st = data;
  GError *error = NULL;

  g_mutex_lock (&st->lock);
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &error, NULL);
      g_printerr ("error from %s: %s\n", GST_OBJECT_NAME (msg->src),
          error->message);
      st->errors++;
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &error, NULL);
      st->warnings++;
      break;
    default:
      switch (gst_vani_bus_message_get_message_type (msg)) {
        case GST_VANI_BUS_MESSAGE_BOT_STARTED_SPEAKING:
          st->turns++;
          g_cond_broadcast (&st->cond);
          break;
        case GST_VANI_BUS_MESSAGE_INTERRUPTION:
          st->interruptions++;
          g_cond_broadcast (&st->cond);
          break;
        default:
          break;
      }
  }
  g_mutex_unlock (&st->lock);
  g_clear_error (&error);
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

/* Audio at the pace of a microphone and a loudspeaker. */
static void
stress_init (Stress * st, VaniFakeServer * server)
{
  static GstAppSrcCallbacks callbacks = {.need_data = on_need_data };
  const gchar *url = vani_fake_server_get_base_url (server);
  GstElement *src, *vad;
  GBytes *word;
  GstBus *bus;
  gchar *desc;

  memset (st, 0, sizeof (*st));
  st->server = server;
  g_mutex_init (&st->lock);
  g_cond_init (&st->cond);
  word = vani_bench_read_wav_pcm (WORD);
  vani_bench_speaker_init (&st->speaker, word, PAUSE_MS);
  g_bytes_unref (word);
  desc = g_strdup_printf ("appsrc name=src is-live=true format=time "
      "max-bytes=%d caps=audio/x-raw,format=S16LE,rate=%d,channels=1,"
      "layout=interleaved ! clocksync ! vaniagent name=agent "
      "stt=\"vaniopenaistt base-url=%s api-key=sk-stress\" "
      "llm=\"vanillm base-url=%s api-key=sk-stress\" "
      "tts=\"vaniopenaitts base-url=%s api-key=sk-stress\" "
      "! fakesink sync=true async=false", VANI_BENCH_CHUNK_BYTES * 4,
      VANI_BENCH_RATE, url, url, url);
  st->pipeline = gst_parse_launch (desc, NULL);
  g_assert (st->pipeline);
  g_free (desc);
  st->agent = gst_bin_get_by_name (GST_BIN (st->pipeline), "agent");
  vad = gst_bin_get_by_name (GST_BIN (st->agent), "vad");
  g_object_set (vad, "stop-secs", VAD_STOP_SECS, NULL);
  gst_object_unref (vad);
  src = gst_bin_get_by_name (GST_BIN (st->pipeline), "src");
  gst_app_src_set_callbacks (GST_APP_SRC (src), &callbacks, st, NULL);
  gst_object_unref (src);
  bus = gst_element_get_bus (st->pipeline);
  gst_bus_set_sync_handler (bus, on_message, st, NULL);
  gst_object_unref (bus);
}

static void
stress_clear (Stress * st)
{
  gst_element_set_state (st->pipeline, GST_STATE_NULL);
  gst_object_unref (st->agent);
  gst_object_unref (st->pipeline);
  vani_bench_speaker_clear (&st->speaker);
  g_mutex_clear (&st->lock);
  g_cond_clear (&st->cond);
}

static gboolean
set_state (Stress * st, GstState state)
{
  GstStateChangeReturn ret = gst_element_set_state (st->pipeline, state);

  if (ret == GST_STATE_CHANGE_ASYNC)
    ret = gst_element_get_state (st->pipeline, NULL, NULL, STATE_TIMEOUT);
  if (ret == GST_STATE_CHANGE_FAILURE || ret == GST_STATE_CHANGE_ASYNC) {
    g_printerr ("the change to %s %s\n", gst_element_state_get_name (state),
        ret == GST_STATE_CHANGE_ASYNC ? "hangs" : "failed");
    return FALSE;
  }
  return TRUE;
}

/* Waits until *@counter (a Stress count, under its lock) reaches @n; each
 * step may take TURN_TIMEOUT_US. */
static gboolean
wait_for (Stress * st, const guint * counter, guint n, const gchar * what)
{
  gint64 deadline = g_get_monotonic_time () + TURN_TIMEOUT_US;
  guint seen;
  gboolean ok = TRUE;

  g_mutex_lock (&st->lock);
  seen = *counter;
  while (*counter < n && ok) {
    ok = g_cond_wait_until (&st->cond, &st->lock, deadline);
    if (*counter > seen) {
      seen = *counter;
      deadline = g_get_monotonic_time () + TURN_TIMEOUT_US;
      ok = TRUE;
    }
  }
  g_mutex_unlock (&st->lock);
  if (!ok)
    g_printerr ("no %s for %d s, after %u\n", what,
        (int) (TURN_TIMEOUT_US / G_USEC_PER_SEC), seen);
  return ok;
}

/* Until @n answers have been heard in all. */
static gboolean
wait_turns (Stress * st, guint n)
{
  return wait_for (st, &st->turns, n, "answer");
}

static guint
turns_so_far (Stress * st)
{
  guint n;

  g_mutex_lock (&st->lock);
  n = st->turns;
  g_mutex_unlock (&st->lock);
  return n;
}

/* After the abuse, the agent still answers. */
static gboolean
still_answers (Stress * st)
{
  return set_state (st, GST_STATE_PLAYING) &&
      wait_turns (st, turns_so_far (st) + 3);
}

static gboolean
run_state_changes (Stress * st, guint n)
{
  static const GstState states[] = { GST_STATE_NULL, GST_STATE_READY,
    GST_STATE_PAUSED, GST_STATE_PLAYING
  };
  guint counts[G_N_ELEMENTS (states)] = { 0 }, i;

  for (i = 0; i < n; i++) {
    guint pick = g_random_int_range (0, G_N_ELEMENTS (states));

    if (!set_state (st, states[pick]))
      return FALSE;
    /* the source stopped: time starts again from 0, as a new microphone */
    if (states[pick] <= GST_STATE_READY)
      st->speaker.pts = st->speaker.pos = 0;
    counts[pick]++;
    /* mostly quick changes; now and then long enough for turns to stream */
    g_usleep (g_random_int_range (0, g_random_int_range (0, 5) ? 30000 :
            2500000));
  }
  printf ("state changes: %u (NULL %u, READY %u, PAUSED %u, PLAYING %u), "
      "%u turns answered meanwhile\n", n, counts[0], counts[1], counts[2],
      counts[3], turns_so_far (st));
  return still_answers (st);
}

/* A flush from the application's own thread into the LLM's sink, the
 * way an application would stop the answer itself. reset-time stays
 * false: true would restart the pipeline's running time, and the live
 * source would wait on the clock for timestamps now far ahead. */
static void
flush_llm (Stress * st)
{
  GstElement *llm = gst_bin_get_by_name (GST_BIN (st->agent), "llm");
  GstPad *sink = gst_element_get_static_pad (llm, "sink");

  gst_pad_send_event (sink, gst_event_new_flush_start ());
  gst_pad_send_event (sink, gst_event_new_flush_stop (FALSE));
  gst_object_unref (sink);
  gst_object_unref (llm);
}

/* Each flush waits for an answer to start, then comes 0-300 ms into it. */
static gboolean
run_app_flushes (Stress * st, guint n)
{
  guint i;

  if (!set_state (st, GST_STATE_PLAYING))
    return FALSE;
  for (i = 0; i < n; i++) {
    if (!wait_turns (st, turns_so_far (st) + 1))
      return FALSE;
    g_usleep (g_random_int_range (0, 300000));
    flush_llm (st);
  }
  printf ("application flushes: %u\n", n);
  return still_answers (st);
}

/* The user talks over every answer (the answer is longer than the pause
 * between words): each barge-in flushes the LLM, the TTS and the sink in
 * the middle of a reply, and cancels both requests. */
static gboolean
run_barge_ins (Stress * st, guint n)
{
  guint done;

  if (!set_state (st, GST_STATE_PLAYING))
    return FALSE;
  for (done = 0; done < n;) {
    done = MIN (done + 100, n);
    if (!wait_for (st, &st->interruptions, done, "barge-in"))
      return FALSE;
    printf ("barge-ins: %u, in %u answers\n", done, turns_so_far (st));
    fflush (stdout);
  }
  return still_answers (st);
}

/* The context, and the fake server's record of the requests (each holds an
 * uploaded WAV), so that the RSS shows what the agent keeps. */
static void
forget_history (Stress * st)
{
  GstVaniContext *context = NULL;

  g_object_get (st->agent, "context", &context, NULL);
  if (context) {
    gst_vani_context_clear_messages (context);
    g_object_unref (context);
  }
  vani_fake_server_forget_requests (st->server);
}

static gboolean
run_turns (Stress * st, guint n)
{
  guint i;

  if (!set_state (st, GST_STATE_PLAYING))
    return FALSE;
  for (i = CONTEXT_EVERY; i <= n; i += CONTEXT_EVERY) {
    if (!wait_turns (st, i))
      return FALSE;
    forget_history (st);
    if (i % 100 == 0)
      printf ("turns: %u, RSS %ld KiB\n", i, vani_bench_rss_kib ());
    fflush (stdout);
  }
  return TRUE;
}

typedef gboolean (*RunFunc) (Stress * st, guint n);

static gboolean
run_mode (VaniFakeServer * server, const gchar * const *answers, RunFunc run,
    guint n)
{
  Stress st;
  gboolean ok;

  if (n == 0)
    return TRUE;
  vani_fake_server_set_answers (server, answers);
  stress_init (&st, server);
  ok = run (&st, n) && st.errors == 0;
  printf ("warnings: %u\n", st.warnings);
  stress_clear (&st);
  return ok;
}

int
main (int argc, char **argv)
{
  guint state_changes = 0, barge_ins = 0, app_flushes = 0, turns = 0;
  GOptionEntry entries[] = {
    {"state-changes", 0, 0, G_OPTION_ARG_INT, &state_changes,
        "Random state changes", "N"},
    {"barge-ins", 0, 0, G_OPTION_ARG_INT, &barge_ins,
        "Barge-ins (flushes mid-reply)", "N"},
    {"app-flushes", 0, 0, G_OPTION_ARG_INT, &app_flushes,
        "Flushes from the application into the LLM mid-answer", "N"},
    {"turns", 0, 0, G_OPTION_ARG_INT, &turns, "Turns in one pipeline", "N"},
    {NULL}
  };
  const gchar *long_answer[] = { "Sure, I can help with that. Let me look "
        "it up for you right away, it will only take a moment.", NULL
  };
  const gchar *short_answer[] = { "Sure.", NULL };
  const gchar *transcripts[] = { "Can you help me?", NULL };
  GOptionContext *options = g_option_context_new ("- abuse a vaniagent");
  VaniFakeServer *server;
  GError *error = NULL;
  gboolean ok;

  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_add_group (options, gst_init_get_option_group ());
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);
  g_option_context_free (options);

  server = vani_fake_server_new (&error);
  if (!server)
    g_error ("fake server: %s", error->message);
  vani_fake_server_set_transcripts (server, transcripts);

  /* one pipeline per mode, in real time (faster, the user would talk over
   * every answer); turns get a short answer, heard before the next word */
  ok = run_mode (server, long_answer, run_state_changes, state_changes) &&
      run_mode (server, long_answer, run_barge_ins, barge_ins) &&
      run_mode (server, long_answer, run_app_flushes, app_flushes) &&
      run_mode (server, short_answer, run_turns, turns);
  vani_fake_server_free (server);
  gst_deinit ();
  printf ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
