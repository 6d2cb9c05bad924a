/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark: how fast a barge-in silences the bot and cancels its work.
 * A real pipeline on the system clock, services from the fake server over
 * loopback:
 *
 *   (text in) vaniuseraggregator ! vanillm ! vaniopenaitts !
 *             vaniassistantaggregator ! fakesink sync=true
 *
 * Each round the user asks; the LLM streams a long answer (one word every
 * 20 ms) and the TTS streams its audio (100 ms of PCM every 50 ms), so both
 * sockets are mid-reply when, 300 ms after the bot starts speaking, the user
 * speaks again. From the decision (the interruption event leaving the user
 * aggregator) it measures:
 *   - the flush reaching the sink (no audio is rendered after it);
 *   - the last bot buffer rendered by the sink, when one was;
 *   - the LLM and the TTS sockets closed, as the server sees them.
 * Then the user's short turn is answered, so every round is a real turn.
 *
 * Run: meson devenv -C build tests/bench/bargein/vani-bench-barge-in [rounds]
 */
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/vani/vani.h>

#include "benchutil.h"
#include "vanifakeserver.h"

#define DEFAULT_ROUNDS 50
#define WORD_MS 20
#define TTS_CHUNK_BYTES 4800    /* 100 ms at 24 kHz, 16-bit */
#define TTS_CHUNK_MS 50
#define TALK_BEFORE_BARGE_IN_MS 300
#define WAIT_MS 10000

#define LONG_ANSWER "Tonight we have three starters. The first is a " \
  "tomato soup. The second is a green salad. The third is grilled " \
  "halloumi. Then there are four main courses. We have a lamb curry and a " \
  "mushroom risotto. We also have a sea bass and a vegetable pie. For " \
  "dessert there are cakes, tarts and ice creams. Our pastry chef makes " \
  "them every morning. Would you like to hear the prices as well?"

typedef struct
{
  GMutex lock;
  gint64 decision;              /* µs; 0 until the interruption leaves */
  gint64 flush_at_sink;
  gint64 last_render;           /* last buffer rendered after the decision */
  guint rendered_after;
} Round;

static Round round_times;
static GstBus *bus;

static void
note_time (gint64 * field)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&round_times.lock);
  *field = now;
  g_mutex_unlock (&round_times.lock);
}

static GstPadProbeReturn
on_user_src_event (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (gst_vani_event_get_event_type (event) == GST_VANI_EVENT_INTERRUPTION)
    note_time (&round_times.decision);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_sink_event (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_FLUSH_START)
    note_time (&round_times.flush_at_sink);
  return GST_PAD_PROBE_OK;
}

static void
on_handoff (GstElement * sink, GstBuffer * buffer, GstPad * pad, gpointer d)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&round_times.lock);
  if (round_times.decision && !round_times.flush_at_sink) {
    round_times.last_render = now;
    round_times.rendered_after++;
  }
  g_mutex_unlock (&round_times.lock);
}

static gboolean
wait_message (GstVaniBusMessageType type)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    gboolean found = msg && gst_vani_bus_message_get_message_type (msg) ==
        type;

    if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      g_error ("pipeline error: %" GST_PTR_FORMAT, msg);
    if (msg)
      gst_message_unref (msg);
    if (found)
      return TRUE;
  }
  return FALSE;
}

static void
push_text (GstPad * src, const gchar * text)
{
  gst_pad_push (src, gst_buffer_new_memdup (text, strlen (text)));
}

static void
queue_slow_replies (VaniFakeServer * server)
{
  VaniFakeReply *answer = vani_fake_reply_new_text_stream (LONG_ANSWER, TRUE);
  VaniFakeReply *speech = vani_fake_reply_new_pcm (24000, 3000);

  vani_fake_reply_set_chunk_delay_ms (answer, WORD_MS);
  vani_fake_server_queue_reply (server, VANI_FAKE_CHAT, answer);
  vani_fake_reply_set_chunk_size (speech, TTS_CHUNK_BYTES);
  vani_fake_reply_set_chunk_delay_ms (speech, TTS_CHUNK_MS);
  vani_fake_server_queue_reply (server, VANI_FAKE_SPEECH, speech);
}

static void
append (GArray * array, gint64 value)
{
  g_array_append_val (array, value);
}

typedef struct
{
  GArray *to_flush, *to_last_render, *to_llm_closed, *to_tts_closed;
  guint rounds_with_render, buffers_after;
} Results;

