/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-nn.c — dense layers, activations and Adam on float32 buffers. */
#include "gb-nn.h"
#include "gb-parallel.h"
#include "gb-simd.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* --- initialisation --- */

void
gb_linear_init (float *w, float *b, int n_in, int n_out, GbRng *rng)
{
  float bound = 1.0f / sqrtf ((float) n_in);
  for (gsize i = 0; i < (gsize) n_out * n_in; i++)
    w[i] = (2.0f * gb_rng_uniform (rng) - 1.0f) * bound;
  for (int i = 0; i < n_out; i++)
    b[i] = (2.0f * gb_rng_uniform (rng) - 1.0f) * bound;
}

/* --- activations --- */

static inline float
act_one (GbAct act, float x)
{
  switch (act)
    {
    case GB_ACT_NONE:    return x;
    case GB_ACT_RELU:    return x > 0.0f ? x : 0.0f;
    case GB_ACT_SIGMOID: return gb_sigmoidf (x);
    case GB_ACT_TANH:    return tanhf (x);
    case GB_ACT_SILU:    return x * gb_sigmoidf (x);
    default:             g_assert_not_reached ();
    }
}

/* σ(x) on eight lanes, stable on both sides. */
static inline __attribute__ ((always_inline)) gb_v8f
v8_sigmoid (gb_v8f l)
{
  const gb_v8f zero = gb_v8f_splat (0.0f), one = gb_v8f_splat (1.0f);
  const gb_v8i sign = (gb_v8i) gb_v8f_splat (-0.0f);
  gb_v8f e = gb_v8f_exp ((gb_v8f) ((gb_v8i) l | sign));
  gb_v8f inv = one / (one + e);
  return gb_v8f_select (l >= zero, inv, e * inv);
}

/* out = x·σ(x), eight lanes at a time (glibc's scalar expf was the cost of
 * a diffusion sampler's step). */
GB_HOT static void
silu_forward (float *out, const float *in, gsize n)
{
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      gb_v8f x = gb_v8f_load (in + i);
      gb_v8f_store (out + i, x * v8_sigmoid (x));
    }
  for (; i < n; i++)
    out[i] = in[i] * gb_sigmoidf (in[i]);
}

/* din += dout · σ(x) · (1 + x·(1 − σ(x))). */
GB_HOT static void
silu_backward (float *din, const float *dout, const float *in, gsize n)
{
  const gb_v8f one = gb_v8f_splat (1.0f);
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      gb_v8f x = gb_v8f_load (in + i), sg = v8_sigmoid (x);
      gb_v8f_store (din + i, gb_v8f_load (din + i) + gb_v8f_load (dout + i) * sg * (one + x * (one - sg)));
    }
  for (; i < n; i++)
    {
      float sg = gb_sigmoidf (in[i]);
      din[i] += dout[i] * sg * (1.0f + in[i] * (1.0f - sg));
    }
}

