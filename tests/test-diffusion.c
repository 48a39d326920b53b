/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-diffusion.c — schedules against their formulas, the forward process in
 * closed form against its steps, and the samplers fed the exact ε-predictor
 * of Gaussian data recovering its mean and variance. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gb-diffusion-denoiser.h"
#include "gb-diffusion-job.h"
#include "gb-diffusion-run.h"
#include "gb-diffusion-predictor.h"
#include "gb-packed.h"
#include "gb-diffusion.h"
#include "gb-diffusion-toy2d.h"
#include "gb-error.h"
#include "gb-rng.h"

static void
test_linear_schedule (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbSchedule) s = gb_schedule_new (GB_SCHEDULE_LINEAR, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (s->beta[1], 1e-4, 1e-15);
  g_assert_cmpfloat_with_epsilon (s->beta[1000], 0.02, 1e-15);
  g_assert_cmpfloat_with_epsilon (s->beta[500], 1e-4 + (0.02 - 1e-4) * 499 / 999, 1e-15);
  double ab = 1.0;
  for (int t = 1; t <= 1000; t++)
    {
      ab *= 1.0 - s->beta[t];
      g_assert_cmpfloat_with_epsilon (s->alpha_bar[t], ab, 1e-15);
      g_assert_cmpfloat (s->alpha_bar[t], <, s->alpha_bar[t - 1]);
      g_assert_cmpfloat_with_epsilon (gb_schedule_snr (s, t), ab / (1 - ab), 1e-9 * (1 + ab / (1 - ab)));
    }
  /* Ho et al.'s schedule ends near pure noise: ᾱ_T ≈ 4.0e-5. */
  g_assert_cmpfloat (s->alpha_bar[1000], >, 3e-5);
  g_assert_cmpfloat (s->alpha_bar[1000], <, 5e-5);
  g_assert_true (isinf (gb_schedule_snr (s, 0)));
  /* β̃_t ≤ β_t, and β̃_1 = 0 (x₀ is known exactly given x₁ and x₀). */
  g_assert_cmpfloat_with_epsilon (gb_schedule_beta_tilde (s, 1), 0.0, 1e-18);
  for (int t = 2; t <= 1000; t++)
    g_assert_cmpfloat (gb_schedule_beta_tilde (s, t), <=, s->beta[t]);
  /* Another T reaches about the same final noise. */
  g_autoptr (GbSchedule) s100 = gb_schedule_new (GB_SCHEDULE_LINEAR, 100, NULL);
  g_assert_cmpfloat (s100->alpha_bar[100], <, 1e-3);
}

static void
test_cosine_schedule (void)
{
  g_autoptr (GbSchedule) s = gb_schedule_new (GB_SCHEDULE_COSINE, 1000, NULL);
  const double off = 0.008;
  double f0 = pow (cos (off / (1 + off) * G_PI / 2), 2);
  int clipped = 0;
  for (int t = 1; t <= 1000; t++)
    {
      g_assert_cmpfloat (s->beta[t], <=, 0.999);
      if (s->beta[t] >= 0.999)
        {
          clipped++;
          continue;
        }
      if (clipped == 0)
        {
          double want = pow (cos (((double) t / 1000 + off) / (1 + off) * G_PI / 2), 2) / f0;
          g_assert_cmpfloat_with_epsilon (s->alpha_bar[t], want, 1e-12);
        }
    }
  g_assert_cmpint (clipped, <=, 1);   /* only the last step, where ᾱ reaches 0 */
  /* Nichol & Dhariwal: the cosine schedule destroys information more slowly
   * than the linear one in the middle. */
  g_autoptr (GbSchedule) lin = gb_schedule_new (GB_SCHEDULE_LINEAR, 1000, NULL);
  g_assert_cmpfloat (s->alpha_bar[500], >, lin->alpha_bar[500]);
}

static void
test_forward_closed_form (void)
{
  /* Iterating x_t = √α_t x_{t−1} + √β_t z from x₀ = 1.5 gives the closed
   * form's mean √ᾱ_t·1.5 and variance 1 − ᾱ_t (statistically). */
  g_autoptr (GbSchedule) s = gb_schedule_new (GB_SCHEDULE_LINEAR, 1000, NULL);
  const int n = 20000, t = 300;
  g_autofree float *x = g_new (float, n), *z = g_new (float, n), *xt = g_new (float, n), *x0 = g_new (float, n);
  GbRng rng;
  gb_rng_init (&rng, 3);
  for (int i = 0; i < n; i++)
    x[i] = x0[i] = 1.5f;
  for (int k = 1; k <= t; k++)
    {
      gb_rng_fill_normal (&rng, z, n);
      float a = (float) sqrt (s->alpha[k]), b = (float) sqrt (s->beta[k]);
      for (int i = 0; i < n; i++)
        x[i] = a * x[i] + b * z[i];
    }
  double m = 0, v = 0;
  for (int i = 0; i < n; i++)
    m += x[i] / n;
  for (int i = 0; i < n; i++)
    v += (x[i] - m) * (x[i] - m) / (n - 1);
  double want_m = sqrt (s->alpha_bar[t]) * 1.5, want_v = 1 - s->alpha_bar[t];
  g_assert_cmpfloat (fabs (m - want_m), <, 4 * sqrt (want_v / n));
  g_assert_cmpfloat (fabs (v - want_v), <, 5 * want_v * sqrt (2.0 / n));
  /* The closed form with the same ε twice gives the same x_t, and x̂₀ inverts it exactly. */
  gb_rng_fill_normal (&rng, z, n);
  gb_diffusion_q_sample (s, t, x0, z, xt, n);
  g_autofree float *back = g_new (float, n);
  gb_diffusion_predict_x0 (s, t, xt, z, back, n);
  for (int i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (back[i], 1.5, 1e-4);
  gb_diffusion_q_sample (s, 0, x0, z, xt, n);
  g_assert_cmpmem (xt, n * sizeof (float), x0, n * sizeof (float));
}

/* Data N(μ, s²) per dimension: the exact ε-predictor is
 * E[ε | x_t] = √(1−ᾱ) (x_t − √ᾱ μ) / (ᾱ s² + 1 − ᾱ). */
typedef struct {
  const GbSchedule *s;
  double mu[2], sd[2];
} Gauss;

static void
gauss_eps (float *eps, const float *xt, int n, int d, int t, gpointer data)
{
  const Gauss *g = data;
  double ab = g->s->alpha_bar[t];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      eps[i * d + j] = (float) (sqrt (1 - ab) * (xt[i * d + j] - sqrt (ab) * g->mu[j])
                                / (ab * g->sd[j] * g->sd[j] + 1 - ab));
}

static void
check_moments (const float *x, int n, const Gauss *g, double tol)
{
  for (int j = 0; j < 2; j++)
    {
      double m = 0, v = 0;
      for (int i = 0; i < n; i++)
        m += x[i * 2 + j] / n;
      for (int i = 0; i < n; i++)
        v += (x[i * 2 + j] - m) * (x[i * 2 + j] - m) / (n - 1);
      if (fabs (m - g->mu[j]) > tol || fabs (sqrt (v) - g->sd[j]) > tol)
        g_error ("dimension %d: mean %.4f (want %.4f), sd %.4f (want %.4f)", j, m, g->mu[j], sqrt (v), g->sd[j]);
    }
}

static void
test_samplers_recover_gaussian (void)
{
  const int n = 20000;
  GbScheduleKind kinds[] = { GB_SCHEDULE_LINEAR, GB_SCHEDULE_COSINE };
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr (GbSchedule) s = gb_schedule_new (kinds[k], 1000, NULL);
      Gauss g = { s, { 2.0, -1.0 }, { 0.5, 1.5 } };
      g_autofree float *x = g_new (float, n * 2);
      GbSamplerConfig c;
      gb_sampler_config_init (&c);
      g_autoptr (GError) error = NULL;
      /* DDPM, with σ² = β and σ² = β̃. */
      for (int tilde = 0; tilde < 2; tilde++)
        {
          c.kind = GB_SAMPLER_DDPM;
          c.sigma_tilde = tilde;
          g_assert_true (gb_diffusion_sample (s, &c, gauss_eps, &g, x, n, 2, FALSE, NULL, NULL, NULL, NULL, &error));
          g_assert_no_error (error);
          check_moments (x, n, &g, 0.05);
        }
      /* DDIM with S = T, deterministic and stochastic: the data's moments. */
      double etas[] = { 0.0, 1.0 };
      for (int e = 0; e < 2; e++)
        {
          c.kind = GB_SAMPLER_DDIM;
          c.steps = 1000;
          c.eta = etas[e];
          g_assert_true (gb_diffusion_sample (s, &c, gauss_eps, &g, x, n, 2, FALSE, NULL, NULL, NULL, NULL, &error));
          check_moments (x, n, &g, 0.05);
        }
      /* With few steps deterministic DDIM is known to shrink the spread: for
       * Gaussian data each step maps x_t linearly, with gain
       * (√(ᾱ_p ᾱ_t) s² + √((1−ᾱ_p)(1−ᾱ_t))) / (ᾱ_t s² + 1 − ᾱ_t) ≤ the exact one
       * (Cauchy–Schwarz). The sampler matches that product to sampling error. */
      c.steps = 50;
      c.eta = 0.0;
      g_assert_true (gb_diffusion_sample (s, &c, gauss_eps, &g, x, n, 2, FALSE, NULL, NULL, NULL, NULL, &error));
      int ts[1000];
      int K = gb_sampler_timesteps (&c, s, ts);
      for (int j = 0; j < 2; j++)
        {
          double gain = 1.0, sd2 = g.sd[j] * g.sd[j];
          for (int i = 0; i < K; i++)
            {
              double at = s->alpha_bar[ts[i]], ap = s->alpha_bar[i + 1 < K ? ts[i + 1] : 0];
              gain *= (sqrt (ap * at) * sd2 + sqrt ((1 - ap) * (1 - at))) / (at * sd2 + 1 - at);
            }
          double m = 0, v = 0;
          for (int i = 0; i < n; i++)
            m += x[i * 2 + j] / n;
          for (int i = 0; i < n; i++)
            v += (x[i * 2 + j] - m) * (x[i * 2 + j] - m) / (n - 1);
          g_assert_cmpfloat (gain, <, g.sd[j]);
          g_assert_cmpfloat (fabs (sqrt (v) - gain), <, 0.03 * gain);
          g_assert_cmpfloat (fabs (m - g.mu[j]), <, 0.05);
        }
    }
}

