/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "benchutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <gst/gst.h>

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
