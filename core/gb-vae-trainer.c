/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae-trainer.c — the VAE training loop, its published state and its thread. */
#include "gb-vae-trainer.h"
#include <glib/gi18n.h>

#include "gb-job.h"

#include <math.h>
#include <string.h>

#include "gb-error.h"

/* --- configuration --- */

void
gb_train_config_init (GbTrainConfig *c)
{
  c->epochs = 10;
  c->batch = 128;
  c->hidden = 512;
  c->latent = 2;
  c->lr = 1e-3;
  c->beta = 1.0;
  c->seed = 1;
  c->reencode_every = 300;
}

gboolean
gb_train_config_check (const GbTrainConfig *c, GError **error)
{
#define RANGE_ERROR(what, fmt, value, range)                                        \
  do {                                                                              \
    g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,                        \
                 "%s " fmt " is outside %s", what, value, range);                   \
    return FALSE;                                                                   \
  } while (0)
  if (c->epochs < 1 || c->epochs > 10000)
    RANGE_ERROR ("epochs", "%d", c->epochs, "1…10000");
  if (c->batch < 1 || c->batch > 65536)
    RANGE_ERROR ("batch size", "%d", c->batch, "1…65536");
  if (c->latent < 1 || c->latent > GB_VAE_MAX_LATENT)
    RANGE_ERROR ("latent size", "%d", c->latent, "1…" G_STRINGIFY (GB_VAE_MAX_LATENT));
  if (c->hidden < 1 || c->hidden > GB_VAE_MAX_HIDDEN)
    RANGE_ERROR ("hidden width", "%d", c->hidden, "1…8192");
  if (!(c->lr > 0.0 && c->lr <= 1.0))
    RANGE_ERROR ("learning rate", "%g", c->lr, "(0, 1]");
  if (!(c->beta >= 0.0 && c->beta <= 1000.0))
    RANGE_ERROR ("β", "%g", c->beta, "[0, 1000]");
  if (c->reencode_every < 0)
    RANGE_ERROR ("re-encode interval", "%d", c->reencode_every, "0…");
#undef RANGE_ERROR
  return TRUE;
}

/* --- snapshots --- */

static void
snapshot_clear (gpointer data)
{
  GbVaeSnapshot *s = data;
  gb_vae_free (s->vae);
  g_free (s->mu);
}

GbVaeSnapshot *
gb_vae_snapshot_new (GbVae *vae, float *mu, guint32 n)
{
  GbVaeSnapshot *s = g_atomic_rc_box_new0 (GbVaeSnapshot);
  s->vae = vae;
  s->mu = mu;
  s->n = n;
  return s;
}

GbVaeSnapshot *
gb_vae_snapshot_ref (GbVaeSnapshot *snap)
{
  return g_atomic_rc_box_acquire (snap);
}

void
gb_vae_snapshot_unref (GbVaeSnapshot *snap)
{
  if (snap != NULL)
    g_atomic_rc_box_release_full (snap, snapshot_clear);
}

/* --- the object --- */

struct _GbTrainer {
  GObject parent_instance;

  GbTrainConfig config;
  GbImageSet *train;
  GbImageSet *test;
  GbVae *vae;            /* the worker's own model */
  char *dataset_name;

  GMutex lock;           /* guards everything below */
  GCond resume;
  gboolean paused;
  double lr, beta;
  GbTrainProgress progress;
  GArray *train_curve;   /* of GbLossPoint */
  GArray *test_curve;
  GbVaeSnapshot *snapshot;
  guint snapshot_version;
  gboolean running;

  GbJobProgress notify;  /* "progress", handed to the caller's main context */
};

enum { SIGNAL_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (GbTrainer, gb_trainer, G_TYPE_OBJECT)

static void
gb_trainer_finalize (GObject *object)
{
  GbTrainer *self = GB_TRAINER (object);
  gb_image_set_unref (self->train);
  gb_image_set_unref (self->test);
  gb_vae_free (self->vae);
  g_free (self->dataset_name);
  g_array_unref (self->train_curve);
  g_array_unref (self->test_curve);
  gb_vae_snapshot_unref (self->snapshot);
  gb_job_progress_clear (&self->notify);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->resume);
  G_OBJECT_CLASS (gb_trainer_parent_class)->finalize (object);
}

