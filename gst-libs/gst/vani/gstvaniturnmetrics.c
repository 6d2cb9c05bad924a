/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstvaniturnmetrics
 * @title: Turn metrics
 * @short_description: where the time of one turn goes
 *
 * Each stage stamps a turn as it passes, on the monotonic clock
 * (g_get_monotonic_time(), microseconds). The marks travel downstream in the
 * turn's own events: the user aggregator puts them on `llm-context`,
 * vanillm adds its own and passes them on in `llm-response-end`, the TTS
 * adds its own to that event, and the assistant aggregator adds when the
 * first audio was played and posts `vani/turn-metrics`.
 *
 * | mark | stamped by | when |
 * |---|---|---|
 * | `speech-end` | user aggregator | the user really stopped speaking (the VAD's stop, backdated) |
 * | `vad-stop` | user aggregator | the VAD's `user-stopped-speaking` arrived |
 * | `transcript` | user aggregator | the last final transcript arrived |
 * | `decision` | user aggregator | the user's turn was closed and sent to the LLM |
 * | `request-sent` | vanillm | the first request of the turn was sent |
 * | `first-token` | vanillm | the first delta arrived |
 * | `first-sentence` | TTS | the first sentence was handed to synthesis |
 * | `first-audio` | TTS | its first audio came out |
 * | `first-played` | assistant aggregator | that audio was played by the sink |
 *
 * Usage: `audio-seconds` (user speech), `prompt-tokens` and
 * `completion-tokens` (summed over the turn's rounds), `characters`
 * (synthesised).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvaniturnmetrics.h"

#define MARKS_FIELD "turn-marks"

/* (derived name, from mark, to mark) */
static const gchar *const spans[][3] = {
  {"voice-to-voice", "speech-end", "first-played"},
  {"end-of-turn", "speech-end", "decision"},
  {"stt", "vad-stop", "transcript"},
  {"to-llm", "decision", "request-sent"},
  {"llm-ttfb", "request-sent", "first-token"},
  {"to-tts", "first-token", "first-sentence"},
  {"tts-ttfb", "first-sentence", "first-audio"},
  {"to-sink", "first-audio", "first-played"},
};

static gboolean
merge_field (GQuark field, const GValue * value, gpointer dest)
{
  gst_structure_id_set_value (dest, field, value);
  return TRUE;
}

/**
 * gst_vani_event_add_turn_marks:
 * @event: (transfer full): a turn's event (`llm-context`,
 *   `llm-response-end`)
 * @marks: (nullable): marks to merge into those the event carries
 *
 * Returns: (transfer full): @event, made writable, with the marks merged
 */
GstEvent *
gst_vani_event_add_turn_marks (GstEvent * event, const GstStructure * marks)
{
  const GstStructure *old;
  GstStructure *merged;

  g_return_val_if_fail (GST_IS_EVENT (event), event);
  if (!marks)
    return event;
  old = gst_vani_event_get_turn_marks (event);
  merged = old ? gst_structure_copy (old) :
      gst_structure_new_empty (GST_VANI_TURN_MARKS_NAME);
  gst_structure_foreach (marks, merge_field, merged);
  event = gst_event_make_writable (event);
  gst_structure_set (gst_event_writable_structure (event), MARKS_FIELD,
      GST_TYPE_STRUCTURE, merged, NULL);
  gst_structure_free (merged);
  return event;
}

/**
 * gst_vani_event_get_turn_marks:
 * @event: an event
 *
 * Returns: (transfer none) (nullable): the turn marks @event carries
 */
const GstStructure *
gst_vani_event_get_turn_marks (GstEvent * event)
{
  const GstStructure *s;
  const GValue *value;

  g_return_val_if_fail (GST_IS_EVENT (event), NULL);
  s = gst_event_get_structure (event);
  if (!s || !(value = gst_structure_get_value (s, MARKS_FIELD)) ||
      !GST_VALUE_HOLDS_STRUCTURE (value))
    return NULL;
  return gst_value_get_structure (value);
}

/**
 * gst_vani_turn_marks_set_time:
 * @marks: turn marks
 * @mark: a mark's name, e.g. "first-token"
 * @monotonic_us: when, on the g_get_monotonic_time() clock
 */
void
gst_vani_turn_marks_set_time (GstStructure * marks, const gchar * mark,
    gint64 monotonic_us)
{
  g_return_if_fail (marks != NULL && mark != NULL);
  gst_structure_set (marks, mark, G_TYPE_INT64, monotonic_us, NULL);
}

/**
 * gst_vani_bus_message_new_turn_metrics:
 * @src: the element that saw the turn end (the assistant aggregator)
 * @marks: the turn's marks
 *
 * A `vani/turn-metrics` message: every mark and usage count, plus the spans
 * between them in microseconds (gint64) where both ends are known:
 * `voice-to-voice`, `end-of-turn`, `stt`, `to-llm`, `llm-ttfb`, `to-tts`,
 * `tts-ttfb` and `to-sink`.
 *
 * Returns: (transfer full): a new element message
 */
GstMessage *
gst_vani_bus_message_new_turn_metrics (GstObject * src,
    const GstStructure * marks)
{
  GstStructure *s = gst_structure_new_empty ("vani/turn-metrics");
  guint i;

  g_return_val_if_fail (marks != NULL, NULL);
  gst_structure_foreach (marks, merge_field, s);
  for (i = 0; i < G_N_ELEMENTS (spans); i++) {
    gint64 from, to;

    if (gst_structure_get_int64 (marks, spans[i][1], &from) &&
        gst_structure_get_int64 (marks, spans[i][2], &to))
      gst_structure_set (s, spans[i][0], G_TYPE_INT64, to - from, NULL);
  }
  return gst_message_new_element (src, s);
}

/**
 * gst_vani_turn_metrics_describe:
 * @metrics: the structure of a `vani/turn-metrics` message
 *
 * Returns: (transfer full): one readable line, e.g. "voice-to-voice 812.4 ms
 *   = end-of-turn 801.0 + to-llm 0.2 + llm-ttfb 5.1 + to-tts 1.0 + tts-ttfb
 *   3.2 + to-sink 1.9 (stt 210.0); tokens 12/7; 65 characters"
 */
gchar *
gst_vani_turn_metrics_describe (const GstStructure * metrics)
{
  /* these add up to voice-to-voice */
  static const gchar *const chain[] = { "end-of-turn", "to-llm", "llm-ttfb",
    "to-tts", "tts-ttfb", "to-sink"
  };
  GString *line = g_string_new (NULL);
  const gchar *sep = " = ";
  gint64 value;
  guint64 characters;
  guint i;

  if (gst_structure_get_int64 (metrics, "voice-to-voice", &value))
    g_string_append_printf (line, "voice-to-voice %.1f ms", value / 1000.0);
  else
    g_string_append (line, "turn (ms)");
  for (i = 0; i < G_N_ELEMENTS (chain); i++) {
    if (gst_structure_get_int64 (metrics, chain[i], &value)) {
      g_string_append_printf (line, "%s%s %.1f", sep, chain[i],
          value / 1000.0);
      sep = " + ";
    }
  }
  if (gst_structure_get_int64 (metrics, "stt", &value))
    g_string_append_printf (line, " (stt %.1f)", value / 1000.0);
  if (gst_structure_get_int64 (metrics, "prompt-tokens", &value))
    g_string_append_printf (line, "; tokens %" G_GINT64_FORMAT, value);
  if (gst_structure_get_int64 (metrics, "completion-tokens", &value))
    g_string_append_printf (line, "/%" G_GINT64_FORMAT, value);
  if (gst_structure_get_uint64 (metrics, "characters", &characters))
    g_string_append_printf (line, "; %" G_GUINT64_FORMAT " characters",
        characters);
  return g_string_free (line, FALSE);
}
