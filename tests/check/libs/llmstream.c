/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The chat-completions chunk handler, driven through the SSE parser with the
 * quirks of real OpenAI-compatible servers, at every split point.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/vani/vani.h>

#define CHUNK(delta) "data: {\"choices\":[{\"index\":0,\"delta\":" delta "}]}\n\n"
#define FINISH(reason) "data: {\"choices\":[{\"index\":0,\"delta\":{}," \
  "\"finish_reason\":\"" reason "\"}]}\n\n"
#define DONE "data: [DONE]\n\n"

typedef struct
{
  GstVaniLLMStream *stream;
  GString *content;
  GString *reasoning;
  GstVaniLLMStreamStatus status;
  GError *error;
} Run;

static void
on_content (const gchar * text, gsize len, gpointer user_data)
{
  g_string_append_len (((Run *) user_data)->content, text, len);
}

static void
on_reasoning (const gchar * text, gsize len, gpointer user_data)
{
  g_string_append_len (((Run *) user_data)->reasoning, text, len);
}

static gboolean
on_event (const gchar * name, const gchar * data, gsize len, gpointer user_data)
{
  Run *run = user_data;

  run->status = gst_vani_llm_stream_push_event (run->stream, name, data, len,
      &run->error);
  return run->status == GST_VANI_LLM_STREAM_STATUS_CONTINUE;
}

/* Parses @sse cut at @cut (0: whole) and finishes the reply. */
static Run *
run_stream (const gchar * sse, gsize cut)
{
  GstVaniSseParser *parser = gst_vani_sse_parser_new (0);
  Run *run = g_new0 (Run, 1);
  gsize len = strlen (sse);

  run->stream = gst_vani_llm_stream_new ();
  run->content = g_string_new (NULL);
  run->reasoning = g_string_new (NULL);
  gst_vani_llm_stream_set_content_func (run->stream, on_content, run);
  gst_vani_llm_stream_set_reasoning_func (run->stream, on_reasoning, run);
  if (cut > 0)
    gst_vani_sse_parser_feed (parser, (const guint8 *) sse, cut, on_event,
        run, NULL);
  if (run->status == GST_VANI_LLM_STREAM_STATUS_CONTINUE)
    gst_vani_sse_parser_feed (parser, (const guint8 *) sse + cut, len - cut,
        on_event, run, NULL);
  gst_vani_sse_parser_free (parser);
  if (run->status != GST_VANI_LLM_STREAM_STATUS_ERROR &&
      !gst_vani_llm_stream_finish (run->stream, &run->error))
    run->status = GST_VANI_LLM_STREAM_STATUS_ERROR;
  return run;
}

static void
run_free (Run * run)
{
  gst_vani_llm_stream_free (run->stream);
  g_string_free (run->content, TRUE);
  g_string_free (run->reasoning, TRUE);
  g_clear_error (&run->error);
  g_free (run);
}

static gchar *
describe_calls (Run * run)
{
  GString *s = g_string_new (NULL);
  guint i, n = gst_vani_llm_stream_get_n_tool_calls (run->stream);

  for (i = 0; i < n; i++) {
    GstVaniToolCall *call = gst_vani_llm_stream_get_tool_call (run->stream, i);

    g_string_append_printf (s, "%s%s(%s)%s", i ? ";" : "",
        gst_vani_tool_call_get_name (call),
        gst_vani_tool_call_get_arguments (call),
        gst_vani_llm_stream_tool_call_is_valid (run->stream, call) ? "" :
        "!invalid");
    gst_vani_tool_call_unref (call);
  }
  return g_string_free (s, FALSE);
}

/* The same content, reasoning, calls and status at every split point. */
static Run *
run_all_splits (const gchar * sse)
{
  Run *whole = run_stream (sse, 0);
  gchar *calls = describe_calls (whole);
  gsize cut;

  for (cut = 1; cut < strlen (sse); cut++) {
    Run *split = run_stream (sse, cut);
    gchar *split_calls = describe_calls (split);

    fail_unless_equals_string (split->content->str, whole->content->str);
    fail_unless_equals_string (split->reasoning->str, whole->reasoning->str);
    fail_unless_equals_string (split_calls, calls);
    fail_unless_equals_int (split->status, whole->status);
    g_free (split_calls);
    run_free (split);
  }
  g_free (calls);
  return whole;
}

static void
assert_calls (Run * run, const gchar * expected)
{
  gchar *calls = describe_calls (run);

  fail_unless_equals_string (calls, expected);
  g_free (calls);
}

