/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-pg.c — policy gradients with neural networks on cart-pole (see the header). */
#include "gb-rl-pg.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-safetensors.h"

#define D 4
#define ROWS (GB_CARTPOLE_MAX_STEPS + 1)

static const char *const algo_names[] = { "reinforce-mlp", "reinforce-baseline", "actor-critic" };

const char *
gb_pg_algo_name (GbPgAlgo algo)
{
  return algo_names[CLAMP ((int) algo, 0, 2)];
}

gboolean
gb_pg_algo_parse (const char *name, GbPgAlgo *algo)
{
  for (int i = 0; i < 3; i++)
    if (g_strcmp0 (name, algo_names[i]) == 0)
      return *algo = (GbPgAlgo) i, TRUE;
  return FALSE;
}

void
gb_pg_config_init (GbPgConfig *c, GbPgAlgo algo)
{
  *c = (GbPgConfig) { .algo = algo, .hidden = 64, .lr = 2e-3, .lr_value = 1e-2, .gamma = 0.99, .update_every = 8,
                      .seed = 1 };
}

gboolean
gb_pg_config_check (const GbPgConfig *c, GError **error)
{
  char *bad = NULL;
  if ((int) c->algo < 0 || c->algo > GB_PG_ACTOR_CRITIC)
    bad = g_strdup (_("unknown policy-gradient algorithm"));
  else if (c->hidden < 1 || c->hidden > 4096)
    bad = g_strdup_printf (_("hidden width %d is outside 1…4096"), c->hidden);
  else if (!(c->lr > 0.0 && c->lr <= 1.0) || !(c->lr_value > 0.0 && c->lr_value <= 1.0))
    bad = g_strdup_printf (_("step sizes %g and %g must be in (0, 1]"), c->lr, c->lr_value);
  else if (!(c->gamma >= 0.0 && c->gamma <= 1.0))
    bad = g_strdup_printf (_("γ %g is outside [0, 1]"), c->gamma);
  else if (c->update_every < 1 || c->update_every > GB_CARTPOLE_MAX_STEPS)
    bad = g_strdup_printf (_("updating every %d steps is outside 1…%d"), c->update_every, GB_CARTPOLE_MAX_STEPS);
  if (bad == NULL)
    return TRUE;
  g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, bad);
  g_free (bad);
  return FALSE;
}

/* Allocates what the networks' shapes (already set in pg) need. */
static void
allocate (GbPolicyGradient *pg)
{
  gsize np = pg->pi.n_params, nv = pg->vf.n_params;
  pg->theta = g_new0 (float, np), pg->g_theta = g_new0 (float, np);
  pg->m_theta = g_new0 (float, np), pg->v_theta = g_new0 (float, np);
  pg->w = g_new0 (float, MAX (nv, 1)), pg->g_w = g_new0 (float, MAX (nv, 1));
  pg->m_w = g_new0 (float, MAX (nv, 1)), pg->v_w = g_new0 (float, MAX (nv, 1));
  pg->work_pi = gb_mlp_work_new (&pg->pi, ROWS);
  pg->work_vf = pg->vf.n_layers > 0 ? gb_mlp_work_new (&pg->vf, ROWS) : NULL;
  pg->obs = g_new0 (float, (gsize) ROWS * D);
  pg->dout = g_new0 (float, (gsize) ROWS * 2);
  pg->psi = g_new0 (float, ROWS), pg->target = g_new0 (float, ROWS);
  pg->act = g_new0 (int, ROWS);
  pg->returns = g_array_new (FALSE, FALSE, sizeof (double));
}

static GbPolicyGradient *
create (const GbPgConfig *config, const GbMlp *pi, const GbMlp *vf)
{
  GbPolicyGradient *pg = g_new0 (GbPolicyGradient, 1);
  pg->config = *config;
  pg->pi = *pi;
  pg->vf = *vf;
  allocate (pg);
  gb_rng_init (&pg->rng, config->seed);
  gb_mlp_init_params (&pg->pi, pg->theta, &pg->rng);
  if (pg->vf.n_layers > 0)
    gb_mlp_init_params (&pg->vf, pg->w, &pg->rng);
  gb_cartpole_reset (&pg->env, &pg->rng);
  return pg;
}

GbPolicyGradient *
gb_pg_new (const GbPgConfig *config, GError **error)
{
  if (!gb_pg_config_check (config, error))
    return NULL;
  GbMlp pi, vf = { 0 };
  gb_mlp_init (&pi, D, config->hidden, 1, 2, GB_ACT_RELU);
  if (config->algo != GB_PG_REINFORCE)
    gb_mlp_init (&vf, D, config->hidden, 1, 1, GB_ACT_RELU);
  return create (config, &pi, &vf);
}

