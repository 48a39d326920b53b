/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-job.c — a denoiser's training as a job (see the header). */
#include "gb-diffusion-job.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-job.h"
#include "gb-vae-latent.h"

struct _GbDiffusionJob {
  GObject parent_instance;

  GbDenoiser *net;            /* trained by the run; handed out at the end */
  GbDiffusionData data;
  GbDiffusionJobConfig config;
  gboolean ran, finished;

  GMutex lock;                   /* guards what follows */
  GCond ended;
  gboolean started;              /* run or run_async was called */
  int done;
  double elapsed;
  GArray *losses;                /* of double */
  GbDenoiser *snapshot;
  int snapshot_step;

  GbJobProgress notify;          /* "progress", handed to the caller's main context */
};

G_DEFINE_FINAL_TYPE (GbDiffusionJob, gb_diffusion_job, G_TYPE_OBJECT)

enum { SIGNAL_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

void
gb_diffusion_job_config_init (GbDiffusionJobConfig *config)
{
  *config = (GbDiffusionJobConfig) { .steps = 20000, .batch = 256, .lr = 1e-3, .seed = 1 };
}

static void
data_clear (GbDiffusionData *d)
{
  g_clear_pointer (&d->points, g_free);
  g_clear_pointer (&d->vae, gb_vae_free);
  g_clear_pointer (&d->dataset_dir, g_free);
  g_clear_pointer (&d->images, gb_image_set_unref);
}

static void
gb_diffusion_job_finalize (GObject *object)
{
  GbDiffusionJob *self = GB_DIFFUSION_JOB (object);
  g_clear_pointer (&self->net, gb_denoiser_free);
  g_clear_pointer (&self->snapshot, gb_denoiser_free);
  data_clear (&self->data);
  g_array_unref (self->losses);
  gb_job_progress_clear (&self->notify);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ended);
  G_OBJECT_CLASS (gb_diffusion_job_parent_class)->finalize (object);
}

static void
gb_diffusion_job_class_init (GbDiffusionJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gb_diffusion_job_finalize;
  /* After a step (or several, coalesced, for run_async) and at the end. */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                           NULL, NULL, G_TYPE_NONE, 0);
}

static void
gb_diffusion_job_init (GbDiffusionJob *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->ended);
  gb_job_progress_init (&self->notify, signals[SIGNAL_PROGRESS]);
  self->losses = g_array_new (FALSE, FALSE, sizeof (double));
}

static gboolean
check_config (const GbDiffusionJobConfig *c, GError **error)
{
  if (c->steps < 1 || c->steps > 10000000 || c->batch < 1 || c->batch > 65536 || !(c->lr > 0 && c->lr <= 1)
      || !(c->ema >= 0 && c->ema < 1) || c->snapshot_every < 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("training takes 1…10000000 steps, batches of 1…65536, a learning rate in (0, 1] and an "
                   "average's decay in [0, 1)"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_data (const GbDenoiser *net, const GbDiffusionData *d, GError **error)
{
  int sources = (d->toy < GB_TOY_N_KINDS) + (d->points != NULL && d->toy == GB_TOY_N_KINDS) + (d->vae != NULL)
                + (d->images != NULL);
  const char *problem = NULL;
  if (sources != 1)
    problem = "a diffusion model trains on one source of data: a toy distribution, points, a VAE's codes or images";
  else if (d->toy == GB_TOY_PAINTED && (d->points == NULL || d->n_points < 1))
    problem = "the painted distribution has no points: paint some first";
  else if (d->points != NULL && d->n_points < 1)
    problem = "there are no points to train on";
  else if (d->images != NULL && (d->images->n < 1 || d->images->rows * d->images->cols != net->d))
    problem = "the images do not fit the model";
  else if (d->images == NULL && net->d != 2)
    problem = "this model is for images";
  else if (d->vae != NULL && d->vae->config.n_latent != 2)
    problem = "the VAE's codes must be 2-d";
  if (problem != NULL)
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, problem);
      return FALSE;
    }
  return TRUE;
}

GbDiffusionJob *
gb_diffusion_job_new (GbDenoiser *net, GbDiffusionData *data, const GbDiffusionJobConfig *config,
                      GError **error)
{
  g_return_val_if_fail (net != NULL && data != NULL && config != NULL, NULL);
  if (!check_config (config, error) || !check_data (net, data, error))
    {
      gb_denoiser_free (net);
      data_clear (data);
      return NULL;
    }
  GbDiffusionJob *self = g_object_new (GB_TYPE_DIFFUSION_JOB, NULL);
  self->net = net;
  self->data = *data;
  memset (data, 0, sizeof *data);
  self->config = *config;
  return self;
}

/* --- publishing --- */

static void
notify_progress (GbDiffusionJob *self)
{
  gb_job_progress_emit (&self->notify, G_OBJECT (self));
}

static void
publish_snapshot (GbDiffusionJob *self, const GbDenoiserTrainer *tr, int step)
{
  GbDenoiser *copy = gb_denoiser_copy (self->net);
  gb_denoiser_trainer_export (tr, copy);   /* the averaged weights, if kept */
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->snapshot, gb_denoiser_free);
  self->snapshot = copy;
  self->snapshot_step = step;
  g_mutex_unlock (&self->lock);
}