GST_START_TEST (test_openai_text_with_usage)
{
  Run *run = run_all_splits (CHUNK ("{\"role\":\"assistant\",\"content\":\"\"}")
      CHUNK ("{\"content\":\"Hello\"}")
      CHUNK ("{\"content\":\", wörld 🙂\",\"obfuscation\":\"x\"}")
      FINISH ("stop")
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,"
      "\"completion_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":8},"
      "\"completion_tokens_details\":{\"reasoning_tokens\":1}}}\n\n" DONE);
  GstVaniLLMUsage usage;

  fail_unless_equals_string (run->content->str, "Hello, wörld 🙂");
  fail_unless_equals_int (run->status, GST_VANI_LLM_STREAM_STATUS_DONE);
  fail_unless_equals_string (gst_vani_llm_stream_get_finish_reason
      (run->stream), "stop");
  fail_unless (gst_vani_llm_stream_get_usage (run->stream, &usage));
  fail_unless_equals_int64 (usage.prompt_tokens, 10);
  fail_unless_equals_int64 (usage.completion_tokens, 3);
  fail_unless_equals_int64 (usage.cached_tokens, 8);
  fail_unless_equals_int64 (usage.reasoning_tokens, 1);
  fail_unless (gst_vani_llm_stream_has_first_delta (run->stream));
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_openai_parallel_tool_calls)
{
  /* arguments split anywhere, even inside the \" and \u escapes */
  Run *run = run_all_splits (CHUNK ("{\"tool_calls\":[{\"index\":0,\"id\":"
          "\"call_a\",\"type\":\"function\",\"function\":{\"name\":"
          "\"get_weather\",\"arguments\":\"\"}}]}")
      CHUNK ("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
          "\"{\\\"ci\"}}]}")
      CHUNK ("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
          "\"ty\\\": \\\"P\\u00fcne\\\"}\"}}]}")
      CHUNK ("{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":"
          "\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":"
          "\"{}\"}}]}")
      FINISH ("tool_calls") DONE);

  assert_calls (run, "get_weather({\"city\": \"Püne\"});get_time({})");
  fail_unless_equals_string (run->content->str, "");
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_ollama_whole_args_and_reused_index)
{
  Run *run;

  /* no index at all, whole arguments as an object, two calls */
  run = run_all_splits (CHUNK ("{\"tool_calls\":[{\"id\":\"o1\",\"function\":"
          "{\"name\":\"a\",\"arguments\":{\"x\":1}}}]}")
      CHUNK ("{\"tool_calls\":[{\"id\":\"o2\",\"function\":{\"name\":\"b\","
          "\"arguments\":{\"y\":2}}}]}") FINISH ("tool_calls") DONE);
  assert_calls (run, "a({\"x\":1});b({\"y\":2})");
  run_free (run);

  /* index 0 reused for a second call with a new id */
  run = run_all_splits (CHUNK ("{\"tool_calls\":[{\"index\":0,\"id\":\"p1\","
          "\"function\":{\"name\":\"a\",\"arguments\":\"{}\"}}]}")
      CHUNK ("{\"tool_calls\":[{\"index\":0,\"id\":\"p2\",\"function\":"
          "{\"name\":\"b\",\"arguments\":\"{\\\"k\\\":true}\"}}]}")
      FINISH ("tool_calls") DONE);
  assert_calls (run, "a({});b({\"k\":true})");
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_repeated_name_and_id_are_not_concatenated)
{
  Run *run = run_all_splits (CHUNK ("{\"tool_calls\":[{\"index\":0,\"id\":"
          "\"r1\",\"function\":{\"name\":\"lookup\",\"arguments\":\"{\\\"q\"}}]}")
      CHUNK ("{\"tool_calls\":[{\"index\":0,\"id\":\"r1\",\"function\":"
          "{\"name\":\"lookup\",\"arguments\":\"\\\":1}\"}}]}")
      FINISH ("tool_calls") DONE);
  GstVaniToolCall *call;

  assert_calls (run, "lookup({\"q\":1})");
  call = gst_vani_llm_stream_get_tool_call (run->stream, 0);
  fail_unless_equals_string (gst_vani_tool_call_get_id (call), "r1");
  gst_vani_tool_call_unref (call);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_empty_id_and_empty_arguments)
{
  Run *run = run_stream (CHUNK ("{\"tool_calls\":[{\"index\":0,\"id\":\"\","
          "\"function\":{\"name\":\"ping\",\"arguments\":\"\"}}]}")
      FINISH ("tool_calls"), 0);
  GstVaniToolCall *call;

  assert_calls (run, "ping({})");
  call = gst_vani_llm_stream_get_tool_call (run->stream, 0);
  fail_unless (g_str_has_prefix (gst_vani_tool_call_get_id (call), "call_"));
  gst_vani_tool_call_unref (call);
  /* EOF after a finish reason without [DONE] is complete */
  fail_unless_equals_int (run->status, GST_VANI_LLM_STREAM_STATUS_CONTINUE);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_invalid_arguments_are_flagged)
{
  Run *run = run_stream (CHUNK ("{\"tool_calls\":[{\"index\":0,\"id\":\"i\","
          "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\": \"}}]}")
      FINISH ("tool_calls") DONE, 0);

  assert_calls (run, "f({\"a\": )!invalid");
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_reasoning_never_in_content)
{
  Run *run;

  run = run_all_splits (CHUNK ("{\"reasoning_content\":\"Let me think.\"}")
      CHUNK ("{\"reasoning\":\" More.\"}")
      CHUNK ("{\"content\":\"Answer.\"}") FINISH ("stop") DONE);
  fail_unless_equals_string (run->content->str, "Answer.");
  fail_unless_equals_string (run->reasoning->str, "Let me think. More.");
  run_free (run);

  /* tags split across deltas */
  run = run_all_splits (CHUNK ("{\"content\":\"<thi\"}")
      CHUNK ("{\"content\":\"nk>secret</th\"}")
      CHUNK ("{\"content\":\"ink>Visible <b>text</b> <t\"}")
      FINISH ("stop") DONE);
  fail_unless_equals_string (run->content->str, "Visible <b>text</b> <t");
  fail_unless_equals_string (run->reasoning->str, "secret");
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_filter_chunks_keepalives_and_nulls)
{
  Run *run = run_all_splits ("data: {\"choices\":[],\"prompt_filter_results\":"
      "[{\"prompt_index\":0}]}\n\n"
      ": OPENROUTER PROCESSING\n\n"
      "data: : keepalive\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":null}]}\n\n"
      "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}}]}\n\n"
      CHUNK ("{\"content\":\"ok\",\"refusal\":null}") FINISH ("stop") DONE);

  fail_unless_equals_string (run->content->str, "ok");
  fail_unless_equals_int (run->status, GST_VANI_LLM_STREAM_STATUS_DONE);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_usage_sources)
{
  GstVaniLLMUsage usage;
  Run *run;

  /* cumulative usage in every chunk: the last one wins */
  run = run_stream ("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":"
      "\"a\"}}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
      "\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n"
      DONE, 0);
  fail_unless (gst_vani_llm_stream_get_usage (run->stream, &usage));
  fail_unless_equals_int64 (usage.completion_tokens, 2);
  fail_unless_equals_int64 (usage.cached_tokens, -1);
  run_free (run);

  /* Groq */
  run = run_stream ("data: {\"choices\":[{\"index\":0,\"delta\":{},"
      "\"finish_reason\":\"stop\"}],\"x_groq\":{\"usage\":{\"prompt_tokens\":"
      "7,\"completion_tokens\":4}}}\n\n" DONE, 0);
  fail_unless (gst_vani_llm_stream_get_usage (run->stream, &usage));
  fail_unless_equals_int64 (usage.prompt_tokens, 7);
  run_free (run);
}