void
gb_pg_free (GbPolicyGradient *pg)
{
  if (pg == NULL)
    return;
  float *bufs[] = { pg->theta, pg->g_theta, pg->m_theta, pg->v_theta, pg->w, pg->g_w, pg->m_w, pg->v_w,
                    pg->obs, pg->dout, pg->psi, pg->target };
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    g_free (bufs[i]);
  g_free (pg->act);
  gb_mlp_work_free (pg->work_pi);
  gb_mlp_work_free (pg->work_vf);
  if (pg->returns != NULL)
    g_array_unref (pg->returns);
  g_free (pg);
}

GbPolicyGradient *
gb_pg_copy (const GbPolicyGradient *pg)
{
  GbPolicyGradient *c = create (&pg->config, &pg->pi, &pg->vf);
  memcpy (c->theta, pg->theta, pg->pi.n_params * sizeof (float));
  if (pg->vf.n_layers > 0)
    memcpy (c->w, pg->w, pg->vf.n_params * sizeof (float));
  return c;
}

gboolean
gb_pg_has_critic (const GbPolicyGradient *pg)
{
  return pg->vf.n_layers > 0;
}

static void
observe (const GbCartState *s, float *o)
{
  o[0] = (float) s->x, o[1] = (float) s->x_dot, o[2] = (float) s->theta, o[3] = (float) s->theta_dot;
}

static double
p_right_of (const float *logits)
{
  return 1.0 / (1.0 + exp ((double) logits[0] - logits[1]));
}

double
gb_pg_p_right (const GbPolicyGradient *pg, const GbCartState *s)
{
  float o[D];
  observe (s, o);
  g_autoptr (GbMlpWork) w = gb_mlp_work_new (&pg->pi, 1);
  return p_right_of (gb_mlp_forward (&pg->pi, pg->theta, o, 1, w));
}

double
gb_pg_value (const GbPolicyGradient *pg, const GbCartState *s)
{
  if (!gb_pg_has_critic (pg))
    return 0.0;
  float o[D];
  observe (s, o);
  g_autoptr (GbMlpWork) w = gb_mlp_work_new (&pg->vf, 1);
  return gb_mlp_forward (&pg->vf, pg->w, o, 1, w)[0];
}

/* --- losses --- */

/* The policy loss, with the work space given (its rows ≥ n) and dout (n, 2) as scratch. */
static double
policy_loss (const GbPolicyGradient *pg, GbMlpWork *work, float *dout, const float *theta, const float *obs,
             const int *act, const float *psi, int n, float *grad)
{
  const float *z = gb_mlp_forward (&pg->pi, theta, obs, n, work);
  double loss = 0.0;
  for (int t = 0; t < n; t++)
    {
      /* log π(a) = z_a − logsumexp (z); ∂(−Ψ log π (a))/∂z = Ψ (π − e_a). */
      double z0 = z[2 * t], z1 = z[2 * t + 1], top = MAX (z0, z1);
      double lse = top + log (exp (z0 - top) + exp (z1 - top));
      double pr = exp (z1 - lse);
      loss -= psi[t] * ((act[t] ? z1 : z0) - lse) / n;
      dout[2 * t] = (float) (psi[t] * ((1.0 - pr) - (act[t] == 0)) / n);
      dout[2 * t + 1] = (float) (psi[t] * (pr - (act[t] == 1)) / n);
    }
  if (grad != NULL)
    gb_mlp_backward (&pg->pi, theta, obs, n, work, dout, grad, FALSE);
  return loss;
}

double
gb_pg_policy_loss (const GbPolicyGradient *pg, const float *theta, const float *obs, const int *act,
                   const float *psi, int n, float *grad)
{
  g_autoptr (GbMlpWork) w = gb_mlp_work_new (&pg->pi, n);
  g_autofree float *dout = g_new (float, (gsize) MAX (n, 1) * 2);
  return policy_loss (pg, w, dout, theta, obs, act, psi, n, grad);
}

