/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-window.h — the main window: header bar, view switcher, messages. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_TYPE_WINDOW (gb_window_get_type ())
G_DECLARE_FINAL_TYPE (GbWindow, gb_window, GB, WINDOW, GtkApplicationWindow)

GbWindow *gb_window_new          (GtkApplication *app);
/* Shows a message in the bar at the top of the window. */
void      gb_window_show_message (GbWindow *self, const char *message);
/* Opens a model, map, session or agent file in the page it belongs to,
 * showing a message if it cannot be used. */
void      gb_window_open_model   (GbWindow *self, const char *path);
/* Opens each of the files in turn (a question about unsaved work holds
 * the rest back until it is answered). */
void      gb_window_open_files   (GbWindow *self, const char *const *paths, int n);

G_END_DECLS
