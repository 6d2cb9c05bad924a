/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "benchutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>

static gchar *
cpu_model (void)
{
  gchar *contents = NULL, *model = NULL;
  gchar **lines, **l;

  if (!g_file_get_contents ("/proc/cpuinfo", &contents, NULL, NULL))
    return g_strdup ("unknown CPU");
  lines = g_strsplit (contents, "\n", -1);
  for (l = lines; *l && !model; l++) {
    if (g_str_has_prefix (*l, "model name") && strchr (*l, ':'))
      model = g_strdup (g_strstrip (strchr (*l, ':') + 1));
  }
  g_strfreev (lines);
  g_free (contents);
  return model ? model : g_strdup ("unknown CPU");
}

void
vani_bench_print_machine (void)
{
  struct utsname u;
  gchar *model = cpu_model ();
  gchar *gst = gst_version_string ();

  uname (&u);
  g_print ("machine: %s, %u cores, %s %s, %s\n", model,
      g_get_num_processors (), u.sysname, u.release, gst);
  g_free (gst);
  g_free (model);
}

static int
compare_int64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

gint64
vani_bench_percentile (GArray * values_us, guint percent)
{
  guint i;

  if (values_us->len == 0)
    return 0;
  i = MIN ((values_us->len * percent + 99) / 100, values_us->len) - 1;
  if (percent == 50)
    i = (values_us->len - 1) / 2;
  return g_array_index (values_us, gint64, i);
}

void
vani_bench_report (const gchar * label, GArray * values_us)
{
  qsort (values_us->data, values_us->len, sizeof (gint64), compare_int64);
  g_print ("%-30s n=%-4u p50 %7.3f  p90 %7.3f  p95 %7.3f  p99 %7.3f  "
      "max %7.3f ms\n", label, values_us->len,
      vani_bench_percentile (values_us, 50) / 1000.0,
      vani_bench_percentile (values_us, 90) / 1000.0,
      vani_bench_percentile (values_us, 95) / 1000.0,
      vani_bench_percentile (values_us, 99) / 1000.0,
      vani_bench_percentile (values_us, 100) / 1000.0);
}

glong
vani_bench_rss_kib (void)
{
  gchar *status = NULL, *line;
  glong kib = 0;

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL) &&
      (line = strstr (status, "VmRSS:")))
    kib = atol (line + strlen ("VmRSS:"));
  g_free (status);
  return kib;
}

#define WAV_HEADER 44

GBytes *
vani_bench_read_wav_pcm (const gchar * path)
{
  gchar *data;
  gsize len;
  GBytes *all, *pcm;

  if (!g_file_get_contents (path, &data, &len, NULL) || len <= WAV_HEADER)
    g_error ("cannot read %s", path);
  all = g_bytes_new_take (data, len);
  pcm = g_bytes_new_from_bytes (all, WAV_HEADER, len - WAV_HEADER);
  g_bytes_unref (all);
  return pcm;
}

void
vani_bench_speaker_init (VaniBenchSpeaker * speaker, GBytes * word,
    guint pause_ms)
{
  speaker->word = g_bytes_ref (word);
  speaker->period = g_bytes_get_size (word) +
      (gsize) VANI_BENCH_RATE * 2 * pause_ms / 1000;
  speaker->pos = 0;
  speaker->pts = 0;
}

void
vani_bench_speaker_clear (VaniBenchSpeaker * speaker)
{
  g_clear_pointer (&speaker->word, g_bytes_unref);
}

gboolean
vani_bench_speaker_push (VaniBenchSpeaker * speaker, GstElement * appsrc)
{
  gsize word_len;
  const guint8 *pcm = g_bytes_get_data (speaker->word, &word_len);
  gsize n = MIN (VANI_BENCH_CHUNK_BYTES, speaker->period - speaker->pos);
  gsize from_word = speaker->pos < word_len ?
      MIN (n, word_len - speaker->pos) : 0;
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, n, NULL);

  gst_buffer_fill (buffer, 0, pcm + speaker->pos, from_word);
  gst_buffer_memset (buffer, from_word, 0, n - from_word);
  GST_BUFFER_PTS (buffer) = speaker->pts;
  GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (n / 2, GST_SECOND,
      VANI_BENCH_RATE);
  speaker->pts += GST_BUFFER_DURATION (buffer);
  speaker->pos += n;
  /* the C call, not the action signal: its marshalling would be counted */
  gst_app_src_push_buffer (GST_APP_SRC (appsrc), buffer);
  if (speaker->pos < speaker->period)
    return FALSE;
  speaker->pos = 0;
  return TRUE;
}
