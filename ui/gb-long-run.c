/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-long-run.c — inhibiting suspend while training, notifying when done. */
#include "gb-long-run.h"

static GtkApplication *
app (void)
{
  GApplication *a = g_application_get_default ();
  return GTK_IS_APPLICATION (a) ? GTK_APPLICATION (a) : NULL;
}

void
gb_long_run_begin (GbLongRun *run, GtkWidget *widget, const char *reason)
{
  run->started = g_get_monotonic_time ();
  if (run->cookie != 0 || app () == NULL)
    return;
  GtkRoot *root = gtk_widget_get_root (widget);
  run->cookie = gtk_application_inhibit (app (), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_APPLICATION_INHIBIT_SUSPEND, reason);
  g_info ("suspend %s while %s", run->cookie ? "inhibited" : "could not be inhibited (no session manager)",
          reason);
}

void
gb_long_run_end (GbLongRun *run, GtkWidget *widget, const char *title, const char *body)
{
  if (run->cookie != 0 && app () != NULL)
    {
      gtk_application_uninhibit (app (), run->cookie);
      g_info ("suspend no longer inhibited");
    }
  run->cookie = 0;
  double seconds = run->started ? (g_get_monotonic_time () - run->started) / 1e6 : 0.0;
  run->started = 0;
  const char *after = g_getenv ("GLASSBOX_NOTIFY_AFTER");
  double threshold = after != NULL ? g_ascii_strtod (after, NULL) : 30.0;
  GtkRoot *root = widget != NULL ? gtk_widget_get_root (widget) : NULL;
  if (title == NULL || app () == NULL || !GTK_IS_WINDOW (root) || seconds < threshold
      || gtk_window_is_active (GTK_WINDOW (root)))
    return;
  g_autoptr (GNotification) n = g_notification_new (title);
  g_notification_set_body (n, body);
  g_notification_set_priority (n, G_NOTIFICATION_PRIORITY_NORMAL);
  g_application_send_notification (G_APPLICATION (app ()), "training-done", n);
  g_info ("notified: %s — %s", title, body);
}
