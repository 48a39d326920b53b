/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-job.h — what every long job of the core shares (GbTrainer, GbDiffusionJob).
 *
 * A job is a GObject with a synchronous run (source, cancellable, error),
 * a "progress" signal, and state it publishes under its own lock. This is
 * the rest, written once:
 *  - gb_job_run_async / gb_job_run_finish run it on a GTask thread. A stop
 *    is not an error: the run ends with what it has done (the task neither
 *    returns early on cancel nor checks the cancellable itself);
 *  - GbJobProgress hands "progress" to the caller's main context, at most one
 *    emission pending at a time, or emits it at once for a synchronous run.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef gboolean (*GbJobRunFunc) (gpointer job, GCancellable *cancellable, GError **error);

typedef struct {
  GMainContext *context;   /* where "progress" goes for an async run; NULL: at once */
  gint pending;
  guint signal_id;
} GbJobProgress;

/* signal_id: the job's "progress" signal. */
void gb_job_progress_init  (GbJobProgress *p, guint signal_id);
void gb_job_progress_clear (GbJobProgress *p);
/* Emits "progress" on job: at once, or in the context of the last run_async. */
void gb_job_progress_emit  (GbJobProgress *p, GObject *job);

/* Runs run (job, cancellable, error) on a worker; progress's context becomes
 * the caller's thread-default one. */
void     gb_job_run_async  (GObject *job, GbJobProgress *progress, GbJobRunFunc run, gpointer source_tag,
                            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
gboolean gb_job_run_finish (GObject *job, GAsyncResult *result, GError **error);

G_END_DECLS
