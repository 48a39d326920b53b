/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae.h — a variational auto-encoder after Kingma & Welling (2014).
 *
 *   encoder  x (D) → h1 = ReLU (fc1 x)            (H)
 *                  → μ = fc21 h1, log σ² = fc22 h1 (L each)
 *   sample   z = μ + σ ⊙ ε,  ε ~ N(0, I)           (L)
 *   decoder  z → h3 = ReLU (fc3 z)                 (H)
 *            → logits = fc4 h3                     (D), p(x|z) = Bernoulli (sigmoid (logits))
 *
 *   loss per image = BCE (logits, x) + β · KL (N(μ, σ²) ‖ N(0, I)), in nats,
 *   BCE = Σ_d softplus (l_d) − x_d l_d,  KL = −½ Σ_j (1 + log σ²_j − μ_j² − σ²_j).
 *
 * The layer names (fc1, fc21, fc22, fc3, fc4) are those of PyTorch's
 * examples/vae, so a state_dict saved there loads here. The default
 * architecture is 784-512-2 / 2-512-784.
 *
 * All parameters live in one block; fc21 and fc22 sit next to each other so
 * that μ and log σ² come out of one (2L, H) product.
 */
#pragma once

#include <glib.h>

#include "gb-nn.h"
#include "gb-rng.h"

G_BEGIN_DECLS

#define GB_VAE_MAX_HIDDEN 8192
#define GB_VAE_MAX_LATENT 64
#define GB_VAE_MAX_INPUT  (1 << 20)

typedef struct {
  int n_input;  /* D */
  int n_hidden; /* H */
  int n_latent; /* L */
} GbVaeConfig;

typedef struct {
  float *fc1_w;  /* (H, D) */
  float *fc1_b;  /* (H) */
  float *fc2_w;  /* (2L, H): rows [0, L) are fc21 (μ), rows [L, 2L) fc22 (log σ²) */
  float *fc2_b;  /* (2L) */
  float *fc3_w;  /* (H, L) */
  float *fc3_b;  /* (H) */
  float *fc4_w;  /* (D, H) */
  float *fc4_b;  /* (D) */
} GbVaeParams;

/* What a model file records about how the model was made. */
typedef struct {
  char *dataset;      /* e.g. "fashion-mnist"; NULL when unknown */
  int epochs;         /* epochs trained so far */
  guint64 seed;
  int batch;
  double lr;
  double beta;
  double test_elbo;   /* −ELBO per test image in nats; NaN when not measured */
} GbVaeInfo;

typedef struct {
  GbVaeConfig config;
  GbVaeInfo info;
  gsize n_params;
  float *params;     /* (n_params) */
  GbVaeParams p;     /* named views into params */
} GbVae;

/* Loss terms, summed over the images of a batch (divide by n for per-image nats). */
typedef struct {
  double bce;
  double kl;
  int n;
} GbVaeLoss;

GbVae  *gb_vae_new         (const GbVaeConfig *config, GError **error);
GbVae  *gb_vae_copy        (const GbVae *vae);
void    gb_vae_free        (GbVae *vae);
gboolean gb_vae_config_check (const GbVaeConfig *config, GError **error);
void    gb_vae_init_params (GbVae *vae, GbRng *rng);
/* Carve a block of n_params floats into named views with the model's layout. */
void    gb_vae_params_view (const GbVaeConfig *config, float *block, GbVaeParams *view);

/* Posterior q(z|x) = N(μ, σ²) for x (B, D) in [0, 1]: mu (B, L), logvar (B, L);
 * logvar may be NULL. Works through any B in chunks. */
void gb_vae_encode (const GbVae *vae, const float *x, float *mu, float *logvar, int B);
/* Same, from uint8 pixels (B, D) scaled by 1/255 on the fly. */
void gb_vae_encode_u8 (const GbVae *vae, const guint8 *pixels, float *mu, float *logvar, int B);
/* Bernoulli means sigmoid (logits) for z (B, L): out (B, D). */
void gb_vae_decode (const GbVae *vae, const float *z, float *out, int B);

