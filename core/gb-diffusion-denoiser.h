/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-denoiser.h — a denoiser (ε-predictor): an MLP for low-dimensional data
 * (2-d toys, the VAE's latent codes, images on top of a fitted Gaussian) or a
 * U-Net for images (gb-diffusion-unet.h); its training and its model file.
 * gb-diffusion-denoiser.c makes one and predicts with it; gb-diffusion-denoiser-gauss.c fits the
 * Gaussian, gb-diffusion-denoiser-train.c trains, gb-diffusion-denoiser-file.c saves and loads.
 *
 * The network, with a sinusoidal embedding e(t) of the timestep (E values)
 * added to both hidden layers (so t steers every layer, not only the first,
 * where E values would be lost among 784 pixels):
 *
 *   h₁ = SiLU (W₁ x_t + V₁ e(t) + b₁)     (H)
 *   h₂ = SiLU (W₂ h₁  + V₂ e(t) + b₂)     (H)
 *   ε̂  = W₃ h₂ + b₃                       (d)
 *
 * Image models build on the exact ε-predictor of a Gaussian N(μ, Σ = V Λ Vᵀ)
 * fitted to the data (E[ε | x_t] when x₀ ~ N(μ, Σ)). With x_t's coordinates
 * in the eigenbasis c = Vᵀ (x_t − √ᾱ_t μ), whose variances are
 * s_k² = ᾱ_t λ_k + σ_t² (σ_t² = 1 − ᾱ_t),
 *
 *   ε̂ = V (σ_t c / s² + MLP (c / s, t))
 *
 * so the MLP reads unit-variance inputs at every t and learns only what is
 * not Gaussian, in the same coordinates. At small t the noise is most of
 * what x_t holds along the many directions images hardly vary in, and there
 * ε is x_t's component times 1/σ_t (up to 100): a gain a plain MLP on x_t
 * does not learn — it left the last tenth of the noise in every sample — and
 * the closed form gives exactly. μ, V and λ are fitted once, not trained.
 *
 * Sampling evaluates a whole batch at one t, so V₁ e(t) + b₁ and V₂ e(t) + b₂
 * are computed once per step rather than once per point. Training minimises ‖ε − ε̂(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t)‖² over random t
 * (Ho et al., 2020, “L_simple”) with Adam.
 */
#pragma once

#include "gb-diffusion.h"
#include "gb-nn.h"
#include "gb-diffusion-unet.h"

G_BEGIN_DECLS

#define GB_DENOISER_EMBED 32
/* The guidance image models sample with unless told otherwise (see
 * GbDenoiser's guidance; BENCHMARKS.md has how it was chosen). */
#define GB_DENOISER_GUIDANCE 2.0
#define GB_UNET_GUIDANCE 1.0
#define GB_CFG_GUIDANCE 2.0

typedef struct {
  int d;                 /* data dimension */
  int hidden;            /* H */
  GbSchedule *schedule;  /* owned: the model was trained for it */
  char *data;            /* what it was trained on, e.g. "swiss-roll" (for the file's metadata) */
  float *params;         /* one block: w1 (H, d), b1 (H), v1 (H, E), w2 (H, H), b2 (H), v2 (H, E), w3 (d, H), b3 (d) */
  gsize n_params;
  float *w1, *b1, *v1, *w2, *b2, *v2, *w3, *b3;
  /* The fitted Gaussian, or all NULL: */
  float *g_mean;         /* μ (d) */
  float *g_vecs;         /* V (d, d): the covariance's eigenvectors, one per row */
  float *g_vals;         /* λ (d), ≥ 0 */
  /* Guidance w (1 unless set; not saved, a choice of the sampler's): with a
   * fitted Gaussian, ε̂_w = ε̂_G + w (ε̂ − ε̂_G), where ε̂_G = V σ_t c / s² is
   * the Gaussian's exact predictor alone — the MLP's answer scaled by w.
   * This is autoguidance (Karras et al., 2024, “Guiding a diffusion model
   * with a bad version of itself”) with the Gaussian as the bad version:
   * w > 1 steers each step away from what a Gaussian would predict, towards
   * what the network learnt beyond it, and trades some variety for samples
   * a classifier is surer of; w = 0 samples the Gaussian. Models without a
   * Gaussian ignore it (gb_denoiser_set_guidance refuses w ≠ 1 there). */
  float guidance;
  /* Or a convolutional U-Net (gb-diffusion-unet.h) in the MLP's place (for images,
   * d = side²; hidden is its width C): then params and n_params are the
   * U-Net's, w1 … b3 are NULL, and the fitted Gaussian serves only the
   * guidance, ε̂_w = ε̂_G + w (ε̂ − ε̂_G). */
  GbUnet *unet;
  /* Private: what differs between the two networks (predicting, copying,
   * packing, training, saving), dispatched once through this table. */
  const struct _GbDenoiserOps *ops;
  /* Private: the weights packed for the sampler's products (gb-packed.h),
   * built on first use and again after version moves. */
  GMutex pack_lock;
  gpointer packs;
  gint version;
} GbDenoiser;

GbDenoiser *gb_denoiser_new_mlp  (int d, int hidden, GbScheduleKind schedule, int T, guint64 seed,
                                     GError **error);
void           gb_denoiser_free (GbDenoiser *net);
/* A U-Net denoiser of width C for side × side images, unconditional
 * (classes 0) or of that many classes (gb_unet_new's checks). A
 * class-conditional model samples the classes in turn (row i of a batch:
 * class i mod classes), so every batch is balanced, with classifier-free
 * guidance at the model's guidance w (GB_CFG_GUIDANCE unless set);
 * eps_serial answers without a class, eps_class with the ones given. */
GbDenoiser *gb_denoiser_new_unet (int side, int width, int classes, GbScheduleKind schedule, int T,
                                     guint64 seed, GError **error);
/* The classes of a class-conditional model, or 0. */
int            gb_denoiser_classes (const GbDenoiser *net);
/* Fits the Gaussian part to data x (n, d) (n ≥ 2): mean, covariance and its
 * eigendecomposition (LAPACK's dsyevd, in OpenBLAS). */
gboolean       gb_denoiser_fit_gaussian (GbDenoiser *net, const float *x, gsize n, GError **error);


/* The guidance a model samples with unless told otherwise: GB_DENOISER_GUIDANCE
 * for an MLP over a fitted Gaussian, GB_UNET_GUIDANCE for a U-Net with one,
 * GB_CFG_GUIDANCE for a class-conditional U-Net, 1 for the rest. */
double   gb_denoiser_default_guidance (const GbDenoiser *net);

/* Sets the guidance w (see GbDenoiser), 0 ≤ w ≤ 10; w ≠ 1 needs a fitted
 * Gaussian. */
gboolean gb_denoiser_set_guidance (GbDenoiser *net, double w, GError **error);

/* Says that the weights were changed in place (the trainer and the fitting
 * say it themselves), so the next prediction packs them afresh. */
void gb_denoiser_changed (GbDenoiser *net);

/* The GbEpsFunc of the network (data = the GbDenoiser). Thread-safe: it
 * allocates its scratch per call. */
void gb_denoiser_eps (float *eps, const float *xt, int n, int d, int t, gpointer net);
/* The same at guidance w rather than the net's own (models without a fitted
 * Gaussian ignore w), for a thread that must not change the net. */
void gb_denoiser_eps_guided (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net,
                                 double w);
/* The same on the calling thread alone (no second core): for work beside a
 * main loop, where the other core is the one drawing. */
void gb_denoiser_eps_serial (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net,
                                 double w);

/* The same on the calling thread, each row of a class-conditional model
 * given its class (labels (n), guided at w; NULL: without a class — what
 * eps_serial answers). Other models ignore labels. */
void gb_denoiser_eps_class (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, double w,
                                const int *labels);

/* Saves with the metadata kind = "diffusion-mlp" (or "diffusion-unet"), d,
 * hidden, schedule, T and data; loading checks the kind and every shape. */
gboolean       gb_denoiser_save (const GbDenoiser *net, const char *path, GError **error);
GbDenoiser *gb_denoiser_load (const char *path, GError **error);
GbDenoiser *gb_denoiser_load_bytes (GBytes *bytes, const char *name, GError **error);
/* A copy (for a worker that trains while the original is drawn). */
GbDenoiser *gb_denoiser_copy (const GbDenoiser *net);

/* Training state: gradients, Adam's moments and scratch for a batch. */
typedef struct {
  GbDenoiser *net;    /* not owned */
  GbAdam adam;
  float *grad, *m, *v;
  int step;
  GbRng rng;
  int batch;
  float *inp, *emb, *z1, *h1, *z2, *h2, *out, *eps, *dout, *dh2, *dz2, *dh1, *dz1;
  int *ts;               /* each row's t (B) */
  float *u, *c, *epsv, *gain;   /* with a fitted Gaussian: the MLP's input, c, ε Vᵀ and the gains (B, d) */
  float *grad2;          /* U-Net: the second core's half of the gradient */
  int *labels;           /* a class-conditional U-Net's batch of classes, or NULL */
  float ema_decay;       /* 0: no average */
  float *ema;            /* exponential moving average of the parameters, or NULL */
  float *prev, *ema_prev;   /* both before the last update (for gb_denoiser_trainer_step_back) */
  float *emb_table;      /* e(t) for t = 0…T ((T + 1), E): looked up, not computed, for every row */
} GbDenoiserTrainer;

GbDenoiserTrainer *gb_denoiser_trainer_new  (GbDenoiser *net, int batch, float lr, guint64 seed);
void               gb_denoiser_trainer_free (GbDenoiserTrainer *tr);
/* One step of Adam on a batch of data x0 (batch, d), with t and ε drawn from
 * the trainer's generator. Returns the batch's mean squared error. A batch
 * whose loss is not finite changes nothing: training has diverged, and
 * gb_denoiser_trainer_step_back goes back to the weights (and their average)
 * before the last update, the last whose loss was finite. */
float              gb_denoiser_train_step (GbDenoiserTrainer *tr, const float *x0);
/* FALSE when no step has been taken. */
gboolean           gb_denoiser_trainer_step_back (GbDenoiserTrainer *tr);
/* The same with each image's class (batch), for a class-conditional U-Net
 * (which drops a tenth of them at random); other models ignore them. */
float              gb_denoiser_train_step_labelled (GbDenoiserTrainer *tr, const float *x0, const guint8 *labels);
/* Keeps an exponential moving average of the weights from now on (decay in
 * (0, 1), warmed up as min (decay, (1 + step) / (10 + step))), the weights
 * DDPM samples with (Ho et al., 2020, use 0.9999): the last step's weights
 * carry the noise of the last few updates, which shows as a tint and as
 * classes out of balance. */
void               gb_denoiser_trainer_set_ema (GbDenoiserTrainer *tr, float decay);
/* Writes the averaged weights into net (of the same shape), or the trainer's
 * own weights when no average is kept. */
void               gb_denoiser_trainer_export (const GbDenoiserTrainer *tr, GbDenoiser *net);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbDenoiser, gb_denoiser_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbDenoiserTrainer, gb_denoiser_trainer_free)

G_END_DECLS
