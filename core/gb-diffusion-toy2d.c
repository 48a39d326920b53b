/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-toy2d.c — 2-d toy distributions and the sliced Wasserstein distance. */
#include "gb-diffusion-toy2d.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdlib.h>

#include "gb-error.h"

static const char *const names[] = { "swiss-roll", "moons", "8-gaussians", "checkerboard", "rings", "painted", NULL };

const char *
gb_toy_name (GbToyKind kind)
{
  return kind >= 0 && kind < GB_TOY_N_KINDS ? names[kind] : "?";
}

gboolean
gb_toy_parse (const char *name, GbToyKind *kind)
{
  for (int k = 0; k < GB_TOY_N_KINDS; k++)
    if (g_strcmp0 (name, names[k]) == 0)
      {
        *kind = (GbToyKind) k;
        return TRUE;
      }
  return FALSE;
}

const char *const *
gb_toy_names (void)
{
  static const char *const builtin[] = { "swiss-roll", "moons", "8-gaussians", "checkerboard", "rings", NULL };
  return builtin;
}

gboolean
gb_toy_sample (GbToyKind kind, float *xy, int n, GbRng *rng, const float *painted, int n_painted, float jitter,
               GError **error)
{
  if (n < 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%d points"), n);
      return FALSE;
    }
  if (kind == GB_TOY_PAINTED && (painted == NULL || n_painted < 1))
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                           _("the painted distribution has no points: paint some first"));
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    {
      float x = 0, y = 0;
      switch (kind)
        {
        case GB_TOY_SWISS_ROLL:
          {
            /* scikit-learn's make_swiss_roll in the plane: t ∈ [1.5π, 4.5π], (t cos t, t sin t) / 6,
             * less its mean (E[t cos t] = 2, E[t sin t] = 2/(3π) over that range). */
            double t = 1.5 * G_PI * (1 + 2 * gb_rng_uniform (rng));
            x = (float) ((t * cos (t) - 2.0) / 6.0 + 0.05 * gb_rng_normal (rng));
            y = (float) ((t * sin (t) - 2.0 / (3 * G_PI)) / 6.0 + 0.05 * gb_rng_normal (rng));
            break;
          }
        case GB_TOY_MOONS:
          {
            double a = G_PI * gb_rng_uniform (rng);
            gboolean lower = gb_rng_uniform (rng) < 0.5f;
            double px = lower ? 1 - cos (a) : cos (a), py = lower ? 0.5 - sin (a) : sin (a);
            x = (float) ((px - 0.5) * 1.2 + 0.06 * gb_rng_normal (rng));
            y = (float) ((py - 0.25) * 1.2 + 0.06 * gb_rng_normal (rng));
            break;
          }
        case GB_TOY_8_GAUSSIANS:
          {
            int k = (int) gb_rng_below (rng, 8);
            double a = k * G_PI / 4;
            x = (float) (1.5 * cos (a) + 0.1 * gb_rng_normal (rng));
            y = (float) (1.5 * sin (a) + 0.1 * gb_rng_normal (rng));
            break;
          }
        case GB_TOY_CHECKERBOARD:
          {
            /* Eight squares of a 4×4 board of side 0.8, the dark ones. */
            int cx = (int) gb_rng_below (rng, 4), cy = (int) gb_rng_below (rng, 2) * 2 + (cx % 2);
            x = (float) ((cx + gb_rng_uniform (rng)) * 0.8 - 1.6);
            y = (float) ((cy + gb_rng_uniform (rng)) * 0.8 - 1.6);
            break;
          }
        case GB_TOY_RINGS:
          {
            static const double radii[] = { 0.5, 1.1, 1.7 };
            double r = radii[gb_rng_below (rng, 3)], a = 2 * G_PI * gb_rng_uniform (rng);
            x = (float) (r * cos (a) + 0.04 * gb_rng_normal (rng));
            y = (float) (r * sin (a) + 0.04 * gb_rng_normal (rng));
            break;
          }
        case GB_TOY_PAINTED:
          {
            int k = (int) gb_rng_below (rng, (guint32) n_painted);
            x = painted[2 * k] + jitter * gb_rng_normal (rng);
            y = painted[2 * k + 1] + jitter * gb_rng_normal (rng);
            break;
          }
        default:
          g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("unknown distribution %d"), (int) kind);
          return FALSE;
        }
      xy[2 * i] = x;
      xy[2 * i + 1] = y;
    }
  return TRUE;
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : x > y;
}

double
gb_sliced_wasserstein (const float *a, const float *b, int n, int projections, GbRng *rng)
{
  g_autofree float *pa = g_new (float, MAX (n, 1)), *pb = g_new (float, MAX (n, 1));
  double total = 0.0;
  for (int k = 0; k < projections; k++)
    {
      double th = 2 * G_PI * gb_rng_uniform (rng);
      float c = (float) cos (th), s = (float) sin (th);
      for (int i = 0; i < n; i++)
        {
          pa[i] = c * a[2 * i] + s * a[2 * i + 1];
          pb[i] = c * b[2 * i] + s * b[2 * i + 1];
        }
      qsort (pa, n, sizeof (float), cmp_float);
      qsort (pb, n, sizeof (float), cmp_float);
      double d = 0.0;
      for (int i = 0; i < n; i++)
        d += fabs (pa[i] - pb[i]);
      total += d / MAX (n, 1);
    }
  return total / MAX (projections, 1);
}
