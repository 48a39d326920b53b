/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-job.c — the plumbing the core's long jobs share (see the header). */
#include "gb-job.h"

void
gb_job_progress_init (GbJobProgress *p, guint signal_id)
{
  *p = (GbJobProgress) { NULL, 0, signal_id };
}

void
gb_job_progress_clear (GbJobProgress *p)
{
  g_clear_pointer (&p->context, g_main_context_unref);
}

typedef struct {
  GbJobProgress *p;
  GObject *job;
} Emit;

static gboolean
emit_cb (gpointer data)
{
  Emit *e = data;
  g_atomic_int_set (&e->p->pending, 0);
  g_signal_emit (e->job, e->p->signal_id, 0);
  return G_SOURCE_REMOVE;
}

static void
emit_free (gpointer data)
{
  Emit *e = data;
  g_object_unref (e->job);
  g_free (e);
}

void
gb_job_progress_emit (GbJobProgress *p, GObject *job)
{
  if (p->context == NULL)
    g_signal_emit (job, p->signal_id, 0);
  else if (g_atomic_int_compare_and_exchange (&p->pending, 0, 1))
    {
      Emit *e = g_new (Emit, 1);
      *e = (Emit) { p, g_object_ref (job) };   /* p lives in job */
      g_main_context_invoke_full (p->context, G_PRIORITY_DEFAULT, emit_cb, e, emit_free);
    }
}

static void
run_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GbJobRunFunc run = task_data;
  GError *error = NULL;
  if (run (source, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
gb_job_run_async (GObject *job, GbJobProgress *progress, GbJobRunFunc run, gpointer source_tag,
                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  gb_job_progress_clear (progress);
  progress->context = g_main_context_ref_thread_default ();
  g_autoptr (GTask) task = g_task_new (job, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, (gpointer) run, NULL);
  /* A stop is not an error: the job ends with what it has done so far. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, run_thread);
}

gboolean
gb_job_run_finish (GObject *job, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, job), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