static void
gb_trainer_class_init (GbTrainerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gb_trainer_finalize;
  /**
   * GbTrainer::progress:
   * Emitted when steps have been taken since the last emission.
   */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
gb_trainer_init (GbTrainer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->resume);
  gb_job_progress_init (&self->notify, signals[SIGNAL_PROGRESS]);
  self->train_curve = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
  self->test_curve = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
}

GbTrainer *
gb_trainer_new (GbImageSet *train, GbImageSet *test, const char *dataset_name,
                const GbVae *init, const GbTrainConfig *config, GError **error)
{
  g_return_val_if_fail (train != NULL && config != NULL, NULL);
  if (!gb_train_config_check (config, error))
    return NULL;
  int D = train->rows * train->cols;
  if (test != NULL && test->rows * test->cols != D)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("training images have %d pixels, test images %d"),
                   D, test->rows * test->cols);
      return NULL;
    }
  if (init != NULL && init->config.n_input != D)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                   _("the model takes %d pixels but the data set's images have %d"),
                   init->config.n_input, D);
      return NULL;
    }
  GbVae *vae;
  if (init != NULL)
    vae = gb_vae_copy (init);
  else
    {
      GbVaeConfig vc = { D, config->hidden, config->latent };
      vae = gb_vae_new (&vc, error);
      if (vae == NULL)
        return NULL;
      GbRng rng;
      gb_rng_init (&rng, config->seed);
      gb_vae_init_params (vae, &rng);
      vae->info.seed = config->seed;
    }
  GbTrainer *self = g_object_new (GB_TYPE_TRAINER, NULL);
  self->config = *config;
  self->train = gb_image_set_ref (train);
  self->test = test ? gb_image_set_ref (test) : NULL;
  self->vae = vae;
  self->dataset_name = g_strdup (dataset_name);
  /* What the model records about its making, kept current as it trains. */
  if (dataset_name != NULL)
    {
      g_free (vae->info.dataset);
      vae->info.dataset = g_strdup (dataset_name);
    }
  vae->info.batch = config->batch;
  vae->info.lr = config->lr;
  vae->info.beta = config->beta;
  self->lr = config->lr;
  self->beta = config->beta;
  self->progress.epochs = config->epochs;
  self->progress.steps_per_epoch = (int) ((train->n + config->batch - 1) / config->batch);
  self->progress.total = (gint64) self->progress.steps_per_epoch * config->epochs;
  self->progress.remaining = -1.0;
  return self;
}

const GbTrainConfig *
gb_trainer_get_config (GbTrainer *self)
{
  return &self->config;
}

/* --- publishing --- */

static void
notify_progress (GbTrainer *self)
{
  gb_job_progress_emit (&self->notify, G_OBJECT (self));
}

static void
publish_snapshot (GbTrainer *self, gint64 step)
{
  GbVae *copy = gb_vae_copy (self->vae);
  float *mu = NULL;
  guint32 n = 0;
  if (self->test != NULL)
    {
      n = self->test->n;
      mu = g_new (float, (gsize) n * copy->config.n_latent);
      gb_vae_encode_u8 (copy, self->test->pixels, mu, NULL, (int) n);
    }
  GbVaeSnapshot *snap = gb_vae_snapshot_new (copy, mu, n);
  snap->step = step;
  g_mutex_lock (&self->lock);
  snap->version = ++self->snapshot_version;
  gb_vae_snapshot_unref (self->snapshot);
  self->snapshot = snap;
  g_mutex_unlock (&self->lock);
}

/* --- the loop --- */

static void
wake_cb (GCancellable *cancellable, gpointer data)
{
  GbTrainer *self = data;
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->resume);
  g_mutex_unlock (&self->lock);
}