static double
value_loss (const GbPolicyGradient *pg, GbMlpWork *work, float *dout, const float *w, const float *obs,
            const float *target, int n, float *grad)
{
  const float *v = gb_mlp_forward (&pg->vf, w, obs, n, work);
  double loss = 0.0;
  for (int t = 0; t < n; t++)
    {
      double e = v[t] - target[t];
      loss += 0.5 * e * e / n;
      dout[t] = (float) (e / n);
    }
  if (grad != NULL)
    gb_mlp_backward (&pg->vf, w, obs, n, work, dout, grad, FALSE);
  return loss;
}

double
gb_pg_value_loss (const GbPolicyGradient *pg, const float *w, const float *obs, const float *target, int n,
                  float *grad)
{
  g_return_val_if_fail (gb_pg_has_critic (pg), 0.0);
  g_autoptr (GbMlpWork) work = gb_mlp_work_new (&pg->vf, n);
  g_autofree float *dout = g_new (float, MAX (n, 1));
  return value_loss (pg, work, dout, w, obs, target, n, grad);
}

void
gb_pg_td (const GbPolicyGradient *pg, const float *obs, int n, gboolean terminated, float *delta, float *target)
{
  g_autoptr (GbMlpWork) work = gb_mlp_work_new (&pg->vf, n + 1);
  const float *v = gb_mlp_forward (&pg->vf, pg->w, obs, n + 1, work);
  for (int t = 0; t < n; t++)
    {
      gboolean last = t == n - 1 && terminated;
      target[t] = (float) (1.0 + (last ? 0.0 : pg->config.gamma * v[t + 1]));
      delta[t] = target[t] - v[t];
    }
}

/* --- learning --- */

static void
adam (float *p, const float *g, float *m, float *v, gsize n, int *t, double lr)
{
  GbAdam a = GB_ADAM_DEFAULTS;
  a.lr = (float) lr;
  gb_adam_step (&a, p, g, m, v, n, ++*t);
}

/* One update on the T steps held (obs[0…T], act), Ψ in pg->psi and the critic's targets in pg->target. */
static void
update (GbPolicyGradient *pg, int T)
{
  policy_loss (pg, pg->work_pi, pg->dout, pg->theta, pg->obs, pg->act, pg->psi, T, pg->g_theta);
  adam (pg->theta, pg->g_theta, pg->m_theta, pg->v_theta, pg->pi.n_params, &pg->t_theta, pg->config.lr);
  if (gb_pg_has_critic (pg))
    {
      pg->last_value_loss = value_loss (pg, pg->work_vf, pg->dout, pg->w, pg->obs, pg->target, T, pg->g_w);
      adam (pg->w, pg->g_w, pg->m_w, pg->v_w, pg->vf.n_params, &pg->t_w, pg->config.lr_value);
    }
}

/* The returns G_t of the T steps held (all rewards 1, nothing after). */
static void
returns_to_go (double gamma, int T, float *G)
{
  double g = 0.0;
  for (int t = T - 1; t >= 0; t--)
    G[t] = (float) (g = 1.0 + gamma * g);
}

int
gb_pg_episode (GbPolicyGradient *pg, GbCartEpisode *ep)
{
  const GbPgConfig *c = &pg->config;
  gboolean ac = c->algo == GB_PG_ACTOR_CRITIC;
  if (ep != NULL)
    gb_cart_episode_clear (ep);
  gb_cartpole_reset (&pg->env, &pg->rng);
  GArray *states = g_array_new (FALSE, FALSE, sizeof (GbCartState));
  int T = 0, length = 0;
  while (!pg->env.terminated && !pg->env.truncated)
    {
      observe (&pg->env.s, pg->obs + (gsize) T * D);
      const float *z = gb_mlp_forward (&pg->pi, pg->theta, pg->obs + (gsize) T * D, 1, pg->work_pi);
      double p = p_right_of (z);
      int a = gb_rng_uniform (&pg->rng) < p ? 1 : 0;
      g_array_append_val (states, pg->env.s);
      if (ep != NULL)
        {
          g_array_append_val (ep->states, pg->env.s);
          g_array_append_val (ep->actions, a);
          g_array_append_val (ep->p_right, p);
        }
      pg->act[T++] = a;
      gb_cartpole_step (&pg->env, a);
      pg->steps++, length++;
      gboolean over = pg->env.terminated || pg->env.truncated;
      if (ac && (T == c->update_every || over))
        {
          observe (&pg->env.s, pg->obs + (gsize) T * D);
          gb_pg_td (pg, pg->obs, T, pg->env.terminated, pg->psi, pg->target);
          update (pg, T);
          /* The next batch starts where this one ended. */
          memcpy (pg->obs, pg->obs + (gsize) T * D, D * sizeof (float));
          T = 0;
        }
    }
  pg->episodes++;
  double ret = length;
  g_array_append_val (pg->returns, ret);
  if (!ac)
    {
      returns_to_go (c->gamma, T, pg->target);
      for (int t = 0; t < T; t++)
        pg->psi[t] = pg->target[t];
      if (gb_pg_has_critic (pg))
        {
          const float *v = gb_mlp_forward (&pg->vf, pg->w, pg->obs, T, pg->work_vf);
          for (int t = 0; t < T; t++)
            pg->psi[t] -= v[t];
        }
      update (pg, T);
    }
  if (ep != NULL)
    {
      g_autofree float *G = g_new (float, length);
      returns_to_go (c->gamma, length, G);
      for (int t = 0; t < length; t++)
        {
          double g = G[t];
          g_array_append_val (ep->G, g);
          if (gb_pg_has_critic (pg))
            {
              double v = gb_pg_value (pg, &g_array_index (states, GbCartState, t));
              g_array_append_val (ep->V, v);
            }
        }
    }
  g_array_unref (states);
  return length;
}

