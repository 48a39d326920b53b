/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-context-menu.h — the pages' context menu: a right click (or the Menu
 * key, or Shift+F10) over a page offers its numbers and its picture: Copy
 * the Numbers (win.copy), Export the Numbers… (win.export-numbers: the
 * export chooser with a .csv name) and Export the View… (win.export). */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Attaches the menu to widget (the pages' stack); returns the popover, which
 * the caller unparents before widget goes. */
GtkWidget *gb_context_menu_attach (GtkWidget *widget);
/* Opens it at the middle of its widget (for the keyboard). */
void       gb_context_menu_popup  (GtkWidget *menu);

G_END_DECLS
