/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-unet-private.h — what the U-Net's two files share: its layers
 * (gb-diffusion-unet-layers.c), on NHWC slices of m images, and their constants. */
#pragma once

#include "gb-diffusion.h"
#include "gb-diffusion-unet.h"
#include "gb-nn.h"
#include "gb-packed.h"
#include "gb-simd.h"

G_BEGIN_DECLS

/* Include this header last: its names are short. */
#define E GB_UNET_EMBED
#define G GB_UNET_GROUPS
#define SLICE 8
#define GN_EPS 1e-5f

/* y = x Wᵀ + b over rows: through W's packed panels when there are some
 * (no repacking of x, which OpenBLAS would do at every call), else sgemm. */
void gb_unet_dense (float *y, const float *x, const GbPacked *pk, const float *w, const float *b, int rows, int n_in, int n_out);
void gb_unet_conv_forward (float *y, const float *x, const GbPacked *pk, const float *w, const float *b, int m, int S, int cin, int cout, float *P);
/* dx += ∂y W over rows (through W's transposed panels when there are some). */
void gb_unet_dense_backward_input (float *dx, const float *dy, const GbPacked *pk_t, const float *w, int rows, int n_in, int n_out, float *scratch);
void gb_unet_conv_backward (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, const GbPacked *pk_t, gboolean flipped, int m, int S, int cin, int cout, float *P, float *dP, float *dyT);
/* GroupNorm: y = γ (x − μ) / σ + β per image and group. For one image, as
 * the per-channel map y = x·a_c + b_c, a and b folded from the groups'
 * statistics, and the groups' μ and 1/σ (for the backward pass); the sums
 * per channel come first (a pass vectorised across channels). */
void gb_unet_gn_stats (float *a, float *b, float *mean, float *rstd, const float *xn, const float *gamma, const float *beta, int N, int c);
/* dx += ; dγ, dβ += . With x̂ = (x − μ) r, per image and group:
 *   dx = r (γ dy − mean (γ dy) − x̂ mean (γ dy x̂))
 * from per-channel sums Σ dy and Σ dy·x, so every pass runs across channels. */
void gb_unet_gn_backward (float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean, const float *rstd, const float *gamma, int m, int N, int c);
/* a = GroupNorm (x), s = SiLU (a), an image at a time so s is computed
 * from a while a is still in cache. */
void gb_unet_gn_silu (float *a, float *s, float *mean, float *rstd, const float *x, const float *gamma, const float *beta, int m, int N, int c);
void gb_unet_pool_forward (float *y, const float *x, int m, int S, int c);
void gb_unet_pool_backward (float *dx, const float *dy, int m, int S, int c);
/* y (m, 2s, 2s, ctot) channels [0, c) = nearest-neighbour x (m, s, s, c). */
void gb_unet_up_forward (float *y, int ctot, const float *x, int m, int s, int c);
void gb_unet_up_backward (float *dx, const float *dy, int ctot, int m, int s, int c);
/* y's channels [off, off + c) of ctot = x (rows, c); and back (+=). */
void gb_unet_put_channels (float *y, int ctot, int off, const float *x, gsize rows, int c);
void gb_unet_take_channels (float *restrict dx, const float *restrict dy, int ctot, int off, gsize rows, int c);
/* y += x over n values. */
void gb_unet_add_to (float *restrict y, const float *restrict x, gsize n);
/* Each of m images' N pixels (c channels) += that image's v (m, c). */
void gb_unet_add_per_image (float *restrict h, const float *restrict v, int m, int N, int c);
/* v (m, c) += the sums over each image's N pixels of h. */
void gb_unet_sum_per_image (float *restrict v, const float *restrict h, int m, int N, int c);

G_END_DECLS