/* --- the run --- */

/* One batch: x0 (B, d) and, for images, their labels. */
static void
draw_batch (const GbDiffusionData *d, int B, GbRng *rng, float *x0, guint8 *y0)
{
  if (d->images != NULL)
    {
      int n = d->images->rows * d->images->cols;
      for (int i = 0; i < B; i++)
        {
          guint32 j = gb_rng_below (rng, d->images->n);
          const guint8 *px = d->images->pixels + (gsize) j * n;
          for (int k = 0; k < n; k++)
            x0[(gsize) i * n + k] = px[k] * (2.0f / 255.0f) - 1.0f;
          y0[i] = d->images->labels[j];
        }
    }
  else if (d->toy < GB_TOY_N_KINDS)
    gb_toy_sample (d->toy, x0, B, rng, d->points, d->n_points, d->jitter, NULL);
  else
    for (int i = 0; i < B; i++)
      {
        guint32 c = gb_rng_below (rng, (guint32) d->n_points);
        x0[2 * i] = d->points[2 * c], x0[2 * i + 1] = d->points[2 * c + 1];
      }
}

/* The VAE's codes of the training images, when the data are given that way. */
static gboolean
encode_codes (GbDiffusionData *d, GError **error)
{
  if (d->vae == NULL)
    return TRUE;
  int n = 0;
  float *codes = gb_vae_latent_codes (d->vae, gb_dataset_dir (d->dataset_dir), "train", G_MAXINT, &n, NULL, error);
  if (codes == NULL)
    return FALSE;
  g_clear_pointer (&d->vae, gb_vae_free);
  d->points = codes;
  d->n_points = n;
  return TRUE;
}

