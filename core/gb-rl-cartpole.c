/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cartpole.c — Gymnasium's CartPole-v1 dynamics and REINFORCE. */
#include "gb-rl-cartpole.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-file.h"
#include "gb-keyfile.h"

#define GRAVITY 9.8
#define MASS_CART 1.0
#define MASS_POLE 0.1
#define TOTAL_MASS (MASS_CART + MASS_POLE)
#define HALF_LENGTH 0.5
#define POLE_MASS_LENGTH (MASS_POLE * HALF_LENGTH)
#define FORCE 10.0
#define TAU 0.02
#define THETA_LIMIT (12.0 * 2.0 * G_PI / 360.0)
#define X_LIMIT 2.4

GbCartState
gb_cartpole_dynamics (GbCartState s, double force)
{
  /* Barto, Sutton & Anderson (1983), as Gymnasium writes them (with the
   * correction of Florian, 2007, for the sign of the friction-free terms). */
  double c = cos (s.theta), sn = sin (s.theta);
  double temp = (force + POLE_MASS_LENGTH * s.theta_dot * s.theta_dot * sn) / TOTAL_MASS;
  double theta_acc = (GRAVITY * sn - c * temp)
                     / (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * c * c / TOTAL_MASS));
  double x_acc = temp - POLE_MASS_LENGTH * theta_acc * c / TOTAL_MASS;
  /* Explicit Euler: positions move with the old velocities. */
  GbCartState n;
  n.x = s.x + TAU * s.x_dot;
  n.x_dot = s.x_dot + TAU * x_acc;
  n.theta = s.theta + TAU * s.theta_dot;
  n.theta_dot = s.theta_dot + TAU * theta_acc;
  return n;
}

void
gb_cartpole_reset (GbCartPole *env, GbRng *rng)
{
  /* Each variable uniform in [−0.05, 0.05]. */
  env->s.x = 0.1 * gb_rng_uniform (rng) - 0.05;
  env->s.x_dot = 0.1 * gb_rng_uniform (rng) - 0.05;
  env->s.theta = 0.1 * gb_rng_uniform (rng) - 0.05;
  env->s.theta_dot = 0.1 * gb_rng_uniform (rng) - 0.05;
  env->steps = 0;
  env->terminated = FALSE;
  env->truncated = FALSE;
}

double
gb_cartpole_step (GbCartPole *env, int action)
{
  g_return_val_if_fail (!env->terminated && !env->truncated, 0.0);
  env->s = gb_cartpole_dynamics (env->s, action == 1 ? FORCE : -FORCE);
  env->steps++;
  env->terminated = env->s.x < -X_LIMIT || env->s.x > X_LIMIT || env->s.theta < -THETA_LIMIT
                    || env->s.theta > THETA_LIMIT;
  env->truncated = !env->terminated && env->steps >= GB_CARTPOLE_MAX_STEPS;
  return 1.0;
}

/* --- REINFORCE --- */

void
gb_reinforce_config_init (GbReinforceConfig *c)
{
  c->lr = 0.05;
  c->gamma = 0.99;
  c->seed = 1;
}

GbReinforce *
gb_reinforce_new (const GbReinforceConfig *config, GError **error)
{
  if (!(config->lr > 0.0 && config->lr <= 1.0) || !(config->gamma >= 0.0 && config->gamma <= 1.0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("learning rate %g or γ %g is outside (0, 1] and [0, 1]"), config->lr, config->gamma);
      return NULL;
    }
  GbReinforce *agent = g_new0 (GbReinforce, 1);
  agent->config = *config;
  gb_rng_init (&agent->rng, config->seed);
  agent->returns = g_array_new (FALSE, FALSE, sizeof (double));
  return agent;
}

void
gb_reinforce_free (GbReinforce *agent)
{
  if (agent == NULL)
    return;
  g_array_unref (agent->returns);
  g_free (agent);
}

#define CART_GROUP "glassbox-cartpole"