/* log p(x | z) of one image x (D, in [0, 1]) at n latent points z (n, L),
 * in nats, into ll (n); and, when dz is not NULL, its gradient in z (n, L). */
void gb_vae_log_lik (const GbVae *vae, const float *x, const float *z, int n, double *ll, float *dz);
/* Σ softplus (l) − x·l over n values: −log p(x|z) of a Bernoulli decoder's logits. */
double gb_bce_logits (const float *logits, const float *x, gsize n);

/* --- training --- */

/* Buffers for one minibatch of up to `batch` images: activations, gradients
 * (same layout as the parameters) and Adam moments. */
typedef struct {
  int batch;
  int step;          /* Adam's t */
  gboolean split;    /* the products on both cores (OpenBLAS on one thread); set by the step */
  double *row_bce;   /* (B) each row's BCE, summed in order */
  float *grads;      /* (n_params) */
  GbVaeParams g;     /* named views into grads */
  float *m, *v;      /* (n_params) Adam moments */
  float *prev;       /* (n_params) the parameters before the last update */
  float *x;          /* (B, D) */
  float *h1;         /* (B, H) */
  float *ml;         /* (B, 2L) μ and log σ² side by side */
  float *eps;        /* (B, L) */
  float *z;          /* (B, L) */
  float *h3;         /* (B, H) */
  float *logits;     /* (B, D); after the forward pass it holds ∂loss/∂logits */
  float *dh3;        /* (B, H) */
  float *dz;         /* (B, L) */
  float *dml;        /* (B, 2L) */
  float *dh1;        /* (B, H) */
} GbVaeTrain;

GbVaeTrain *gb_vae_train_new  (const GbVae *vae, int batch);
void        gb_vae_train_free (GbVaeTrain *tr);

/* Forward pass on tr->x (B, D) with noise tr->eps (B, L), both filled by the
 * caller: returns the loss terms summed over the batch, and leaves what the
 * backward pass needs in tr. */
GbVaeLoss gb_vae_forward  (const GbVae *vae, GbVaeTrain *tr, int B);
/* Backward pass after gb_vae_forward: accumulates ∂(Σ BCE + β Σ KL)/∂θ into tr->grads. */
void      gb_vae_backward (const GbVae *vae, GbVaeTrain *tr, int B, float beta);

/* One Adam step on the images pixels[idx[0..B)] (each D uint8 values):
 * loads the batch, draws ε from rng, runs forward and backward and updates
 * the parameters. The objective is the batch sum, as in PyTorch's
 * examples/vae. Returns the loss terms of the batch before the update.
 * A batch whose loss is not finite changes nothing (no update): the model
 * has diverged, and gb_vae_train_step_back goes back to the parameters
 * before the last update, the last whose loss was finite. */
GbVaeLoss gb_vae_train_step (GbVae *vae, GbVaeTrain *tr, const guint8 *pixels,
                             const guint32 *idx, int B, const GbAdam *adam,
                             float beta, GbRng *rng);
/* Puts back the parameters from before the last update; FALSE when no step
 * has been taken. */
gboolean  gb_vae_train_step_back (GbVae *vae, GbVaeTrain *tr);

/* −ELBO terms over n images (one ε draw each from rng), in chunks of tr->batch. */
GbVaeLoss gb_vae_evaluate (const GbVae *vae, GbVaeTrain *tr, const guint8 *pixels,
                           gsize n, float beta, GbRng *rng);

/* Loss terms of one image x (D) at posterior (μ, log σ²) with noise eps (L):
 * fills recon (D) with the reconstruction sigmoid (logits (z)). */
GbVaeLoss gb_vae_explain (const GbVae *vae, const float *x, const float *eps,
                          float *mu, float *logvar, float *z, float *recon);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbVae, gb_vae_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbVaeTrain, gb_vae_train_free)

G_END_DECLS
