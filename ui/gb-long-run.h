/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-long-run.h — what the desktop is told while a model trains in the app:
 * the session is asked not to suspend while it runs
 * (gtk_application_inhibit), and a run that ends after 30 s or more while
 * the window is not the active one sends a desktop notification, so whoever
 * went to do something else knows it is done.
 *
 * GLASSBOX_NOTIFY_AFTER=SECONDS changes the 30 s (the end-to-end test sets
 * it to 0). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  guint cookie;      /* the inhibition, or 0 */
  gint64 started;    /* monotonic µs, or 0 when no run is under way */
} GbLongRun;

void gb_long_run_begin (GbLongRun *run, GtkWidget *widget, const char *reason);
/* title NULL: no notification (the run was thrown away). */
void gb_long_run_end   (GbLongRun *run, GtkWidget *widget, const char *title, const char *body);

G_END_DECLS
