/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion.c — schedules, the forward process, DDPM and DDIM. */
#include "gb-diffusion.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-parallel.h"
#include "gb-rng.h"

#define BETA_MAX 0.999

GbSchedule *
gb_schedule_new (GbScheduleKind kind, int T, GError **error)
{
  if (T < 1 || T > GB_DIFFUSION_MAX_T)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("T = %d is outside 1…%d"), T, GB_DIFFUSION_MAX_T);
      return NULL;
    }
  if (kind != GB_SCHEDULE_LINEAR && kind != GB_SCHEDULE_COSINE)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("unknown schedule %d"), (int) kind);
      return NULL;
    }
  GbSchedule *s = g_new0 (GbSchedule, 1);
  s->kind = kind;
  s->T = T;
  s->beta = g_new0 (double, T + 1);
  s->alpha = g_new0 (double, T + 1);
  s->alpha_bar = g_new0 (double, T + 1);
  if (kind == GB_SCHEDULE_LINEAR)
    {
      /* Ho et al.'s 1e-4 … 0.02 for T = 1000, scaled so other T reach the same noise. */
      double scale = 1000.0 / T, b1 = scale * 1e-4, bT = scale * 0.02;
      for (int t = 1; t <= T; t++)
        s->beta[t] = MIN (T == 1 ? bT : b1 + (bT - b1) * (t - 1) / (T - 1), BETA_MAX);
    }
  else
    {
      const double off = 0.008;
      double f0 = cos (off / (1 + off) * G_PI / 2);
      f0 *= f0;
      double prev = 1.0;
      for (int t = 1; t <= T; t++)
        {
          double f = cos (((double) t / T + off) / (1 + off) * G_PI / 2);
          double ab = f * f / f0;
          s->beta[t] = MIN (1.0 - ab / prev, BETA_MAX);
          prev = ab;
        }
    }
  s->alpha_bar[0] = 1.0;
  for (int t = 1; t <= T; t++)
    {
      s->alpha[t] = 1.0 - s->beta[t];
      s->alpha_bar[t] = s->alpha_bar[t - 1] * s->alpha[t];
    }
  s->alpha[0] = 1.0;
  return s;
}

void
gb_schedule_free (GbSchedule *s)
{
  if (s == NULL)
    return;
  g_free (s->beta);
  g_free (s->alpha);
  g_free (s->alpha_bar);
  g_free (s);
}

const char *
gb_schedule_kind_name (GbScheduleKind kind)
{
  return kind == GB_SCHEDULE_COSINE ? "cosine" : "linear";
}

gboolean
gb_schedule_kind_parse (const char *name, GbScheduleKind *kind)
{
  if (g_strcmp0 (name, "linear") == 0)
    *kind = GB_SCHEDULE_LINEAR;
  else if (g_strcmp0 (name, "cosine") == 0)
    *kind = GB_SCHEDULE_COSINE;
  else
    return FALSE;
  return TRUE;
}

double
gb_schedule_snr (const GbSchedule *s, int t)
{
  g_return_val_if_fail (t >= 0 && t <= s->T, NAN);
  return t == 0 ? INFINITY : s->alpha_bar[t] / (1.0 - s->alpha_bar[t]);
}

double
gb_schedule_beta_tilde (const GbSchedule *s, int t)
{
  g_return_val_if_fail (t >= 1 && t <= s->T, NAN);
  return s->beta[t] * (1.0 - s->alpha_bar[t - 1]) / (1.0 - s->alpha_bar[t]);
}

void
gb_diffusion_q_sample (const GbSchedule *s, int t, const float *x0, const float *eps, float *xt, gsize n)
{
  g_return_if_fail (t >= 0 && t <= s->T);
  float a = (float) sqrt (s->alpha_bar[t]), b = (float) sqrt (1.0 - s->alpha_bar[t]);
  for (gsize i = 0; i < n; i++)
    xt[i] = a * x0[i] + b * eps[i];
}

void
gb_diffusion_predict_x0 (const GbSchedule *s, int t, const float *xt, const float *eps, float *x0, gsize n)
{
  g_return_if_fail (t >= 0 && t <= s->T);
  float b = (float) sqrt (1.0 - s->alpha_bar[t]), inv = (float) (1.0 / sqrt (s->alpha_bar[t]));
  for (gsize i = 0; i < n; i++)
    x0[i] = (xt[i] - b * eps[i]) * inv;
}

/* --- samplers --- */