void
gb_act_forward (GbAct act, float *out, const float *in, gsize n)
{
  switch (act)
    {
    case GB_ACT_NONE:
      if (out != in)
        memmove (out, in, n * sizeof (float));
      break;
    case GB_ACT_RELU:
      for (gsize i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
      break;
    case GB_ACT_SILU:
      silu_forward (out, in, n);
      break;
    default:
      for (gsize i = 0; i < n; i++)
        out[i] = act_one (act, in[i]);
      break;
    }
}

void
gb_act_backward (GbAct act, float *din, const float *dout, const float *in,
                 const float *out, gsize n)
{
  switch (act)
    {
    case GB_ACT_NONE:
      for (gsize i = 0; i < n; i++)
        din[i] += dout[i];
      break;
    case GB_ACT_RELU:
      /* The kink at 0 takes the derivative 0, as PyTorch does. */
      for (gsize i = 0; i < n; i++)
        din[i] += in[i] > 0.0f ? dout[i] : 0.0f;
      break;
    case GB_ACT_SIGMOID:
      for (gsize i = 0; i < n; i++)
        din[i] += dout[i] * out[i] * (1.0f - out[i]);
      break;
    case GB_ACT_TANH:
      for (gsize i = 0; i < n; i++)
        din[i] += dout[i] * (1.0f - out[i] * out[i]);
      break;
    case GB_ACT_SILU:
      /* d/dx x·σ(x) = σ(x) · (1 + x·(1 − σ(x))) */
      silu_backward (din, dout, in, n);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* x ← σ(x) over n values, eight lanes at a time. */
GB_HOT void
gb_sigmoid_inplace (float *x, gsize n)
{
  const gb_v8f zero = gb_v8f_splat (0.0f), one = gb_v8f_splat (1.0f);
  const gb_v8i sign = (gb_v8i) gb_v8f_splat (-0.0f);
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      gb_v8f l = gb_v8f_load (x + i);
      gb_v8f e = gb_v8f_exp ((gb_v8f) ((gb_v8i) l | sign));
      gb_v8f inv = one / (one + e);
      gb_v8f_store (x + i, gb_v8f_select (l >= zero, inv, e * inv));
    }
  for (; i < n; i++)
    x[i] = gb_sigmoidf (x[i]);
}

int
gb_blas_get_threads (void)
{
  return openblas_get_num_threads ();
}

void
gb_blas_set_threads (int n)
{
  openblas_set_num_threads (MAX (n, 1));
}

/* --- linear layer --- */

/* One fused pass adds the bias and applies the activation. */
GB_HOT static void
bias_act (float *restrict out, const float *restrict b, int B, int n_out, GbAct act)
{
  for (int r = 0; r < B; r++)
    {
      float *restrict o = out + (gsize) r * n_out;
      if (act == GB_ACT_RELU)
        for (int j = 0; j < n_out; j++)
          {
            float v = o[j] + b[j];
            o[j] = v > 0.0f ? v : 0.0f;
          }
      else if (act == GB_ACT_NONE)
        for (int j = 0; j < n_out; j++)
          o[j] += b[j];
      else if (act == GB_ACT_SILU)
        {
          for (int j = 0; j < n_out; j++)
            o[j] += b[j];
          silu_forward (o, o, n_out);
        }
      else
        for (int j = 0; j < n_out; j++)
          o[j] = act_one (act, o[j] + b[j]);
    }
}

GB_HOT void
gb_column_sums (float *restrict db, const float *restrict dout, int B, int n_out)
{
  for (int r = 0; r < B; r++)
    {
      const float *restrict d = dout + (gsize) r * n_out;
      for (int j = 0; j < n_out; j++)
        db[j] += d[j];
    }
}

/* --- products on both cores --- */

typedef struct {
  CBLAS_TRANSPOSE ta, tb;
  int m, k;
  const float *a, *b;
  int lda, ldb;
  float beta;
  float *c;
  int ldc;
} Gemm;

/* The product's output columns j0…j1 − 1. */
static void
gemm_columns_cb (gpointer data, int part, gint64 j0, gint64 j1)
{
  const Gemm *g = data;
  if (j1 <= j0)
    return;
  const float *b = g->tb == CblasNoTrans ? g->b + j0 : g->b + (gsize) j0 * g->ldb;
  cblas_sgemm (CblasRowMajor, g->ta, g->tb, g->m, (int) (j1 - j0), g->k, 1.0f, g->a, g->lda, b, g->ldb, g->beta,
               g->c + j0, g->ldc);
}

void
gb_sgemm_pair (gboolean split, gboolean ta, gboolean tb, int m, int n, int k, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc)
{
  /* The cut on a 64-byte boundary, so the halves share no cache line of C. */
  int mid = split && n >= 32 ? (n / 2 + 15) / 16 * 16 : n;
  Gemm g = { ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, k, a, b, lda, ldb, beta, c, ldc };
  gb_parallel_halves (TRUE, mid, n, gemm_columns_cb, &g);
}

void
gb_linear_forward_pair (gboolean split, float *out, const float *in, const float *w, const float *b,
                        int B, int n_in, int n_out, GbAct act)
{
  if (!split)
    {
      gb_linear_forward (out, in, w, b, B, n_in, n_out, act);
      return;
    }
  gb_sgemm_pair (TRUE, FALSE, TRUE, B, n_out, n_in, in, n_in, w, n_in, 0.0f, out, n_out);
  bias_act (out, b, B, n_out, act);
}

void
gb_linear_backward_pair (gboolean split, float *din, float *dw, float *db, const float *dout,
                         const float *in, const float *w, int B, int n_in, int n_out, gboolean accumulate)
{
  const float keep = accumulate ? 1.0f : 0.0f;
  gb_sgemm_pair (split, TRUE, FALSE, n_out, n_in, B, dout, n_out, in, n_in, keep, dw, n_in);
  if (db != NULL && !accumulate)
    memset (db, 0, (gsize) n_out * sizeof (float));
  if (db != NULL)
    gb_column_sums (db, dout, B, n_out);
  if (din != NULL)
    gb_sgemm_pair (split, FALSE, FALSE, B, n_in, n_out, dout, n_out, w, n_in, keep, din, n_in);
}

void
gb_linear_forward (float *out, const float *in, const float *w, const float *b,
                   int B, int n_in, int n_out, GbAct act)
{
  /* out (B, n_out) = in (B, n_in) · wᵀ; one row is a matrix–vector
   * product, which OpenBLAS does without packing w (5× faster for a
   * 784 × 512 decoder layer). */
  if (B == 1)
    cblas_sgemv (CblasRowMajor, CblasNoTrans, n_out, n_in, 1.0f, w, n_in, in, 1, 0.0f, out, 1);
  else
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, B, n_out, n_in,
                 1.0f, in, n_in, w, n_in, 0.0f, out, n_out);
  bias_act (out, b, B, n_out, act);
}

void
gb_linear_forward_ref (float *out, const float *in, const float *w, const float *b,
                       int B, int n_in, int n_out, GbAct act)
{
  for (int r = 0; r < B; r++)
    for (int j = 0; j < n_out; j++)
      {
        double acc = b[j];
        for (int k = 0; k < n_in; k++)
          acc += (double) in[(gsize) r * n_in + k] * w[(gsize) j * n_in + k];
        out[(gsize) r * n_out + j] = act_one (act, (float) acc);
      }
}

void
gb_linear_backward (float *din, float *dw, float *db, const float *dout,
                    const float *in, const float *w, int B, int n_in, int n_out,
                    gboolean accumulate)
{
  /* dw (n_out, n_in) += doutᵀ (n_out, B) · in (B, n_in);
   * din (B, n_in) += dout (B, n_out) · w (n_out, n_in) */
  gb_linear_backward_pair (FALSE, din, dw, db, dout, in, w, B, n_in, n_out, accumulate);
}

void
gb_linear_backward_ref (float *din, float *dw, float *db, const float *dout,
                        const float *in, const float *w, int B, int n_in, int n_out)
{
  for (int j = 0; j < n_out; j++)
    for (int k = 0; k < n_in; k++)
      {
        double acc = 0.0;
        for (int r = 0; r < B; r++)
          acc += (double) dout[(gsize) r * n_out + j] * in[(gsize) r * n_in + k];
        dw[(gsize) j * n_in + k] += (float) acc;
      }
  if (db != NULL)
    for (int j = 0; j < n_out; j++)
      {
        double acc = 0.0;
        for (int r = 0; r < B; r++)
          acc += dout[(gsize) r * n_out + j];
        db[j] += (float) acc;
      }
  if (din != NULL)
    for (int r = 0; r < B; r++)
      for (int k = 0; k < n_in; k++)
        {
          double acc = 0.0;
          for (int j = 0; j < n_out; j++)
            acc += (double) dout[(gsize) r * n_out + j] * w[(gsize) j * n_in + k];
          din[(gsize) r * n_in + k] += (float) acc;
        }
}

/* Σ x², in double. Eight partial sums let the compiler use vectors (it may
 * not reorder one sum itself); a long serial sum of one small network's
 * gradient cost DQN a tenth of its time. */
GB_HOT double
gb_sum_squares (const float *x, gsize n)
{
  double part[8] = { 0 };
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++)
      part[j] += (double) x[i + j] * x[i + j];
  for (int j = 0; i < n; i++, j++)
    part[j] += (double) x[i] * x[i];
  return ((part[0] + part[4]) + (part[1] + part[5])) + ((part[2] + part[6]) + (part[3] + part[7]));
}