GST_END_TEST;

static void
assert_error (const gchar * sse, gint code, const gchar * needle)
{
  Run *run = run_stream (sse, 0);

  fail_unless_equals_int (run->status, GST_VANI_LLM_STREAM_STATUS_ERROR);
  fail_unless (g_error_matches (run->error, GST_VANI_LLM_STREAM_ERROR, code),
      "%s", run->error ? run->error->message : "no error");
  fail_unless (strstr (run->error->message, needle) != NULL, "%s",
      run->error->message);
  run_free (run);
}

GST_START_TEST (test_errors)
{
  assert_error (CHUNK ("{\"content\":\"Hi\"}")
      "data: {\"error\":{\"message\":\"Rate limit reached\",\"code\":429}}\n\n"
      DONE, GST_VANI_LLM_STREAM_ERROR_SERVER, "Rate limit reached");
  assert_error ("event: error\ndata: {\"message\":\"overloaded\"}\n\n",
      GST_VANI_LLM_STREAM_ERROR_SERVER, "overloaded");
  assert_error ("data: {\"error\":\"plain string error\"}\n\n",
      GST_VANI_LLM_STREAM_ERROR_SERVER, "plain string error");
  assert_error ("data: {\"choices\": [\n\n", GST_VANI_LLM_STREAM_ERROR_MALFORMED,
      "not valid JSON");
  assert_error ("data: [1, 2]\n\n", GST_VANI_LLM_STREAM_ERROR_MALFORMED,
      "not a JSON object");
  assert_error ("data: \xff\xfe\n\n", GST_VANI_LLM_STREAM_ERROR_MALFORMED,
      "UTF-8");
  assert_error (CHUNK ("{\"content\":\"Half an ans\"}"),
      GST_VANI_LLM_STREAM_ERROR_TRUNCATED, "ended before");
}

GST_END_TEST;

