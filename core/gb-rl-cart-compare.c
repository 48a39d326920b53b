/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-compare.c — cart-pole's learners side by side (see the header). */
#include "gb-rl-cart-compare.h"
#include <glib/gi18n.h>

#include <math.h>

#include "gb-error.h"

#define TAIL 10

/* The curve of one run into v (bins). */
static gboolean
one_run (GbCartAlgo algo, guint64 seed, gint64 steps, int bins, double *v, GbCartCurveProgress progress,
         gpointer data, gint64 offset, gint64 total, GCancellable *cancel, GError **error)
{
  GbCartSettings s;
  gb_cart_settings_init (&s, algo);
  s.seed = seed;
  g_autoptr (GbCartAgent) a = gb_cart_agent_new (algo, &s, error);
  if (a == NULL)
    return FALSE;
  GArray *returns = gb_cart_agent_returns (a);
  g_autoptr (GArray) ends = g_array_new (FALSE, FALSE, sizeof (gint64));   /* each episode's last step */
  gint64 done = 0;
  while (done < steps)
    {
      if (g_cancellable_set_error_if_cancelled (cancel, error))
        return FALSE;
      if (a->dqn != NULL)
        {
          /* A few hundred steps at a time: a cancel waits for little. */
          if (!gb_dqn_episode_continue (a->dqn, NULL, 256))
            {
              done = a->dqn->steps;
              if (progress != NULL)
                progress (offset + done, total, data);
              continue;
            }
          done = a->dqn->steps;
        }
      else
        done += gb_cart_agent_episode (a, NULL);
      g_array_append_val (ends, done);
      if (progress != NULL)
        progress (offset + MIN (done, steps), total, data);
    }
  int e = 0, n = (int) ends->len;
  double w = (double) steps / bins;
  for (int b = 0; b < bins; b++)
    {
      while (e < n && g_array_index (ends, gint64, e) <= (b + 1) * w)
        e++;
      double sum = 0;
      int k = MIN (TAIL, e);
      for (int i = e - k; i < e; i++)
        sum += g_array_index (returns, double, i);
      v[b] = k > 0 ? sum / k : 0.0;
    }
  return TRUE;
}

gboolean
gb_cart_learning_curve (GbCartAlgo algo, int seeds, gint64 steps, int bins, double *mean, double *sd,
                        GbCartCurveProgress progress, gpointer data, GCancellable *cancel, GError **error)
{
  if (seeds < 1 || steps < 1 || bins < 1 || bins > steps)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("a comparison needs ≥ 1 seed and 1 ≤ bins ≤ steps"));
      return FALSE;
    }
  g_autofree double *runs = g_new (double, (gsize) seeds * bins);
  for (int s = 0; s < seeds; s++)
    if (!one_run (algo, (guint64) s + 1, steps, bins, runs + (gsize) s * bins, progress, data, s * steps,
                  seeds * steps, cancel, error))
      return FALSE;
  for (int b = 0; b < bins; b++)
    {
      double m = 0, q = 0;
      for (int s = 0; s < seeds; s++)
        m += runs[(gsize) s * bins + b] / seeds;
      for (int s = 0; s < seeds; s++)
        q += pow (runs[(gsize) s * bins + b] - m, 2) / MAX (seeds - 1, 1);
      mean[b] = m, sd[b] = sqrt (q);
    }
  return TRUE;
}
