/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-unet.h — a small convolutional U-Net ε-predictor for square
 * one-channel images (Fashion-MNIST's 28 × 28), in the style of DDPM's
 * (Ho et al., 2020), sized for two CPU cores.
 *
 * Images are NHWC (B, side, side, channels): with one channel, a row of
 * side² pixels, as the MLP reads them. In that layout a 3 × 3 convolution is
 * a dense layer applied to every pixel's 3 × 3 × C patch, so the layers are
 * gb-nn's (and gb-packed's) products on the unrolled patches. Weights are
 * (C_out, 3, 3, C_in) (PyTorch's (C_out, C_in, 3, 3) with the input channel
 * last).
 *
 * With width C and a time embedding shared by every block:
 *
 *   e(t) (32) → dense 4C, SiLU → dense 4C, SiLU = τ
 *   x (1) → conv 3×3 → C                                  28 × 28
 *   R₀: C → C                       → skip₀               28 × 28
 *   pool; R₁: C → 2C                → skip₁               14 × 14
 *   pool; R₂: 2C → 2C; R₃: 2C → 2C                          7 × 7
 *   up; [·, skip₁]; R₄: 4C → 2C                           14 × 14
 *   up; [·, skip₀]; R₅: 3C → C                            28 × 28
 *   GroupNorm, SiLU, conv 3×3 → 1 = ε̂
 *
 * and each residual block R: C_in → C_out
 *
 *   h = conv₁ (SiLU (GN₁ (x))) + dense (τ)     (per channel, every pixel)
 *   R (x) = skip (x) + conv₂ (SiLU (GN₂ (h)))  (skip: identity, or a 1 × 1 conv)
 *
 * A class-conditional net (classes > 0) adds a learnt embedding of the
 * image's class, or of “no class” (row `classes` of the table), to τ:
 * trained with the class dropped now and then, it predicts both ε̂ (x, c)
 * and ε̂ (x) for classifier-free guidance (Ho & Salimans, 2022).
 *
 * GroupNorm (Wu & He, 2018) normalises each image's groups of C/8 channels
 * over all its pixels; conv₂ and the last conv start at zero, so the
 * untrained net predicts ε̂ = 0 and each block starts as its skip.
 */
#pragma once

#include <glib.h>

#include "gb-rng.h"

G_BEGIN_DECLS

#define GB_UNET_EMBED  32
#define GB_UNET_GROUPS 8
#define GB_UNET_BLOCKS 6

typedef struct {
  int cin, cout, res;       /* channels in and out; the side it works at */
  /* Offsets into the parameter block (and into a gradient laid out alike). */
  gsize gn1_g, gn1_b, w1, b1, wt, bt, gn2_g, gn2_b, w2, b2, ws, bs;   /* ws = bs = 0: identity skip */
} GbUnetBlock;

typedef struct {
  int side;                 /* 28: a multiple of 4 */
  int C;                    /* the base width, a multiple of GB_UNET_GROUPS */
  int TE;                   /* the embedding's width, 4C */
  int classes;              /* 0: unconditional; else the class table's rows are classes + 1 */
  GbUnetBlock blk[GB_UNET_BLOCKS];
  gsize t1_w, t1_b, t2_w, t2_b, in_w, in_b, out_g, out_b, out_w, out_bias, cls;   /* cls: 0 when unconditional */
  gsize n_params;
  float *params;            /* owned */
} GbUnet;

/* A net of base width C (8…256, a multiple of 8) for side × side images
 * (side a multiple of 4, 4…64), initialised as PyTorch initialises its
 * layers (conv₂ and the last conv at zero). */
GbUnet *gb_unet_new  (int side, int C, int classes, guint64 seed, GError **error);
/* The same shape with every parameter 0. classes: 0 (unconditional) … 1000. */
GbUnet *gb_unet_alloc (int side, int C, int classes, GError **error);
GbUnet *gb_unet_copy (const GbUnet *net);
void    gb_unet_free (GbUnet *net);
/* The number of parameters a net of this shape has (for a file's check). */
gsize   gb_unet_n_params (int side, int C, int classes);

/* The parameters as named tensors, for model files: PyTorch's names
 * (time.0, blocks.2.conv1, …), each a range of params with its shape. */
typedef struct {
  char name[32];
  gsize offset;
  int ndim;
  gint64 shape[4];
} GbUnetTensor;

#define GB_UNET_MAX_TENSORS 96
/* Fills out (GB_UNET_MAX_TENSORS) and returns how many there are. */
int     gb_unet_tensors (const GbUnet *net, GbUnetTensor *out);

/* Multiply-adds per image of one forward pass. */
double  gb_unet_macs (const GbUnet *net);

/* The convolutions' weights packed for gb-packed's kernels (a sampler's
 * thousand products with the same weights), or NULL on a CPU without one.
 * Pack again after the weights change. */
typedef struct _GbUnetPacks GbUnetPacks;
GbUnetPacks *gb_unet_packs_new  (const GbUnet *net);
/* The same with the backward pass's kernels too, for gb_unet_gradient. */
GbUnetPacks *gb_unet_packs_new_training (const GbUnet *net);
void         gb_unet_packs_free (GbUnetPacks *pk);

/* ε̂ (n, side²) for x_t (n, side²), all at step t, on the calling thread
 * (sgemm's products on OpenBLAS's threads unless those are set to one),
 * through pk's kernels when pk is not NULL. Keeps its scratch per thread:
 * thread-safe for a net nobody writes. */
void gb_unet_eps    (const GbUnet *net, const GbUnetPacks *pk, float *eps, const float *xt, int n, int t,
                     const int *labels);
/* The same with each row at its own step ts[i]. labels (n), for a
 * class-conditional net: each row's class, or `classes` for none; NULL:
 * none for every row (ignored by an unconditional net). */
void gb_unet_eps_at (const GbUnet *net, const GbUnetPacks *pk, float *eps, const float *xt, int n, const int *ts,
                     const int *labels);

/* One gradient of L = Σ_i Σ_p (ε̂ (x_t[i], ts[i])_p − eps[i]_p)² · scale
 * over n images, overwriting grad (n_params); returns Σ (ε̂ − ε)² (unscaled).
 * Runs on the calling thread in slices of up to 8 images, through pk
 * (gb_unet_packs_new_training of these weights, shared by the threads
 * that take parts of one batch) or, when NULL, sgemm. */
double gb_unet_gradient (const GbUnet *net, const GbUnetPacks *pk, float *grad, const float *xt, const float *eps,
                         const int *ts, const int *labels, int n, float scale);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbUnet, gb_unet_free)

G_END_DECLS