gboolean
gb_reinforce_save (const GbReinforce *agent, const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_key_file_set_integer (kf, CART_GROUP, "version", 1);
  g_key_file_set_string (kf, CART_GROUP, "policy", "linear-softmax");
  g_key_file_set_double (kf, CART_GROUP, "lr", agent->config.lr);
  g_key_file_set_double (kf, CART_GROUP, "gamma", agent->config.gamma);
  g_key_file_set_uint64 (kf, CART_GROUP, "seed", agent->config.seed);
  g_key_file_set_integer (kf, CART_GROUP, "episodes", agent->episodes);
  g_key_file_set_integer (kf, CART_GROUP, "adam-steps", agent->t);
  g_key_file_set_double_list (kf, CART_GROUP, "w", (double *) agent->w, GB_CARTPOLE_FEATURES);
  g_key_file_set_double_list (kf, CART_GROUP, "m", (double *) agent->m, GB_CARTPOLE_FEATURES);
  g_key_file_set_double_list (kf, CART_GROUP, "v", (double *) agent->v, GB_CARTPOLE_FEATURES);
  if (agent->returns->len > 0)
    g_key_file_set_double_list (kf, CART_GROUP, "returns", (double *) agent->returns->data, agent->returns->len);
  gsize len = 0;
  g_autofree char *text = g_key_file_to_data (kf, &len, NULL);
  return gb_file_save (path, text, len, error);
}

static gboolean
read_vector (GKeyFile *kf, const char *key, double *out, const char *name, GError **error)
{
  gsize n = 0;
  g_autofree double *v = gb_key_file_get_numbers (kf, CART_GROUP, key, &n, name, error);
  if (v == NULL)
    return FALSE;
  if (n != GB_CARTPOLE_FEATURES)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: “%s” must hold %d numbers"), name, key, GB_CARTPOLE_FEATURES);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      {
        g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: “%s” holds a value that is not finite"), name, key);
        return FALSE;
      }
  memcpy (out, v, n * sizeof (double));
  return TRUE;
}

GbReinforce *
gb_reinforce_load (const char *path, GError **error)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a cart-pole policy (%s)"), name, local->message);
      return NULL;
    }
  if (!g_key_file_has_group (kf, CART_GROUP) || g_key_file_get_integer (kf, CART_GROUP, "version", NULL) != 1)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a Glassbox cart-pole policy (version 1)"), name);
      return NULL;
    }
  GbReinforceConfig c;
  gb_reinforce_config_init (&c);
  c.lr = g_key_file_get_double (kf, CART_GROUP, "lr", NULL);
  c.gamma = g_key_file_get_double (kf, CART_GROUP, "gamma", NULL);
  c.seed = g_key_file_get_uint64 (kf, CART_GROUP, "seed", NULL);
  GbReinforce *agent = gb_reinforce_new (&c, &local);
  if (agent == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: %s", name, local->message);
      return NULL;
    }
  agent->episodes = MAX (0, g_key_file_get_integer (kf, CART_GROUP, "episodes", NULL));
  agent->t = MAX (0, g_key_file_get_integer (kf, CART_GROUP, "adam-steps", NULL));
  if (!read_vector (kf, "w", agent->w, name, error) || !read_vector (kf, "m", agent->m, name, error)
      || !read_vector (kf, "v", agent->v, name, error))
    {
      gb_reinforce_free (agent);
      return NULL;
    }
  gsize n = 0;
  /* The returns are only a record for the plot: a missing or unreadable list is an empty one. */
  g_autofree double *ret = NULL;
  if (g_key_file_has_key (kf, CART_GROUP, "returns", NULL))
    ret = gb_key_file_get_numbers (kf, CART_GROUP, "returns", &n, name, NULL);
  if (ret != NULL)
    g_array_append_vals (agent->returns, ret, n);
  /* The generator goes on from a seed of its own, so a loaded agent does not replay the draws it made. */
  gb_rng_init (&agent->rng, c.seed + (guint64) agent->episodes);
  return agent;
}

static void
features (const GbCartState *s, double *phi)
{
  phi[0] = s->x / X_LIMIT;
  phi[1] = s->x_dot / 2.0;
  phi[2] = s->theta / THETA_LIMIT;
  phi[3] = s->theta_dot / 2.0;
  phi[4] = 1.0;
}

double
gb_reinforce_p_right (const GbReinforce *agent, const GbCartState *s)
{
  double phi[GB_CARTPOLE_FEATURES], z = 0.0;
  features (s, phi);
  for (int k = 0; k < GB_CARTPOLE_FEATURES; k++)
    z += agent->w[k] * phi[k];
  return z >= 0 ? 1.0 / (1.0 + exp (-z)) : exp (z) / (1.0 + exp (z));
}