void
gb_sampler_config_init (GbSamplerConfig *c)
{
  c->kind = GB_SAMPLER_DDPM;
  c->sigma_tilde = FALSE;
  c->steps = 50;
  c->eta = 0.0;
  c->seed = 1;
  c->clip_x0 = FALSE;
}

gboolean
gb_sampler_config_check (const GbSamplerConfig *c, const GbSchedule *s, GError **error)
{
  if (c->kind != GB_SAMPLER_DDPM && c->kind != GB_SAMPLER_DDIM)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("unknown sampler %d"), (int) c->kind);
      return FALSE;
    }
  if (c->kind == GB_SAMPLER_DDIM && (c->steps < 1 || c->steps > s->T))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("DDIM steps S = %d is outside 1…T (T = %d)"), c->steps, s->T);
      return FALSE;
    }
  if (c->kind == GB_SAMPLER_DDIM && !(c->eta >= 0.0 && c->eta <= 1.0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("η = %g is outside [0, 1]"), c->eta);
      return FALSE;
    }
  return TRUE;
}

const char *
gb_sampler_kind_name (GbSamplerKind kind)
{
  return kind == GB_SAMPLER_DDIM ? "ddim" : "ddpm";
}

gboolean
gb_sampler_kind_parse (const char *name, GbSamplerKind *kind)
{
  if (g_strcmp0 (name, "ddpm") == 0)
    *kind = GB_SAMPLER_DDPM;
  else if (g_strcmp0 (name, "ddim") == 0)
    *kind = GB_SAMPLER_DDIM;
  else
    return FALSE;
  return TRUE;
}

int
gb_sampler_timesteps (const GbSamplerConfig *c, const GbSchedule *s, int *ts)
{
  if (c->kind == GB_SAMPLER_DDPM)
    {
      for (int i = 0; i < s->T; i++)
        ts[i] = s->T - i;
      return s->T;
    }
  int S = CLAMP (c->steps, 1, s->T);
  for (int i = S; i >= 1; i--)
    ts[S - i] = (int) (((gint64) i * s->T + S - 1) / S);   /* ⌈i·T/S⌉: distinct, the first is T */
  return S;
}

typedef struct {
  const GbSchedule *s;
  const GbSamplerConfig *c;
  float *x, *eps, *x0, *z;
  int t, prev;
  gsize i0, i1;
  GbRng rng;
  gboolean bad;
} StepPart;

/* x_t → x_prev for values i0…i1 − 1, given ε̂ there. */
static void
step_part_cb (gpointer data)
{
  StepPart *p = data;
  const GbSchedule *s = p->s;
  const GbSamplerConfig *c = p->c;
  int t = p->t, prev = p->prev;
  gsize N = p->i1 - p->i0;
  float *x = p->x + p->i0, *eps = p->eps + p->i0, *x0 = p->x0 + p->i0, *z = p->z + p->i0;
  double ab = s->alpha_bar[t], abp = s->alpha_bar[prev];
  gb_diffusion_predict_x0 (s, t, x, eps, x0, N);
  if (c->clip_x0)
    {
      /* Clip x̂₀ and take ε̂ consistent with it: ε̂ = (x_t − √ᾱ x̂₀) / √(1 − ᾱ). */
      float sa = (float) sqrt (ab), inv = (float) (1.0 / sqrt (1.0 - ab));
      for (gsize i = 0; i < N; i++)
        {
          x0[i] = CLAMP (x0[i], -1.0f, 1.0f);
          eps[i] = (x[i] - sa * x0[i]) * inv;
        }
    }
  /* The mean of x_prev, then σ z with the sampler's σ (none at DDPM's last step). */
  double sig;
  if (c->kind == GB_SAMPLER_DDPM)
    sig = t > 1 ? sqrt (c->sigma_tilde ? gb_schedule_beta_tilde (s, t) : s->beta[t]) : 0.0;
  else
    sig = c->eta * sqrt ((1.0 - abp) / (1.0 - ab)) * sqrt (MAX (0.0, 1.0 - ab / abp));
  if (c->kind == GB_SAMPLER_DDPM && c->clip_x0)
    {
      /* The posterior mean from the clipped x̂₀:
       * μ = √ᾱ_{t−1} β_t/(1−ᾱ_t) · x̂₀ + √α_t (1−ᾱ_{t−1})/(1−ᾱ_t) · x_t. */
      float c0 = (float) (sqrt (abp) * s->beta[t] / (1.0 - ab)),
            ct = (float) (sqrt (s->alpha[t]) * (1.0 - abp) / (1.0 - ab));
      for (gsize i = 0; i < N; i++)
        x[i] = c0 * x0[i] + ct * x[i];
    }
  else if (c->kind == GB_SAMPLER_DDPM)
    {
      /* μ = (x_t − β_t/√(1 − ᾱ_t) ε̂) / √α_t. */
      float a = (float) (1.0 / sqrt (s->alpha[t])), b = (float) (s->beta[t] / sqrt (1.0 - ab));
      for (gsize i = 0; i < N; i++)
        x[i] = a * (x[i] - b * eps[i]);
    }
  else
    {
      /* x_prev = √ᾱ_prev x̂₀ + √(1 − ᾱ_prev − σ²) ε̂ + σ z, σ = η √((1−ᾱ_prev)/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev). */
      float a = (float) sqrt (abp), b = (float) sqrt (MAX (0.0, 1.0 - abp - sig * sig));
      for (gsize i = 0; i < N; i++)
        x[i] = a * x0[i] + b * eps[i];
    }
  float sigma = (float) sig;
  if (sigma > 0)
    {
      gb_rng_fill_normal_fast (&p->rng, z, N);
      for (gsize i = 0; i < N; i++)
        x[i] += sigma * z[i];
    }
  for (gsize i = 0; i < N; i++)
    if (!isfinite (x[i]))
      {
        p->bad = TRUE;
        break;
      }
}

