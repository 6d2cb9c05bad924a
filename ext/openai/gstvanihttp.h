/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_VANI_HTTP_H__
#define __GST_VANI_HTTP_H__

#include <gst/gst.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The HTTP layer shared by the OpenAI-compatible elements: one worker thread
 * per element with its own GMainContext and SoupSession, so streaming threads
 * never wait on the network. */
typedef struct _GstVaniHttp GstVaniHttp;

#define GST_VANI_HTTP_ERROR (gst_vani_http_error_quark ())
GQuark gst_vani_http_error_quark (void);

typedef enum {
  GST_VANI_HTTP_ERROR_BAD_URL,
  GST_VANI_HTTP_ERROR_STATUS,
  GST_VANI_HTTP_ERROR_TOO_LARGE,
} GstVaniHttpError;

/* @thread_name: at most 15 characters, or the system keeps the parent's */
GstVaniHttp *gst_vani_http_new (const gchar * thread_name);
void gst_vani_http_free (GstVaniHttp * http);
void gst_vani_http_clear (GstVaniHttp ** http);

GMainContext *gst_vani_http_get_context (GstVaniHttp * http);
SoupSession *gst_vani_http_get_session (GstVaniHttp * http);
void gst_vani_http_invoke (GstVaniHttp * http, GSourceFunc func,
    gpointer data, GDestroyNotify notify);
GSource *gst_vani_http_add_timeout (GstVaniHttp * http, guint ms,
    GSourceFunc func, gpointer data, GDestroyNotify notify);

SoupMessage *gst_vani_http_new_post (const gchar * base_url,
    const gchar * endpoint, const gchar * api_key,
    const GstStructure * extra_headers, GError ** error);

gboolean gst_vani_http_status_is_retryable (guint status);
guint gst_vani_http_retry_delay_ms (SoupMessage * msg, guint attempt);
gchar *gst_vani_http_describe_failure (SoupMessage * msg, GBytes * body);
gchar *gst_vani_http_redact (const gchar * text, const gchar * secret);

/* The largest error or JSON reply body an element reads. */
#define GST_VANI_HTTP_BODY_MAX (1024 * 1024)

/* Watches a reply for progress: cancels @cancellable when the element saw
 * no progress (what counts is the element's: an SSE event, 100 ms of audio)
 * for request-timeout seconds. A server that stalls, or drips a byte at a
 * time, ends the turn. Lives on the HTTP thread. */
typedef struct _GstVaniHttpWatchdog GstVaniHttpWatchdog;

GstVaniHttpWatchdog *gst_vani_http_watchdog_new (GstVaniHttp * http,
    guint timeout_s, GCancellable * cancellable);
void gst_vani_http_watchdog_free (GstVaniHttpWatchdog * watchdog);
void gst_vani_http_watchdog_progress (GstVaniHttpWatchdog * watchdog);
gsize gst_vani_http_watchdog_count (GstVaniHttpWatchdog * watchdog,
    gsize bytes);
gboolean gst_vani_http_watchdog_fired (GstVaniHttpWatchdog * watchdog);

void gst_vani_http_close_body (GInputStream * stream, SoupMessage * msg,
    gboolean drain);
void gst_vani_http_read_all_async (GInputStream * stream, gsize max_size,
    GCancellable * cancellable, GstVaniHttpWatchdog * watchdog,
    GAsyncReadyCallback callback, gpointer user_data);
GBytes *gst_vani_http_read_all_finish (GAsyncResult * result,
    GError ** error);

/* The connection settings every OpenAI-compatible element has, with one
 * implementation of their properties. */
typedef struct
{
  gchar *api_key;               /* write-only property: never printed */
  gchar *base_url;
  guint request_timeout;
  GstStructure *extra_headers;
} GstVaniHttpSettings;

typedef enum
{
  GST_VANI_HTTP_PROP_API_KEY,
  GST_VANI_HTTP_PROP_BASE_URL,
  GST_VANI_HTTP_PROP_REQUEST_TIMEOUT,
  GST_VANI_HTTP_PROP_EXTRA_HEADERS,
  GST_VANI_HTTP_N_PROPS,
} GstVaniHttpProp;

void gst_vani_http_settings_init (GstVaniHttpSettings * settings,
    guint default_timeout);
void gst_vani_http_settings_clear (GstVaniHttpSettings * settings);
void gst_vani_http_settings_install (GObjectClass * klass, guint first_prop_id,
    guint default_timeout);
gboolean gst_vani_http_settings_set (GstVaniHttpSettings * settings,
    guint first_prop_id, guint prop_id, const GValue * value);
gboolean gst_vani_http_settings_get (GstVaniHttpSettings * settings,
    guint first_prop_id, guint prop_id, GValue * value);
SoupMessage *gst_vani_http_settings_new_post (GstObject * element,
    GstVaniHttpSettings * settings, const gchar * endpoint, GError ** error);
gchar *gst_vani_http_settings_redact (GstObject * element,
    GstVaniHttpSettings * settings, const gchar * text);
void gst_vani_http_settings_apply_timeout (GstObject * element,
    GstVaniHttpSettings * settings, GstVaniHttp * http);
GstVaniHttpWatchdog *gst_vani_http_settings_watch (GstObject * element,
    GstVaniHttpSettings * settings, GstVaniHttp * http,
    GCancellable * cancellable);
gchar *gst_vani_http_settings_explain_error (GstObject * element,
    GstVaniHttpSettings * settings, const GError * error,
    GstVaniHttpWatchdog * watchdog);

G_END_DECLS

#endif /* __GST_VANI_HTTP_H__ */
