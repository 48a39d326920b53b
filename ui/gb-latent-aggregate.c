/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-aggregate.c — the aggregate posterior against the prior, on a worker (see the header). */
#include "gb-latent-aggregate.h"

#include <string.h>

#include "gb-vae-inference.h"

void
gb_aggregate_map_free (GbAggregateMap *map)
{
  if (map == NULL)
    return;
  g_free (map->log_ratio);
  g_free (map->kl);
  g_free (map);
}

typedef struct {
  GbVaeSnapshot *snap;
  GbDataset *ds;
  double box[4];
  int nx, ny;
} Job;

static void
job_free (Job *job)
{
  gb_vae_snapshot_unref (job->snap);
  gb_dataset_unref (job->ds);
  g_free (job);
}

static void
aggregate_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  const GbVae *vae = job->snap->vae;
  const GbImageSet *test = job->ds->test;
  guint32 n = test->n;
  g_autofree float *mu = g_new (float, (gsize) n * 2), *lv = g_new (float, (gsize) n * 2);
  gb_vae_encode_u8 (vae, test->pixels, mu, lv, (int) n);
  if (g_task_return_error_if_cancelled (task))
    return;
  GbAggregateMap *map = g_new0 (GbAggregateMap, 1);
  map->nx = job->nx, map->ny = job->ny, map->n = n;
  memcpy (map->box, job->box, sizeof map->box);
  map->log_ratio = g_new (float, (gsize) job->nx * job->ny);
  map->kl = g_new (float, n);
  gb_aggregate_posterior (mu, lv, n, job->nx, job->ny, job->box, map->log_ratio, map->kl);
  g_task_return_pointer (task, map, (GDestroyNotify) gb_aggregate_map_free);
}

void
gb_latent_aggregate_async (GbVaeSnapshot *snap, GbDataset *ds, const double box[4], int nx, int ny,
                           GCancellable *cancellable, GAsyncReadyCallback callback, gpointer data)
{
  g_return_if_fail (snap != NULL && ds != NULL && snap->vae->config.n_latent == 2);
  Job *job = g_new0 (Job, 1);
  job->snap = gb_vae_snapshot_ref (snap);
  job->ds = gb_dataset_ref (ds);
  memcpy (job->box, box, sizeof job->box);
  job->nx = nx, job->ny = ny;
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, data);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, aggregate_thread);
}

GbAggregateMap *
gb_latent_aggregate_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
