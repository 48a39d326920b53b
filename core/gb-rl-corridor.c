/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-corridor.c — the short corridor and REINFORCE on it (see the header). */
#include "gb-rl-corridor.h"
#include <glib/gi18n.h>

#include <math.h>

#include "gb-error.h"

#define GOAL 3

double
gb_corridor_value (double p)
{
  return (2.0 * p - 4.0) / (p * (1.0 - p));
}

double
gb_corridor_best_value (void)
{
  return gb_corridor_value (GB_CORRIDOR_BEST_P);
}

void
gb_corridor_config_init (GbCorridorConfig *c, gboolean baseline)
{
  *c = (GbCorridorConfig) { .alpha = baseline ? ldexp (1, -9) : ldexp (1, -13), .alpha_w = baseline ? ldexp (1, -6) : 0.0,
                            .p0 = 0.05, .max_steps = 100000, .seed = 1 };
}

GbCorridorAgent *
gb_corridor_agent_new (const GbCorridorConfig *c, GError **error)
{
  if (!(c->alpha > 0.0 && c->alpha <= 1.0) || !(c->alpha_w <= 1.0) || isnan (c->alpha_w))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("step sizes %g and %g: α must be in (0, 1], α_w ≤ 1"),
                   c->alpha, c->alpha_w);
      return NULL;
    }
  if (!(c->p0 > 0.0 && c->p0 < 1.0) || c->max_steps < 1)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("the first policy's p %g must be in (0, 1) and episodes at least a step long"), c->p0);
      return NULL;
    }
  GbCorridorAgent *a = g_new0 (GbCorridorAgent, 1);
  a->config = *c;
  /* p = σ(θ₀ − θ₁): θ = (logit p0 / 2, −logit p0 / 2). */
  double l = log (c->p0 / (1.0 - c->p0));
  a->theta[0] = l / 2, a->theta[1] = -l / 2;
  gb_rng_init (&a->rng, c->seed);
  a->returns = g_array_new (FALSE, FALSE, sizeof (double));
  a->ps = g_array_new (FALSE, FALSE, sizeof (double));
  return a;
}

void
gb_corridor_agent_free (GbCorridorAgent *a)
{
  if (a == NULL)
    return;
  g_array_unref (a->returns);
  g_array_unref (a->ps);
  g_free (a);
}

double
gb_corridor_agent_p (const GbCorridorAgent *a)
{
  return 1.0 / (1.0 + exp (-(a->theta[0] - a->theta[1])));
}

/* Where action right (1) or left (0) takes state s. */
static int
move (int s, int right)
{
  if (s == 1)
    right = !right;   /* the switched state */
  return right ? s + 1 : MAX (s - 1, 0);
}

double
gb_corridor_agent_episode (GbCorridorAgent *a)
{
  const GbCorridorConfig *c = &a->config;
  double p = gb_corridor_agent_p (a);
  g_autoptr (GArray) acts = g_array_new (FALSE, FALSE, sizeof (guint8));
  int s = 0;
  while (s != GOAL && (int) acts->len < c->max_steps)
    {
      guint8 right = gb_rng_uniform (&a->rng) < p;
      g_array_append_val (acts, right);
      s = move (s, right);
    }
  int T = (int) acts->len;
  /* Then the book's updates, a step at a time from the start (γ = 1, −1 a
   * step: G_t = −(T − t)): δ = G_t − w (or G_t alone), w += α_w δ, and
   * θ += α δ ∇ln π(A_t | θ), where with the one-hot features
   * ∇ln π = (1 − p, −(1 − p)) for right and (−p, p) for left, at θ as it
   * stands. */
  for (int t = 0; t < T; t++)
    {
      double G = -(double) (T - t);
      double delta = c->alpha_w > 0.0 ? G - a->w : G;
      if (c->alpha_w > 0.0)
        a->w += c->alpha_w * delta;
      double pt = gb_corridor_agent_p (a);
      double g0 = g_array_index (acts, guint8, t) ? 1.0 - pt : -pt;
      a->theta[0] += c->alpha * delta * g0;
      a->theta[1] -= c->alpha * delta * g0;
    }
  double ret = -(double) T;
  g_array_append_val (a->returns, ret);
  double now = gb_corridor_agent_p (a);
  g_array_append_val (a->ps, now);
  a->episodes++;
  return ret;
}
