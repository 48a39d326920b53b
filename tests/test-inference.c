/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-inference.c — the true posterior, log p(x) by quadrature, the ELBO, IWAE and the gaps. */
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-vae-inference.h"

#define LOG_2PI 1.8378770664093453

/* A VAE whose decoder makes one pixel's logit a·z + b (two ReLU units, h₁ − h₂ = w·z): p(x = 1 | z) =
 * σ(a·z + b), so log p(x) is a one-dimensional integral along a, worked out here independently. */
static GbVae *
linear_logit_vae (double a0, double a1, double b)
{
  GbVaeConfig c = { 1, 2, 2 };
  GbVae *v = gb_vae_new (&c, NULL);
  memset (v->params, 0, v->n_params * sizeof (float));
  v->p.fc3_w[0] = (float) a0, v->p.fc3_w[1] = (float) a1;     /* h₁ = ReLU (a·z) */
  v->p.fc3_w[2] = (float) -a0, v->p.fc3_w[3] = (float) -a1;   /* h₂ = ReLU (−a·z) */
  v->p.fc4_w[0] = 1.0f, v->p.fc4_w[1] = -1.0f;
  v->p.fc4_b[0] = (float) b;
  /* An encoder that says q = N ((0.3, −0.2), diag (2, 1.5)) whatever x is: wider than the posterior (which
   * is narrower than the prior), so that IWAE's weights are bounded and it converges as K grows. */
  v->p.fc2_b[0] = 0.3f, v->p.fc2_b[1] = -0.2f;
  v->p.fc2_b[2] = (float) log (2.0), v->p.fc2_b[3] = (float) log (1.5);
  return v;
}

/* log ∫ p(x | u·|a|) φ(u) du by the trapezoid rule on [−12, 12] in double. */
static double
reference_log_px (double a0, double a1, double b, double x)
{
  double norm_a = hypot (a0, a1), sum = 0.0, h = 1e-4;
  for (double u = -12.0; u <= 12.0; u += h)
    {
      double l = norm_a * u + b, p1 = 1.0 / (1.0 + exp (-l));
      sum += (x > 0.5 ? p1 : 1.0 - p1) * exp (-0.5 * u * u) / sqrt (2 * G_PI) * h;
    }
  return log (sum);
}

static void
test_gauss_hermite (void)
{
  /* Exact for polynomials up to degree 2·order − 1: the moments of N (0, 1). */
  double t[64], w[64];
  for (int order = 1; order <= 64; order *= 2)
    {
      gb_gauss_hermite (order, t, w);
      double m[7] = { 0 };
      for (int k = 0; k < order; k++)
        for (int p = 0; p < 7; p++)
          m[p] += w[k] * pow (t[k], p);
      const double want[7] = { 1, 0, 1, 0, 3, 0, 15 };
      for (int p = 0; p < MIN (7, 2 * order); p++)
        g_assert_cmpfloat_with_epsilon (m[p], want[p], 1e-10 * (1 + want[p]));
    }
}

static void
test_quadrature_exact (void)
{
  const double cases[][3] = { { 2.0, -1.0, 0.5 }, { 0.3, 0.4, -2.0 }, { 6.0, 0.0, 3.0 } };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (int xv = 0; xv <= 1; xv++)
      {
        g_autoptr (GbVae) v = linear_logit_vae (cases[c][0], cases[c][1], cases[c][2]);
        g_autoptr (GbManifoldDecoder) dec = gb_manifold_decoder_new (v);
        float x = (float) xv, mu[2], lv[2];
        gb_vae_encode (v, &x, mu, lv, 1);
        g_assert_cmpfloat_with_epsilon (mu[0], 0.3, 1e-6);
        g_assert_cmpfloat_with_epsilon (exp (lv[1]), 1.5, 1e-6);
        double want = reference_log_px (cases[c][0], cases[c][1], cases[c][2], xv);
        g_autoptr (GError) error = NULL;
        g_autoptr (GbPosteriorGrid) g = gb_posterior_grid_fitted (v, dec, &x, mu, lv, 200, &error);
        g_assert_no_error (error);
        g_assert_cmpfloat_with_epsilon (g->log_px, want, 1e-5);
        /* The bounds, in order: ELBO ≤ IWAE-K ≤ log p(x); IWAE rising with K to log p(x). */
        double elbo = gb_vae_elbo_gauss_hermite (v, &x, mu, lv, 64);
        /* Two quadratures of the same ELBO agree (the kink of a steep logit slows both down). */
        g_assert_cmpfloat_with_epsilon (gb_posterior_grid_elbo (g, mu, lv, NULL), elbo, 2e-3);
        g_assert_cmpfloat (elbo, <, want);
        GbRng rng;
        gb_rng_init (&rng, 3);
        double mc, iwae_10 = gb_vae_iwae (v, &x, mu, lv, 10, &rng, &mc);
        double iwae_big = gb_vae_iwae (v, &x, mu, lv, 200000, &rng, &mc);
        g_assert_cmpfloat_with_epsilon (mc, elbo, 0.05);   /* about four standard errors */
        g_assert_cmpfloat (iwae_10, >, elbo - 0.5);
        g_assert_cmpfloat_with_epsilon (iwae_big, want, 1e-2);
        /* q optimised for this x: better than the encoder's, still below log p(x). */
        float m[2] = { mu[0], mu[1] }, l[2] = { lv[0], lv[1] };
        double best = gb_posterior_grid_optimise_q (g, m, l, 300, NULL, NULL);
        g_assert_cmpfloat (best, >=, gb_posterior_grid_elbo (g, mu, lv, NULL) - 1e-9);
        g_assert_cmpfloat (best, <=, g->log_px + 1e-9);
      }
}