/* --- Adam --- */

GB_HOT static void
adam_kernel (float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
             gsize n, float b1, float b2, float step, float inv_bc2_sqrt, float eps, float g_scale)
{
  for (gsize i = 0; i < n; i++)
    {
      float gi = g[i] * g_scale;   /* × 1 is exact: unscaled steps are unchanged */
      float mi = m[i] = b1 * m[i] + (1.0f - b1) * gi;
      float vi = v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
      p[i] -= step * mi / (sqrtf (vi) * inv_bc2_sqrt + eps);
    }
}

/* The same, writing p as it was into prev in the same pass (GCC would
 * otherwise split the copy out into a memcpy: a second pass over p). */
#if defined(__GNUC__) && !defined(__clang__)
#define GB_NO_MEMCPY_SPLIT __attribute__ ((optimize ("no-tree-loop-distribute-patterns")))
#else
#define GB_NO_MEMCPY_SPLIT
#endif
GB_HOT GB_NO_MEMCPY_SPLIT static void
adam_keep_kernel (float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                  float *restrict prev, gsize n, float b1, float b2, float step, float inv_bc2_sqrt,
                  float eps)
{
  for (gsize i = 0; i < n; i++)
    {
      float gi = g[i], pi = prev[i] = p[i];
      float mi = m[i] = b1 * m[i] + (1.0f - b1) * gi;
      float vi = v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
      p[i] = pi - step * mi / (sqrtf (vi) * inv_bc2_sqrt + eps);
    }
}

