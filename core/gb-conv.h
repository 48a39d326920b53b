/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-conv.h — 2-d convolution for image models, in the style of gb-nn.h.
 *
 * Tensors are row-major NCHW float32. The convolution has stride 1 and zero
 * padding of k/2 (odd k: “same” size), as the blocks of a U-Net use:
 *
 *   y[b, o, i, j] = bias[o] + Σ_c Σ_u Σ_v w[o, c, u, v] · x[b, c, i + u − k/2, j + v − k/2]
 *
 * The fast path unrolls each image's patches (im2col) and multiplies with
 * cblas_sgemm; a plain-loop reference sits beside it, and the tests check the
 * two agree and that the gradients match central finite differences.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* y (B, C_out, H, W) = conv (x (B, C_in, H, W), w (C_out, C_in, k, k)) + b (C_out). */
void gb_conv2d_forward     (float *y, const float *x, const float *w, const float *b,
                            int B, int C_in, int C_out, int H, int W, int k);
void gb_conv2d_forward_ref (float *y, const float *x, const float *w, const float *b,
                            int B, int C_in, int C_out, int H, int W, int k);

/* Given dy (B, C_out, H, W) = ∂L/∂y, accumulates (+=):
 *   dw (C_out, C_in, k, k), db (C_out) (skipped when NULL), dx (B, C_in, H, W) (skipped when NULL). */
void gb_conv2d_backward (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                         int B, int C_in, int C_out, int H, int W, int k);

/* 2×2 average pooling: y (B, C, H/2, W/2) from x (B, C, H, W), H and W even;
 * backward accumulates dx += each dy spread evenly over its four pixels. */
void gb_avgpool2_forward  (float *y, const float *x, int B, int C, int H, int W);
void gb_avgpool2_backward (float *dx, const float *dy, int B, int C, int H, int W);


G_END_DECLS