gboolean
gb_trainer_run (GbTrainer *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (GB_IS_TRAINER (self), FALSE);
  const GbTrainConfig *c = &self->config;
  GbVae *vae = self->vae;
  const guint32 n = self->train->n;

  g_mutex_lock (&self->lock);
  if (self->running)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("this training job has already run"));
      return FALSE;
    }
  self->running = TRUE;
  g_mutex_unlock (&self->lock);

  gulong handler = cancellable ? g_cancellable_connect (cancellable, G_CALLBACK (wake_cb), self, NULL) : 0;
  g_autoptr (GbVaeTrain) tr = gb_vae_train_new (vae, MIN ((guint32) c->batch, n));
  g_autofree guint32 *idx = g_new (guint32, n);
  for (guint32 i = 0; i < n; i++)
    idx[i] = i;
  GbRng rng;
  gb_rng_init (&rng, c->seed ^ 0x7261696EULL);

  if (c->reencode_every > 0)
    publish_snapshot (self, 0);

  gboolean ok = TRUE, stopped = FALSE;
  gint64 done = 0, active_us = 0;
  for (int epoch = 0; epoch < c->epochs && ok && !stopped; epoch++)
    {
      gb_rng_shuffle (&rng, idx, n);
      for (guint32 start = 0; start < n; start += (guint32) c->batch)
        {
          g_mutex_lock (&self->lock);
          while (self->paused && !g_cancellable_is_cancelled (cancellable))
            g_cond_wait (&self->resume, &self->lock);
          GbAdam adam = GB_ADAM_DEFAULTS;
          adam.lr = (float) self->lr;
          float beta = (float) self->beta;
          g_mutex_unlock (&self->lock);
          if (g_cancellable_is_cancelled (cancellable))
            {
              stopped = TRUE;
              break;
            }

          int B = (int) MIN ((guint32) c->batch, n - start);
          gint64 t0 = g_get_monotonic_time ();
          GbVaeLoss loss = gb_vae_train_step (vae, tr, self->train->pixels, idx + start, B,
                                              &adam, beta, &rng);
          active_us += g_get_monotonic_time () - t0;
          done++;
          if (!isfinite (loss.bce) || !isfinite (loss.kl))
            {
              /* Caught within the step: the weights go back to before the
               * last update, the last whose loss was finite. */
              gboolean back = gb_vae_train_step_back (vae, tr);
              g_set_error (error, GB_ERROR, GB_ERROR_DIVERGED,
                           "training diverged at step %" G_GINT64_FORMAT " (the loss is %s): try a lower "
                           "learning rate. %s", done, isnan (loss.bce + loss.kl) ? "not a number" : "infinite",
                           back ? "The weights of the step before, the last with a finite loss, are kept"
                                : "The model is as it was before training");
              ok = FALSE;
              break;
            }
          GbLossPoint pt = { (float) done, (float) (loss.bce / B), (float) (loss.kl / B),
                             (float) ((loss.bce + beta * loss.kl) / B) };
          g_mutex_lock (&self->lock);
          g_array_append_val (self->train_curve, pt);
          GbTrainProgress *p = &self->progress;
          p->epoch = epoch;
          p->step = (int) (start / (guint32) c->batch) + 1;
          p->done = done;
          p->elapsed = active_us / 1e6;
          p->images_per_second = p->done * (double) c->batch / MAX (p->elapsed, 1e-9);
          p->remaining = p->elapsed / done * (p->total - done);
          g_mutex_unlock (&self->lock);
          notify_progress (self);

          if (c->reencode_every > 0 && done % c->reencode_every == 0)
            publish_snapshot (self, done);
        }
      if (!ok || stopped)
        break;
      vae->info.epochs++;
      if (self->test != NULL)
        {
          GbRng eval_rng;
          gb_rng_init (&eval_rng, c->seed ^ 0x74657374ULL);
          float beta = (float) self->beta;
          GbVaeLoss t = gb_vae_evaluate (vae, tr, self->test->pixels, self->test->n, beta, &eval_rng);
          vae->info.test_elbo = (t.bce + t.kl) / t.n;
          GbLossPoint pt = { (float) (epoch + 1), (float) (t.bce / t.n), (float) (t.kl / t.n),
                             (float) ((t.bce + beta * t.kl) / t.n) };
          g_mutex_lock (&self->lock);
          g_array_append_val (self->test_curve, pt);
          g_mutex_unlock (&self->lock);
        }
      if (c->reencode_every > 0)
        publish_snapshot (self, done);
      notify_progress (self);
    }
  if (handler)
    g_cancellable_disconnect (cancellable, handler);

  if (ok)
    {
      vae->info.lr = self->lr;
      vae->info.beta = self->beta;
      if (c->reencode_every > 0)
        publish_snapshot (self, done);
    }
  else
    {
      /* The kept weights' own test −ELBO, not the last epoch's (or the
       * initial model's), so what is saved says what it is. */
      vae->info.test_elbo = NAN;
      if (self->test != NULL)
        {
          GbRng eval_rng;
          gb_rng_init (&eval_rng, c->seed ^ 0x74657374ULL);
          GbVaeLoss t = gb_vae_evaluate (vae, tr, self->test->pixels, self->test->n, (float) self->beta, &eval_rng);
          vae->info.test_elbo = (t.bce + t.kl) / t.n;
        }
      if (c->reencode_every > 0)
        publish_snapshot (self, done);
    }
  g_mutex_lock (&self->lock);
  self->progress.finished = TRUE;
  self->progress.remaining = 0.0;
  g_mutex_unlock (&self->lock);
  notify_progress (self);
  return ok;
}