double
gb_pg_mean_return (const GbPolicyGradient *pg, int k)
{
  return gb_returns_mean_last (pg->returns, k);
}

/* --- the variance a baseline removes --- */

void
gb_pg_spread_free (GbPgSpread *s)
{
  if (s == NULL)
    return;
  g_free (s->plain), g_free (s->based), g_free (s->proj_plain), g_free (s->proj_based);
  g_free (s);
}

/* ḡ of n rows of dim, and mean ‖g − ḡ‖². */
static double
spread_of (const float *g, int n, gsize dim, double *mean)
{
  memset (mean, 0, dim * sizeof (double));
  for (int i = 0; i < n; i++)
    for (gsize k = 0; k < dim; k++)
      mean[k] += g[(gsize) i * dim + k] / (double) n;
  double var = 0.0;
  for (int i = 0; i < n; i++)
    for (gsize k = 0; k < dim; k++)
      {
        double e = g[(gsize) i * dim + k] - mean[k];
        var += e * e / n;
      }
  return var;
}

GbPgSpread *
gb_pg_spread (const GbPolicyGradient *pg, int n, guint64 seed)
{
  g_return_val_if_fail (n >= 2, NULL);
  gsize dim = pg->pi.n_params;
  GbPgSpread *s = g_new0 (GbPgSpread, 1);
  s->n = n, s->dim = dim;
  s->plain = g_new (float, n * dim), s->based = g_new (float, n * dim);
  s->proj_plain = g_new (double, n), s->proj_based = g_new (double, n);
  /* Play the n episodes first: without a critic, the baseline is their mean return-to-go. */
  g_autofree float *obs = g_new (float, (gsize) n * ROWS * D), *G = g_new (float, (gsize) n * ROWS);
  g_autofree int *act = g_new (int, (gsize) n * ROWS), *len = g_new (int, n);
  g_autoptr (GbMlpWork) work = gb_mlp_work_new (&pg->pi, ROWS);
  GbRng rng;
  gb_rng_init (&rng, seed);
  double g_sum = 0.0;
  for (int i = 0; i < n; i++)
    {
      GbCartPole env;
      gb_cartpole_reset (&env, &rng);
      int T = 0;
      float *o = obs + (gsize) i * ROWS * D;
      while (!env.terminated && !env.truncated)
        {
          observe (&env.s, o + (gsize) T * D);
          double p = p_right_of (gb_mlp_forward (&pg->pi, pg->theta, o + (gsize) T * D, 1, work));
          act[(gsize) i * ROWS + T] = gb_rng_uniform (&rng) < p ? 1 : 0;
          gb_cartpole_step (&env, act[(gsize) i * ROWS + T]);
          T++;
        }
      len[i] = T;
      returns_to_go (pg->config.gamma, T, G + (gsize) i * ROWS);
      for (int t = 0; t < T; t++)
        g_sum += G[(gsize) i * ROWS + t];
      s->steps += T;
    }
  double b = g_sum / MAX (s->steps, 1);
  g_autofree float *psi = g_new (float, ROWS), *dout = g_new (float, (gsize) ROWS * 2);
  g_autoptr (GbMlpWork) vwork = gb_pg_has_critic (pg) ? gb_mlp_work_new (&pg->vf, ROWS) : NULL;
  for (int i = 0; i < n; i++)
    {
      int T = len[i];
      const float *o = obs + (gsize) i * ROWS * D, *Gi = G + (gsize) i * ROWS;
      const int *a = act + (gsize) i * ROWS;
      for (int pass = 0; pass < 2; pass++)
        {
          const float *v = pass == 1 && vwork != NULL ? gb_mlp_forward (&pg->vf, pg->w, o, T, vwork) : NULL;
          for (int t = 0; t < T; t++)
            psi[t] = Gi[t] - (pass == 0 ? 0.0f : v != NULL ? v[t] : (float) b);
          float *g = (pass == 0 ? s->plain : s->based) + (gsize) i * dim;
          /* The loss's gradient is −(1/T) Σ Ψ ∇ log π: g is −T times it. */
          policy_loss (pg, work, dout, pg->theta, o, a, psi, T, g);
          for (gsize k = 0; k < dim; k++)
            g[k] *= (float) -T;
        }
    }
  g_autofree double *mean = g_new (double, dim), *mean_b = g_new (double, dim);
  s->var_plain = spread_of (s->plain, n, dim, mean);
  s->var_based = spread_of (s->based, n, dim, mean_b);
  double norm = 0.0;
  for (gsize k = 0; k < dim; k++)
    norm += mean[k] * mean[k];
  s->norm_mean = norm = sqrt (norm);
  for (int i = 0; i < n; i++)
    {
      double pp = 0.0, pb = 0.0;
      for (gsize k = 0; k < dim; k++)
        {
          double u = norm > 0.0 ? mean[k] / norm : 0.0;
          pp += s->plain[(gsize) i * dim + k] * u;
          pb += s->based[(gsize) i * dim + k] * u;
        }
      s->proj_plain[i] = pp, s->proj_based[i] = pb;
    }
  return s;
}