static void
count_progress (int done, int total, gpointer data)
{
  int *last = data;
  g_assert_cmpint (done, ==, *last + 1);
  *last = done;
}

static void
test_ddim_deterministic_and_record (void)
{
  g_autoptr (GbSchedule) s = gb_schedule_new (GB_SCHEDULE_LINEAR, 200, NULL);
  Gauss g = { s, { 0.5, 0.5 }, { 1.0, 0.2 } };
  const int n = 16, N = n * 2;
  GbSamplerConfig c;
  gb_sampler_config_init (&c);
  c.kind = GB_SAMPLER_DDIM;
  c.steps = 20;
  int ts[200];
  g_assert_cmpint (gb_sampler_timesteps (&c, s, ts), ==, 20);
  g_assert_cmpint (ts[0], ==, 200);
  g_assert_cmpint (ts[19], ==, 10);
  for (int i = 1; i < 20; i++)
    g_assert_cmpint (ts[i], <, ts[i - 1]);
  /* The same x_T, different seeds: η = 0 gives the same samples, η = 1 does not. */
  float xT[32], a[32], b[32];
  GbRng rng;
  gb_rng_init (&rng, 11);
  gb_rng_fill_normal (&rng, xT, N);
  for (int eta = 0; eta < 2; eta++)
    {
      c.eta = eta;
      memcpy (a, xT, sizeof a);
      memcpy (b, xT, sizeof b);
      c.seed = 1;
      g_assert_true (gb_diffusion_sample (s, &c, gauss_eps, &g, a, n, 2, TRUE, NULL, NULL, NULL, NULL, NULL));
      c.seed = 2;
      g_assert_true (gb_diffusion_sample (s, &c, gauss_eps, &g, b, n, 2, TRUE, NULL, NULL, NULL, NULL, NULL));
      if (eta == 0)
        g_assert_cmpmem (a, sizeof a, b, sizeof b);
      else
        g_assert_true (memcmp (a, b, sizeof a) != 0);
    }
  /* The record: x_T first, the samples last, ε̂ and x̂₀ at every step, and progress per step. */
  c.eta = 0;
  g_autofree float *xs = g_new (float, 21 * N), *eps = g_new (float, 20 * N), *x0 = g_new (float, 20 * N);
  GbSampleRecord rec = { xs, eps, x0 };
  memcpy (a, xT, sizeof a);
  int last = 0;
  g_assert_true (gb_diffusion_sample (s, &c, gauss_eps, &g, a, n, 2, TRUE, &rec, count_progress, &last, NULL, NULL));
  g_assert_cmpint (last, ==, 20);
  g_assert_cmpmem (xs, sizeof xT, xT, sizeof xT);
  g_assert_cmpmem (xs + 20 * N, sizeof a, a, sizeof a);
  float want[32];
  gauss_eps (want, xs, n, 2, 200, &g);
  g_assert_cmpmem (eps, sizeof want, want, sizeof want);
  /* With η = 0 the last step lands on its own x̂₀. */
  for (int i = 0; i < N; i++)
    g_assert_cmpfloat_with_epsilon (a[i], x0[19 * N + i], 1e-5);
  /* With x̂₀ clipped, DDPM's last step lands on the clipped prediction: inside [−1, 1]
   * even for data far outside it; without, this Gaussian's samples stray out. */
  Gauss wide = { s, { 0.0, 0.0 }, { 2.0, 2.0 } };
  GbSamplerConfig cc;
  gb_sampler_config_init (&cc);
  g_autofree float *big = g_new (float, 2000);
  int outside[2] = { 0, 0 };
  for (int clip = 0; clip < 2; clip++)
    {
      cc.clip_x0 = clip;
      g_assert_true (gb_diffusion_sample (s, &cc, gauss_eps, &wide, big, 1000, 2, FALSE, NULL, NULL, NULL, NULL, NULL));
      for (int i = 0; i < 2000; i++)
        outside[clip] += fabsf (big[i]) > 1.0f;
    }
  g_assert_cmpint (outside[0], >, 500);
  g_assert_cmpint (outside[1], ==, 0);
  /* DDPM visits every t. */
  c.kind = GB_SAMPLER_DDPM;
  g_assert_cmpint (gb_sampler_timesteps (&c, s, ts), ==, 200);
  g_assert_cmpint (ts[199], ==, 1);
}

static void
nan_eps (float *eps, const float *xt, int n, int d, int t, gpointer data)
{
  for (int i = 0; i < n * d; i++)
    eps[i] = t < 5 ? NAN : 0.0f;
}

