/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-help.h — the user guide (the pages under help/C), opened at a topic.
 *
 * The guide is Mallard, as GNOME applications ship theirs. Where it is
 * installed for Yelp and something opens help: URIs, F1 opens it there
 * (help:glassbox/TOPIC); otherwise the HTML built from the same pages opens in
 * the browser — installed under GB_HELP_HTML_DIR, or from the build tree when
 * Glassbox runs uninstalled. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The URI the guide opens at for topic (a page id such as "rl"), or NULL with
 * error when neither the Mallard pages nor the HTML can be found. */
char *gb_help_uri  (const char *topic, GError **error);

typedef void (*GbHelpFailed) (const char *message, gpointer data);

/* Opens the guide at topic over parent; failed (may be NULL) is told why, in
 * words for the user, when the guide cannot be found or opened. */
void  gb_help_show (GtkWindow *parent, const char *topic, GbHelpFailed failed, gpointer data);

G_END_DECLS