/* --- files --- */

gboolean
gb_pg_save (const GbPolicyGradient *pg, const char *path, GError **error)
{
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  gb_mlp_write (&pg->pi, pg->theta, w, "");
  if (gb_pg_has_critic (pg))
    gb_mlp_write (&pg->vf, pg->w, w, "critic.");
  char buf[32];
  gb_safetensors_writer_set_metadata (w, "algo", gb_pg_algo_name (pg->config.algo));
  gb_safetensors_writer_set_metadata (w, "env", "CartPole-v1");
  g_snprintf (buf, sizeof buf, "%d", pg->episodes);
  gb_safetensors_writer_set_metadata (w, "episodes", buf);
  return gb_safetensors_writer_save (w, path, error);
}

GbPolicyGradient *
gb_pg_load (const char *path, const GbPgConfig *config, GError **error)
{
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, error);
  return st != NULL ? gb_pg_from_safetensors (st, config, error) : NULL;
}

GbPolicyGradient *
gb_pg_from_safetensors (const GbSafetensors *st, const GbPgConfig *config, GError **error)
{
  if (!gb_pg_config_check (config, error))
    return NULL;
  GbMlp pi, vf = { 0 };
  if (!gb_mlp_probe (&pi, st, "", GB_ACT_RELU, error))
    return NULL;
  if (pi.size[0] != D || pi.size[pi.n_layers] != 2)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: not a cart-pole policy: it maps %d inputs to %d outputs, "
                   "not 4 to 2"), gb_safetensors_get_name (st), pi.size[0], pi.size[pi.n_layers]);
      return NULL;
    }
  gboolean has_critic = gb_safetensors_has (st, "critic.0.weight");
  if (has_critic && !gb_mlp_probe (&vf, st, "critic.", GB_ACT_RELU, error))
    return NULL;
  if (has_critic && (vf.size[0] != D || vf.size[vf.n_layers] != 1))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: the critic maps %d inputs to %d outputs, not 4 to 1"),
                   gb_safetensors_get_name (st), vf.size[0], vf.size[vf.n_layers]);
      return NULL;
    }
  if (!has_critic && config->algo != GB_PG_REINFORCE)
    gb_mlp_init (&vf, D, config->hidden, 1, 1, GB_ACT_RELU);
  if (has_critic && config->algo == GB_PG_REINFORCE)
    vf = (GbMlp) { 0 };
  g_autoptr (GbPolicyGradient) pg = create (config, &pi, &vf);
  pg->config.hidden = pi.size[1];
  if (!gb_mlp_read (&pi, pg->theta, st, "", error)
      || (has_critic && gb_pg_has_critic (pg) && !gb_mlp_read (&vf, pg->w, st, "critic.", error)))
    return NULL;
  return g_steal_pointer (&pg);
}