GST_START_TEST (test_hostile_input_is_bounded)
{
  GString *deep = g_string_new ("data: ");
  GString *many = g_string_new (NULL);
  Run *run;
  guint i;

  for (i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_string_append (deep, "\n\n");
  assert_error (deep->str, GST_VANI_LLM_STREAM_ERROR_MALFORMED, "nested");

  for (i = 0; i < 200; i++)
    g_string_append_printf (many, "data: {\"choices\":[{\"index\":0,\"delta\":"
        "{\"tool_calls\":[{\"index\":%u,\"id\":\"c%u\",\"function\":"
        "{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n", i, i);
  run = run_stream (many->str, 0);
  fail_unless_equals_int (run->status, GST_VANI_LLM_STREAM_STATUS_ERROR);
  fail_unless (strstr (run->error->message, "more than") != NULL);
  run_free (run);
  g_string_free (deep, TRUE);
  g_string_free (many, TRUE);
}

GST_END_TEST;

/* The fast path for plain content deltas must read exactly what json-glib
 * reads, and hand everything else to it. */
GST_START_TEST (test_fast_path_matches_json_glib)
{
  static const struct
  {
    const gchar *json;
    const gchar *content;
    const gchar *reasoning;
  } cases[] = {
    {"{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,"
          "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
          "\"assistant\",\"content\":\"Hi\"},\"logprobs\":null,"
          "\"finish_reason\":null}]}", "Hi", ""},
    {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":"
          "\"a\\\"b\\\\c\\/d\\n\\te\\u00e9\\ud83d\\ude00\"}}]}",
        "a\"b\\c/d\n\te\xc3\xa9\xf0\x9f\x98\x80", ""},
    {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":null}}]}", "", ""},
    {" { \"choices\" : [ { \"index\" : 0 , \"delta\" : { \"content\" : "
          "\"x\" } } ] } ", "x", ""},
    {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"y\"},"
          "\"logprobs\":{\"content\":[{\"token\":\"y\",\"logprob\":-0.1,"
          "\"bytes\":[121],\"top_logprobs\":[]}]}}],\"system_fingerprint\":"
          "\"fp\",\"usage\":null}", "y", ""},
    {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\","
          "\"content\":\"b\"}}]}", "b", ""},
    {"{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"}}]}",
        "", ""},
    {"{\"created\":-1.5e+10,\"ok\":true,\"no\":false,\"choices\":[{\"index\":"
          "0,\"delta\":{\"content\":\"n\"}}]}", "n", ""},
    {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":"
          "\"<think>r</think>c\"}}]}", "c", "r"},
    {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"z\","
          "\"reasoning_content\":\"why\"}}]}", "z", "why"},
    {"{\"choices\":[]}", "", ""},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *sse = g_strdup_printf ("data: %s\n\n" DONE, cases[i].json);
    Run *run = run_stream (sse, 0);

    fail_unless_equals_int (run->status, GST_VANI_LLM_STREAM_STATUS_DONE);
    fail_unless_equals_string (run->content->str, cases[i].content);
    fail_unless_equals_string (run->reasoning->str, cases[i].reasoning);
    run_free (run);
    g_free (sse);
  }
}

GST_END_TEST;

/* What the fast path refuses, json-glib judges: malformed stays an error. */
GST_START_TEST (test_fast_path_leaves_malformed_to_json_glib)
{
  const gchar *bad[] = {
    "{\"choices\":[]} x",
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a}}]}",
    "{\"choices\":[",
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}],}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *sse = g_strdup_printf ("data: %s\n\n" DONE, bad[i]);
    Run *run = run_stream (sse, 0);

    fail_unless (run->status == GST_VANI_LLM_STREAM_STATUS_ERROR,
        "accepted: %s", bad[i]);
    fail_unless_equals_string (run->content->str, "");
    run_free (run);
    g_free (sse);
  }
}

GST_END_TEST;

static Suite *
llmstream_suite (void)
{
  Suite *s = suite_create ("vani-llmstream");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_openai_text_with_usage);
  tcase_add_test (tc, test_openai_parallel_tool_calls);
  tcase_add_test (tc, test_ollama_whole_args_and_reused_index);
  tcase_add_test (tc, test_repeated_name_and_id_are_not_concatenated);
  tcase_add_test (tc, test_empty_id_and_empty_arguments);
  tcase_add_test (tc, test_invalid_arguments_are_flagged);
  tcase_add_test (tc, test_reasoning_never_in_content);
  tcase_add_test (tc, test_filter_chunks_keepalives_and_nulls);
  tcase_add_test (tc, test_usage_sources);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_hostile_input_is_bounded);
  tcase_add_test (tc, test_fast_path_matches_json_glib);
  tcase_add_test (tc, test_fast_path_leaves_malformed_to_json_glib);
  return s;
}

GST_CHECK_MAIN (llmstream);