static void
test_bad_input (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_schedule_new (GB_SCHEDULE_LINEAR, 0, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "T = 0"));
  g_clear_error (&error);
  g_assert_null (gb_schedule_new (GB_SCHEDULE_COSINE, GB_DIFFUSION_MAX_T + 1, &error));
  g_clear_error (&error);
  g_autoptr (GbSchedule) s = gb_schedule_new (GB_SCHEDULE_LINEAR, 100, NULL);
  GbSamplerConfig c;
  gb_sampler_config_init (&c);
  c.kind = GB_SAMPLER_DDIM;
  c.steps = 101;
  g_assert_false (gb_sampler_config_check (&c, s, &error));
  g_assert_nonnull (strstr (error->message, "S = 101"));
  g_clear_error (&error);
  c.steps = 10;
  c.eta = -0.5;
  g_assert_false (gb_sampler_config_check (&c, s, &error));
  g_clear_error (&error);
  c.eta = NAN;
  g_assert_false (gb_sampler_config_check (&c, s, &error));
  g_clear_error (&error);
  /* A predictor that returns NaN: a message, not NaN samples. */
  c.kind = GB_SAMPLER_DDPM;
  float x[8];
  g_assert_false (gb_diffusion_sample (s, &c, nan_eps, NULL, x, 4, 2, FALSE, NULL, NULL, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "not finite"));
  g_clear_error (&error);
  g_assert_false (gb_diffusion_sample (s, &c, nan_eps, NULL, x, 0, 2, FALSE, NULL, NULL, NULL, NULL, &error));
  g_clear_error (&error);
  /* Cancelled before the first step. */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_false (gb_diffusion_sample (s, &c, nan_eps, NULL, x, 4, 2, FALSE, NULL, NULL, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  GbScheduleKind k;
  GbSamplerKind sk;
  g_assert_false (gb_schedule_kind_parse ("quadratic", &k));
  g_assert_true (gb_schedule_kind_parse ("cosine", &k) && k == GB_SCHEDULE_COSINE);
  g_assert_false (gb_sampler_kind_parse ("euler", &sk));
}

static void
test_toy_distributions (void)
{
  GbRng rng;
  gb_rng_init (&rng, 4);
  const int n = 4000;
  g_autofree float *a = g_new (float, 2 * n), *b = g_new (float, 2 * n), *z = g_new (float, 2 * n);
  for (const char *const *name = gb_toy_names (); *name; name++)
    {
      GbToyKind k;
      g_assert_true (gb_toy_parse (*name, &k));
      g_assert_true (gb_toy_sample (k, a, n, &rng, NULL, 0, 0, NULL));
      g_assert_true (gb_toy_sample (k, b, n, &rng, NULL, 0, 0, NULL));
      double m[2] = { 0, 0 }, r2 = 0;
      for (int i = 0; i < n; i++)
        m[0] += a[2 * i] / n, m[1] += a[2 * i + 1] / n, r2 += (a[2 * i] * a[2 * i] + a[2 * i + 1] * a[2 * i + 1]) / n;
      /* About centred and of about unit spread, as diffusion models expect. */
      g_assert_cmpfloat (fabs (m[0]), <, 0.35);
      g_assert_cmpfloat (fabs (m[1]), <, 0.35);
      g_assert_cmpfloat (r2, >, 0.3);
      g_assert_cmpfloat (r2, <, 4.0);
      /* Two draws of the same distribution are close; noise is far. */
      gb_rng_fill_normal (&rng, z, 2 * n);
      double same = gb_sliced_wasserstein (a, b, n, 32, &rng), noise = gb_sliced_wasserstein (a, z, n, 32, &rng);
      if (!(same < 0.06 && noise > 3 * same))
        g_error ("%s: sliced W1 between two draws %.4f, against noise %.4f", *name, same, noise);
    }
  /* The 8 Gaussians sit on the circle of radius 1.5. */
  g_assert_true (gb_toy_sample (GB_TOY_8_GAUSSIANS, a, n, &rng, NULL, 0, 0, NULL));
  for (int i = 0; i < n; i++)
    g_assert_cmpfloat (fabs (hypot (a[2 * i], a[2 * i + 1]) - 1.5), <, 0.6);
  /* A painted distribution: draws near the painted points; none painted is an error. */
  const float painted[] = { 1, 1, -1, 0.5f };
  g_assert_true (gb_toy_sample (GB_TOY_PAINTED, a, 100, &rng, painted, 2, 0.01f, NULL));
  for (int i = 0; i < 100; i++)
    g_assert_cmpfloat (MIN (hypot (a[2 * i] - 1, a[2 * i + 1] - 1), hypot (a[2 * i] + 1, a[2 * i + 1] - 0.5)), <, 0.1);
  g_autoptr (GError) error = NULL;
  g_assert_false (gb_toy_sample (GB_TOY_PAINTED, a, 10, &rng, NULL, 0, 0.01f, &error));
  g_assert_nonnull (strstr (error->message, "no points"));
  GbToyKind k;
  g_assert_false (gb_toy_parse ("spiral", &k));
}

static void
test_denoiser_learns_and_saves (void)
{
  /* A small model on the two moons: the loss falls, and its samples are far
   * closer to the data than the noise they start from. */
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDenoiser) net = gb_denoiser_new_mlp (2, 64, GB_SCHEDULE_LINEAR, 100, 7, &error);
  g_assert_no_error (error);
  const int B = 256, steps = 2000, n = 1000;
  g_autoptr (GbDenoiserTrainer) tr = gb_denoiser_trainer_new (net, B, 3e-3f, 8);
  GbRng data_rng;
  gb_rng_init (&data_rng, 9);
  g_autofree float *x0 = g_new (float, 2 * B);
  double first = 0, last = 0;
  for (int k = 0; k < steps; k++)
    {
      gb_toy_sample (GB_TOY_MOONS, x0, B, &data_rng, NULL, 0, 0, NULL);
      float loss = gb_denoiser_train_step (tr, x0);
      g_assert_true (isfinite (loss));
      if (k < 100)
        first += loss / 100;
      if (k >= steps - 100)
        last += loss / 100;
    }
  g_assert_cmpfloat (last, <, 0.8 * first);
  g_autofree float *x = g_new (float, 2 * n), *data = g_new (float, 2 * n), *noise = g_new (float, 2 * n);
  GbSamplerConfig c;
  gb_sampler_config_init (&c);
  g_assert_true (gb_diffusion_sample (net->schedule, &c, gb_denoiser_eps, net, x, n, 2, FALSE, NULL, NULL,
                                      NULL, NULL, &error));
  gb_toy_sample (GB_TOY_MOONS, data, n, &data_rng, NULL, 0, 0, NULL);
  GbRng r;
  gb_rng_init (&r, 1);
  gb_rng_fill_normal (&r, noise, 2 * n);
  double sw = gb_sliced_wasserstein (x, data, n, 32, &r), sw_noise = gb_sliced_wasserstein (noise, data, n, 32, &r);
  g_test_message ("moons: loss %.4f → %.4f; sliced W1 samples %.4f, noise %.4f", first, last, sw, sw_noise);
  g_assert_cmpfloat (sw, <, 0.6 * sw_noise);   /* a small model trained briefly: far from noise, not yet close to the data */

  /* The file: the same predictions after a round trip; other files are refused plainly. */
  g_autofree char *dir = g_dir_make_tmp ("glassbox-diffusion-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "moons.safetensors", NULL);
  net->data = g_strdup ("moons");
  g_assert_true (gb_denoiser_save (net, path, &error));
  g_autoptr (GbDenoiser) back = gb_denoiser_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->data, ==, "moons");
  g_assert_cmpint (back->schedule->T, ==, 100);
  float e1[8], e2[8];
  gb_denoiser_eps (e1, data, 4, 2, 37, net);
  gb_denoiser_eps (e2, data, 4, 2, 37, back);
  g_assert_cmpmem (e1, sizeof e1, e2, sizeof e2);
  g_autofree char *vae = g_test_build_filename (G_TEST_DIST, "data", "torch-vae.safetensors", NULL);
  g_assert_null (gb_denoiser_load (vae, &error));
  g_assert_nonnull (strstr (error->message, "not a diffusion model"));
  g_clear_error (&error);
  g_assert_null (gb_denoiser_new_mlp (2, 0, GB_SCHEDULE_LINEAR, 100, 1, &error));
  g_clear_error (&error);
  g_assert_null (gb_denoiser_new_mlp (2, 16, GB_SCHEDULE_LINEAR, 0, 1, &error));
  g_assert_nonnull (strstr (error->message, "T = 0"));
  g_remove (path);
  g_rmdir (dir);
}