static void
run_round (VaniFakeServer * server, GstPad * src, Results * results)
{
  guint closed = vani_fake_server_get_n_closed (server);
  gint64 llm_closed, tts_closed;

  queue_slow_replies (server);
  gst_pad_push_event (src, gst_vani_event_new_user_started_speaking (0, 0));
  push_text (src, "What is on the menu tonight?");
  gst_pad_push_event (src, gst_vani_event_new_user_stopped_speaking (0, 0));
  if (!wait_message (GST_VANI_BUS_MESSAGE_BOT_STARTED_SPEAKING))
    g_error ("the bot never started speaking");
  g_usleep (TALK_BEFORE_BARGE_IN_MS * 1000);

  g_mutex_lock (&round_times.lock);
  round_times.decision = round_times.flush_at_sink = 0;
  round_times.last_render = 0;
  round_times.rendered_after = 0;
  g_mutex_unlock (&round_times.lock);

  /* the barge-in */
  gst_pad_push_event (src, gst_vani_event_new_user_started_speaking (0, 0));
  if (!vani_fake_server_wait_closed (server, closed + 2, WAIT_MS))
    g_error ("the LLM and TTS requests were not both cancelled (%u of 2)", vani_fake_server_get_n_closed (server) - closed);
  if (!wait_message (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING))
    g_error ("the bot never stopped speaking");
  llm_closed = vani_fake_server_get_last_closed_time (server, VANI_FAKE_CHAT);
  tts_closed = vani_fake_server_get_last_closed_time (server,
      VANI_FAKE_SPEECH);

  g_mutex_lock (&round_times.lock);
  append (results->to_flush, round_times.flush_at_sink - round_times.decision);
  if (round_times.rendered_after) {
    append (results->to_last_render,
        round_times.last_render - round_times.decision);
    results->rounds_with_render++;
    results->buffers_after += round_times.rendered_after;
  }
  append (results->to_llm_closed, llm_closed - round_times.decision);
  append (results->to_tts_closed, tts_closed - round_times.decision);
  g_mutex_unlock (&round_times.lock);

  /* the user's new turn is answered (short, default replies) */
  push_text (src, "Just the desserts, please.");
  gst_pad_push_event (src, gst_vani_event_new_user_stopped_speaking (0, 0));
  if (!wait_message (GST_VANI_BUS_MESSAGE_BOT_STOPPED_SPEAKING))
    g_error ("the new turn was not answered");
}

static GstPad *
attach_text_source (GstElement * user)
{
  GstPad *src = gst_pad_new ("src", GST_PAD_SRC);
  GstPad *sink = gst_element_get_static_pad (user, "sink");
  GstCaps *caps = gst_caps_from_string ("text/x-raw,format=utf8");
  GstSegment segment;

  gst_pad_set_active (src, TRUE);
  g_assert (gst_pad_link (src, sink) == GST_PAD_LINK_OK);
  gst_object_unref (sink);
  gst_pad_push_event (src, gst_event_new_stream_start ("barge-in"));
  gst_pad_push_event (src, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (src, gst_event_new_segment (&segment));
  return src;
}

static void
add_probes (GstElement * pipeline)
{
  GstElement *user = gst_bin_get_by_name (GST_BIN (pipeline), "user");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad;

  pad = gst_element_get_static_pad (user, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_user_src_event, NULL, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_FLUSH, on_sink_event,
      NULL, NULL);
  gst_object_unref (pad);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), NULL);
  gst_object_unref (sink);
  gst_object_unref (user);
}

int
main (int argc, char **argv)
{
  guint rounds = argc > 1 ? atoi (argv[1]) : DEFAULT_ROUNDS, r;
  const gchar *answers[] = { "Sure.", NULL };
  VaniFakeServer *server;
  GstElement *pipeline, *user;
  GstPad *src;
  gchar *desc;
  Results results = { 0 };

  gst_init (&argc, &argv);
  g_mutex_init (&round_times.lock);
  server = vani_fake_server_new (NULL);
  g_assert (server);
  vani_fake_server_set_answers (server, answers);
  desc = g_strdup_printf ("vaniuseraggregator name=user ! "
      "vanillm base-url=%s api-key=sk-bench ! "
      "vaniopenaitts base-url=%s api-key=sk-bench ! vaniassistantaggregator ! "
      "fakesink name=sink sync=true async=false signal-handoffs=true",
      vani_fake_server_get_base_url (server),
      vani_fake_server_get_base_url (server));
  pipeline = gst_parse_launch (desc, NULL);
  g_assert (pipeline);
  g_free (desc);
  bus = gst_element_get_bus (pipeline);
  add_probes (pipeline);
  user = gst_bin_get_by_name (GST_BIN (pipeline), "user");
  src = attach_text_source (user);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  results.to_flush = g_array_new (FALSE, FALSE, sizeof (gint64));
  results.to_last_render = g_array_new (FALSE, FALSE, sizeof (gint64));
  results.to_llm_closed = g_array_new (FALSE, FALSE, sizeof (gint64));
  results.to_tts_closed = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (r = 0; r < rounds; r++)
    run_round (server, src, &results);

  vani_bench_print_machine ();
  g_print ("%u barge-ins, LLM mid-stream and TTS mid-body each time\n",
      rounds);
  vani_bench_report ("decision -> flush at sink", results.to_flush);
  vani_bench_report ("decision -> last render", results.to_last_render);
  g_print ("  (a buffer was rendered after the decision in %u of %u rounds, "
      "%u buffers in all)\n", results.rounds_with_render, rounds,
      results.buffers_after);
  vani_bench_report ("decision -> LLM socket closed", results.to_llm_closed);
  vani_bench_report ("decision -> TTS socket closed", results.to_tts_closed);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_pad_set_active (src, FALSE);
  gst_object_unref (src);
  gst_object_unref (user);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  vani_fake_server_free (server);
  g_array_unref (results.to_flush);
  g_array_unref (results.to_last_render);
  g_array_unref (results.to_llm_closed);
  g_array_unref (results.to_tts_closed);
  return 0;
}