gboolean
gb_diffusion_job_run (GbDiffusionJob *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (GB_IS_DIFFUSION_JOB (self), FALSE);
  g_return_val_if_fail (!self->ran, FALSE);
  self->ran = TRUE;
  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_mutex_unlock (&self->lock);
  const GbDiffusionJobConfig *c = &self->config;
  gboolean ok = encode_codes (&self->data, error);
  g_autoptr (GbDenoiserTrainer) tr = gb_denoiser_trainer_new (self->net, c->batch, (float) c->lr, c->seed);
  if (c->ema > 0)
    gb_denoiser_trainer_set_ema (tr, (float) c->ema);
  GbRng rng;
  gb_rng_init (&rng, c->seed + 1);
  int d = self->net->d;
  g_autofree float *x0 = g_new (float, (gsize) c->batch * d);
  g_autofree guint8 *y0 = g_new0 (guint8, c->batch);
  gint64 t0 = g_get_monotonic_time ();
  int done = 0;
  for (; ok && done < c->steps && !g_cancellable_is_cancelled (cancellable); done++)
    {
      draw_batch (&self->data, c->batch, &rng, x0, y0);
      if (c->cosine_lr)
        tr->adam.lr = (float) (c->lr * (0.1 + 0.9 * 0.5 * (1 + cos (G_PI * done / c->steps))));
      double loss = self->data.images != NULL ? gb_denoiser_train_step_labelled (tr, x0, y0)
                                              : gb_denoiser_train_step (tr, x0);
      if (!isfinite (loss))
        {
          gboolean back = gb_denoiser_trainer_step_back (tr);
          g_set_error (error, GB_ERROR, GB_ERROR_DIVERGED,
                       _("training diverged at step %d (the loss is not a number): try a lower learning rate. %s"),
                       done + 1, back ? "The weights of the step before, the last with a finite loss, are kept"
                                      : "The model is as it was before training");
          ok = FALSE;
          break;
        }
      g_mutex_lock (&self->lock);
      g_array_append_val (self->losses, loss);
      self->done = done + 1;
      self->elapsed = (g_get_monotonic_time () - t0) / 1e6;
      g_mutex_unlock (&self->lock);
      if (c->snapshot_every > 0 && (done + 1) % c->snapshot_every == 0 && done + 1 < c->steps)
        publish_snapshot (self, tr, done + 1);
      notify_progress (self);
    }
  gb_denoiser_trainer_export (tr, self->net);   /* the averaged weights, if kept */
  g_mutex_lock (&self->lock);
  self->finished = TRUE;
  self->elapsed = (g_get_monotonic_time () - t0) / 1e6;
  g_cond_broadcast (&self->ended);
  g_mutex_unlock (&self->lock);
  notify_progress (self);
  return ok;
}

static gboolean
run_cb (gpointer job, GCancellable *cancellable, GError **error)
{
  return gb_diffusion_job_run (job, cancellable, error);
}

void
gb_diffusion_job_run_async (GbDiffusionJob *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_return_if_fail (GB_IS_DIFFUSION_JOB (self));
  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_mutex_unlock (&self->lock);
  gb_job_run_async (G_OBJECT (self), &self->notify, run_cb, gb_diffusion_job_run_async, cancellable, callback,
                    user_data);
}

gboolean
gb_diffusion_job_run_finish (GbDiffusionJob *self, GAsyncResult *result, GError **error)
{
  return gb_job_run_finish (G_OBJECT (self), result, error);
}

/* --- accessors --- */

void
gb_diffusion_job_wait (GbDiffusionJob *self)
{
  g_mutex_lock (&self->lock);
  while (self->started && !self->finished)
    g_cond_wait (&self->ended, &self->lock);
  g_mutex_unlock (&self->lock);
}

int
gb_diffusion_job_get_done (GbDiffusionJob *self, double *elapsed)
{
  g_mutex_lock (&self->lock);
  int done = self->done;
  if (elapsed != NULL)
    *elapsed = self->elapsed;
  g_mutex_unlock (&self->lock);
  return done;
}

guint
gb_diffusion_job_copy_losses (GbDiffusionJob *self, guint from, GArray *into)
{
  g_mutex_lock (&self->lock);
  guint n = self->losses->len;
  if (from < n)
    g_array_append_vals (into, &g_array_index (self->losses, double, from), n - from);
  g_mutex_unlock (&self->lock);
  return n;
}

GbDenoiser *
gb_diffusion_job_dup_snapshot (GbDiffusionJob *self, int *step)
{
  g_mutex_lock (&self->lock);
  GbDenoiser *copy = self->snapshot ? gb_denoiser_copy (self->snapshot) : NULL;
  if (step != NULL)
    *step = self->snapshot_step;
  g_mutex_unlock (&self->lock);
  return copy;
}

GbDenoiser *
gb_diffusion_job_steal_model (GbDiffusionJob *self)
{
  g_mutex_lock (&self->lock);
  gboolean finished = self->finished;
  g_mutex_unlock (&self->lock);
  return finished ? g_steal_pointer (&self->net) : NULL;
}