static void
test_gaussian_part (void)
{
  /* Data from a rotated Gaussian: the fitted part alone (the MLP's output
   * zeroed) is the exact ε-predictor E[ε | x_t], checked in the rotated
   * frame against the per-axis formula, and DDPM fed it recovers the data. */
  const int n = 40000;
  const double th = 0.6, R[2][2] = { { cos (th), -sin (th) }, { sin (th), cos (th) } };
  g_autoptr (GbSchedule) s = gb_schedule_new (GB_SCHEDULE_LINEAR, 1000, NULL);
  Gauss g = { s, { 0.5, -0.3 }, { 0.2, 1.2 } };   /* in the rotated frame */
  g_autofree float *x = g_new (float, 2 * n);
  GbRng rng;
  gb_rng_init (&rng, 21);
  for (int i = 0; i < n; i++)
    {
      double u = g.mu[0] + g.sd[0] * gb_rng_normal (&rng), v = g.mu[1] + g.sd[1] * gb_rng_normal (&rng);
      x[2 * i] = (float) (R[0][0] * u + R[0][1] * v), x[2 * i + 1] = (float) (R[1][0] * u + R[1][1] * v);
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDenoiser) net = gb_denoiser_new_mlp (2, 16, GB_SCHEDULE_LINEAR, 1000, 3, &error);
  g_assert_true (gb_denoiser_fit_gaussian (net, x, n, &error));
  g_assert_no_error (error);
  memset (net->w3, 0, 2 * 16 * sizeof (float));
  memset (net->b3, 0, 2 * sizeof (float));
  int ts[] = { 1, 10, 100, 400, 999 };
  for (guint k = 0; k < G_N_ELEMENTS (ts); k++)
    {
      float xt[2] = { 0.7f, -1.1f }, eps[2], uv[2], want_uv[2];
      gb_denoiser_eps (eps, xt, 1, 2, ts[k], net);
      /* Into the frame where the covariance is diagonal: uv = Rᵀ x. */
      uv[0] = (float) (R[0][0] * xt[0] + R[1][0] * xt[1]), uv[1] = (float) (R[0][1] * xt[0] + R[1][1] * xt[1]);
      gauss_eps (want_uv, uv, 1, 2, ts[k], &g);
      double want[2] = { R[0][0] * want_uv[0] + R[0][1] * want_uv[1], R[1][0] * want_uv[0] + R[1][1] * want_uv[1] };
      for (int j = 0; j < 2; j++)
        if (fabs (eps[j] - want[j]) > 0.03 * (1 + fabs (want[j])))
          g_error ("t %d: ε̂[%d] = %g, E[ε | x_t] = %g", ts[k], j, eps[j], want[j]);
    }
  GbSamplerConfig c;
  gb_sampler_config_init (&c);
  const int m = 20000;
  g_autofree float *y = g_new (float, 2 * m);
  g_assert_true (gb_diffusion_sample (s, &c, gb_denoiser_eps, net, y, m, 2, FALSE, NULL, NULL, NULL, NULL, &error));
  for (int i = 0; i < m; i++)
    {
      float a = y[2 * i], b = y[2 * i + 1];
      y[2 * i] = (float) (R[0][0] * a + R[1][0] * b), y[2 * i + 1] = (float) (R[0][1] * a + R[1][1] * b);
    }
  check_moments (y, m, &g, 0.05);

  /* The file keeps the fitted part; a negative variance is refused; training runs with it. */
  g_autofree char *dir = g_dir_make_tmp ("glassbox-gauss-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "gauss.safetensors", NULL);
  g_assert_true (gb_denoiser_save (net, path, &error));
  g_autoptr (GbDenoiser) back = gb_denoiser_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (GbDenoiser) copy = gb_denoiser_copy (back);
  float e1[8], e2[8], e3[8];
  gb_denoiser_eps (e1, x, 4, 2, 250, net);
  gb_denoiser_eps (e2, x, 4, 2, 250, back);
  gb_denoiser_eps (e3, x, 4, 2, 250, copy);
  g_assert_cmpmem (e1, sizeof e1, e2, sizeof e2);
  g_assert_cmpmem (e1, sizeof e1, e3, sizeof e3);
  g_autoptr (GbDenoiserTrainer) tr = gb_denoiser_trainer_new (back, 64, 1e-3f, 4);
  g_assert_true (isfinite (gb_denoiser_train_step (tr, x)));
  net->g_vals[1] = -1.0f;
  g_assert_true (gb_denoiser_save (net, path, &error));
  g_assert_null (gb_denoiser_load (path, &error));
  g_assert_nonnull (strstr (error->message, "negative"));
  g_clear_error (&error);
  g_assert_false (gb_denoiser_fit_gaussian (net, x, 1, &error));
  g_clear_error (&error);
  x[3] = NAN;
  g_assert_false (gb_denoiser_fit_gaussian (net, x, 100, &error));
  g_assert_nonnull (strstr (error->message, "not finite"));
  g_remove (path);
  g_rmdir (dir);
}

static void
test_ema (void)
{
  /* The average follows the weights: after many steps with a warm-up it sits
   * between the start and the last weights, and exporting writes it. */
  g_autoptr (GbDenoiser) net = gb_denoiser_new_mlp (2, 16, GB_SCHEDULE_LINEAR, 100, 3, NULL);
  g_autoptr (GbDenoiser) start = gb_denoiser_copy (net), avg = gb_denoiser_copy (net);
  g_autoptr (GbDenoiserTrainer) tr = gb_denoiser_trainer_new (net, 64, 1e-2f, 4);
  gb_denoiser_trainer_set_ema (tr, 0.9f);
  GbRng rng;
  gb_rng_init (&rng, 2);
  float x0[128];
  for (int k = 0; k < 50; k++)
    {
      gb_toy_sample (GB_TOY_MOONS, x0, 64, &rng, NULL, 0, 0, NULL);
      gb_denoiser_train_step (tr, x0);
    }
  gb_denoiser_trainer_export (tr, avg);
  double d_avg = 0, d_last = 0;
  for (gsize i = 0; i < net->n_params; i++)
    {
      d_avg += fabs (avg->params[i] - start->params[i]);
      d_last += fabs (net->params[i] - start->params[i]);
      g_assert_cmpfloat (avg->params[i], ==, tr->ema[i]);
    }
  g_assert_cmpfloat (d_avg, >, 0.3 * d_last);
  g_assert_cmpfloat (d_avg, <, d_last);
}

/* The weights packed for sampling follow the weights: after training steps
 * and an export, a prediction equals that of a fresh copy (which packs anew). */
static void
test_packed_weights_follow (void)
{
  g_autoptr (GbDenoiser) net = gb_denoiser_new_mlp (2, 32, GB_SCHEDULE_LINEAR, 100, 3, NULL);
  g_autoptr (GbDenoiser) avg = gb_denoiser_copy (net);
  g_autoptr (GbDenoiserTrainer) tr = gb_denoiser_trainer_new (net, 64, 1e-2f, 4);
  gb_denoiser_trainer_set_ema (tr, 0.9f);
  GbRng rng;
  gb_rng_init (&rng, 2);
  float x0[128], xt[600], before[600], e[600], e_copy[600];
  for (int i = 0; i < 600; i++)
    xt[i] = 2.0f * gb_rng_uniform (&rng) - 1.0f;
  gb_denoiser_eps (before, xt, 300, 2, 40, net);
  gb_denoiser_eps (e, xt, 300, 2, 40, avg);
  for (int k = 0; k < 5; k++)
    {
      gb_toy_sample (GB_TOY_MOONS, x0, 64, &rng, NULL, 0, 0, NULL);
      gb_denoiser_train_step (tr, x0);
    }
  gb_denoiser_trainer_export (tr, avg);
  struct { GbDenoiser *net; } cases[] = { { net }, { avg } };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GbDenoiser) copy = gb_denoiser_copy (cases[c].net);
      gb_denoiser_eps (e, xt, 300, 2, 40, cases[c].net);
      gb_denoiser_eps (e_copy, xt, 300, 2, 40, copy);
      g_assert_cmpmem (e, sizeof e, e_copy, sizeof e_copy);
      g_assert_true (memcmp (e, before, sizeof e) != 0);
    }
}