void
gb_adam_step (const GbAdam *adam, float *p, const float *g, float *m, float *v,
              gsize n, int t)
{
  gb_adam_step_scaled (adam, p, g, m, v, n, t, 1.0f);
}

void
gb_adam_step_scaled (const GbAdam *adam, float *p, const float *g, float *m, float *v,
                     gsize n, int t, float g_scale)
{
  const float b1 = adam->beta1, b2 = adam->beta2;
  /* Fold both bias corrections into one step size, as torch.optim.Adam does:
   * p −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε). */
  const float bc1 = 1.0f - powf (b1, (float) t);
  const float bc2_sqrt = sqrtf (1.0f - powf (b2, (float) t));
  const float step = adam->lr / bc1;
  /* Splitting this across both cores measured no faster while OpenBLAS's
   * idle threads spun on the other core; the diffusion trainer, which runs
   * OpenBLAS on one thread, calls this on two halves itself. */
  adam_kernel (p, g, m, v, n, b1, b2, step, 1.0f / bc2_sqrt, adam->eps, g_scale);
}

void
gb_adam_step_keep (const GbAdam *adam, float *p, const float *g, float *m, float *v, float *prev,
                   gsize n, int t)
{
  const float b1 = adam->beta1, b2 = adam->beta2;
  const float bc1 = 1.0f - powf (b1, (float) t);
  const float bc2_sqrt = sqrtf (1.0f - powf (b2, (float) t));
  adam_keep_kernel (p, g, m, v, prev, n, b1, b2, adam->lr / bc1, 1.0f / bc2_sqrt, adam->eps);
}

typedef struct {
  const GbAdam *adam;
  float *p, *m, *v, *prev;
  const float *g;
  int t;
} AdamKeep;

static void
adam_range_cb (gpointer data, int part, gint64 i0, gint64 i1)
{
  const AdamKeep *a = data;
  if (i1 > i0)
    gb_adam_step_keep (a->adam, a->p + i0, a->g + i0, a->m + i0, a->v + i0, a->prev + i0, (gsize) (i1 - i0), a->t);
}

void
gb_adam_step_keep_pair (gboolean split, const GbAdam *adam, float *p, const float *g, float *m, float *v,
                        float *prev, gsize n, int t)
{
  gsize h = split ? n / 2 / 16 * 16 : n;
  AdamKeep a = { adam, p, m, v, prev, g, t };
  gb_parallel_halves (TRUE, (gint64) h, (gint64) n, adam_range_cb, &a);
}
