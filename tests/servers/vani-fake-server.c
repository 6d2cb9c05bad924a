/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vani-fake-server: the scripted OpenAI-compatible server as a program, for
 * the README demo and the benchmarks. Prints VANI_FAKE_SERVER_URL=... and
 * serves on 127.0.0.1 until SIGINT/SIGTERM.
 */
#include "vanifakeserver.h"

#include <stdio.h>
#include <stdlib.h>
#include <glib-unix.h>

static gchar **
read_lines (const gchar * path)
{
  gchar *contents = NULL;
  gchar **lines;
  GPtrArray *kept;
  GError *error = NULL;
  guint i;

  if (!g_file_get_contents (path, &contents, NULL, &error)) {
    g_printerr ("vani-fake-server: %s\n", error->message);
    exit (1);
  }
  lines = g_strsplit (contents, "\n", -1);
  kept = g_ptr_array_new ();
  for (i = 0; lines[i]; i++) {
    if (*g_strstrip (lines[i]))
      g_ptr_array_add (kept, g_strdup (lines[i]));
  }
  g_ptr_array_add (kept, NULL);
  g_strfreev (lines);
  g_free (contents);
  return (gchar **) g_ptr_array_free (kept, FALSE);
}

static gboolean
quit_on_signal (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gint port = 0, llm_ms = 0, stt_ms = 0, tts_ms = 0, chunk_size = 0;
  gchar *answers = NULL, *transcripts = NULL, *transcript = NULL;
  gchar **chat_replies = NULL;
  GOptionEntry entries[] = {
    {"port", 'p', 0, G_OPTION_ARG_INT, &port, "Port (0: any free one)", "N"},
    {"chat-reply", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &chat_replies,
        "A scripted chat reply (.sse or .json fixture); repeat for more, "
        "served in order before the answers", "FILE"},
    {"chunk-size", 0, 0, G_OPTION_ARG_INT, &chunk_size,
        "Bytes per write of the scripted chat replies (0: one event each)",
        "N"},
    {"answers", 'a', 0, G_OPTION_ARG_FILENAME, &answers,
        "Chat answers, one per line, used in turn", "FILE"},
    {"transcripts", 0, 0, G_OPTION_ARG_FILENAME, &transcripts,
        "Transcriptions, one per line, used in turn", "FILE"},
    {"transcript", 0, 0, G_OPTION_ARG_STRING, &transcript,
        "The transcription of every audio file", "TEXT"},
    {"llm-ttfb-ms", 0, 0, G_OPTION_ARG_INT, &llm_ms,
        "Delay before each chat reply", "MS"},
    {"stt-ms", 0, 0, G_OPTION_ARG_INT, &stt_ms,
        "Delay before each transcription", "MS"},
    {"tts-ttfb-ms", 0, 0, G_OPTION_ARG_INT, &tts_ms,
        "Delay before each speech reply", "MS"},
    {NULL}
  };
  GOptionContext *options;
  GError *error = NULL;
  VaniFakeServer *server;
  GMainLoop *loop;
  guint i;

  options = g_option_context_new ("- a scripted OpenAI-compatible server");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error)) {
    g_printerr ("vani-fake-server: %s\n", error->message);
    return 2;
  }
  g_option_context_free (options);

  server = vani_fake_server_new_on_port (port, &error);
  if (!server) {
    g_printerr ("vani-fake-server: cannot listen: %s\n", error->message);
    return 1;
  }
  if (answers) {
    gchar **lines = read_lines (answers);

    vani_fake_server_set_answers (server, (const gchar * const *) lines);
    g_strfreev (lines);
  }
  if (transcripts || transcript) {
    gchar **lines = transcripts ? read_lines (transcripts) :
        g_strsplit (transcript, "\n", 1);

    vani_fake_server_set_transcripts (server, (const gchar * const *) lines);
    g_strfreev (lines);
  }
  for (i = 0; chat_replies && chat_replies[i]; i++) {
    VaniFakeReply *reply = vani_fake_reply_new_from_file (chat_replies[i],
        &error);

    if (!reply) {
      g_printerr ("vani-fake-server: %s\n", error->message);
      return 1;
    }
    vani_fake_reply_set_chunk_size (reply, chunk_size);
    vani_fake_server_queue_reply (server, VANI_FAKE_CHAT, reply);
  }
  vani_fake_server_set_latency (server, VANI_FAKE_CHAT, llm_ms);
  vani_fake_server_set_latency (server, VANI_FAKE_TRANSCRIPTIONS, stt_ms);
  vani_fake_server_set_latency (server, VANI_FAKE_SPEECH, tts_ms);

  printf ("VANI_FAKE_SERVER_URL=%s\n", vani_fake_server_get_base_url (server));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_on_signal, loop);
  g_unix_signal_add (SIGTERM, quit_on_signal, loop);
  g_main_loop_run (loop);

  g_main_loop_unref (loop);
  vani_fake_server_free (server);
  g_free (answers);
  g_free (transcripts);
  g_free (transcript);
  g_strfreev (chat_replies);
  return 0;
}
