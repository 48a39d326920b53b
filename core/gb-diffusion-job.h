/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-job.h — training a denoiser as a job that a UI can watch and stop.
 *
 * The same pattern as GbTrainer (the VAE's): the job runs in the calling
 * thread (gb_diffusion_job_run, emitting "progress" after every step) or on
 * a worker (gb_diffusion_job_run_async, "progress" coalesced in the caller's
 * main context). The worker touches only its own model; others see copies
 * published under a lock: the step count, the loss curve and, every
 * snapshot_every steps, a copy of the model. The app's Diffusion page and
 * `glassbox train diffusion` both train through it.
 *
 * Cancelling stops after the current step and is not an error: the run
 * returns TRUE with the model trained so far. A step whose loss is not finite
 * ends the run with GB_ERROR_DIVERGED, the weights put back to the step
 * before (the last with a finite loss).
 */
#pragma once

#include <gio/gio.h>

#include "gb-dataset.h"
#include "gb-diffusion-denoiser.h"
#include "gb-diffusion-toy2d.h"
#include "gb-vae.h"

G_BEGIN_DECLS

typedef struct {
  int steps;            /* 1 … 10 000 000 */
  int batch;            /* 1 … 65 536 */
  double lr;            /* Adam's, in (0, 1] */
  gboolean cosine_lr;   /* from lr down to lr/10 over the run (else constant) */
  double ema;           /* decay of the kept weights' moving average, [0, 1); 0 for none */
  guint64 seed;         /* the trainer's (t and ε); the batches are drawn with seed + 1 */
  int snapshot_every;   /* steps between published copies of the model; 0 for never */
} GbDiffusionJobConfig;

void gb_diffusion_job_config_init (GbDiffusionJobConfig *config);

/* Where the batches come from: exactly one of
 *  - a toy distribution (toy < GB_TOY_N_KINDS; GB_TOY_PAINTED draws around
 *    points with the given jitter),
 *  - points (n_points, 2) drawn uniformly (toy = GB_TOY_N_KINDS), such as
 *    latent codes,
 *  - the latent codes of the training images in dataset_dir under vae,
 *    encoded when the run starts (on the worker: it takes seconds),
 *  - images, scaled to [−1, 1], with their labels.
 * The job takes what it is given: points, vae and dataset_dir are freed
 * with it, and the reference to images is its own. */
typedef struct {
  GbToyKind toy;
  float *points;
  int n_points;
  float jitter;
  GbVae *vae;
  char *dataset_dir;
  GbImageSet *images;
} GbDiffusionData;

#define GB_TYPE_DIFFUSION_JOB (gb_diffusion_job_get_type ())
G_DECLARE_FINAL_TYPE (GbDiffusionJob, gb_diffusion_job, GB, DIFFUSION_JOB, GObject)

/* Takes net and the contents of data (data itself is copied). */
GbDiffusionJob *gb_diffusion_job_new (GbDenoiser *net, GbDiffusionData *data, const GbDiffusionJobConfig *config,
                                      GError **error);

gboolean gb_diffusion_job_run        (GbDiffusionJob *self, GCancellable *cancellable, GError **error);
void     gb_diffusion_job_run_async  (GbDiffusionJob *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean gb_diffusion_job_run_finish (GbDiffusionJob *self, GAsyncResult *result, GError **error);

/* Blocks until a run that was started (run or run_async) has ended: after
 * cancelling, that is the current step's time. */
void     gb_diffusion_job_wait (GbDiffusionJob *self);
/* Steps done so far, and the seconds they took. */
int      gb_diffusion_job_get_done    (GbDiffusionJob *self, double *elapsed);
/* Appends the losses from index `from` on to `into` (of double) and returns
 * how many there are now. */
guint    gb_diffusion_job_copy_losses (GbDiffusionJob *self, guint from, GArray *into);
/* The latest published copy (a new one for the caller, with its step) or NULL. */
GbDenoiser *gb_diffusion_job_dup_snapshot (GbDiffusionJob *self, int *step);
/* After the run: the trained model (its averaged weights, if kept), for the
 * caller to keep; NULL before the run has ended or after the first call. */
GbDenoiser *gb_diffusion_job_steal_model (GbDiffusionJob *self);

G_END_DECLS
