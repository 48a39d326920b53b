/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-a11y.h — what a screen reader hears.
 *
 * GTK 4.8 names a button with a mnemonic twice — its raw label ("_Clear")
 * and then its child label ("Clear"), so Orca says "underscore Clear Clear" —
 * and a check button by its raw label. gb_a11y_tidy walks a widget tree and
 * names each such button by its visible text alone, again whenever the text
 * changes (Play ↔ Pause). Call it on a window once it is built; calling it
 * again (for widgets added later) does no harm. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void gb_a11y_tidy (GtkWidget *root);
/* A label without its mnemonic underscores ("Sa_ve map…" → "Save map…", "__" → "_"),
 * and without a translation's trailing key ("Vorwärts (_F)" → "Vorwärts"). */
char *gb_a11y_strip_mnemonic (const char *label);

/* Sets w's accessible description to text when it differs from the last one
 * set this way (a view redrawn sixty times a second says each change once). */
void gb_a11y_describe (GtkWidget *w, const char *text);

G_END_DECLS
