/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-nn.h — the neural-net engine: dense layers, activations and Adam.
 *
 * Every layer is a pair of free functions in the style of llm.c:
 * `*_forward (out, in, weights, dims)` and `*_backward (din, dweight, dout,
 * in, weights, dims)` — outputs first, inputs next, sizes last. Backward
 * passes *accumulate* into their gradient buffers (`+=`), so zeroing
 * gradients is a call of its own (memset). Buffers are row-major float32 and
 * their shapes are written beside every argument. Weights follow PyTorch's
 * nn.Linear: w is (n_out, n_in) and out = in · wᵀ + b.
 *
 * The fast path multiplies matrices with cblas_sgemm; a plain-loop
 * reference sits beside each kernel (`*_ref`), and the tests check that the
 * two agree and that every gradient matches central finite differences.
 *
 * A worked example, one hidden layer with ReLU on a batch of B:
 *
 *   gb_linear_forward (h, x, w1, b1, B, n_in, n_hidden, GB_ACT_RELU);
 *   gb_linear_forward (y, h, w2, b2, B, n_hidden, n_out, GB_ACT_NONE);
 *   … dy = ∂loss/∂y …
 *   gb_linear_backward (dh, dw2, db2, dy, h, w2, B, n_hidden, n_out);
 *   gb_relu_backward (dh_pre, dh, h_pre, h, B * n_hidden);
 */
#pragma once

#include <glib.h>

#include "gb-rng.h"

G_BEGIN_DECLS

typedef enum {
  GB_ACT_NONE,
  GB_ACT_RELU,
  GB_ACT_SIGMOID,
  GB_ACT_TANH,
  GB_ACT_SILU,
} GbAct;

/* PyTorch's nn.Linear initialisation: w and b ~ U(−1/√n_in, 1/√n_in).
 * w (n_out, n_in), b (n_out) */
void gb_linear_init (float *w, float *b, int n_in, int n_out, GbRng *rng);

/* out (B, n_out) = act (in (B, n_in) · w (n_out, n_in)ᵀ + b (n_out)).
 * The bias and the activation are applied in one pass after the product. */
void gb_linear_forward     (float *out, const float *in, const float *w, const float *b,
                            int B, int n_in, int n_out, GbAct act);
void gb_linear_forward_ref (float *out, const float *in, const float *w, const float *b,
                            int B, int n_in, int n_out, GbAct act);

/* db (n_out) += the column sums of dout (B, n_out): a layer's bias gradient. */
void gb_column_sums (float *db, const float *dout, int B, int n_out);

/* Given dout (B, n_out) = ∂L/∂out of a linear layer (before any activation):
 *   dw (n_out, n_in) += doutᵀ · in (B, n_in)
 *   db (n_out)       += Σ_rows dout        (skipped when db is NULL)
 *   din (B, n_in)    += dout · w           (skipped when din is NULL)
 * With accumulate FALSE the three are overwritten (=) instead, which saves a
 * pass that zeroes them when a model's gradient is computed from scratch. */
void gb_linear_backward     (float *din, float *dw, float *db, const float *dout,
                             const float *in, const float *w, int B, int n_in, int n_out,
                             gboolean accumulate);
void gb_linear_backward_ref (float *din, float *dw, float *db, const float *dout,
                             const float *in, const float *w, int B, int n_in, int n_out);

/* C (m, n) = op (A) op (B) + beta C (row-major; op transposes when ta / tb).
 * With split, C's columns are cut in two on a 64-byte boundary and the
 * halves run on both cores (gb_parallel_pair), each as one product: with
 * OpenBLAS on one thread (gb_blas_set_threads (1)) that is faster than its
 * own threads at a training step's sizes, which spend the step yielding to
 * each other. Each element is summed as in one product, whatever the cut. */
void gb_sgemm_pair (gboolean split, gboolean ta, gboolean tb, int m, int n, int k, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc);
/* gb_linear_forward and gb_linear_backward with their products split so
 * (the same numbers as theirs). */
void gb_linear_forward_pair  (gboolean split, float *out, const float *in, const float *w, const float *b,
                              int B, int n_in, int n_out, GbAct act);
void gb_linear_backward_pair (gboolean split, float *din, float *dw, float *db, const float *dout,
                              const float *in, const float *w, int B, int n_in, int n_out, gboolean accumulate);

/* Element-wise activations over n values: out = f (in).
 * Backward: din += dout ⊙ f′(in); each uses whichever of in and out is
 * cheaper (ReLU and SiLU read in, sigmoid and tanh read out). */
void gb_act_forward  (GbAct act, float *out, const float *in, gsize n);
void gb_act_backward (GbAct act, float *din, const float *dout, const float *in,
                      const float *out, gsize n);

/* x ← sigmoid (x) in place over n values (vectorised; relative error < 3e-7). */
void gb_sigmoid_inplace (float *x, gsize n);

/* Adam (Kingma & Ba, 2015) with bias correction, as torch.optim.Adam:
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
 *   p ← p − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)
 * p, g, m, v (n); t is the 1-based step number. */
typedef struct {
  float lr;
  float beta1;
  float beta2;
  float eps;
} GbAdam;

#define GB_ADAM_DEFAULTS { 1e-3f, 0.9f, 0.999f, 1e-8f }

/* OpenBLAS's thread count, for callers that split a batch across cores
 * themselves (then each of their matrix products should run on one). The
 * count is global to the process: set it only while no product runs. */
int  gb_blas_get_threads (void);
void gb_blas_set_threads (int n);

void gb_adam_step (const GbAdam *adam, float *p, const float *g, float *m, float *v,
                   gsize n, int t);
/* The step for the gradient g · g_scale (a clipped gradient, without
 * writing it). */
void gb_adam_step_scaled (const GbAdam *adam, float *p, const float *g, float *m, float *v,
                          gsize n, int t, float g_scale);
/* Σ x² (in double). */
double gb_sum_squares (const float *x, gsize n);
/* The same step, copying p as it was before the step into prev (n) in the
 * same pass: what a trainer goes back to when the step turns out to diverge. */
void gb_adam_step_keep (const GbAdam *adam, float *p, const float *g, float *m, float *v, float *prev,
                        gsize n, int t);
/* gb_adam_step_keep on both cores when split (element-wise: the same numbers). */
void gb_adam_step_keep_pair (gboolean split, const GbAdam *adam, float *p, const float *g, float *m, float *v,
                             float *prev, gsize n, int t);

G_END_DECLS
