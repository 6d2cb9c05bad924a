/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvanicontext.h"

/* Placeholder: the full implementation replaces this file. */
struct _GstVaniToolCall
{
  gint refcount;
  gchar *id;
  gchar *name;
  gchar *arguments;
};

struct _GstVaniContext
{
  GObject parent;
};

G_DEFINE_BOXED_TYPE (GstVaniToolCall, gst_vani_tool_call,
    gst_vani_tool_call_ref, gst_vani_tool_call_unref);
G_DEFINE_FINAL_TYPE (GstVaniContext, gst_vani_context, G_TYPE_OBJECT);

GstVaniToolCall *
gst_vani_tool_call_new (const gchar * id, const gchar * name,
    const gchar * arguments)
{
  GstVaniToolCall *call = g_new0 (GstVaniToolCall, 1);

  call->refcount = 1;
  call->id = g_strdup (id);
  call->name = g_strdup (name);
  call->arguments = g_strdup (arguments ? arguments : "{}");
  return call;
}

GstVaniToolCall *
gst_vani_tool_call_ref (GstVaniToolCall * call)
{
  g_atomic_int_inc (&call->refcount);
  return call;
}

void
gst_vani_tool_call_unref (GstVaniToolCall * call)
{
  if (!g_atomic_int_dec_and_test (&call->refcount))
    return;
  g_free (call->id);
  g_free (call->name);
  g_free (call->arguments);
  g_free (call);
}

const gchar *
gst_vani_tool_call_get_id (const GstVaniToolCall * call)
{
  return call->id;
}

const gchar *
gst_vani_tool_call_get_name (const GstVaniToolCall * call)
{
  return call->name;
}

const gchar *
gst_vani_tool_call_get_arguments (const GstVaniToolCall * call)
{
  return call->arguments;
}

static void
gst_vani_context_class_init (GstVaniContextClass * klass)
{
}

static void
gst_vani_context_init (GstVaniContext * self)
{
}

/* Placeholder for the message type, replaced with the full implementation. */
GType
gst_vani_message_get_type (void)
{
  return G_TYPE_POINTER;
}
