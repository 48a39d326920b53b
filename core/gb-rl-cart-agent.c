/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-agent.c — every cart-pole learner behind one face (see the header). */
#include "gb-rl-cart-agent.h"
#include <glib/gi18n.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-error.h"
#include "gb-safetensors.h"

static const struct {
  const char *key, *title;
} algos[GB_CART_N_ALGOS] = {
  { "reinforce", "REINFORCE (linear softmax)" },
  { "reinforce-mlp", "REINFORCE (MLP policy)" },
  { "reinforce-baseline", "REINFORCE + learned baseline" },
  { "actor-critic", "Actor-critic (one-step)" },
  { "dqn", "DQN (replay, target network)" },
};

const char *
gb_cart_algo_key (GbCartAlgo algo)
{
  return algos[CLAMP ((int) algo, 0, GB_CART_N_ALGOS - 1)].key;
}

const char *
gb_cart_algo_title (GbCartAlgo algo)
{
  return algos[CLAMP ((int) algo, 0, GB_CART_N_ALGOS - 1)].title;
}

gboolean
gb_cart_algo_parse (const char *key, GbCartAlgo *algo)
{
  for (int i = 0; i < GB_CART_N_ALGOS; i++)
    if (g_strcmp0 (key, algos[i].key) == 0)
      return *algo = (GbCartAlgo) i, TRUE;
  return FALSE;
}

static GbPgAlgo
pg_algo (GbCartAlgo a)
{
  return a == GB_CART_BASELINE ? GB_PG_BASELINE : a == GB_CART_ACTOR_CRITIC ? GB_PG_ACTOR_CRITIC : GB_PG_REINFORCE;
}

void
gb_cart_settings_init (GbCartSettings *s, GbCartAlgo algo)
{
  GbDqnConfig d;
  gb_dqn_config_init (&d);
  GbPgConfig p;
  gb_pg_config_init (&p, pg_algo (algo));
  GbReinforceConfig r;
  gb_reinforce_config_init (&r);
  *s = (GbCartSettings) { .lr = p.lr, .lr_value = p.lr_value, .gamma = p.gamma, .hidden = p.hidden, .seed = 1,
                          .batch = d.batch, .buffer = d.buffer, .target_every = d.target_every, .tau = d.tau,
                          .eps_end = d.eps_end, .eps_steps = d.eps_steps, .huber = d.huber,
                          .double_dqn = d.double_dqn };
  if (algo == GB_CART_LINEAR)
    s->lr = r.lr, s->gamma = r.gamma;
  if (algo == GB_CART_DQN)
    s->lr = d.lr, s->gamma = d.gamma, s->hidden = d.hidden;
}

static void
to_dqn (const GbCartSettings *s, GbDqnConfig *d)
{
  d->lr = s->lr, d->gamma = s->gamma, d->hidden = s->hidden, d->seed = s->seed;
  d->batch = s->batch, d->buffer = s->buffer, d->target_every = s->target_every, d->tau = s->tau;
  d->eps_end = s->eps_end, d->eps_steps = s->eps_steps, d->huber = s->huber, d->double_dqn = s->double_dqn;
}

static void
to_pg (const GbCartSettings *s, GbPgConfig *p)
{
  p->lr = s->lr, p->lr_value = s->lr_value, p->gamma = s->gamma, p->hidden = s->hidden, p->seed = s->seed;
}

GbCartAgent *
gb_cart_agent_new (GbCartAlgo algo, const GbCartSettings *s, GError **error)
{
  g_autoptr (GbCartAgent) a = g_new0 (GbCartAgent, 1);
  a->algo = algo;
  if (algo == GB_CART_LINEAR)
    {
      GbReinforceConfig c;
      gb_reinforce_config_init (&c);
      c.lr = s->lr, c.gamma = s->gamma, c.seed = s->seed;
      a->linear = gb_reinforce_new (&c, error);
      return a->linear != NULL ? g_steal_pointer (&a) : NULL;
    }
  if (algo == GB_CART_DQN)
    {
      GbDqnConfig c;
      gb_dqn_config_init (&c);
      to_dqn (s, &c);
      a->dqn = gb_dqn_new (&c, error);
      return a->dqn != NULL ? g_steal_pointer (&a) : NULL;
    }
  GbPgConfig c;
  gb_pg_config_init (&c, pg_algo (algo));
  to_pg (s, &c);
  a->pg = gb_pg_new (&c, error);
  return a->pg != NULL ? g_steal_pointer (&a) : NULL;
}

