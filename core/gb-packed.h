/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-packed.h — a layer's weights packed once for products with the batch in
 * the rows, y = act (x Wᵀ + b), on AVX-512 and AVX2 CPUs.
 *
 * A sampler multiplies by the same weights a thousand times. A general
 * GEMM (OpenBLAS's sgemm) repacks the weight matrix into its kernel's layout
 * at every call: for a few images that is as much memory traffic as the
 * product itself (16 rows against a 1024 × 1024 matrix), and the bias and
 * the activation then take another pass over the output. Here W is laid out
 * once in panels of 16 outputs, each panel k-major (the 16 weights of input k
 * side by side: one 512-bit load, or two of 256), and a kernel keeps a block
 * of y in registers across the whole of k — on AVX-512 8 rows × 32 outputs,
 * on AVX2 + FMA 6 rows × 16 — adds the bias and applies SiLU before it
 * stores. Its sums run in a different order from OpenBLAS's, so results
 * agree to rounding, not bit for bit.
 *
 * gb_packed_supported () says whether this CPU runs a kernel (AVX-512F, or
 * AVX2 and FMA); callers keep a CBLAS path for the others.
 */
#pragma once

#include "gb-nn.h"

#include <glib.h>

G_BEGIN_DECLS

#define GB_PACKED_PANEL 16

typedef struct _GbPacked GbPacked;

typedef enum {
  GB_PACKED_NONE,
  GB_PACKED_AVX2,      /* AVX2 and FMA (x86-64-v3: Haswell, Zen and later) */
  GB_PACKED_AVX512,    /* AVX-512F */
} GbPackedLevel;

/* The kernel this CPU runs (the best it has, up to the maximum set). */
GbPackedLevel gb_packed_level (void);
gboolean  gb_packed_supported (void);
/* Caps the kernel used from now on: the tests run the AVX2 kernel and the
 * CBLAS paths with it on CPUs that have better. set_disabled (TRUE) caps at
 * none, (FALSE) lifts the cap. */
void      gb_packed_set_max_level (GbPackedLevel level);
void      gb_packed_set_disabled (gboolean off);

/* Packs W for y = x Wᵀ. W is (n_out, n_in) row-major, as gb-nn's layers keep
 * it, or, with transposed, (n_in, n_out) row-major (y = x W). */
GbPacked *gb_packed_new   (const float *w, int n_out, int n_in, gboolean transposed);
void      gb_packed_free  (GbPacked *p);
int       gb_packed_n_out (const GbPacked *p);
int       gb_packed_n_in  (const GbPacked *p);

/* y[i, j] = act (Σ_k x[i, k] W[j, k] + bias[j]) for i < n and j0 ≤ j < j1,
 * x's rows ldx apart and y's ldy apart; bias may be NULL; act is
 * GB_ACT_NONE or GB_ACT_SILU. j0 must be a multiple of GB_PACKED_PANEL (or n_out), j1
 * one too or n_out (gb_packed_split gives such a range for each of two
 * threads). Only where gb_packed_supported (). */
void      gb_packed_apply (const GbPacked *p, const float *x, int ldx, int n, const float *bias, GbAct act,
                           float *y, int ldy, int j0, int j1);

/* y[i, j] = Σ_s Σ_k x[seg_off[s] + i·ldx + k] W[j, s·K + k] + bias[j] for
 * i < n, all j, K = n_in / nseg: the product with x's k read in nseg equal
 * segments, each from its own offset — a 3 × 3 convolution's three rows of
 * taps read in place from a once-unrolled copy (gb-diffusion-unet.c) rather than a
 * nine-fold one. Only on AVX-512; returns FALSE (and does nothing) where
 * that kernel does not run, for the caller's other path. */
gboolean  gb_packed_apply_taps (const GbPacked *p, const float *x, int ldx, int n, int nseg, const gsize *seg_off,
                                const float *bias, float *y, int ldy);

/* A 3 × 3 convolution of one S × S image from its rows of taps Q ((S + 2)
 * rows of S pixels × 3c, rows 0 and S + 1 zero; see gb_packed_taps_row), p
 * packed from the weights (cout, 3, 3, c): y (S² × cout, rows ldy apart) =
 * the convolution + bias. As gb_packed_apply_taps with three segments S·3c
 * apart, less the products with the zero rows. FALSE where that one is. */
gboolean  gb_packed_apply_conv3 (const GbPacked *p, const float *Q, int S, const float *bias, float *y, int ldy);

/* y (m × n) += a (m × k) · b (k × n), all row-major, b read in place (no
 * packing: for a product whose b serves once, as a convolution's weight
 * gradient's unrolled patches do). Only on AVX-512; returns FALSE (and does
 * nothing) elsewhere. */
gboolean  gb_packed_gemm_acc (int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *y, int ldy);

/* One row of an image's rows of taps (gb_packed_apply_taps' input for a
 * 3 × 3 convolution): out (S × 3c) holds each pixel j of the row in (S × c)
 * with its left and right neighbours, zeros past the edges. With a and b
 * (c each), the row is first mapped to SiLU (in·a + b) (a GroupNorm and its
 * activation) through scratch (S × c); otherwise a, b and scratch may be NULL. */
void      gb_packed_taps_row (float *out, const float *in, int S, int c, const float *a, const float *b,
                              float *scratch);

/* s, s2 (c each) = Σ x, Σ x² over N pixels of c channels (pixel-major), for
 * a GroupNorm: float sums over runs of 16 pixels gathered in double. Only on
 * AVX-512 for c a multiple of 16 up to 128; FALSE (nothing done) otherwise. */
gboolean  gb_packed_channel_sums (double *s, double *s2, const float *x, int N, int c);

/* out = SiLU (in) over n values (out may be in): the kernels' own SiLU on
 * AVX-512 (relative error about 2^−28), gb_act_forward's elsewhere. */
void      gb_packed_silu (float *out, const float *in, gsize n);

/* din += dout · SiLU′ (in) over n values (out = SiLU (in), for the fallback):
 * gb_act_backward's, on AVX-512 with the kernels' σ. */
void      gb_packed_silu_backward (float *din, const float *dout, const float *in, const float *out, gsize n);

/* The output range [*j0, *j1) of part 0 or 1 of a product split in two
 * between threads, at a panel boundary. */
void      gb_packed_split (const GbPacked *p, int part, int *j0, int *j1);

G_END_DECLS
