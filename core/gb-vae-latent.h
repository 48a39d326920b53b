/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae-latent.h — what the latent-space view computes from a 2-d-latent VAE:
 * the decoded manifold grid, interpolation paths and prior samples. */
#pragma once

#include "gb-dataset.h"
#include "gb-vae.h"

G_BEGIN_DECLS

#define GB_MANIFOLD_MIN 2
#define GB_MANIFOLD_MAX 30

typedef enum {
  GB_MANIFOLD_ICDF,     /* Kingma & Welling (2014), fig. 4: Φ⁻¹ of an even grid on (0, 1)² */
  GB_MANIFOLD_REGION,   /* evenly over a rectangle of the plane */
} GbManifoldMode;

/* An N×N grid of decoded images. Image (i, j) sits at z = (ax[i], ay[j]),
 * images[(j·N + i)·D …] with ay ascending. */
typedef struct {
  int n;
  GbManifoldMode mode;
  double x0, x1, y0, y1;  /* the rectangle, for GB_MANIFOLD_REGION */
  float *ax;              /* (N) */
  float *ay;              /* (N) */
  float *images;          /* (N·N, D) */
  int rows, cols;
} GbManifold;

/* A decoder prepared for manifolds (images decoded on an N × N lattice of z): the VAE's ReLU decoder is piecewise linear in
 * z, so along a row of the lattice the logits are P + z₁·Q, and moving to the next
 * point changes P and Q only by the hidden units whose half-plane the row
 * crosses there. Decoding an N × N lattice this way costs a few hundred
 * 784-long vector updates per row instead of N full products (about a tenth
 * of the arithmetic for 20 × 20). It holds the last layer transposed, so
 * each unit's weights are contiguous: build it once per model (about 1 ms)
 * and keep it while the model is on show. The results equal gb_vae_decode's
 * to float rounding (sums are kept in double). */
typedef struct _GbManifoldDecoder GbManifoldDecoder;

GbManifoldDecoder *gb_manifold_decoder_new  (const GbVae *vae);   /* NULL unless n_latent is 2 */
void           gb_manifold_decoder_free (GbManifoldDecoder *g);
/* Decodes z = (ax[i], ay[j]) for ax (nx) and ay (ny), both ascending, into
 * out ((j·nx + i)·D …) as Bernoulli means. */
void           gb_manifold_decoder_decode (const GbManifoldDecoder *g, const float *ax, int nx,
                                       const float *ay, int ny, float *out);
/* log p(x | z) of the image x (D) at the same lattice's points, into ll (j·nx + i). */
void           gb_manifold_decoder_log_lik (const GbManifoldDecoder *g, const float *x, const float *ax, int nx,
                                            const float *ay, int ny, double *ll);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbManifoldDecoder, gb_manifold_decoder_free)

/* n in GB_MANIFOLD_MIN…GB_MANIFOLD_MAX; the rectangle is used in REGION mode.
 * With a grid decoder of the same model the grid is decoded row by row (see
 * above), else with gb_vae_decode. */
GbManifold *gb_manifold_new  (const GbVae *vae, const GbManifoldDecoder *fast, int n, GbManifoldMode mode,
                              double x0, double x1, double y0, double y1, int rows, int cols,
                              GError **error);
void        gb_manifold_free (GbManifold *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbManifold, gb_manifold_free)

/* A 2-d slice through an L-d latent space: the plane's point (u, v) stands
 * for z = c + (u − c·e₁) e₁ + (v − c·e₂) e₂, for a base point c (the "other
 * coordinates") and orthonormal directions e₁, e₂; a code z is drawn at
 * (z·e₁, z·e₂). Spanned by two coordinates i, j (e₁, e₂ the unit vectors:
 * z is c with z_i = u, z_j = v) or by the test set's top two principal axes
 * of μ. For L = 2 and the coordinates 0, 1, z = (u, v). */
typedef struct {
  int L;
  int axis[2];                       /* the coordinates spanning it, or −1, −1: principal axes */
  float c[GB_VAE_MAX_LATENT];
  float e1[GB_VAE_MAX_LATENT], e2[GB_VAE_MAX_LATENT];
} GbLatentSlice;

/* Spanned by coordinates i ≠ j, through base (L; NULL: 0). */
void     gb_latent_slice_axes    (GbLatentSlice *s, int L, int i, int j, const float *base);
/* Spanned by the top two principal axes of n codes mu (n, L) (their
 * covariance's leading eigenvectors, signs fixed so the larger component
 * is positive), through base (NULL: the codes' mean). FALSE when n < 2 or
 * L < 2. */
gboolean gb_latent_slice_pca     (GbLatentSlice *s, int L, const float *mu, guint32 n, const float *base);
void     gb_latent_slice_point   (const GbLatentSlice *s, double u, double v, float *z);
/* (u, v) of n codes z (n, L) into uv (n, 2). */
void     gb_latent_slice_project (const GbLatentSlice *s, const float *z, guint32 n, float *uv);

/* The manifold on a slice (any latent size; decoded densely, without the
 * lattice decoder): as gb_manifold_new, the grid's (u, v) mapped to z. */
GbManifold *gb_manifold_new_slice (const GbVae *vae, const GbLatentSlice *slice, int n, GbManifoldMode mode,
                                   double x0, double x1, double y0, double y1, int rows, int cols, GError **error);

/* K ≥ 2 images decoded along the straight path from a to b (L each): z (K, L), out (K, D). */
void gb_latent_interpolate_z (const GbVae *vae, const float *a, const float *b, int K, float *z, float *out);

/* K ≥ 2 images as z moves from z + lo·dir to z + hi·dir (L each): out (K, D). */
void gb_latent_traverse_dir (const GbVae *vae, const float *z, const float *dir, double lo, double hi, int K,
                             float *out);

/* n draws z ~ N(0, I): z (n, L), decoded into out (n, D). */
void gb_latent_sample_prior (const GbVae *vae, GbRng *rng, int n, float *z, float *out);

/* The posterior means (n, 2) of the first max images of one split ("train",
 * "t10k") of the IDX data set in dir, and their labels into labels (n) if
 * not NULL (room for max); NULL with an error when the images do not fit. */
float *gb_vae_latent_codes (const GbVae *vae, const char *dir, const char *split, int max, int *n, guint8 *labels,
                            GError **error);

G_END_DECLS