void
gb_cart_agent_free (GbCartAgent *a)
{
  if (a == NULL)
    return;
  gb_reinforce_free (a->linear);
  gb_pg_free (a->pg);
  gb_dqn_free (a->dqn);
  g_free (a);
}

gboolean
gb_cart_agent_apply (GbCartAgent *a, const GbCartSettings *s, GError **error)
{
  if (a->linear != NULL)
    {
      if (!(s->lr > 0.0 && s->lr <= 1.0) || !(s->gamma >= 0.0 && s->gamma <= 1.0))
        {
          g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                       _("learning rate %g or γ %g is outside (0, 1] and [0, 1]"), s->lr, s->gamma);
          return FALSE;
        }
      a->linear->config.lr = s->lr, a->linear->config.gamma = s->gamma;
      return TRUE;
    }
  if (a->dqn != NULL)
    {
      GbDqnConfig c = a->dqn->config;
      to_dqn (s, &c);
      c.hidden = a->dqn->config.hidden, c.batch = a->dqn->config.batch, c.buffer = a->dqn->config.buffer;
      c.seed = a->dqn->config.seed;
      if (!gb_dqn_config_check (&c, error))
        return FALSE;
      a->dqn->config = c;
      return TRUE;
    }
  GbPgConfig c = a->pg->config;
  to_pg (s, &c);
  c.hidden = a->pg->config.hidden, c.seed = a->pg->config.seed;
  if (!gb_pg_config_check (&c, error))
    return FALSE;
  a->pg->config = c;
  return TRUE;
}

void
gb_cart_agent_settings (const GbCartAgent *a, GbCartSettings *s)
{
  gb_cart_settings_init (s, a->algo);
  if (a->linear != NULL)
    s->lr = a->linear->config.lr, s->gamma = a->linear->config.gamma, s->seed = a->linear->config.seed;
  else if (a->pg != NULL)
    {
      const GbPgConfig *c = &a->pg->config;
      s->lr = c->lr, s->lr_value = c->lr_value, s->gamma = c->gamma, s->hidden = c->hidden, s->seed = c->seed;
    }
  else
    {
      const GbDqnConfig *d = &a->dqn->config;
      s->lr = d->lr, s->gamma = d->gamma, s->hidden = d->hidden, s->seed = d->seed, s->batch = d->batch;
      s->buffer = d->buffer, s->target_every = d->target_every, s->tau = d->tau, s->eps_end = d->eps_end;
      s->eps_steps = d->eps_steps, s->huber = d->huber, s->double_dqn = d->double_dqn;
    }
}

int
gb_cart_agent_episode (GbCartAgent *a, GbCartEpisode *ep)
{
  if (a->linear != NULL)
    return gb_reinforce_episode (a->linear, ep);
  if (a->pg != NULL)
    return gb_pg_episode (a->pg, ep);
  return gb_dqn_episode (a->dqn, ep);
}

GArray *
gb_cart_agent_returns (const GbCartAgent *a)
{
  return a->linear != NULL ? a->linear->returns : a->pg != NULL ? a->pg->returns : a->dqn->returns;
}

gint64
gb_cart_agent_steps (const GbCartAgent *a)
{
  if (a->pg != NULL)
    return a->pg->steps;
  if (a->dqn != NULL)
    return a->dqn->steps;
  gint64 n = 0;
  for (guint i = 0; i < a->linear->returns->len; i++)
    n += (gint64) g_array_index (a->linear->returns, double, i);
  return n;
}

gboolean
gb_cart_agent_save (const GbCartAgent *a, const char *path, GError **error)
{
  if (a->linear != NULL)
    return gb_reinforce_save (a->linear, path, error);
  if (a->pg != NULL)
    return gb_pg_save (a->pg, path, error);
  return gb_dqn_save (a->dqn, path, error);
}

GbCartAgent *
gb_cart_agent_load (const char *path, GError **error)
{
  char buf[20] = { 0 };
  FILE *f = g_fopen (path, "rb");
  if (f == NULL)
    {
      int e = errno;
      g_autofree char *name = g_filename_display_basename (path);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), "%s: %s", name, g_strerror (e));
      return NULL;
    }
  gsize len = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  (void) len;
  if (g_str_has_prefix (buf, "[glassbox-cartpole]"))
    {
      g_autoptr (GbCartAgent) a = g_new0 (GbCartAgent, 1);
      a->algo = GB_CART_LINEAR;
      a->linear = gb_reinforce_load (path, error);
      return a->linear != NULL ? g_steal_pointer (&a) : NULL;
    }
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, error);
  return st != NULL ? gb_cart_agent_from_safetensors (st, GB_CART_N_ALGOS, error) : NULL;
}