/* A big model's training step cuts its products and element-wise stages in
 * two for the two cores when OpenBLAS runs one thread; the same steps with
 * OpenBLAS's own threads take the products whole. Both must give the same
 * weights up to rounding. */
static void
test_train_split_matches_whole (void)
{
  const int d = 64, H = 256, B = 32, n = 500;
  g_autofree float *x = g_new (float, (gsize) n * d), *batch = g_new (float, (gsize) B * d);
  GbRng rng;
  gb_rng_init (&rng, 5);
  for (gsize i = 0; i < (gsize) n * d; i++)
    x[i] = (float) (0.3 * gb_rng_normal (&rng) + 0.2 * sin ((double) (i % d)));
  int threads = gb_blas_get_threads ();
  GbDenoiser *nets[2];
  float losses[2][3];
  float *grads[2] = { NULL, NULL };
  const float lr = 1e-3f;
  for (int k = 0; k < 2; k++)
    {
      gb_blas_set_threads (k == 0 ? 1 : 2);
      nets[k] = gb_denoiser_new_mlp (d, H, GB_SCHEDULE_COSINE, 1000, 9, NULL);
      g_assert_true (gb_denoiser_fit_gaussian (nets[k], x, n, NULL));
      GbDenoiserTrainer *tr = gb_denoiser_trainer_new (nets[k], B, lr, 4);
      gb_denoiser_trainer_set_ema (tr, 0.99f);
      GbRng pick;
      gb_rng_init (&pick, 6);
      for (int step = 0; step < 3; step++)
        {
          for (int i = 0; i < B; i++)
            memcpy (batch + (gsize) i * d, x + (gsize) gb_rng_below (&pick, n) * d, d * sizeof (float));
          losses[k][step] = gb_denoiser_train_step (tr, batch);
          g_assert_true (isfinite (losses[k][step]) && losses[k][step] > 0.0f);
          if (step == 0)
            grads[k] = g_memdup2 (tr->grad, nets[k]->n_params * sizeof (float));
        }
      gb_denoiser_trainer_export (tr, nets[k]);
      gb_denoiser_trainer_free (tr);
    }
  gb_blas_set_threads (threads);
  for (int step = 0; step < 3; step++)
    g_assert_cmpfloat_with_epsilon (losses[0][step], losses[1][step], 1e-5 * losses[1][step]);
  /* The first step's gradients agree to rounding... */
  double gdiff = 0, gsize_ = 0;
  for (gsize i = 0; i < nets[0]->n_params; i++)
    {
      gdiff = MAX (gdiff, fabs (grads[0][i] - grads[1][i]));
      gsize_ = MAX (gsize_, fabs (grads[1][i]));
    }
  g_assert_cmpfloat (gsize_, >, 0.0);
  g_assert_cmpfloat (gdiff, <, 1e-4 * gsize_);
  /* ...and so do the averaged weights three steps on: Adam moves every
   * weight by about lr a step whatever its gradient's size, so a gradient
   * wired wrongly would show as a difference of that order. */
  double diff = 0;
  for (gsize i = 0; i < nets[0]->n_params; i++)
    diff = MAX (diff, fabs (nets[0]->params[i] - nets[1]->params[i]));
  g_assert_cmpfloat (diff, <, 0.02 * lr);
  g_free (grads[0]);
  g_free (grads[1]);
  gb_denoiser_free (nets[0]);
  gb_denoiser_free (nets[1]);
}