/* A random VAE: the lattice's log p(x|z) is the dense decoder's; the gradient in z matches finite differences. */
static void
test_log_lik (void)
{
  GbVaeConfig c = { 12, 16, 2 };
  g_autoptr (GbVae) v = gb_vae_new (&c, NULL);
  GbRng rng;
  gb_rng_init (&rng, 5);
  gb_vae_init_params (v, &rng);
  float x[12];
  for (int d = 0; d < 12; d++)
    x[d] = gb_rng_uniform (&rng);
  g_autoptr (GbManifoldDecoder) dec = gb_manifold_decoder_new (v);
  /* Points a finite difference can check: no hidden unit changes sides within ±h of them (1.9, 2.5 has one). */
  float ax[5] = { -2.0f, -0.7f, 0.1f, 0.2f, 1.6f }, ay[3] = { -1.0f, 0.4f, 2.5f };
  double lat[15], dense[15];
  float z[30], dz[30];
  gb_manifold_decoder_log_lik (dec, x, ax, 5, ay, 3, lat);
  for (int j = 0; j < 3; j++)
    for (int i = 0; i < 5; i++)
      z[2 * (j * 5 + i)] = ax[i], z[2 * (j * 5 + i) + 1] = ay[j];
  gb_vae_log_lik (v, x, z, 15, dense, dz);
  for (int k = 0; k < 15; k++)
    g_assert_cmpfloat_with_epsilon (lat[k], dense[k], 1e-4);
  for (int k = 0; k < 15; k++)
    for (int j = 0; j < 2; j++)
      {
        float zp[2] = { z[2 * k], z[2 * k + 1] }, zm[2] = { z[2 * k], z[2 * k + 1] };
        const float h = 1e-2f;
        zp[j] += h, zm[j] -= h;
        double lp, lm;
        gb_vae_log_lik (v, x, zp, 1, &lp, NULL);
        gb_vae_log_lik (v, x, zm, 1, &lm, NULL);
        g_assert_cmpfloat_with_epsilon (dz[2 * k + j], (lp - lm) / (2 * h), 2e-3 * (1 + fabs (dz[2 * k + j])));
      }
}

