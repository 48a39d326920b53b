/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae-trainer.h — a VAE training job that a UI can watch, pause and stop.
 *
 * The job runs in the calling thread (gb_trainer_run, for the CLI) or on a
 * worker thread (gb_trainer_run_async, for the app). The worker only ever
 * touches its own model; what others see are copies it publishes under a
 * lock: progress, the loss curves, and every `reencode_every` steps a
 * snapshot of the model with the test set encoded by it. The "progress"
 * signal is emitted in the thread-default main context of the caller of
 * run_async (coalesced: at most one pending emission), or synchronously
 * after every step by gb_trainer_run.
 *
 * The learning rate and β can be changed while the job runs; they take
 * effect at the next step. Cancelling stops after the current step and keeps
 * the model trained so far (gb_trainer_dup_model).
 */
#pragma once

#include <gio/gio.h>

#include "gb-dataset.h"
#include "gb-vae.h"

G_BEGIN_DECLS

typedef struct {
  int epochs;          /* 1 … 10 000 */
  int batch;           /* 1 … 65 536 */
  int hidden;          /* 1 … GB_VAE_MAX_HIDDEN */
  int latent;          /* 1 … GB_VAE_MAX_LATENT (2: the plane as it is) */
  double lr;           /* (0, 1] */
  double beta;         /* [0, 1000] */
  guint64 seed;
  int reencode_every;  /* steps between published snapshots; 0 for never */
} GbTrainConfig;

void     gb_train_config_init  (GbTrainConfig *config);
gboolean gb_train_config_check (const GbTrainConfig *config, GError **error);

typedef struct {
  int epoch;             /* 0-based epoch under way */
  int epochs;
  int step;              /* steps done in this epoch */
  int steps_per_epoch;
  gint64 done;           /* steps done in all */
  gint64 total;
  double elapsed;        /* seconds */
  double remaining;      /* seconds, estimated; −1 when unknown */
  double images_per_second;
  gboolean paused;
  gboolean finished;
} GbTrainProgress;

/* One point of a loss curve, in nats per image. */
typedef struct {
  float x;               /* global step (train) or epoch number (test) */
  float bce;
  float kl;
  float loss;            /* bce + β·kl with the β in force */
} GbLossPoint;

/* A published model: immutable, reference counted. */
typedef struct {
  GbVae *vae;
  float *mu;             /* (n, L) posterior means of the test images, or NULL */
  guint32 n;
  guint version;
  gint64 step;
} GbVaeSnapshot;

GbVaeSnapshot *gb_vae_snapshot_new   (GbVae *vae, float *mu, guint32 n); /* takes both */
GbVaeSnapshot *gb_vae_snapshot_ref   (GbVaeSnapshot *snap);
void           gb_vae_snapshot_unref (GbVaeSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbVaeSnapshot, gb_vae_snapshot_unref)

#define GB_TYPE_TRAINER (gb_trainer_get_type ())
G_DECLARE_FINAL_TYPE (GbTrainer, gb_trainer, GB, TRAINER, GObject)

/* train and test are referenced; test may be NULL (then no test curve and no
 * latent snapshots). When init is not NULL training continues from a copy of
 * it and config->hidden is ignored. */
GbTrainer *gb_trainer_new (GbImageSet *train, GbImageSet *test, const char *dataset_name,
                           const GbVae *init, const GbTrainConfig *config, GError **error);

gboolean  gb_trainer_run        (GbTrainer *self, GCancellable *cancellable, GError **error);
void      gb_trainer_run_async  (GbTrainer *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean  gb_trainer_run_finish (GbTrainer *self, GAsyncResult *result, GError **error);

void      gb_trainer_set_paused (GbTrainer *self, gboolean paused);
void      gb_trainer_set_lr     (GbTrainer *self, double lr);
void      gb_trainer_set_beta   (GbTrainer *self, double beta);
const GbTrainConfig *gb_trainer_get_config (GbTrainer *self);

void      gb_trainer_get_progress (GbTrainer *self, GbTrainProgress *out);
/* Appends the points from index `from` on to `into` (of GbLossPoint) and returns
 * how many the curve holds now. */
guint     gb_trainer_copy_train_curve (GbTrainer *self, guint from, GArray *into);
guint     gb_trainer_copy_test_curve  (GbTrainer *self, guint from, GArray *into);
/* The latest snapshot (a new reference), or NULL before the first. */
GbVaeSnapshot *gb_trainer_get_snapshot (GbTrainer *self);
/* A copy of the model as it is now (after run returns: the trained model). */
GbVae    *gb_trainer_dup_model (GbTrainer *self);

G_END_DECLS
