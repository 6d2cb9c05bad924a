/* gst-rustvani
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A text conversation under test: vaniuseraggregator ! vanillm !
 * vaniopenaitts ! vaniassistantaggregator in a GstHarness on the system
 * clock, both services on the fake server. One per test at a time.
 */
#ifndef __VANI_CHAT_H__
#define __VANI_CHAT_H__

#include <gst/check/gstharness.h>
#include <gst/vani/vani.h>

#include "vanifakeserver.h"

G_BEGIN_DECLS

#define VANI_CHAT_WAIT_MS 30000

/* @user_properties: extra properties of the user aggregator (may be "").
 * prepare builds it, begin starts the stream (a flow enters its first node
 * then); start does both. */
void vani_chat_prepare (const gchar * user_properties,
    const gchar * const *answers);
void vani_chat_begin (void);
void vani_chat_start (const gchar * user_properties,
    const gchar * const *answers);
void vani_chat_stop (void);

VaniFakeServer *vani_chat_server (void);
GstHarness *vani_chat_harness (void);
GstBus *vani_chat_bus (void);
/* (transfer full) */
GstVaniContext *vani_chat_context (void);
/* (transfer full) the user aggregator */
GstElement *vani_chat_user (void);

/* user-started-speaking, the text (if any), user-stopped-speaking */
void vani_chat_user_says (const gchar * text);
/* Waits for the next vani bus message of @type; (transfer full) or NULL. */
GstMessage *vani_chat_wait_message (GstVaniBusMessageType type);
gboolean vani_chat_wait (GstVaniBusMessageType type);
/* The context's message @i's content. */
const gchar *vani_chat_content_of (GstVaniContext * context, guint i);
/* "role: content | role: content ..." of chat request @index. */
gchar *vani_chat_request_contents (guint index);
/* "name, name" of the tools in chat request @index ("" for none). */
gchar *vani_chat_request_tools (guint index);

G_END_DECLS

#endif /* __VANI_CHAT_H__ */