static void
check_matches_reference (void)
{
  /* ε̂ through the fast paths (narrow data, wide data, a batch split across
   * two cores) against the plain forward pass on [x ; e(t)]. */
  /* Also a few images through a wide model (split by columns across the
   * cores), with and without the fitted Gaussian part. */
  int dims[] = { 2, 9, 784, 784, 784 }, widths[] = { 48, 48, 48, 256, 256 }, ns[] = { 3, 300 };
  for (guint a = 0; a < G_N_ELEMENTS (dims); a++)
    for (guint b = 0; b < G_N_ELEMENTS (ns); b++)
      {
        int d = dims[a], n = ns[b], H = widths[a], E = GB_DENOISER_EMBED, t = 123;
        g_autoptr (GbDenoiser) net = gb_denoiser_new_mlp (d, H, GB_SCHEDULE_COSINE, 500, 5 + a, NULL);
        GbRng rng;
        gb_rng_init (&rng, 77);
        gboolean gauss = a == G_N_ELEMENTS (dims) - 1;
        if (gauss)
          {
            g_autofree float *data = g_new (float, (gsize) 1000 * d);
            for (gsize i = 0; i < (gsize) 1000 * d; i++)
              data[i] = gb_rng_normal (&rng) * (float) (1 + i % 7) * 0.1f;
            g_assert_true (gb_denoiser_fit_gaussian (net, data, 1000, NULL));
            /* With guidance, as image models sample: the MLP's answer scaled by w. */
            g_assert_true (gb_denoiser_set_guidance (net, 2.5, NULL));
          }
        g_autofree float *x = g_new (float, (gsize) n * d), *eps = g_new (float, (gsize) n * d),
                         *h1 = g_new (float, (gsize) n * H), *h2 = g_new (float, (gsize) n * H),
                         *want = g_new (float, (gsize) n * d), *c1 = g_new (float, H), *c2 = g_new (float, H);
        gb_rng_fill_normal (&rng, x, (gsize) n * d);
        /* The time's share of each layer as a bias: V e(t) + b. */
        float emb[GB_DENOISER_EMBED];
        gb_time_embedding (t, E, emb);
        gb_linear_forward_ref (c1, emb, net->v1, net->b1, 1, E, H, GB_ACT_NONE);
        gb_linear_forward_ref (c2, emb, net->v2, net->b2, 1, E, H, GB_ACT_NONE);
        /* With the Gaussian part, by the formula of gb-diffusion-denoiser.h in plain loops:
         * c = Vᵀ (x − √ᾱ μ), the MLP on c / s, ε̂ = V (MLP + σ c / s²). */
        g_autofree double *cc = g_new0 (double, (gsize) n * d);
        g_autofree float *u = g_memdup2 (x, (gsize) n * d * sizeof (float));
        double ab = net->schedule->alpha_bar[t];
        if (gauss)
          for (int i = 0; i < n; i++)
            for (int k = 0; k < d; k++)
              {
                for (int j = 0; j < d; j++)
                  cc[(gsize) i * d + k] += (double) net->g_vecs[(gsize) k * d + j]
                                           * (x[(gsize) i * d + j] - sqrt (ab) * net->g_mean[j]);
                u[(gsize) i * d + k] = (float) (cc[(gsize) i * d + k] / sqrt (ab * net->g_vals[k] + 1 - ab));
              }
        gb_linear_forward_ref (h1, u, net->w1, c1, n, d, H, GB_ACT_SILU);
        gb_linear_forward_ref (h2, h1, net->w2, c2, n, H, H, GB_ACT_SILU);
        gb_linear_forward_ref (want, h2, net->w3, net->b3, n, H, d, GB_ACT_NONE);
        if (gauss)
          {
            g_autofree double *q = g_new (double, (gsize) n * d);
            for (int i = 0; i < n; i++)
              for (int k = 0; k < d; k++)
                q[(gsize) i * d + k] = 2.5 * want[(gsize) i * d + k]
                                       + sqrt (1 - ab) * cc[(gsize) i * d + k] / (ab * net->g_vals[k] + 1 - ab);
            for (int i = 0; i < n; i++)
              for (int j = 0; j < d; j++)
                {
                  double e = 0;
                  for (int k = 0; k < d; k++)
                    e += q[(gsize) i * d + k] * net->g_vecs[(gsize) k * d + j];
                  want[(gsize) i * d + j] = (float) e;
                }
          }
        gb_denoiser_eps (eps, x, n, d, t, net);
        for (gsize i = 0; i < (gsize) n * d; i++)
          if (fabs (eps[i] - want[i]) > 1e-4 * (1 + fabs (want[i])))
            g_error ("d %d, n %d: ε̂[%zu] = %g, the reference %g", d, n, i, eps[i], want[i]);
        if (gauss)
          {
            /* The same guidance given explicitly, to a net left at w = 1. */
            g_autoptr (GbDenoiser) plain = gb_denoiser_copy (net);
            g_assert_true (gb_denoiser_set_guidance (plain, 1.0, NULL));
            gb_denoiser_eps_guided (eps, x, n, d, t, plain, 2.5);
            g_assert_cmpfloat (plain->guidance, ==, 1.0f);
            for (gsize i = 0; i < (gsize) n * d; i++)
              if (fabs (eps[i] - want[i]) > 1e-4 * (1 + fabs (want[i])))
                g_error ("guided, d %d, n %d: ε̂[%zu] = %g, the reference %g", d, n, i, eps[i], want[i]);
            gb_denoiser_eps_serial (eps, x, n, d, t, plain, 2.5);   /* and on this thread alone */
            for (gsize i = 0; i < (gsize) n * d; i++)
              if (fabs (eps[i] - want[i]) > 1e-4 * (1 + fabs (want[i])))
                g_error ("serial, d %d, n %d: ε̂[%zu] = %g, the reference %g", d, n, i, eps[i], want[i]);
          }
      }
}

static gboolean
count_ready (gpointer data)
{
  (*(int *) data)++;
  return G_SOURCE_REMOVE;
}

static void
test_predictor (void)
{
  /* The worker answers what gb_predict_one computes, keeps the input and t
   * with the answer, lets a newer request replace one not yet started, and
   * calls back in the main context. */
  const int d = 784, t = 400;
  GbRng rng;
  gb_rng_init (&rng, 31);
  g_autofree float *data = g_new (float, 300 * d);
  gb_rng_fill_normal (&rng, data, 300 * d);
  g_autoptr (GbDenoiser) net = gb_denoiser_new_mlp (d, 256, GB_SCHEDULE_LINEAR, 1000, 4, NULL);
  g_assert_true (gb_denoiser_fit_gaussian (net, data, 300, NULL));
  int calls = 0;
  GbPredictor *p = gb_predictor_new (count_ready, &calls);
  float x[784], eps[784], x0[784], want_eps[784], want_x0[784];
  guint64 tag;
  int at;
  g_assert_false (gb_predictor_answer (p, &tag, &at, x, eps, x0, d));
  for (int k = 0; k < 5; k++)
    gb_predictor_request (p, net, t + k, 2.0, TRUE, -1, data + (gsize) k * d, 10 + k);
  while (!gb_predictor_answer (p, &tag, &at, x, eps, x0, d) || tag != 14)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (at, ==, t + 4);
  g_assert_cmpmem (x, sizeof x, data + 4 * d, sizeof x);
  gb_predict_one (net, t + 4, 2.0, TRUE, -1, data + 4 * d, want_eps, want_x0);
  g_assert_cmpmem (eps, sizeof eps, want_eps, sizeof eps);
  g_assert_cmpmem (x0, sizeof x0, want_x0, sizeof x0);
  for (int k = 0; k < d; k++)
    g_assert_cmpfloat (fabsf (want_x0[k]), <=, 1.0f);
  g_assert_cmpfloat (net->guidance, ==, 1.0f);   /* the worker leaves the net as it was */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (calls, >=, 1);
  g_assert_cmpint (calls, <=, 5);
  /* After sync the worker is idle and nothing waits: the net may go. */
  gb_predictor_request (p, net, 7, 1.0, FALSE, -1, data, 99);
  gb_predictor_sync (p);
  gb_predictor_request (p, net, 8, 1.0, FALSE, -1, data, 100);
  gb_predictor_free (p);   /* with a request perhaps still waiting, and callbacks queued */
  int before = calls;
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (calls, ==, before);
}

static void
test_guidance (void)
{
  /* ε̂_w = ε̂_G + w (ε̂ − ε̂_G): w = 1 is the model (the default, kept by a
   * copy), w = 0 the fitted Gaussian alone (the MLP's output zeroed), and
   * any w the straight line through them. */
  const int d = 9, n = 5, t = 300;
  GbRng rng;
  gb_rng_init (&rng, 8);
  g_autofree float *data = g_new (float, 200 * d), *x = g_new (float, n * d);
  gb_rng_fill_normal (&rng, data, 200 * d);
  gb_rng_fill_normal (&rng, x, n * d);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDenoiser) toy = gb_denoiser_new_mlp (d, 32, GB_SCHEDULE_LINEAR, 1000, 2, &error);
  /* Without a Gaussian there is nothing to guide from; bad values are refused. */
  g_assert_cmpfloat (toy->guidance, ==, 1.0f);
  g_assert_true (gb_denoiser_set_guidance (toy, 1.0, &error));
  g_assert_false (gb_denoiser_set_guidance (toy, 2.0, &error));
  g_assert_nonnull (strstr (error->message, "fitted Gaussian"));
  g_clear_error (&error);
  g_assert_true (gb_denoiser_fit_gaussian (toy, data, 200, &error));
  double bad[] = { -0.5, 10.5, NAN, INFINITY };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (gb_denoiser_set_guidance (toy, bad[i], &error));
      g_assert_nonnull (strstr (error->message, "outside 0…10"));
      g_clear_error (&error);
    }
  g_assert_cmpfloat (toy->guidance, ==, 1.0f);
  float e1[9 * 5], e0[9 * 5], eg[9 * 5], ew[9 * 5];
  gb_denoiser_eps (e1, x, n, d, t, toy);
  g_autoptr (GbDenoiser) gauss = gb_denoiser_copy (toy);
  memset (gauss->w3, 0, (gsize) d * 32 * sizeof (float));
  memset (gauss->b3, 0, d * sizeof (float));
  gb_denoiser_changed (gauss);
  gb_denoiser_eps (eg, x, n, d, t, gauss);
  g_assert_true (gb_denoiser_set_guidance (toy, 0.0, &error));
  gb_denoiser_eps (e0, x, n, d, t, toy);
  for (int i = 0; i < n * d; i++)
    g_assert_cmpfloat (fabsf (e0[i] - eg[i]), <, 1e-5f * (1 + fabsf (eg[i])));
  g_assert_true (gb_denoiser_set_guidance (toy, 3.0, &error));
  g_autoptr (GbDenoiser) copy = gb_denoiser_copy (toy);
  gb_denoiser_eps (ew, x, n, d, t, copy);
  for (int i = 0; i < n * d; i++)
    {
      float want = eg[i] + 3.0f * (e1[i] - eg[i]);
      g_assert_cmpfloat (fabsf (ew[i] - want), <, 1e-4f * (1 + fabsf (want)));
    }
  /* t = 0 has no Gaussian part (the clean data): the MLP's answer as it is. */
  float a0[9 * 5], b0[9 * 5];
  gb_denoiser_eps (b0, x, n, d, 0, copy);
  g_assert_true (gb_denoiser_set_guidance (copy, 1.0, &error));
  gb_denoiser_eps (a0, x, n, d, 0, copy);
  g_assert_cmpmem (a0, sizeof a0, b0, sizeof b0);
}

