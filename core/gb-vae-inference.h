/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae-inference.h — what inference in a VAE really does, worked out
 * rather than estimated where the latent is 2-d.
 *
 * The true posterior p(z|x) ∝ p(x|z) p(z) on a grid of the plane; log p(x)
 * by quadrature (the midpoint rule on a rectangle fitted to the posterior's
 * mass); the ELBO of a Gaussian q(z|x) = N(μ, diag σ²), both on that grid
 * and by a Gauss–Hermite rule; the importance-weighted bound IWAE-K (Burda
 * et al., 2016) for any latent size; and q optimised for one image alone,
 * which splits the gap log p(x) − ELBO (= KL (q ‖ p(z|x))) into the
 * approximation gap log p(x) − ELBO (q*) and the amortisation gap
 * ELBO (q*) − ELBO (q) of Cremer, Li & Duvenaud (2018). All in nats. */
#pragma once

#include <gio/gio.h>

#include "gb-rng.h"
#include "gb-vae-latent.h"
#include "gb-vae.h"

G_BEGIN_DECLS

#define GB_POSTERIOR_GRID_MAX 1024

/* log p(x, z) = log p(x|z) + log p(z) at the centres of an n × n grid over a
 * rectangle: point (i, j) at z = (x0 + (i + ½)·dx, y0 + (j + ½)·dy), stored at
 * j·n + i. */
typedef struct {
  int n;
  double x0, x1, y0, y1;
  float *log_joint;   /* (n·n) */
  double max;         /* the largest log_joint */
  int argmax;         /* where it is */
  double log_px;      /* log Σ exp (log_joint) · dx·dy: log p(x) by the midpoint rule on the rectangle */
} GbPosteriorGrid;

/* The grid for the image x (D, in [0, 1]) of a 2-d-latent VAE, decoded with
 * dec (the lattice decoder of the same model). n is 2…GB_POSTERIOR_GRID_MAX. */
GbPosteriorGrid *gb_posterior_grid_new  (const GbVae *vae, const GbManifoldDecoder *dec, const float *x, int n,
                                         double x0, double x1, double y0, double y1, GError **error);
void             gb_posterior_grid_free (GbPosteriorGrid *g);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbPosteriorGrid, gb_posterior_grid_free)

/* A grid fitted to the posterior of x: first a coarse one over the prior's
 * bulk and q's (μ, log σ², may be NULL) neighbourhood, then n × n over the
 * rectangle where log p(x, z) is within 30 nats of its peak (and over q's
 * ±6σ, so that q is resolved on it too). Its log_px is log p(x). */
GbPosteriorGrid *gb_posterior_grid_fitted (const GbVae *vae, const GbManifoldDecoder *dec, const float *x,
                                           const float *mu, const float *logvar, int n, GError **error);

/* The ELBO of q = N(μ, diag exp (logvar)) on the grid: Σ q (log p(x, z) − log q) dx·dy;
 * grad (4), its gradient in (μ₁, μ₂, logvar₁, logvar₂), when not NULL. */
double gb_posterior_grid_elbo (const GbPosteriorGrid *g, const float mu[2], const float logvar[2], double grad[4]);

/* q optimised for this image alone: Adam on (μ, log σ²) up the grid's ELBO,
 * from the given q, for `steps` steps. step (may be NULL) sees every step's
 * q and ELBO and may stop the run by returning FALSE. mu and logvar end as
 * q*; returns its ELBO. */
typedef gboolean (*GbQStepFunc) (int step, const float mu[2], const float logvar[2], double elbo, gpointer data);
double gb_posterior_grid_optimise_q (const GbPosteriorGrid *g, float mu[2], float logvar[2], int steps,
                                     GbQStepFunc step, gpointer data);

/* Gauss–Hermite nodes t and weights w (order ≤ 64) for expectations under
 * N(0, 1): E f(ξ) ≈ Σ w_k f(t_k), Σ w_k = 1. */
void gb_gauss_hermite (int order, double *t, double *w);

/* The ELBO of q for x (L = 2) with an order × order Gauss–Hermite rule for
 * E_q log p(x|z): deterministic, independent of any grid. */
double gb_vae_elbo_gauss_hermite (const GbVae *vae, const float *x, const float *mu, const float *logvar, int order);

/* From K draws z_k ~ q (any latent size), with log w_k = log p(x, z_k) − log q(z_k):
 * the ELBO's estimate mean (log w_k) into *elbo (may be NULL), and IWAE-K,
 * log mean (w_k), returned. */
double gb_vae_iwae (const GbVae *vae, const float *x, const float *mu, const float *logvar, int K, GbRng *rng,
                    double *elbo);

/* The aggregate posterior q(z) = mean over n codes of N(z; μ_n, diag σ_n²)
 * against the prior, on an nx × ny grid of cell centres over box (x0, x1, y0,
 * y1): log q(z) − log p(z) into out (j·nx + i), −INFINITY where no code's
 * Gaussian reaches (beyond 7σ of every one): the prior's mass the decoder
 * never sees. Also each code's KL (q(z|x_n) ‖ p(z)) into kl (n) if not NULL. */
void gb_aggregate_posterior (const float *mu, const float *logvar, guint32 n, int nx, int ny, const double box[4],
                             float *out, float *kl);

/* Everything above over the first n images of a data set: means over the images. */
typedef struct {
  int n;              /* images */
  int K;              /* IWAE's samples */
  double elbo;        /* the encoder's q: on the quadrature's grid for 2-d latents, else the K draws' mean */
  double iwae;
  double log_px;      /* by quadrature (2-d latents; NaN otherwise) */
  double elbo_opt;    /* q optimised per image (2-d; NaN otherwise) */
} GbInferenceSummary;

/* pixels: n images of D uint8 values. Runs on both cores; progress (0…1) is
 * published through *progress when not NULL; cancellable. */
gboolean gb_vae_inference_summary (const GbVae *vae, const guint8 *pixels, int n, int K, guint64 seed,
                                   GbInferenceSummary *out, double *progress, GCancellable *cancellable,
                                   GError **error);

G_END_DECLS
