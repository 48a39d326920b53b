/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-nn.c — the RNG, the layers, the activations and Adam. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "gb-blas.h"
#include "gb-diffusion-classifier.h"
#include "gb-conv.h"
#include "gb-error.h"
#include "gb-nn.h"
#include "gb-packed.h"
#include "gb-parallel.h"
#include "gb-rng.h"
#include "gb-test-util.h"

/* --- rng --- */

static void
test_rng_determinism (void)
{
  GbRng a, b;
  gb_rng_init (&a, 7);
  gb_rng_init (&b, 7);
  for (int i = 0; i < 1000; i++)
    g_assert_cmpuint (gb_rng_next (&a), ==, gb_rng_next (&b));
  gb_rng_init (&b, 8);
  g_assert_cmpuint (gb_rng_next (&a), !=, gb_rng_next (&b));
  /* A seed's streams: stream 0 is the seed's own, the others differ. */
  gb_rng_init (&a, 7);
  gb_rng_init_stream (&b, 7, 0);
  g_assert_cmpuint (gb_rng_next (&a), ==, gb_rng_next (&b));
  gb_rng_init_stream (&b, 7, 1);
  g_assert_cmpuint (gb_rng_next (&a), !=, gb_rng_next (&b));
}

static void
check_normal_moments (gboolean fast)
{
  GbRng rng;
  gb_rng_init (&rng, 1);
  const int n = 200000;
  g_autofree float *zs = g_new (float, n);
  if (fast)
    gb_rng_fill_normal_fast (&rng, zs, n);
  /* The share below a few quantiles, against Φ (standard error ≤ 0.0011). */
  const double q[] = { -2.0, -1.0, -0.3, 0.0, 0.7, 1.5, 2.5 }, phi[] = { 0.02275, 0.15866, 0.38209, 0.5, 0.75804,
                                                                          0.93319, 0.99379 };
  int below[G_N_ELEMENTS (q)] = { 0 };
  double s = 0, s2 = 0, s4 = 0;
  for (int i = 0; i < n; i++)
    {
      double z = fast ? zs[i] : gb_rng_normal (&rng);
      for (guint k = 0; k < G_N_ELEMENTS (q); k++)
        below[k] += z < q[k];
      s += z;
      s2 += z * z;
      s4 += z * z * z * z;
    }
  double mean = s / n, var = s2 / n - mean * mean;
  /* Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance. */
  g_assert_cmpfloat_with_epsilon (mean, 0.0, 0.012);
  g_assert_cmpfloat_with_epsilon (var, 1.0, 0.016);
  g_assert_cmpfloat_with_epsilon (s4 / n, 3.0, 0.06);
  for (guint k = 0; k < G_N_ELEMENTS (q); k++)
    g_assert_cmpfloat_with_epsilon ((double) below[k] / n, phi[k], 0.005);
}

static void
test_rng_normal_moments (void)
{
  check_normal_moments (FALSE);
  check_normal_moments (TRUE);   /* the polar method of the samplers */
}

static void
test_rng_uniform_and_below (void)
{
  GbRng rng;
  gb_rng_init (&rng, 3);
  int counts[7] = { 0 };
  for (int i = 0; i < 70000; i++)
    {
      float u = gb_rng_uniform (&rng);
      g_assert_true (u >= 0.0f && u < 1.0f);
      guint32 k = gb_rng_below (&rng, 7);
      g_assert_cmpuint (k, <, 7);
      counts[k]++;
    }
  for (int k = 0; k < 7; k++)
    g_assert_cmpint (abs (counts[k] - 10000), <, 500);
  guint32 idx[100];
  for (int i = 0; i < 100; i++)
    idx[i] = i;
  gb_rng_shuffle (&rng, idx, 100);
  guint64 seen = 0, seen2 = 0;
  int moved = 0;
  for (int i = 0; i < 100; i++)
    {
      if (idx[i] < 64)
        seen |= 1ull << idx[i];
      else
        seen2 |= 1ull << (idx[i] - 64);
      moved += idx[i] != (guint32) i;
    }
  g_assert_cmpuint (seen, ==, G_MAXUINT64);
  g_assert_cmpuint (seen2, ==, (1ull << 36) - 1);
  g_assert_cmpint (moved, >, 80);
}