static gboolean
run_cb (gpointer job, GCancellable *cancellable, GError **error)
{
  return gb_trainer_run (job, cancellable, error);
}

void
gb_trainer_run_async (GbTrainer *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  g_return_if_fail (GB_IS_TRAINER (self));
  gb_job_run_async (G_OBJECT (self), &self->notify, run_cb, gb_trainer_run_async, cancellable, callback, user_data);
}

gboolean
gb_trainer_run_finish (GbTrainer *self, GAsyncResult *result, GError **error)
{
  return gb_job_run_finish (G_OBJECT (self), result, error);
}

/* --- accessors --- */

void
gb_trainer_set_paused (GbTrainer *self, gboolean paused)
{
  g_mutex_lock (&self->lock);
  self->paused = paused;
  self->progress.paused = paused;
  g_cond_broadcast (&self->resume);
  g_mutex_unlock (&self->lock);
}

void
gb_trainer_set_lr (GbTrainer *self, double lr)
{
  g_return_if_fail (lr > 0.0 && lr <= 1.0);
  g_mutex_lock (&self->lock);
  self->lr = lr;
  g_mutex_unlock (&self->lock);
}

void
gb_trainer_set_beta (GbTrainer *self, double beta)
{
  g_return_if_fail (beta >= 0.0 && beta <= 1000.0);
  g_mutex_lock (&self->lock);
  self->beta = beta;
  g_mutex_unlock (&self->lock);
}

void
gb_trainer_get_progress (GbTrainer *self, GbTrainProgress *out)
{
  g_mutex_lock (&self->lock);
  *out = self->progress;
  g_mutex_unlock (&self->lock);
}

static guint
copy_curve (GbTrainer *self, GArray *curve, guint from, GArray *into)
{
  g_mutex_lock (&self->lock);
  guint len = curve->len;
  if (from < len)
    g_array_append_vals (into, &g_array_index (curve, GbLossPoint, from), len - from);
  g_mutex_unlock (&self->lock);
  return len;
}

guint
gb_trainer_copy_train_curve (GbTrainer *self, guint from, GArray *into)
{
  return copy_curve (self, self->train_curve, from, into);
}

guint
gb_trainer_copy_test_curve (GbTrainer *self, guint from, GArray *into)
{
  return copy_curve (self, self->test_curve, from, into);
}

GbVaeSnapshot *
gb_trainer_get_snapshot (GbTrainer *self)
{
  g_mutex_lock (&self->lock);
  GbVaeSnapshot *s = self->snapshot ? gb_vae_snapshot_ref (self->snapshot) : NULL;
  g_mutex_unlock (&self->lock);
  return s;
}

GbVae *
gb_trainer_dup_model (GbTrainer *self)
{
  /* Only the worker writes self->vae, and only while running; after the run
   * (or between steps, under the caller's own care) a copy is safe. */
  g_mutex_lock (&self->lock);
  gboolean running = self->running && !self->progress.finished;
  GbVae *copy = running && self->snapshot ? gb_vae_copy (self->snapshot->vae) : gb_vae_copy (self->vae);
  g_mutex_unlock (&self->lock);
  return copy;
}
