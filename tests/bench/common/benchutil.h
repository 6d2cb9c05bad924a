/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What every benchmark prints: the machine it ran on and percentiles.
 */
#ifndef __VANI_BENCH_UTIL_H__
#define __VANI_BENCH_UTIL_H__

#include <glib.h>

G_BEGIN_DECLS

/* CPU model, cores, kernel and GStreamer version, one line. */
void vani_bench_print_machine (void);

/* Sorts @values_us (gint64 microseconds) and prints n, p50, p90, p95, p99
 * and max in milliseconds under @label. */
void vani_bench_report (const gchar * label, GArray * values_us);

/* The @percent percentile of sorted @values_us. */
gint64 vani_bench_percentile (GArray * values_us, guint percent);

G_END_DECLS

#endif /* __VANI_BENCH_UTIL_H__ */