static void
test_denoiser_matches_reference (void)
{
  /* Through the packed weights (where the CPU has the kernel) and through CBLAS. */
  check_matches_reference ();
  gb_packed_set_disabled (TRUE);
  check_matches_reference ();
  gb_packed_set_disabled (FALSE);
}

/* A toy's step in two halves of the batch (OpenBLAS on one thread, as the
 * command line runs it) computes what the whole batch's step computes. */
static void
test_train_halves_match_whole (void)
{
  const int B = 64;
  int threads = gb_blas_get_threads ();
  float losses[2][3];
  float *grads[2] = { NULL, NULL };
  gsize n_params = 0;
  for (int k = 0; k < 2; k++)
    {
      gb_blas_set_threads (k == 0 ? 1 : 2);   /* 1: the halves' path */
      g_autoptr (GbDenoiser) net = gb_denoiser_new_mlp (2, 128, GB_SCHEDULE_LINEAR, 1000, 9, NULL);
      g_autoptr (GbDenoiserTrainer) tr = gb_denoiser_trainer_new (net, B, 1e-3f, 4);
      GbRng data;
      gb_rng_init (&data, 6);
      float x0[2 * 64];
      for (int step = 0; step < 3; step++)
        {
          gb_toy_sample (GB_TOY_SWISS_ROLL, x0, B, &data, NULL, 0, 0, NULL);
          losses[k][step] = gb_denoiser_train_step (tr, x0);
          g_assert_true (isfinite (losses[k][step]) && losses[k][step] > 0.0f);
          if (step == 0)
            grads[k] = g_memdup2 (tr->grad, net->n_params * sizeof (float));
        }
      n_params = net->n_params;
    }
  gb_blas_set_threads (threads);
  for (int step = 0; step < 3; step++)
    g_assert_cmpfloat_with_epsilon (losses[0][step], losses[1][step], 1e-5 * losses[1][step]);
  /* The losses of steps 2 and 3 follow the updates; the first gradients agree to rounding. */
  double gdiff = 0, gmax = 0;
  for (gsize i = 0; i < n_params; i++)
    {
      gdiff = MAX (gdiff, fabs (grads[0][i] - grads[1][i]));
      gmax = MAX (gmax, fabs (grads[1][i]));
    }
  g_assert_cmpfloat (gmax, >, 0.0);
  g_assert_cmpfloat (gdiff, <, 1e-4 * gmax);
  for (int k = 0; k < 2; k++)
    g_free (grads[k]);
}

/* A batch whose loss is not a number changes nothing, and stepping back
 * restores the weights and their average from before the last update. */
static void
test_denoiser_diverged_step_back (void)
{
  g_autoptr (GbDenoiser) net = gb_denoiser_new_mlp (2, 16, GB_SCHEDULE_LINEAR, 100, 3, NULL);
  g_autoptr (GbDenoiserTrainer) tr = gb_denoiser_trainer_new (net, 32, 1e-2f, 4);
  g_assert_false (gb_denoiser_trainer_step_back (tr));   /* no step yet */
  gb_denoiser_trainer_set_ema (tr, 0.9f);
  GbRng rng;
  gb_rng_init (&rng, 5);
  float x0[64];
  for (int step = 0; step < 3; step++)
    {
      gb_toy_sample (GB_TOY_MOONS, x0, 32, &rng, NULL, 0, 0, NULL);
      g_assert_true (isfinite (gb_denoiser_train_step (tr, x0)));
    }
  g_autofree float *before = g_memdup2 (tr->prev, net->n_params * sizeof (float));
  g_autofree float *ema_before = g_memdup2 (tr->ema_prev, net->n_params * sizeof (float));
  /* Poison the weights: the next loss is NaN, and it updates nothing. */
  net->params[0] = NAN;
  gb_denoiser_changed (net);
  g_autofree float *poisoned = g_memdup2 (net->params, net->n_params * sizeof (float));
  gb_toy_sample (GB_TOY_MOONS, x0, 32, &rng, NULL, 0, 0, NULL);
  g_assert_true (isnan (gb_denoiser_train_step (tr, x0)));
  g_assert_true (isnan (net->params[0]));
  g_assert_cmpmem (net->params + 1, (net->n_params - 1) * sizeof (float), poisoned + 1,
                   (net->n_params - 1) * sizeof (float));
  g_assert_true (gb_denoiser_trainer_step_back (tr));
  g_assert_cmpmem (net->params, net->n_params * sizeof (float), before, net->n_params * sizeof (float));
  g_assert_cmpmem (tr->ema, net->n_params * sizeof (float), ema_before, net->n_params * sizeof (float));
  for (gsize i = 0; i < net->n_params; i++)
    g_assert_true (isfinite (net->params[i]));
}

static void
test_count_cb (gpointer data)
{
  (*(int *) data)++;
}

/* The job trains exactly as a loop of gb_denoiser_train_step with the same
 * seeds does (the CLI and the page rely on it to keep the shipped models), it
 * publishes snapshots and progress, a cancelled run ends with the model so far,
 * and bad data are refused with a message. */
