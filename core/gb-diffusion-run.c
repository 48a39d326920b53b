/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-run.c — a sampling run recorded step by step, on a worker. */
#include "gb-diffusion-run.h"
#include <glib/gi18n.h>

#include "gb-error.h"

typedef struct {
  GbSampleRun run;
  gint done;                 /* steps recorded so far (atomic) */
} Run;

static void
run_clear (Run *r)
{
  gb_denoiser_free (r->run.net);
  g_free (r->run.ts), g_free (r->run.xs), g_free (r->run.eps), g_free (r->run.x0);
}

GbSampleRun *
gb_sample_run_new (const GbDenoiser *net, const GbSamplerConfig *config, double guidance, int n,
                   gboolean keep_predictions, GError **error)
{
  if (!gb_sampler_config_check (config, net->schedule, error))
    return NULL;
  if (n < 1 || n > 1000000)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%d samples is outside 1…1000000"), n);
      return NULL;
    }
  Run *r = g_atomic_rc_box_new0 (Run);
  GbSampleRun *run = &r->run;
  run->net = gb_denoiser_copy (net);
  if (run->net->g_mean != NULL || gb_denoiser_classes (run->net) > 0)
    gb_denoiser_set_guidance (run->net, guidance, NULL);   /* in range or refused: the model's own stays */
  run->config = *config;
  run->n = n;
  run->d = net->d;
  run->ts = g_new (int, net->schedule->T);
  run->K = gb_sampler_timesteps (config, net->schedule, run->ts);
  gsize N = (gsize) n * run->d;
  run->xs = g_new0 (float, (gsize) (run->K + 1) * N);
  if (keep_predictions)
    {
      run->eps = g_new0 (float, (gsize) run->K * N);
      run->x0 = g_new0 (float, (gsize) run->K * N);
    }
  return run;
}

GbSampleRun *
gb_sample_run_ref (GbSampleRun *run)
{
  return &((Run *) g_atomic_rc_box_acquire ((Run *) run))->run;
}

void
gb_sample_run_unref (GbSampleRun *run)
{
  if (run != NULL)
    g_atomic_rc_box_release_full ((Run *) run, (GDestroyNotify) run_clear);
}

int
gb_sample_run_done (GbSampleRun *run)
{
  return g_atomic_int_get (&((Run *) run)->done);
}

int
gb_sample_run_index (const GbSampleRun *run, int t, int done)
{
  int j = 0;
  while (j < done && gb_sample_run_t (run, j) > t)
    j++;
  return j;
}

int
gb_sample_run_t (const GbSampleRun *run, int j)
{
  return j < run->K ? run->ts[j] : 0;
}

const float *
gb_sample_run_state (const GbSampleRun *run, int j)
{
  return run->xs + (gsize) j * run->n * run->d;
}

static void
progress (int done, int total, gpointer data)
{
  g_atomic_int_set (&((Run *) data)->done, done);
}

static void
eps_fn (float *eps, const float *xt, int n, int d, int t, gpointer data)
{
  gb_denoiser_eps (eps, xt, n, d, t, ((GbSampleRun *) data)->net);
}

gboolean
gb_sample_run_run (GbSampleRun *run, GCancellable *cancel, GError **error)
{
  g_autofree float *x = g_new (float, (gsize) run->n * run->d);
  GbSampleRecord rec = { run->xs, run->eps, run->x0 };
  return gb_diffusion_sample (run->net->schedule, &run->config, eps_fn, run, x, run->n, run->d, FALSE, &rec, progress,
                              run, cancel, error);
}

static void
task_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  GError *error = NULL;
  if (gb_sample_run_run (data, cancel, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
gb_sample_run_async (GbSampleRun *run, GCancellable *cancel, GAsyncReadyCallback callback, gpointer data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancel, callback, data);
  g_task_set_source_tag (task, gb_sample_run_async);
  g_task_set_task_data (task, gb_sample_run_ref (run), (GDestroyNotify) gb_sample_run_unref);
  g_task_run_in_thread (task, task_thread);
}

gboolean
gb_sample_run_finish (GAsyncResult *result, GbSampleRun **run, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  if (run != NULL)
    *run = g_task_get_task_data (G_TASK (result));
  return g_task_propagate_boolean (G_TASK (result), error);
}
