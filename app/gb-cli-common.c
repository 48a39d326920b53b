/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-common.c — what the command line's verbs share. */
#include "gb-cli-common.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int
gb_cli_fail (GError *error)
{
  g_printerr ("glassbox: %s\n", error->message);
  return 1;
}

int
gb_cli_usage_error (GOptionContext *ctx, const char *message)
{
  g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
  g_printerr ("glassbox: %s\n\n%s", message, help);
  return GB_CLI_EXIT_USAGE;
}

int
gb_cli_parse (GOptionContext *ctx, GOptionEntry *entries, const char *summary, int *argc, char ***argv, char **out)
{
  if (summary != NULL)
    g_option_context_set_summary (ctx, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, argc, argv, &error))
    return gb_cli_usage_error (ctx, error->message);
  if (*argc > 1)
    return gb_cli_usage_error (ctx, _("unexpected argument"));
  if (out != NULL && *out == NULL)
    return gb_cli_usage_error (ctx, _("--out FILE is required"));
  return -1;
}

char *
gb_cli_sibling_path (const char *out, const char *tag)
{
  const char *dot = strrchr (out, '.');
  const char *slash = strrchr (out, '/');
  if (dot == NULL || (slash != NULL && dot < slash))
    return g_strdup_printf ("%s.%s", out, tag);
  return g_strdup_printf ("%.*s.%s%s", (int) (dot - out), out, tag, dot);
}

typedef struct {
  GMainLoop *loop;
  GCancellable *cancel;
  GbCliJobFinish finish;
  const char *stop_message;
  gboolean interrupted;
  gboolean ok;
  GError *error;
} JobRun;

static void
job_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  JobRun *run = data;
  run->ok = run->finish (source, result, &run->error);
  g_main_loop_quit (run->loop);
}

static gboolean
sigint_cb (gpointer data)
{
  JobRun *run = data;
  g_printerr ("\n%s\n", run->stop_message);
  run->interrupted = TRUE;
  g_cancellable_cancel (run->cancel);
  return G_SOURCE_REMOVE;
}

gboolean
gb_cli_run_job (gpointer job, GbCliJobStart start, GbCliJobFinish finish, const char *stop_message,
                GCancellable *cancel, gboolean *stopped, GError **error)
{
  JobRun run = { g_main_loop_new (NULL, FALSE), cancel ? g_object_ref (cancel) : g_cancellable_new (), finish,
                 stop_message, FALSE, FALSE, NULL };
  guint sig = g_unix_signal_add (SIGINT, sigint_cb, &run);
  start (job, run.cancel, job_done_cb, &run);
  g_main_loop_run (run.loop);
  gboolean was_stopped = run.interrupted;
  if (!was_stopped)
    g_source_remove (sig);
  g_main_loop_unref (run.loop);
  g_object_unref (run.cancel);
  if (stopped != NULL)
    *stopped = was_stopped;
  if (!run.ok)
    g_propagate_error (error, run.error);
  return run.ok;
}

gboolean
gb_cli_table_path_ok (const char *path)
{
  if (path == NULL)
    return TRUE;
  g_autofree char *lower = g_ascii_strdown (path, -1);
  return g_str_has_suffix (lower, ".csv") || g_str_has_suffix (lower, ".json");
}

int
gb_cli_write_table (const GbTable *table, const char *path)
{
  g_autoptr (GError) error = NULL;
  if (!gb_table_save (table, path, &error))
    return gb_cli_fail (error);
  int rows = gb_table_n_rows (table);
  printf (ngettext ("wrote %s (%d row of %d columns)\n", "wrote %s (%d rows of %d columns)\n", rows), path, rows,
          gb_table_n_columns (table));
  return 0;
}

GbTable *
gb_cli_returns_table (const char *title, const GArray *returns)
{
  GbTable *t = gb_table_new (title);
  gb_table_add_index (t, "episode", 1, (int) returns->len);
  gb_table_add_column (t, "return", (const double *) returns->data, (int) returns->len);
  return t;
}