static void
test_diffusion_job (void)
{
  GbDiffusionJobConfig c;
  gb_diffusion_job_config_init (&c);
  c.steps = 40, c.batch = 32, c.seed = 5, c.cosine_lr = TRUE, c.snapshot_every = 10;
  GbDenoiser *net = gb_denoiser_new_mlp (2, 16, GB_SCHEDULE_LINEAR, 50, 3, NULL);
  g_autoptr (GbDenoiser) ref = gb_denoiser_copy (net);
  GbDiffusionData data = { .toy = GB_TOY_MOONS };
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDiffusionJob) job = gb_diffusion_job_new (net, &data, &c, &error);
  g_assert_no_error (error);
  int progress = 0;
  g_signal_connect_swapped (job, "progress", G_CALLBACK (test_count_cb), &progress);
  g_assert_true (gb_diffusion_job_run (job, NULL, &error));
  g_assert_cmpint (progress, ==, 41);   /* every step, and the end */
  g_assert_cmpint (gb_diffusion_job_get_done (job, NULL), ==, 40);
  g_autoptr (GArray) losses = g_array_new (FALSE, FALSE, sizeof (double));
  g_assert_cmpuint (gb_diffusion_job_copy_losses (job, 0, losses), ==, 40);
  int step = 0;
  g_autoptr (GbDenoiser) snap = gb_diffusion_job_dup_snapshot (job, &step);
  g_assert_nonnull (snap);
  g_assert_cmpint (step, ==, 30);
  g_autoptr (GbDenoiser) trained = gb_diffusion_job_steal_model (job);
  g_assert_nonnull (trained);
  g_assert_null (gb_diffusion_job_steal_model (job));

  g_autoptr (GbDenoiserTrainer) tr = gb_denoiser_trainer_new (ref, c.batch, (float) c.lr, c.seed);
  GbRng rng;
  gb_rng_init (&rng, c.seed + 1);
  float x0[64];
  for (int k = 0; k < c.steps; k++)
    {
      gb_toy_sample (GB_TOY_MOONS, x0, c.batch, &rng, NULL, 0, 0, NULL);
      tr->adam.lr = (float) (c.lr * (0.1 + 0.9 * 0.5 * (1 + cos (G_PI * k / c.steps))));
      double loss = gb_denoiser_train_step (tr, x0);
      g_assert_cmpfloat (loss, ==, g_array_index (losses, double, k));
    }
  gb_denoiser_trainer_export (tr, ref);
  g_assert_cmpmem (trained->params, trained->n_params * sizeof (float), ref->params, ref->n_params * sizeof (float));

  /* Cancelled before it starts: no step, and the model as it was. */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  GbDiffusionData again = { .toy = GB_TOY_MOONS };
  g_autoptr (GbDiffusionJob) stopped = gb_diffusion_job_new (gb_denoiser_copy (ref), &again, &c, NULL);
  g_assert_true (gb_diffusion_job_run (stopped, cancel, &error));
  g_assert_cmpint (gb_diffusion_job_get_done (stopped, NULL), ==, 0);
  g_autoptr (GbDenoiser) same = gb_diffusion_job_steal_model (stopped);
  g_assert_cmpmem (same->params, same->n_params * sizeof (float), ref->params, ref->n_params * sizeof (float));

  /* A painted distribution without points; a learning rate of 2. */
  GbDiffusionData painted = { .toy = GB_TOY_PAINTED };
  g_assert_null (gb_diffusion_job_new (gb_denoiser_copy (ref), &painted, &c, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no points"));
  g_clear_error (&error);
  float pts[4] = { 0, 0, 1, 1 };
  GbDiffusionData two = { .toy = GB_TOY_N_KINDS, .points = g_memdup2 (pts, sizeof pts), .n_points = 2 };
  two.dataset_dir = g_strdup ("/nonexistent");
  GbDiffusionJobConfig bad = c;
  bad.lr = 2;
  g_assert_null (gb_diffusion_job_new (gb_denoiser_copy (ref), &two, &bad, &error));
  g_assert_nonnull (strstr (error->message, "learning rate"));
  g_assert_null (two.points);   /* taken, and freed, even when refused */
}

typedef struct {
  gboolean ended, ok;
  GbSampleRun *run;
  GError *error;
} RunEnd;

static void
test_run_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  RunEnd *end = data;
  end->ok = gb_sample_run_finish (result, &end->run, &end->error);
  end->ended = TRUE;
}

/* A sampling run records what gb_diffusion_sample computes, on a worker as in the calling thread; a cancelled
 * run says so; a bad configuration is refused. */
static void
test_sample_run (void)
{
  g_autoptr (GbDenoiser) net = gb_denoiser_new_mlp (2, 16, GB_SCHEDULE_LINEAR, 50, 3, NULL);
  GbSamplerConfig c;
  gb_sampler_config_init (&c);
  c.kind = GB_SAMPLER_DDIM, c.steps = 10, c.eta = 0.5, c.seed = 3;
  g_autoptr (GError) error = NULL;
  g_autoptr (GbSampleRun) run = gb_sample_run_new (net, &c, 1.0, 40, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->K, ==, 10);
  g_assert_cmpint (gb_sample_run_done (run), ==, 0);
  float x[80];
  g_assert_true (gb_diffusion_sample (net->schedule, &c, gb_denoiser_eps, net, x, 40, 2, FALSE, NULL, NULL, NULL, NULL,
                                      &error));

  RunEnd end = { 0 };
  gb_sample_run_async (run, NULL, test_run_done_cb, &end);
  while (!end.ended)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (end.error);
  g_assert_true (end.ok);
  g_assert_true (end.run == run);
  g_assert_cmpint (gb_sample_run_done (run), ==, run->K);
  g_assert_cmpmem (gb_sample_run_state (run, run->K), sizeof x, x, sizeof x);
  g_assert_cmpint (gb_sample_run_t (run, 0), ==, run->ts[0]);
  g_assert_cmpint (gb_sample_run_t (run, run->K), ==, 0);
  g_assert_cmpint (gb_sample_run_index (run, 0, run->K), ==, run->K);
  g_assert_cmpint (gb_sample_run_index (run, run->ts[3], run->K), ==, 3);
  g_assert_cmpint (gb_sample_run_index (run, run->ts[3], 2), ==, 2);   /* not past what is recorded */
  gboolean any = FALSE;
  for (int k = 0; k < 80; k++)
    any = any || run->eps[k] != 0.0f;
  g_assert_true (any);

  g_autoptr (GbSampleRun) here = gb_sample_run_new (net, &c, 1.0, 40, FALSE, &error);
  g_assert_true (gb_sample_run_run (here, NULL, &error));
  g_assert_null (here->eps);
  g_assert_cmpmem (gb_sample_run_state (here, here->K), sizeof x, x, sizeof x);

  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autoptr (GbSampleRun) stopped = gb_sample_run_new (net, &c, 1.0, 40, FALSE, &error);
  g_assert_false (gb_sample_run_run (stopped, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  c.steps = 0;
  g_assert_null (gb_sample_run_new (net, &c, 1.0, 40, FALSE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  c.steps = 10;
  g_assert_null (gb_sample_run_new (net, &c, 1.0, 0, FALSE, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/diffusion/schedule/linear", test_linear_schedule);
  g_test_add_func ("/core/diffusion/schedule/cosine", test_cosine_schedule);
  g_test_add_func ("/core/diffusion/forward-closed-form", test_forward_closed_form);
  g_test_add_func ("/core/diffusion/samplers-recover-gaussian", test_samplers_recover_gaussian);
  g_test_add_func ("/core/diffusion/ddim-deterministic-record", test_ddim_deterministic_and_record);
  g_test_add_func ("/core/diffusion/bad-input", test_bad_input);
  g_test_add_func ("/core/diffusion/toy-distributions", test_toy_distributions);
  g_test_add_func ("/core/diffusion/denoiser-matches-reference", test_denoiser_matches_reference);
  g_test_add_func ("/core/diffusion/gaussian-part", test_gaussian_part);
  g_test_add_func ("/core/diffusion/guidance", test_guidance);
  g_test_add_func ("/core/diffusion/predictor", test_predictor);
  g_test_add_func ("/core/diffusion/ema", test_ema);
  g_test_add_func ("/core/diffusion/packed-weights-follow", test_packed_weights_follow);
  g_test_add_func ("/core/diffusion/train-split-matches-whole", test_train_split_matches_whole);
  g_test_add_func ("/core/diffusion/denoiser-learns-and-saves", test_denoiser_learns_and_saves);
  g_test_add_func ("/core/diffusion/denoiser-diverged-step-back", test_denoiser_diverged_step_back);
  g_test_add_func ("/core/diffusion/train-halves-match-whole", test_train_halves_match_whole);
  g_test_add_func ("/core/diffusion/job", test_diffusion_job);
  g_test_add_func ("/core/diffusion/sample-run", test_sample_run);
  return g_test_run ();
}