GbCartAgent *
gb_cart_agent_from_safetensors (const GbSafetensors *st, GbCartAlgo as, GError **error)
{
  g_autoptr (GbCartAgent) a = g_new0 (GbCartAgent, 1);
  const char *key = gb_safetensors_get_metadata (st, "algo");
  if (key == NULL || !gb_cart_algo_parse (key, &a->algo) || a->algo == GB_CART_LINEAR)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   _("%s: say what the network is: metadata \"algo\" must be dqn (a Q-network), reinforce-mlp, "
                   "reinforce-baseline or actor-critic (a policy's logits), e.g. "
                   "save_file(state_dict, path, metadata={\"algo\": \"dqn\"})"), gb_safetensors_get_name (st));
      return NULL;
    }
  /* A policy may learn on as another policy gradient (a critic starts fresh where the file has none). */
  if (as != GB_CART_N_ALGOS && as != GB_CART_LINEAR && (as == GB_CART_DQN) == (a->algo == GB_CART_DQN))
    a->algo = as;
  GbCartSettings s;
  gb_cart_settings_init (&s, a->algo);
  if (a->algo == GB_CART_DQN)
    {
      GbDqnConfig c;
      gb_dqn_config_init (&c);
      to_dqn (&s, &c);
      a->dqn = gb_dqn_from_safetensors (st, &c, error);
      return a->dqn != NULL ? g_steal_pointer (&a) : NULL;
    }
  GbPgConfig c;
  gb_pg_config_init (&c, pg_algo (a->algo));
  a->pg = gb_pg_from_safetensors (st, &c, error);
  return a->pg != NULL ? g_steal_pointer (&a) : NULL;
}

/* --- a copy that acts --- */

GbCartPolicy *
gb_cart_policy_new (void)
{
  return g_new0 (GbCartPolicy, 1);
}

void
gb_cart_policy_free (GbCartPolicy *p)
{
  if (p == NULL)
    return;
  g_free (p->params), g_free (p->target), g_free (p->w);
  gb_mlp_work_free (p->work);
  gb_mlp_work_free (p->work_critic);
  g_free (p);
}

static void
copy_block (float **to, gsize *cap, const float *from, gsize n)
{
  if (*cap < n)
    {
      g_free (*to);
      *to = g_new (float, n);
      *cap = n;
    }
  memcpy (*to, from, n * sizeof (float));
}

void
gb_cart_policy_update (GbCartPolicy *p, const GbCartAgent *a)
{
  gboolean changed = p->algo != a->algo;
  p->algo = a->algo;
  if (a->linear != NULL)
    {
      p->linear = *a->linear;
      p->linear.returns = NULL;
      return;
    }
  const GbMlp *net = a->pg != NULL ? &a->pg->pi : &a->dqn->net;
  const GbMlp *critic = a->pg != NULL ? &a->pg->vf : NULL;
  changed |= memcmp (net, &p->net, sizeof *net) != 0;
  changed |= critic != NULL && memcmp (critic, &p->critic, sizeof *critic) != 0;
  if (changed)
    {
      g_clear_pointer (&p->work, gb_mlp_work_free);
      g_clear_pointer (&p->work_critic, gb_mlp_work_free);
      p->work_rows = 0;
    }
  p->net = *net;
  p->critic = critic != NULL ? *critic : (GbMlp) { 0 };
  if (a->pg != NULL)
    {
      copy_block (&p->params, &p->cap_params, a->pg->theta, net->n_params);
      if (gb_pg_has_critic (a->pg))
        copy_block (&p->w, &p->cap_w, a->pg->w, critic->n_params);
      p->epsilon = 0.0;
    }
  else
    {
      gsize cap = p->cap_params;
      copy_block (&p->params, &p->cap_params, a->dqn->params, net->n_params);
      copy_block (&p->target, &cap, a->dqn->target, net->n_params);
      p->epsilon = a->dqn->epsilon;
    }
}

