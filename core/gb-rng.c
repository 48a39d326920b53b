/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rng.c — xoshiro256** with a Box–Muller normal sampler. */
#include "gb-rng.h"

#include <math.h>

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void
gb_rng_init (GbRng *rng, guint64 seed)
{
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
  rng->has_spare = FALSE;
  rng->spare = 0.0f;
}

void
gb_rng_init_stream (GbRng *rng, guint64 seed, guint64 stream)
{
  gb_rng_init (rng, seed + 0x9E3779B97F4A7C15ull * stream);
}

guint64
gb_rng_next (GbRng *rng)
{
  return gb_rng_next_inline (rng);
}

float
gb_rng_uniform (GbRng *rng)
{
  /* The top 24 bits give every float in [0, 1) on a 2^-24 grid. */
  return (float) (gb_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

guint32
gb_rng_below (GbRng *rng, guint32 n)
{
  g_return_val_if_fail (n > 0, 0);
  /* Lemire's multiply-and-reject method. */
  guint64 m = (gb_rng_next (rng) >> 32) * (guint64) n;
  guint32 low = (guint32) m;
  if (low < n)
    {
      guint32 threshold = (guint32) (-n) % n;
      while (low < threshold)
        {
          m = (gb_rng_next (rng) >> 32) * (guint64) n;
          low = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

float
gb_rng_normal (GbRng *rng)
{
  if (rng->has_spare)
    {
      rng->has_spare = FALSE;
      return rng->spare;
    }
  /* u1 in (0, 1] so that log (u1) is finite. */
  double u1 = ((double) (gb_rng_next (rng) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  double u2 = (double) (gb_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
  double r = sqrt (-2.0 * log (u1));
  double a = 2.0 * G_PI * u2;
  rng->spare = (float) (r * sin (a));
  rng->has_spare = TRUE;
  return (float) (r * cos (a));
}

void
gb_rng_fill_normal (GbRng *rng, float *out, gsize n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = gb_rng_normal (rng);
}

void
gb_rng_fill_normal_fast (GbRng *rng, float *out, gsize n)
{
  gsize i = 0;
  while (i < n)
    {
      /* One 64-bit draw gives two 24-bit uniforms in (−1, 1); keep the pair
       * when it falls inside the unit disc (π/4 of the time). */
      guint64 b = gb_rng_next_inline (rng);
      float u = (float) (b >> 40) * (2.0f / 16777216.0f) - 1.0f;
      float v = (float) ((b >> 16) & 0xFFFFFF) * (2.0f / 16777216.0f) - 1.0f;
      float s = u * u + v * v;
      if (s >= 1.0f || s == 0.0f)
        continue;
      float f = sqrtf (-2.0f * logf (s) / s);
      out[i++] = u * f;
      if (i < n)
        out[i++] = v * f;
    }
}

void
gb_rng_shuffle (GbRng *rng, guint32 *idx, gsize n)
{
  for (gsize i = n; i > 1; i--)
    {
      guint32 j = gb_rng_below (rng, (guint32) i);
      guint32 t = idx[i - 1];
      idx[i - 1] = idx[j];
      idx[j] = t;
    }
}

double
gb_normal_quantile (double p)
{
  g_return_val_if_fail (p > 0.0 && p < 1.0, NAN);
  static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                              1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
  static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                              6.680131188771972e+01, -1.328068155288572e+01 };
  static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                              -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
  static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                              3.754408661907416e+00 };
  const double lo = 0.02425, hi = 1.0 - lo;
  double x;
  if (p < lo)
    {
      double q = sqrt (-2.0 * log (p));
      x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }
  else if (p <= hi)
    {
      double q = p - 0.5, r = q * q;
      x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
          / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    }
  else
    {
      double q = sqrt (-2.0 * log1p (-p));
      x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    }
  /* One step of Halley's method on Φ(x) − p. */
  double e = 0.5 * erfc (-x / G_SQRT2) - p;
  double u = e * sqrt (2.0 * G_PI) * exp (x * x / 2.0);
  return x - u / (1.0 + x * u / 2.0);
}