GbCartEpisode *
gb_cart_episode_new (void)
{
  GbCartEpisode *ep = g_new0 (GbCartEpisode, 1);
  ep->states = g_array_new (FALSE, FALSE, sizeof (GbCartState));
  ep->actions = g_array_new (FALSE, FALSE, sizeof (int));
  ep->p_right = g_array_new (FALSE, FALSE, sizeof (double));
  ep->G = g_array_new (FALSE, FALSE, sizeof (double));
  ep->V = g_array_new (FALSE, FALSE, sizeof (double));
  return ep;
}

void
gb_cart_episode_free (GbCartEpisode *ep)
{
  if (ep == NULL)
    return;
  g_array_unref (ep->states);
  g_array_unref (ep->actions);
  g_array_unref (ep->p_right);
  g_array_unref (ep->G);
  g_array_unref (ep->V);
  g_free (ep);
}

double
gb_returns_mean_last (const GArray *returns, int k)
{
  int n = (int) returns->len, m = MIN (k, n);
  double s = 0.0;
  for (int i = n - m; i < n; i++)
    s += g_array_index (returns, double, i);
  return m > 0 ? s / m : 0.0;
}

void
gb_cart_episode_clear (GbCartEpisode *ep)
{
  g_array_set_size (ep->states, 0);
  g_array_set_size (ep->actions, 0);
  g_array_set_size (ep->p_right, 0);
  g_array_set_size (ep->G, 0);
  g_array_set_size (ep->V, 0);
}

int
gb_reinforce_episode (GbReinforce *agent, GbCartEpisode *ep)
{
  g_autoptr (GbCartEpisode) own = ep ? NULL : gb_cart_episode_new ();
  if (ep == NULL)
    ep = own;
  gb_cart_episode_clear (ep);
  GbCartPole env;
  gb_cartpole_reset (&env, &agent->rng);
  while (!env.terminated && !env.truncated)
    {
      double p = gb_reinforce_p_right (agent, &env.s);
      int a = gb_rng_uniform (&agent->rng) < p ? 1 : 0;
      g_array_append_val (ep->states, env.s);
      g_array_append_val (ep->actions, a);
      g_array_append_val (ep->p_right, p);
      gb_cartpole_step (&env, a);
    }
  int T = (int) ep->states->len;
  g_array_set_size (ep->G, T);
  double *G = (double *) ep->G->data;
  double g = 0.0;
  for (int t = T - 1; t >= 0; t--)
    G[t] = g = 1.0 + agent->config.gamma * g;

  /* The baseline: each episode's returns standardised (mean 0, sd 1). */
  double mean = 0.0, var = 0.0;
  for (int t = 0; t < T; t++)
    mean += G[t] / T;
  for (int t = 0; t < T; t++)
    var += (G[t] - mean) * (G[t] - mean) / T;
  double sd = sqrt (var) + 1e-8;

  /* ∇ log π(a|s) = (a − π(right|s)) φ(s); gradient ascent with Adam on the mean. */
  double grad[GB_CARTPOLE_FEATURES] = { 0 };
  for (int t = 0; t < T; t++)
    {
      double phi[GB_CARTPOLE_FEATURES];
      const GbCartState *s = &g_array_index (ep->states, GbCartState, t);
      features (s, phi);
      double adv = (G[t] - mean) / sd;
      double coef = (g_array_index (ep->actions, int, t) - g_array_index (ep->p_right, double, t)) * adv / T;
      for (int k = 0; k < GB_CARTPOLE_FEATURES; k++)
        grad[k] += coef * phi[k];
    }
  agent->t++;
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  for (int k = 0; k < GB_CARTPOLE_FEATURES; k++)
    {
      agent->m[k] = b1 * agent->m[k] + (1 - b1) * grad[k];
      agent->v[k] = b2 * agent->v[k] + (1 - b2) * grad[k] * grad[k];
      double mh = agent->m[k] / (1 - pow (b1, agent->t)), vh = agent->v[k] / (1 - pow (b2, agent->t));
      agent->w[k] += agent->config.lr * mh / (sqrt (vh) + eps);
    }
  agent->episodes++;
  double ret = T;
  g_array_append_val (agent->returns, ret);
  return T;
}