/* Observations of n states into the policy's scratch, with work spaces for n rows. */
static float *
observe_n (GbCartPolicy *p, const GbCartState *s, int n)
{
  if (p->work_rows < n)
    {
      gb_mlp_work_free (p->work);
      gb_mlp_work_free (p->work_critic);
      p->work_rows = MAX (n, 64);
      p->work = gb_mlp_work_new (&p->net, p->work_rows);
      p->work_critic = p->critic.n_layers > 0 ? gb_mlp_work_new (&p->critic, p->work_rows) : NULL;
    }
  float *o = g_new (float, (gsize) n * 4);
  for (int i = 0; i < n; i++)
    o[4 * i] = (float) s[i].x, o[4 * i + 1] = (float) s[i].x_dot, o[4 * i + 2] = (float) s[i].theta,
    o[4 * i + 3] = (float) s[i].theta_dot;
  return o;
}

void
gb_cart_policy_p_right (GbCartPolicy *p, const GbCartState *s, int n, double *out)
{
  if (p->algo == GB_CART_LINEAR)
    {
      for (int i = 0; i < n; i++)
        out[i] = gb_reinforce_p_right (&p->linear, &s[i]);
      return;
    }
  g_autofree float *o = observe_n (p, s, n);
  const float *z = gb_mlp_forward (&p->net, p->params, o, n, p->work);
  for (int i = 0; i < n; i++)
    out[i] = p->algo == GB_CART_DQN ? (z[2 * i + 1] > z[2 * i] ? 1.0 : 0.0)
                                    : 1.0 / (1.0 + exp ((double) z[2 * i] - z[2 * i + 1]));
}

gboolean
gb_cart_policy_q (GbCartPolicy *p, const GbCartState *s, int n, gboolean target, float *q)
{
  if (p->algo != GB_CART_DQN)
    return FALSE;
  g_autofree float *o = observe_n (p, s, n);
  memcpy (q, gb_mlp_forward (&p->net, target ? p->target : p->params, o, n, p->work), (gsize) n * 2 * sizeof (float));
  return TRUE;
}

gboolean
gb_cart_policy_value (GbCartPolicy *p, const GbCartState *s, int n, double *out)
{
  if (p->algo == GB_CART_DQN)
    {
      g_autofree float *q = g_new (float, (gsize) n * 2);
      gb_cart_policy_q (p, s, n, FALSE, q);
      for (int i = 0; i < n; i++)
        out[i] = MAX (q[2 * i], q[2 * i + 1]);
      return TRUE;
    }
  if (p->algo == GB_CART_LINEAR || p->critic.n_layers == 0)
    return FALSE;
  g_autofree float *o = observe_n (p, s, n);
  const float *v = gb_mlp_forward (&p->critic, p->w, o, n, p->work_critic);
  for (int i = 0; i < n; i++)
    out[i] = v[i];
  return TRUE;
}

int
gb_cart_policy_act (GbCartPolicy *p, const GbCartState *s, GbRng *rng)
{
  double pr;
  gb_cart_policy_p_right (p, s, 1, &pr);
  if (p->algo == GB_CART_DQN)
    return pr > 0.5;
  return gb_rng_uniform (rng) < pr ? 1 : 0;
}

void
gb_cart_plane_state (double x, double x_dot, int n, int i, int j, GbCartState *s)
{
  *s = (GbCartState) { x, x_dot, GB_CART_THETA_MAX * (2.0 * (i + 0.5) / n - 1.0),
                       GB_CART_THETA_DOT_MAX * (1.0 - 2.0 * (j + 0.5) / n) };
}

gboolean
gb_cart_policy_surface (GbCartPolicy *p, GbCartSurface kind, double x, double x_dot, int n, double *out)
{
  gboolean dqn = p->algo == GB_CART_DQN;
  if ((kind == GB_CART_SURFACE_Q_LEFT || kind == GB_CART_SURFACE_Q_RIGHT) && !dqn)
    return FALSE;
  if (kind == GB_CART_SURFACE_VALUE && !dqn && (p->algo == GB_CART_LINEAR || p->critic.n_layers == 0))
    return FALSE;
  int m = n * n;
  g_autofree GbCartState *s = g_new (GbCartState, m);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      gb_cart_plane_state (x, x_dot, n, i, j, &s[j * n + i]);
  if (kind == GB_CART_SURFACE_P_RIGHT)
    gb_cart_policy_p_right (p, s, m, out);
  else if (kind == GB_CART_SURFACE_VALUE)
    gb_cart_policy_value (p, s, m, out);
  else
    {
      g_autofree float *q = g_new (float, (gsize) m * 2);
      gb_cart_policy_q (p, s, m, FALSE, q);
      for (int k = 0; k < m; k++)
        out[k] = q[2 * k + (kind == GB_CART_SURFACE_Q_RIGHT)];
    }
  return TRUE;
}