static void
test_rng_normal_quantile (void)
{
  g_assert_cmpfloat_with_epsilon (gb_normal_quantile (0.5), 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (gb_normal_quantile (0.975), 1.959963984540054, 1e-9);
  g_assert_cmpfloat_with_epsilon (gb_normal_quantile (0.025), -1.959963984540054, 1e-9);
  g_assert_cmpfloat_with_epsilon (gb_normal_quantile (0.8413447460685429), 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (gb_normal_quantile (1e-10), -6.361340902404056, 1e-7);
  for (double p = 0.001; p < 1.0; p += 0.0137)
    g_assert_cmpfloat_with_epsilon (0.5 * erfc (-gb_normal_quantile (p) / G_SQRT2), p, 1e-12);
}

/* --- linear layers --- */

typedef struct {
  int B, n_in, n_out;
  GbAct act;
} LinearCase;

static const LinearCase linear_cases[] = {
  { 1, 1, 1, GB_ACT_NONE },
  { 3, 5, 4, GB_ACT_NONE },
  { 7, 13, 9, GB_ACT_RELU },
  { 4, 6, 3, GB_ACT_SIGMOID },
  { 4, 6, 3, GB_ACT_TANH },
  { 4, 6, 3, GB_ACT_SILU },
  { 33, 70, 65, GB_ACT_RELU },
};

static void
test_linear_forward_vs_ref (void)
{
  GbRng rng;
  gb_rng_init (&rng, 11);
  for (gsize c = 0; c < G_N_ELEMENTS (linear_cases); c++)
    {
      const LinearCase *lc = &linear_cases[c];
      g_autofree float *in = g_new (float, lc->B * lc->n_in);
      g_autofree float *w = g_new (float, lc->n_out * lc->n_in);
      g_autofree float *b = g_new (float, lc->n_out);
      g_autofree float *o1 = g_new (float, lc->B * lc->n_out);
      g_autofree float *o2 = g_new (float, lc->B * lc->n_out);
      fill_uniform (&rng, in, lc->B * lc->n_in, -1, 1);
      gb_linear_init (w, b, lc->n_in, lc->n_out, &rng);
      gb_linear_forward (o1, in, w, b, lc->B, lc->n_in, lc->n_out, lc->act);
      gb_linear_forward_ref (o2, in, w, b, lc->B, lc->n_in, lc->n_out, lc->act);
      for (int i = 0; i < lc->B * lc->n_out; i++)
        g_assert_cmpfloat_with_epsilon (o1[i], o2[i], 1e-5);
    }
}

static void
test_linear_backward_vs_ref (void)
{
  GbRng rng;
  gb_rng_init (&rng, 12);
  for (gsize c = 0; c < G_N_ELEMENTS (linear_cases); c++)
    {
      const LinearCase *lc = &linear_cases[c];
      int B = lc->B, ni = lc->n_in, no = lc->n_out;
      g_autofree float *in = g_new (float, B * ni), *w = g_new (float, no * ni);
      g_autofree float *dout = g_new (float, B * no);
      g_autofree float *dw1 = g_new (float, no * ni), *dw2 = g_new (float, no * ni);
      g_autofree float *db1 = g_new (float, no), *db2 = g_new (float, no);
      g_autofree float *di1 = g_new (float, B * ni), *di2 = g_new (float, B * ni);
      fill_uniform (&rng, in, B * ni, -1, 1);
      fill_uniform (&rng, w, no * ni, -1, 1);
      fill_uniform (&rng, dout, B * no, -1, 1);
      /* Start from the same non-zero gradients: backward accumulates. */
      fill_uniform (&rng, dw1, no * ni, -1, 1);
      memcpy (dw2, dw1, no * ni * sizeof (float));
      fill_uniform (&rng, db1, no, -1, 1);
      memcpy (db2, db1, no * sizeof (float));
      fill_uniform (&rng, di1, B * ni, -1, 1);
      memcpy (di2, di1, B * ni * sizeof (float));
      gb_linear_backward (di1, dw1, db1, dout, in, w, B, ni, no, TRUE);
      gb_linear_backward_ref (di2, dw2, db2, dout, in, w, B, ni, no);
      for (int i = 0; i < no * ni; i++)
        g_assert_cmpfloat_with_epsilon (dw1[i], dw2[i], 1e-4);
      for (int i = 0; i < no; i++)
        g_assert_cmpfloat_with_epsilon (db1[i], db2[i], 1e-4);
      for (int i = 0; i < B * ni; i++)
        g_assert_cmpfloat_with_epsilon (di1[i], di2[i], 1e-4);
      /* Overwrite mode equals accumulating into zeros. */
      memset (dw2, 0, no * ni * sizeof (float));
      memset (db2, 0, no * sizeof (float));
      memset (di2, 0, B * ni * sizeof (float));
      gb_linear_backward (di1, dw1, db1, dout, in, w, B, ni, no, FALSE);
      gb_linear_backward_ref (di2, dw2, db2, dout, in, w, B, ni, no);
      for (int i = 0; i < no * ni; i++)
        g_assert_cmpfloat_with_epsilon (dw1[i], dw2[i], 1e-4);
      for (int i = 0; i < B * ni; i++)
        g_assert_cmpfloat_with_epsilon (di1[i], di2[i], 1e-4);
    }
}

/* L = Σ act (in · wᵀ + b) ⊙ g, in double through the reference forward. */
static double
linear_objective (const float *in, const float *w, const float *b, const float *g,
                  const LinearCase *lc, float *scratch)
{
  gb_linear_forward_ref (scratch, in, w, b, lc->B, lc->n_in, lc->n_out, lc->act);
  double L = 0;
  for (int i = 0; i < lc->B * lc->n_out; i++)
    L += (double) scratch[i] * g[i];
  return L;
}

/* TRUE when some pre-activation has a different sign than in `base`. */
static gboolean
crosses_kink (const float *in, const float *w, const float *b, const LinearCase *lc,
              const float *base, float *scratch)
{
  gb_linear_forward_ref (scratch, in, w, b, lc->B, lc->n_in, lc->n_out, GB_ACT_NONE);
  for (int i = 0; i < lc->B * lc->n_out; i++)
    if ((scratch[i] > 0.0f) != (base[i] > 0.0f))
      return TRUE;
  return FALSE;
}

/* Checks d objective / d x[i] for all i by central differences; skips points
 * where a ReLU kink lies within the step. */
static void
check_fd (float *x, const float *analytic, int n, const char *what, const LinearCase *lc,
          const float *in, const float *w, const float *b, const float *g, const float *pre,
          float *scratch)
{
  const float h = 1e-2f;
  int checked = 0;
  for (int i = 0; i < n; i++)
    {
      float save = x[i];
      gboolean kink = FALSE;
      x[i] = save + h;
      double lp = linear_objective (in, w, b, g, lc, scratch);
      kink |= crosses_kink (in, w, b, lc, pre, scratch);
      x[i] = save - h;
      double lm = linear_objective (in, w, b, g, lc, scratch);
      kink |= crosses_kink (in, w, b, lc, pre, scratch);
      x[i] = save;
      double num = (lp - lm) / (2 * h);
      if (lc->act == GB_ACT_RELU && kink)
        continue;
      checked++;
      if (!grad_close (analytic[i], num, 2e-3, 2e-2))
        g_error ("%s[%d] (act %d): analytic %g, finite difference %g", what, i, lc->act,
                 analytic[i], num);
    }
  g_assert_cmpint (checked, >, n / 2);
}

static void
test_linear_finite_diff (void)
{
  GbRng rng;
  gb_rng_init (&rng, 13);
  for (gsize c = 0; c < G_N_ELEMENTS (linear_cases); c++)
    {
      const LinearCase *lc = &linear_cases[c];
      int B = lc->B, ni = lc->n_in, no = lc->n_out;
      g_autofree float *in = g_new (float, B * ni), *w = g_new (float, no * ni);
      g_autofree float *b = g_new (float, no), *g = g_new (float, B * no);
      g_autofree float *pre = g_new (float, B * no), *out = g_new (float, B * no);
      g_autofree float *dpre = g_new0 (float, B * no), *scratch = g_new (float, B * no);
      g_autofree float *dw = g_new0 (float, no * ni), *db = g_new0 (float, no);
      g_autofree float *din = g_new0 (float, B * ni);
      fill_uniform (&rng, in, B * ni, -1, 1);
      fill_uniform (&rng, w, no * ni, -1, 1);
      fill_uniform (&rng, b, no, -0.5f, 0.5f);
      fill_uniform (&rng, g, B * no, -1, 1);
      gb_linear_forward (pre, in, w, b, B, ni, no, GB_ACT_NONE);
      gb_act_forward (lc->act, out, pre, B * no);
      gb_act_backward (lc->act, dpre, g, pre, out, B * no);
      gb_linear_backward (din, dw, db, dpre, in, w, B, ni, no, TRUE);
      check_fd (w, dw, no * ni, "dw", lc, in, w, b, g, pre, scratch);
      check_fd (b, db, no, "db", lc, in, w, b, g, pre, scratch);
      check_fd (in, din, B * ni, "din", lc, in, w, b, g, pre, scratch);
    }
}

static void
test_activations_finite_diff (void)
{
  const GbAct acts[] = { GB_ACT_NONE, GB_ACT_RELU, GB_ACT_SIGMOID, GB_ACT_TANH, GB_ACT_SILU };
  const float xs[] = { -6.0f, -2.5f, -0.7f, -0.05f, 0.05f, 0.3f, 1.1f, 4.0f, 12.0f };
  for (gsize a = 0; a < G_N_ELEMENTS (acts); a++)
    for (gsize i = 0; i < G_N_ELEMENTS (xs); i++)
      {
        const double h = 1e-3;
        float x = xs[i], y, d = 0.0f, one = 1.0f;
        float xp = (float) (x + h), xm = (float) (x - h), yp, ym;
        gb_act_forward (acts[a], &y, &x, 1);
        gb_act_forward (acts[a], &yp, &xp, 1);
        gb_act_forward (acts[a], &ym, &xm, 1);
        gb_act_backward (acts[a], &d, &one, &x, &y, 1);
        double num = ((double) yp - ym) / (xp - xm);
        if (!grad_close (d, num, 2e-3, 1e-2))
          g_error ("activation %d at %g: analytic %g, finite difference %g", acts[a], x, d, num);
      }
  /* Values at known points. */
  float x[3] = { 0.0f, -100.0f, 100.0f }, y[3];
  gb_act_forward (GB_ACT_SIGMOID, y, x, 3);
  g_assert_cmpfloat (y[0], ==, 0.5f);
  g_assert_cmpfloat (y[1], >=, 0.0f);
  g_assert_cmpfloat (y[2], ==, 1.0f);
  gb_act_forward (GB_ACT_SILU, y, x, 3);
  g_assert_cmpfloat (y[0], ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (y[2], 100.0f, 1e-4);
}

/* A clipped step (g × s, not written) is the step on the scaled gradient, bit for bit; the squares'
 * sum (eight partial sums) agrees with a plain one in double, for every length's tail. */
static void
test_adam_scaled (void)
{
  GbAdam adam = GB_ADAM_DEFAULTS;
  float g[37], gs[37], p1[37], p2[37], m1[37] = { 0 }, v1[37] = { 0 }, m2[37] = { 0 }, v2[37] = { 0 };
  const float s = 0.3716f;
  for (int i = 0; i < 37; i++)
    g[i] = sinf (1.7f * i) * (1 + i), gs[i] = g[i] * s, p1[i] = p2[i] = cosf (0.3f * i);
  for (int t = 1; t <= 3; t++)
    {
      gb_adam_step_scaled (&adam, p1, g, m1, v1, 37, t, s);
      gb_adam_step (&adam, p2, gs, m2, v2, 37, t);
    }
  g_assert_cmpmem (p1, sizeof p1, p2, sizeof p2);
  for (gsize n = 0; n <= 37; n++)
    {
      double want = 0.0;
      for (gsize i = 0; i < n; i++)
        want += (double) g[i] * g[i];
      g_assert_cmpfloat_with_epsilon (gb_sum_squares (g, n), want, 1e-12 * (1 + want));
    }
}

static void
test_adam_reference (void)
{
  /* Three steps against the formula evaluated in double. */
  GbAdam adam = { 0.01f, 0.9f, 0.999f, 1e-8f };
  float p[2] = { 1.0f, -2.0f }, m[2] = { 0 }, v[2] = { 0 };
  double pd[2] = { 1.0, -2.0 }, md[2] = { 0 }, vd[2] = { 0 };
  const float grads[3][2] = { { 0.5f, -1.0f }, { 0.25f, 2.0f }, { -0.125f, 0.0f } };
  for (int t = 1; t <= 3; t++)
    {
      gb_adam_step (&adam, p, grads[t - 1], m, v, 2, t);
      for (int i = 0; i < 2; i++)
        {
          double g = grads[t - 1][i];
          md[i] = 0.9 * md[i] + 0.1 * g;
          vd[i] = 0.999 * vd[i] + 0.001 * g * g;
          double mh = md[i] / (1 - pow (0.9, t)), vh = vd[i] / (1 - pow (0.999, t));
          pd[i] -= 0.01 * mh / (sqrt (vh) + 1e-8);
          g_assert_cmpfloat_with_epsilon (p[i], pd[i], 1e-6);
        }
    }
}

static void
test_conv2d (void)
{
  /* Forward against the plain loops, for odd and even sizes and k = 1, 3, 5. */
  GbRng rng;
  gb_rng_init (&rng, 31);
  struct { int B, Ci, Co, H, W, k; } cases[] = { { 2, 3, 4, 7, 5, 3 }, { 1, 1, 2, 4, 4, 1 }, { 3, 2, 3, 6, 9, 5 } };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      int B = cases[c].B, Ci = cases[c].Ci, Co = cases[c].Co, H = cases[c].H, W = cases[c].W, k = cases[c].k;
      gsize nx = (gsize) B * Ci * H * W, ny = (gsize) B * Co * H * W, nw = (gsize) Co * Ci * k * k;
      g_autofree float *x = g_new (float, nx), *w = g_new (float, nw), *b = g_new (float, Co), *y = g_new (float, ny),
                       *yr = g_new (float, ny);
      gb_rng_fill_normal (&rng, x, nx);
      gb_rng_fill_normal (&rng, w, nw);
      gb_rng_fill_normal (&rng, b, Co);
      gb_conv2d_forward (y, x, w, b, B, Ci, Co, H, W, k);
      gb_conv2d_forward_ref (yr, x, w, b, B, Ci, Co, H, W, k);
      for (gsize i = 0; i < ny; i++)
        g_assert_cmpfloat_with_epsilon (y[i], yr[i], 1e-4 * (1 + fabs (yr[i])));
    }
  /* Gradients of L = Σ r ⊙ y against central differences. */
  int B = 2, Ci = 2, Co = 3, H = 5, W = 4, k = 3;
  gsize nx = (gsize) B * Ci * H * W, ny = (gsize) B * Co * H * W, nw = (gsize) Co * Ci * k * k;
  g_autofree float *x = g_new (float, nx), *w = g_new (float, nw), *b = g_new (float, Co), *y = g_new (float, ny),
                   *r = g_new (float, ny), *dx = g_new0 (float, nx), *dw = g_new0 (float, nw), *db = g_new0 (float, Co);
  gb_rng_fill_normal (&rng, x, nx);
  gb_rng_fill_normal (&rng, w, nw);
  gb_rng_fill_normal (&rng, b, Co);
  gb_rng_fill_normal (&rng, r, ny);
  gb_conv2d_backward (dx, dw, db, r, x, w, B, Ci, Co, H, W, k);
  float *params[] = { x, w, b }, *grads[] = { dx, dw, db };
  gsize sizes[] = { nx, nw, (gsize) Co };
  for (int p = 0; p < 3; p++)
    for (gsize i = 0; i < sizes[p]; i += 1 + sizes[p] / 23)
      {
        float keep = params[p][i];
        double l[2];
        for (int side = 0; side < 2; side++)
          {
            params[p][i] = keep + (side ? 1e-2f : -1e-2f);
            gb_conv2d_forward_ref (y, x, w, b, B, Ci, Co, H, W, k);
            double s = 0;
            for (gsize q = 0; q < ny; q++)
              s += (double) r[q] * y[q];
            l[side] = s;
          }
        params[p][i] = keep;
        double fd = (l[1] - l[0]) / 2e-2;
        if (fabs (fd - grads[p][i]) > 2e-3 * (1 + fabs (fd)))
          g_error ("tensor %d [%zu]: backward %g, finite difference %g", p, i, grads[p][i], fd);
      }
}

static void
test_pool (void)
{
  /* Values by hand, then the backward as the adjoint of the forward:
   * ⟨f(x), r⟩ = ⟨x, f*(r)⟩ for random x and r. */
  const float x[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };   /* (1, 1, 4, 4) */
  float y[4], dx[16] = { 0 };
  gb_avgpool2_forward (y, x, 1, 1, 4, 4);
  g_assert_cmpfloat (y[0], ==, 3.5f);    /* (1 + 2 + 5 + 6) / 4 */
  g_assert_cmpfloat (y[3], ==, 13.5f);   /* (11 + 12 + 15 + 16) / 4 */
  gb_avgpool2_backward (dx, (const float[]) { 4, 0, 0, 0 }, 1, 1, 4, 4);
  g_assert_cmpfloat (dx[0], ==, 1.0f);
  g_assert_cmpfloat (dx[5], ==, 1.0f);
  g_assert_cmpfloat (dx[2], ==, 0.0f);
  GbRng rng;
  gb_rng_init (&rng, 8);
  int B = 2, C = 3, H = 6, W = 4;
  gsize n = (gsize) B * C * H * W;
  g_autofree float *a = g_new (float, n), *rq = g_new (float, n / 4), *fa = g_new (float, n / 4),
                   *adj = g_new0 (float, n);
  gb_rng_fill_normal (&rng, a, n);
  gb_rng_fill_normal (&rng, rq, n / 4);
  gb_avgpool2_forward (fa, a, B, C, H, W);
  gb_avgpool2_backward (adj, rq, B, C, H, W);
  double lhs = 0, rhs = 0;
  for (gsize i = 0; i < n / 4; i++)
    lhs += (double) fa[i] * rq[i];
  for (gsize i = 0; i < n; i++)
    rhs += (double) a[i] * adj[i];
  g_assert_cmpfloat_with_epsilon (lhs, rhs, 1e-4 * (1 + fabs (lhs)));
}

/* --- packed weights --- */

/* y = act (x Wᵀ + b) through the packed kernel against a plain double loop,
 * over shapes that exercise every remainder: rows not a multiple of 8,
 * outputs not a multiple of 16 (and fewer than 16), k not a multiple of 16,
 * strided rows, both layouts of W, with and without bias and SiLU, and the
 * two halves of a split. */
static void
check_packed_vs_loops (void)
{
  static const int shapes[][3] = { { 1, 1, 1 },    { 3, 2, 2 },     { 8, 128, 2 },   { 13, 100, 50 },
                                   { 16, 784, 784 }, { 17, 33, 16 }, { 64, 128, 128 }, { 9, 20, 47 } };
  GbRng rng;
  gb_rng_init (&rng, 3);
  for (guint si = 0; si < G_N_ELEMENTS (shapes); si++)
    for (int variant = 0; variant < 4; variant++)
      {
        int n = shapes[si][0], K = shapes[si][1], N = shapes[si][2];
        gboolean transposed = variant & 1, silu = variant & 2;
        int ldx = K + 3, ldy = N + 5;
        g_autofree float *x = g_new (float, (gsize) n * ldx), *w = g_new (float, (gsize) N * K),
                         *b = g_new (float, N), *y = g_new (float, (gsize) n * ldy);
        for (gsize i = 0; i < (gsize) n * ldx; i++)
          x[i] = 2.0f * gb_rng_uniform (&rng) - 1.0f;
        for (gsize i = 0; i < (gsize) N * K; i++)
          w[i] = (2.0f * gb_rng_uniform (&rng) - 1.0f) * 3.0f / sqrtf ((float) K);
        for (int j = 0; j < N; j++)
          b[j] = 2.0f * gb_rng_uniform (&rng) - 1.0f;
        for (gsize i = 0; i < (gsize) n * ldy; i++)
          y[i] = NAN;   /* outside [0, N) must stay untouched */
        GbPacked *p = gb_packed_new (w, N, K, transposed);
        g_assert_cmpint (gb_packed_n_out (p), ==, N);
        g_assert_cmpint (gb_packed_n_in (p), ==, K);
        const float *bias = variant == 1 ? NULL : b;
        for (int part = 0; part < 2; part++)
          {
            int j0, j1;
            gb_packed_split (p, part, &j0, &j1);
            gb_packed_apply (p, x, ldx, n, bias, silu ? GB_ACT_SILU : GB_ACT_NONE, y, ldy, j0, j1);
          }
        for (int i = 0; i < n; i++)
          {
            for (int j = 0; j < N; j++)
              {
                double s = bias ? bias[j] : 0.0;
                for (int k = 0; k < K; k++)
                  s += (double) x[(gsize) i * ldx + k]
                       * (transposed ? w[(gsize) k * N + j] : w[(gsize) j * K + k]);
                if (silu)
                  s = s / (1.0 + exp (-s));
                g_assert_cmpfloat_with_epsilon (y[(gsize) i * ldy + j], s, 1e-5 * (1.0 + fabs (s)) * sqrt (K));
              }
            for (int j = N; j < ldy; j++)
              g_assert_true (isnan (y[(gsize) i * ldy + j]));
          }
        gb_packed_free (p);
      }
}

/* SiLU's far tails: no overflow to NaN, the right limits, NaN passed on. */
static void
check_packed_silu_tails (void)
{
  float one = 1.0f;
  GbPacked *p = gb_packed_new (&one, 1, 1, FALSE);
  float xs[] = { -1000.0f, -90.0f, -20.0f, -1.0f, 0.0f, 1e-3f, 3.0f, 90.0f, 1e30f, NAN }, y[G_N_ELEMENTS (xs)];
  gb_packed_apply (p, xs, 1, G_N_ELEMENTS (xs), NULL, GB_ACT_SILU, y, 1, 0, 1);
  for (guint i = 0; i + 1 < G_N_ELEMENTS (xs); i++)
    {
      double want = xs[i] / (1.0 + exp (-(double) xs[i]));
      g_assert_true (isfinite (y[i]));
      g_assert_cmpfloat_with_epsilon (y[i], want, 1e-6 * (1.0 + fabs (want)));
    }
  g_assert_true (isnan (y[G_N_ELEMENTS (xs) - 1]));
  gb_packed_free (p);
  /* The same through a panel: SiLU on the vector path, every lane. */
  g_autofree float *w = g_new0 (float, 16 * 16), *x = g_new0 (float, 10 * 16), *y16 = g_new (float, 10 * 16);
  for (int j = 0; j < 16; j++)
    w[j * 16 + j] = 1.0f;
  for (guint i = 0; i < G_N_ELEMENTS (xs); i++)
    for (int j = 0; j < 16; j++)
      x[i * 16 + j] = xs[i];
  p = gb_packed_new (w, 16, 16, FALSE);
  gb_packed_apply (p, x, 16, G_N_ELEMENTS (xs), NULL, GB_ACT_SILU, y16, 16, 0, 16);
  for (guint i = 0; i < G_N_ELEMENTS (xs); i++)
    for (int j = 0; j < 16; j++)
      {
        double want = xs[i] / (1.0 + exp (-(double) xs[i]));
        if (isnan (xs[i]))
          g_assert_true (isnan (y16[i * 16 + j]));
        else
          g_assert_cmpfloat_with_epsilon (y16[i * 16 + j], want, 1e-6 * (1.0 + fabs (want)));
      }
  gb_packed_free (p);
}

/* Each kernel this CPU has (AVX-512 and AVX2 on an AVX-512 CPU). */
static void
for_each_level (void (*check) (void))
{
  int ran = 0;
  for (GbPackedLevel level = GB_PACKED_AVX512; level > GB_PACKED_NONE; level--)
    {
      gb_packed_set_max_level (level);
      if (gb_packed_level () == level)
        check (), ran++;
    }
  gb_packed_set_disabled (FALSE);
  if (ran == 0)
    g_test_skip ("neither AVX-512F nor AVX2 + FMA on this CPU: the packed kernels are not used here");
}

static void
test_packed_vs_loops (void)
{
  for_each_level (check_packed_vs_loops);
}

static void
test_packed_silu_tails (void)
{
  for_each_level (check_packed_silu_tails);
}

/* The helper's hand-off: many short jobs in a row, callers on several
 * threads at once (the busy helper makes them run both halves themselves),
 * and a pair started from inside a half. Every half runs exactly once. */
typedef struct {
  gint *counter;
  gboolean nest;
} PairJob;

static void
pair_cb (gpointer data)
{
  PairJob *j = data;
  g_atomic_int_inc (j->counter);
  if (j->nest)
    {
      PairJob a = { j->counter, FALSE }, b = { j->counter, FALSE };
      gb_parallel_pair (pair_cb, &a, &b);
    }
}

static gpointer
pair_thread (gpointer data)
{
  for (int i = 0; i < 2000; i++)
    {
      PairJob a = { data, i % 100 == 0 }, b = { data, FALSE };
      gb_parallel_pair (pair_cb, &a, &b);
    }
  return NULL;
}

static void
test_parallel_pair_handoff (void)
{
  gint counter = 0;
  pair_thread (&counter);
  g_assert_cmpint (counter, ==, 2000 * 2 + 20 * 2);
  counter = 0;
  GThread *th[3];
  for (int i = 0; i < 3; i++)
    th[i] = g_thread_new ("pair", pair_thread, &counter);
  for (int i = 0; i < 3; i++)
    g_thread_join (th[i]);
  g_assert_cmpint (counter, ==, 3 * (2000 * 2 + 20 * 2));
  /* After a pause longer than the helper spins, it sleeps and must wake. */
  g_usleep (10000);
  counter = 0;
  PairJob a = { &counter, FALSE }, b = { &counter, FALSE };
  gb_parallel_pair (pair_cb, &a, &b);
  g_assert_cmpint (counter, ==, 2);
}

/* --- the classifier --- */

/* Its gradient against central differences of its loss, for parameters in
 * every block (the convolutions, both dense layers), both kinds; then a
 * save and load that keeps every number. */
static void
test_classifier_gradients (void)
{
  for (int conv = 0; conv < 2; conv++)
    {
      const int side = 8, n = 5, K = 3;
      g_autoptr (GError) error = NULL;
      g_autoptr (GbClassifier) c = conv ? gb_classifier_new_conv (side, 6, K, 4, &error)
                                        : gb_classifier_new (side * side, 6, K, 4, &error);
      g_assert_no_error (error);
      g_assert_cmpint (c->f, ==, conv ? GB_CLASSIFIER_C2 * 4 : 64);
      GbRng rng;
      gb_rng_init (&rng, 8);
      float x[5 * 64];
      guint8 labels[5];
      for (int i = 0; i < n * side * side; i++)
        x[i] = 2.0f * gb_rng_uniform (&rng) - 1.0f;
      for (int i = 0; i < n; i++)
        labels[i] = (guint8) gb_rng_below (&rng, K);
      g_autofree float *g = g_new (float, c->n_params), *g2 = g_new (float, c->n_params);
      double loss = gb_classifier_loss_grad (c, x, labels, n, g);
      g_assert_cmpfloat (loss, >, 0.0);
      double worst = 0;
      for (int probe = 0; probe < 60; probe++)
        {
          gsize i = probe < 20 ? (gsize) probe * (c->n_params / 20) : gb_rng_below (&rng, (guint32) c->n_params);
          float keep = c->params[i];
          const float h = conv ? 1e-3f : 1e-2f;   /* the convolutions' ReLUs have kinks close by */
          c->params[i] = keep + h;
          double up = gb_classifier_loss_grad (c, x, labels, n, g2);
          c->params[i] = keep - h;
          double down = gb_classifier_loss_grad (c, x, labels, n, g2);
          c->params[i] = keep;
          double fd = (up - down) / (2.0 * h);
          /* The loss is a sum of floats: its differences carry noise of about
           * 1e-7 / h, so small gradients are compared against a floor. */
          worst = MAX (worst, fabs (fd - g[i]) / (fabs (fd) + fabs (g[i]) + 2e-3));
        }
      g_assert_cmpfloat (worst, <, 0.05);

      g_autofree char *dir = g_dir_make_tmp ("glassbox-classifier-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "c.safetensors", NULL);
      g_assert_true (gb_classifier_save (c, path, &error));
      g_autoptr (GbClassifier) back = gb_classifier_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (back->side, ==, c->side);
      g_assert_cmpmem (back->params, back->n_params * 4, c->params, c->n_params * 4);
      g_unlink (path);
      g_rmdir (dir);
    }
  /* A side that cannot be pooled twice. */
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_classifier_new_conv (6, 4, 3, 1, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
}

/* The kernels OpenBLAS runs here compute what the reference loop computes
 * (gb_blas_check, which the app also runs at startup). */
static void
test_blas_check (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (gb_blas_check (&error));
  g_assert_no_error (error);
}

static void
test_blas_candidates (void)
{
  const struct { GbBlasCpu cpu; const char *picked; const char *first, *second; } cases[] = {
    { GB_BLAS_CPU_AVX512, "Prescott", "SkylakeX", "Haswell" },   /* a Xeon OpenBLAS 0.3.21 does not know */
    { GB_BLAS_CPU_AVX512, "Nehalem", "SkylakeX", "Haswell" },
    { GB_BLAS_CPU_AVX2, "Prescott", "Haswell", NULL },
    { GB_BLAS_CPU_AVX2, "Sandybridge", "Haswell", NULL },        /* AVX without FMA: half the speed */
    { GB_BLAS_CPU_AVX2, "Zen", NULL, NULL },                     /* already the CPU's own */
    { GB_BLAS_CPU_AVX512, "Haswell", NULL, NULL },               /* AVX2 on AVX-512: left alone */
    { GB_BLAS_CPU_AVX512, "skylakex", NULL, NULL },
    { GB_BLAS_CPU_OTHER, "Prescott", NULL, NULL },               /* nothing better to run */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *const *c = gb_blas_candidates (cases[i].cpu, cases[i].picked);
      g_assert_cmpstr (c[0], ==, cases[i].first);
      if (c[0] != NULL)
        g_assert_cmpstr (c[1], ==, cases[i].second);
    }
  g_assert_cmpint (gb_blas_core_level ("Cooperlake"), ==, GB_BLAS_CPU_AVX512);
  g_assert_cmpint (gb_blas_core_level ("Zen"), ==, GB_BLAS_CPU_AVX2);
  g_assert_cmpint (gb_blas_core_level ("Prescott"), ==, GB_BLAS_CPU_OTHER);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/rng/determinism", test_rng_determinism);
  g_test_add_func ("/core/rng/normal-moments", test_rng_normal_moments);
  g_test_add_func ("/core/rng/uniform-below-shuffle", test_rng_uniform_and_below);
  g_test_add_func ("/core/rng/normal-quantile", test_rng_normal_quantile);
  g_test_add_func ("/core/nn/linear/forward-vs-ref", test_linear_forward_vs_ref);
  g_test_add_func ("/core/nn/linear/backward-vs-ref", test_linear_backward_vs_ref);
  g_test_add_func ("/core/nn/linear/backward/finite-diff", test_linear_finite_diff);
  g_test_add_func ("/core/nn/activations/finite-diff", test_activations_finite_diff);
  g_test_add_func ("/core/nn/adam/reference", test_adam_reference);
  g_test_add_func ("/core/nn/adam/scaled", test_adam_scaled);
  g_test_add_func ("/core/nn/conv2d", test_conv2d);
  g_test_add_func ("/core/nn/packed/vs-loops", test_packed_vs_loops);
  g_test_add_func ("/core/classifier/gradients", test_classifier_gradients);
  g_test_add_func ("/core/nn/packed/silu-tails", test_packed_silu_tails);
  g_test_add_func ("/core/parallel/pair-handoff", test_parallel_pair_handoff);
  g_test_add_func ("/core/nn/pool", test_pool);
  g_test_add_func ("/core/blas/check", test_blas_check);
  g_test_add_func ("/core/blas/candidates", test_blas_candidates);
  return g_test_run ();
}