/* The grid's ELBO gradient against finite differences; the quadrature converging as the grid is refined. */
static void
test_grid (void)
{
  GbVaeConfig c = { 12, 16, 2 };
  g_autoptr (GbVae) v = gb_vae_new (&c, NULL);
  GbRng rng;
  gb_rng_init (&rng, 8);
  gb_vae_init_params (v, &rng);
  for (gsize k = 0; k < v->n_params; k++)
    v->params[k] *= 3.0f;   /* a posterior with some shape */
  float x[12];
  for (int d = 0; d < 12; d++)
    x[d] = d % 3 == 0 ? 1.0f : 0.0f;
  g_autoptr (GbManifoldDecoder) dec = gb_manifold_decoder_new (v);
  float mu[2] = { 0.2f, -0.4f }, lv[2] = { -1.0f, -1.5f };
  double prev = NAN, diff = INFINITY;
  for (int n = 25; n <= 400; n *= 2)
    {
      g_autoptr (GbPosteriorGrid) g = gb_posterior_grid_new (v, dec, x, n, -7, 7, -7, 7, NULL);
      if (!isnan (prev))
        {
          double d = fabs (g->log_px - prev);
          g_assert_cmpfloat (d, <=, MAX (diff, 1e-9));
          diff = d;
        }
      prev = g->log_px;
    }
  g_assert_cmpfloat (diff, <, 1e-4);
  g_autoptr (GbPosteriorGrid) g = gb_posterior_grid_fitted (v, dec, x, mu, lv, 120, NULL);
  g_assert_cmpfloat_with_epsilon (g->log_px, prev, 1e-4);
  double grad[4];
  gb_posterior_grid_elbo (g, mu, lv, grad);
  for (int k = 0; k < 4; k++)
    {
      float mp[2] = { mu[0], mu[1] }, lp[2] = { lv[0], lv[1] }, mm[2] = { mu[0], mu[1] }, lm[2] = { lv[0], lv[1] };
      const float h = 1e-3f;
      if (k < 2)
        mp[k] += h, mm[k] -= h;
      else
        lp[k - 2] += h, lm[k - 2] -= h;
      double fd = (gb_posterior_grid_elbo (g, mp, lp, NULL) - gb_posterior_grid_elbo (g, mm, lm, NULL)) / (2 * h);
      g_assert_cmpfloat_with_epsilon (grad[k], fd, 1e-3 * (1 + fabs (fd)));
    }
  /* Bad grids are refused with a message. */
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_posterior_grid_new (v, dec, x, 1, -1, 1, -1, 1, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (gb_posterior_grid_new (v, dec, x, 10, 1, 1, -1, 1, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
}

static void
test_summary (void)
{
  GbVaeConfig c = { 12, 16, 2 };
  g_autoptr (GbVae) v = gb_vae_new (&c, NULL);
  GbRng rng;
  gb_rng_init (&rng, 2);
  gb_vae_init_params (v, &rng);
  for (gsize k = 0; k < v->n_params; k++)
    v->params[k] *= 2.0f;
  guint8 px[9 * 12];
  for (gsize i = 0; i < sizeof px; i++)
    px[i] = (guint8) (gb_rng_below (&rng, 2) * 255);
  GbInferenceSummary a, b;
  double progress = 0.0;
  g_assert_true (gb_vae_inference_summary (v, px, 9, 500, 7, &a, &progress, NULL, NULL));
  g_assert_cmpfloat (progress, ==, 1.0);
  g_assert_true (gb_vae_inference_summary (v, px, 9, 500, 7, &b, NULL, NULL, NULL));
  g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
  g_assert_cmpfloat (a.elbo, <, a.iwae);
  g_assert_cmpfloat (a.iwae, <, a.log_px + 0.01);
  g_assert_cmpfloat (a.elbo, <=, a.elbo_opt);
  g_assert_cmpfloat (a.elbo_opt, <=, a.log_px);
  /* Any latent size: IWAE and the draws' ELBO; no quadrature. */
  GbVaeConfig c5 = { 12, 16, 5 };
  g_autoptr (GbVae) v5 = gb_vae_new (&c5, NULL);
  gb_vae_init_params (v5, &rng);
  g_assert_true (gb_vae_inference_summary (v5, px, 9, 200, 7, &a, NULL, NULL, NULL));
  g_assert_cmpfloat (a.elbo, <, a.iwae);
  g_assert_true (isnan (a.log_px));
  /* Cancelled, and bad arguments. */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autoptr (GError) error = NULL;
  g_assert_false (gb_vae_inference_summary (v, px, 9, 500, 7, &a, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (gb_vae_inference_summary (v, px, 9, 0, 7, &a, NULL, NULL, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
}

/* The aggregate posterior of codes drawn from the prior itself, each with a tiny σ, is the prior:
 * log q/p near 0 in the bulk; a set of codes all at one place leaves holes everywhere else. */
static void
test_aggregate (void)
{
  enum { N = 40000, G = 16 };
  g_autofree float *mu = g_new (float, 2 * N), *lv = g_new (float, 2 * N), *kl = g_new (float, N);
  GbRng rng;
  gb_rng_init (&rng, 4);
  for (int k = 0; k < N; k++)
    {
      mu[2 * k] = gb_rng_normal (&rng), mu[2 * k + 1] = gb_rng_normal (&rng);
      lv[2 * k] = lv[2 * k + 1] = (float) log (0.3 * 0.3);
    }
  const double box[4] = { -1, 1, -1, 1 };
  float out[G * G];
  gb_aggregate_posterior (mu, lv, N, G, G, box, out, kl);
  /* Smoothing the prior by σ = 0.3 widens it: q/p = N(z; 0, 1.09 I)/N(z; 0, I), within sampling noise. */
  for (int j = 0; j < G; j++)
    for (int i = 0; i < G; i++)
      {
        double z0 = box[0] + (i + 0.5) * 2.0 / G, z1 = box[2] + (j + 0.5) * 2.0 / G, r2 = z0 * z0 + z1 * z1;
        double want = -log (1.09) - 0.5 * r2 / 1.09 + 0.5 * r2;
        g_assert_cmpfloat_with_epsilon (out[j * G + i], want, 0.08);
      }
  g_assert_cmpfloat_with_epsilon (kl[0], 0.5 * (2 * 0.09 + mu[0] * mu[0] + mu[1] * mu[1] - 2 - 2 * log (0.09)), 1e-5);
  for (int k = 0; k < N; k++)
    mu[2 * k] = mu[2 * k + 1] = 0.5f, lv[2 * k] = lv[2 * k + 1] = (float) log (0.01);
  gb_aggregate_posterior (mu, lv, N, G, G, box, out, NULL);
  g_assert_true (isinf (out[0]) && out[0] < 0);   /* (−0.94, −0.94): 14σ from every code */
  g_assert_cmpfloat (out[(G * 3 / 4) * G + G * 3 / 4], >, 2.0);   /* (0.56, 0.56): all the mass is here */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/inference/gauss-hermite", test_gauss_hermite);
  g_test_add_func ("/inference/quadrature-exact", test_quadrature_exact);
  g_test_add_func ("/inference/log-lik", test_log_lik);
  g_test_add_func ("/inference/grid", test_grid);
  g_test_add_func ("/inference/summary", test_summary);
  g_test_add_func ("/inference/aggregate", test_aggregate);
  return g_test_run ();
}
