/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-common.h — what the command line's verbs share: messages and exit
 * statuses, option parsing, and running a long job that Ctrl-C stops. */
#pragma once

#include <gio/gio.h>

#include "gb-table.h"

G_BEGIN_DECLS

#define GB_CLI_EXIT_USAGE 2

/* Prints the error and returns exit status 1. */
int   gb_cli_fail        (GError *error);
/* Prints the message and the verb's help, and returns exit status 2. */
int   gb_cli_usage_error (GOptionContext *ctx, const char *message);
/* Parses a verb's options (summary above them in --help); out, if not NULL,
 * must have been given. Returns −1 when all is well, else the exit status. */
int   gb_cli_parse       (GOptionContext *ctx, GOptionEntry *entries, const char *summary, int *argc, char ***argv,
                          char **out);
/* out with a tag before its extension: model.safetensors → model.TAG.safetensors. */
char *gb_cli_sibling_path (const char *out, const char *tag);

/* Runs a job (GbTrainer, GbDiffusionJob) on its worker under a main loop
 * until it ends; Ctrl-C prints stop_message and cancels it, which ends it
 * with what it has done so far. cancel (may be NULL) lets the caller stop it
 * too. Says whether the job succeeded, and whether it was stopped by Ctrl-C. */
typedef void     (*GbCliJobStart)  (gpointer job, GCancellable *cancel, GAsyncReadyCallback done, gpointer data);
typedef gboolean (*GbCliJobFinish) (gpointer job, GAsyncResult *result, GError **error);
gboolean gb_cli_run_job (gpointer job, GbCliJobStart start, GbCliJobFinish finish, const char *stop_message,
                         GCancellable *cancel, gboolean *stopped, GError **error);

/* --csv FILE: whether the path ends in .csv or .json (the two a table is
 * written as); NULL passes. */
gboolean gb_cli_table_path_ok (const char *path);
/* Writes table to path (CSV or JSON by its ending) and says so; returns
 * 0, or 1 after printing why not. */
int      gb_cli_write_table   (const GbTable *table, const char *path);
/* A curve of per-episode returns (of double), episodes counted from 1. */
GbTable *gb_cli_returns_table (const char *title, const GArray *returns);

G_END_DECLS