gboolean
gb_diffusion_sample (const GbSchedule *s, const GbSamplerConfig *c, GbEpsFunc eps_fn, gpointer eps_data,
                     float *x, int n, int d, gboolean start_given, GbSampleRecord *record,
                     GbSampleProgress progress, gpointer progress_data, GCancellable *cancel, GError **error)
{
  if (!gb_sampler_config_check (c, s, error))
    return FALSE;
  if (n < 1 || d < 1)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("nothing to sample (%d points of dimension %d)"), n, d);
      return FALSE;
    }
  gsize N = (gsize) n * d;
  GbRng rng;
  gb_rng_init (&rng, c->seed);
  if (!start_given)
    gb_rng_fill_normal_fast (&rng, x, N);
  g_autofree int *ts = g_new (int, s->T);
  int K = gb_sampler_timesteps (c, s, ts);
  g_autofree float *eps = g_new (float, N), *x0 = g_new (float, N), *z = g_new (float, N);
  if (record && record->xs)
    memcpy (record->xs, x, N * sizeof (float));
  for (int k = 0; k < K; k++)
    {
      if (g_cancellable_set_error_if_cancelled (cancel, error))
        return FALSE;
      int t = ts[k], prev = k + 1 < K ? ts[k + 1] : 0;
      eps_fn (eps, x, n, d, t, eps_data);
      /* The rest of the step, element-wise, in two halves of the points
       * (on both cores when there are enough of them), each with its own
       * stream of noise drawn from the seed, the step and the half, so the
       * samples do not depend on whether the halves ran in parallel. */
      StepPart parts[2];
      gsize mid = (gsize) (n / 2) * d;
      for (int h = 0; h < 2; h++)
        {
          parts[h] = (StepPart) { .s = s, .c = c, .x = x, .eps = eps, .x0 = x0, .z = z, .t = t, .prev = prev,
                                  .i0 = h ? mid : 0, .i1 = h ? N : mid, .bad = FALSE };
          gb_rng_init_stream (&parts[h].rng, c->seed, (guint64) (2 * k + h + 1));
        }
      if (N >= 8192)
        gb_parallel_pair (step_part_cb, &parts[0], &parts[1]);
      else
        step_part_cb (&parts[0]), step_part_cb (&parts[1]);
      if (parts[0].bad || parts[1].bad)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                       _("the sampler produced a value that is not finite at t = %d (a broken model?)"), t);
          return FALSE;
        }
      if (record)
        {
          if (record->xs)
            memcpy (record->xs + (gsize) (k + 1) * N, x, N * sizeof (float));
          if (record->eps)
            memcpy (record->eps + (gsize) k * N, eps, N * sizeof (float));
          if (record->x0)
            memcpy (record->x0 + (gsize) k * N, x0, N * sizeof (float));
        }
      if (progress)
        progress (k + 1, K, progress_data);
    }
  return TRUE;
}

void
gb_time_embedding (int t, int n, float *out)
{
  int half = n / 2;
  for (int k = 0; k < half; k++)
    {
      double f = exp (-log (10000.0) * k / half);
      out[k] = (float) sin (t * f);
      out[half + k] = (float) cos (t * f);
    }
}
