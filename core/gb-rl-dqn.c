/* gb-rl-dqn.c — deep Q-learning on cart-pole (see the header). */
#include "gb-rl-dqn.h"

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-nn.h"
#include "gb-safetensors.h"

#define D GB_DQN_OBS
#define A GB_DQN_ACTIONS

void
gb_dqn_config_init (GbDqnConfig *c)
{
  *c = (GbDqnConfig) { .hidden = 256, .lr = 5e-4, .gamma = 0.99, .batch = 64, .buffer = 100000,
                       .learning_starts = 1000, .train_every = 256, .gradient_steps = 128, .target_every = 10,
                       .tau = 0.005, .eps_start = 1.0, .eps_end = 0.04, .eps_steps = 8000, .max_grad_norm = 10.0,
                       .huber = TRUE, .double_dqn = FALSE, .seed = 1 };
}

gboolean
gb_dqn_config_check (const GbDqnConfig *c, GError **error)
{
  char *bad = NULL;
  if (c->hidden < 1 || c->hidden > 4096)
    bad = g_strdup_printf ("hidden width %d is outside 1…4096", c->hidden);
  else if (!(c->lr > 0.0 && c->lr <= 1.0) || !(c->lr_end >= 0.0 && c->lr_end <= 1.0) || c->lr_steps < 0)
    bad = g_strdup_printf ("learning rate %g (to %g over %d steps) is outside (0, 1]", c->lr, c->lr_end,
                           c->lr_steps);
  else if (!(c->gamma >= 0.0 && c->gamma <= 1.0))
    bad = g_strdup_printf ("γ %g is outside [0, 1]", c->gamma);
  else if (c->batch < 1 || c->batch > 65536)
    bad = g_strdup_printf ("batch %d is outside 1…65536", c->batch);
  else if (c->buffer < c->batch || c->buffer > 10000000)
    bad = g_strdup_printf ("a replay buffer of %d transitions is outside batch…10 000 000", c->buffer);
  else if (c->learning_starts < 0 || c->train_every < 1 || c->gradient_steps < 0)
    bad = g_strdup ("learning-starts, train-every and gradient-steps must be ≥ 0, ≥ 1 and ≥ 0");
  else if (c->target_every < 0 || !(c->tau > 0.0 && c->tau <= 1.0))
    bad = g_strdup_printf ("target-every %d must be ≥ 0 and τ %g in (0, 1]", c->target_every, c->tau);
  else if (!(c->eps_start >= 0.0 && c->eps_start <= 1.0 && c->eps_end >= 0.0 && c->eps_end <= 1.0)
           || c->eps_steps < 0)
    bad = g_strdup_printf ("ε from %g to %g over %d steps: ε must be in [0, 1], the steps ≥ 0", c->eps_start,
                           c->eps_end, c->eps_steps);
  else if (isnan (c->max_grad_norm))
    bad = g_strdup ("the gradient norm's bound is not a number");
  if (bad == NULL)
    return TRUE;
  g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, bad);
  g_free (bad);
  return FALSE;
}

GbDqn *
gb_dqn_new (const GbDqnConfig *config, GError **error)
{
  if (!gb_dqn_config_check (config, error))
    return NULL;
  GbDqn *d = g_new0 (GbDqn, 1);
  d->config = *config;
  int H = config->hidden, B = config->batch;
  gsize cap = (gsize) config->buffer;
  /* The buffer is the big allocation: refuse one the machine cannot give. */
  d->rs = g_try_new (float, cap * D);
  d->rs2 = g_try_new (float, cap * D);
  d->rr = g_try_new (float, cap);
  d->ra = g_try_new (guint8, cap);
  d->rdone = g_try_new (guint8, cap);
  if (d->rs == NULL || d->rs2 == NULL || d->rr == NULL || d->ra == NULL || d->rdone == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "a replay buffer of %d transitions does not fit in memory",
                   config->buffer);
      gb_dqn_free (d);
      return NULL;
    }
  gb_mlp_init (&d->net, D, H, 2, A, GB_ACT_RELU);
  d->n_params = d->net.n_params;
  d->params = g_new0 (float, d->n_params);
  d->target = g_new0 (float, d->n_params);
  d->grad = g_new0 (float, d->n_params);
  d->m = g_new0 (float, d->n_params);
  d->v = g_new0 (float, d->n_params);
  gb_rng_init (&d->rng, config->seed);
  gb_mlp_init_params (&d->net, d->params, &d->rng);
  memcpy (d->target, d->params, d->n_params * sizeof (float));
  d->x = g_new (float, (gsize) B * D), d->x2 = g_new (float, (gsize) B * D);
  d->y = g_new (float, B), d->br = g_new (float, B);
  d->ba = g_new (guint8, B), d->bdone = g_new (guint8, B);
  d->work = gb_mlp_work_new (&d->net, B);
  d->gq = g_new (float, (gsize) B * A), d->qt = g_new (float, (gsize) B * A), d->qo = g_new (float, (gsize) B * A);
  d->returns = g_array_new (FALSE, FALSE, sizeof (double));
  d->epsilon = config->eps_start;
  gb_cartpole_reset (&d->env, &d->rng);
  return d;
}

void
gb_dqn_free (GbDqn *d)
{
  if (d == NULL)
    return;
  float *bufs[] = { d->params, d->target, d->grad, d->m, d->v, d->rs, d->rs2, d->rr, d->x, d->x2, d->y, d->br,
                    d->gq, d->qt, d->qo };
  gb_mlp_work_free (d->work);
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    g_free (bufs[i]);
  g_free (d->ra), g_free (d->rdone), g_free (d->ba), g_free (d->bdone);
  if (d->returns != NULL)
    g_array_unref (d->returns);
  g_free (d);
}

/* --- the network --- */

/* The work space for n rows: the DQN's own when n fits (not thread-safe), else fresh (*owned). */
static GbMlpWork *
work_for (const GbDqn *d, int n, GbMlpWork **owned)
{
  *owned = n <= d->work->rows ? NULL : gb_mlp_work_new (&d->net, n);
  return *owned != NULL ? *owned : d->work;
}

void
gb_dqn_q (const GbDqn *d, const float *params, const float *obs, int n, float *q)
{
  g_autoptr (GbMlpWork) w = gb_mlp_work_new (&d->net, n);
  memcpy (q, gb_mlp_forward (&d->net, params, obs, n, w), (gsize) n * A * sizeof (float));
}

static void
observe (const GbCartState *s, float *o)
{
  o[0] = (float) s->x, o[1] = (float) s->x_dot, o[2] = (float) s->theta, o[3] = (float) s->theta_dot;
}

int
gb_dqn_greedy (const GbDqn *d, const GbCartState *s)
{
  float o[D];
  observe (s, o);
  const float *q = gb_mlp_forward (&d->net, d->params, o, 1, d->work);
  return q[1] > q[0] ? 1 : 0;
}

void
gb_dqn_targets (const GbDqn *d, const float *r, const float *s2, const guint8 *done, int n, float *y)
{
  GbMlpWork *owned, *w = work_for (d, n, &owned);
  float *qt = n <= d->config.batch ? d->qt : g_new (float, (gsize) n * A);
  float *qo = n <= d->config.batch ? d->qo : g_new (float, (gsize) n * A);
  memcpy (qt, gb_mlp_forward (&d->net, d->target, s2, n, w), (gsize) n * A * sizeof (float));
  if (d->config.double_dqn)
    memcpy (qo, gb_mlp_forward (&d->net, d->params, s2, n, w), (gsize) n * A * sizeof (float));
  for (int i = 0; i < n; i++)
    {
      const float *t = qt + (gsize) i * A;
      float next;
      if (d->config.double_dqn)
        next = t[qo[i * A + 1] > qo[i * A] ? 1 : 0];   /* the online net chooses, the target evaluates */
      else
        next = MAX (t[0], t[1]);
      y[i] = r[i] + (done[i] ? 0.0f : (float) d->config.gamma * next);
    }
  if (qt != d->qt)
    g_free (qt), g_free (qo);
  gb_mlp_work_free (owned);
}

double
gb_dqn_loss (const GbDqn *d, const float *params, const float *s, const guint8 *a, const float *y, int n, float *grad)
{
  GbMlpWork *owned, *w = work_for (d, n, &owned);
  float *gq = n <= d->config.batch ? d->gq : g_new (float, (gsize) n * A);
  const float *q = gb_mlp_forward (&d->net, params, s, n, w);
  memset (gq, 0, (gsize) n * A * sizeof (float));
  double loss = 0.0;
  for (int i = 0; i < n; i++)
    {
      double e = q[(gsize) i * A + a[i]] - y[i];
      if (d->config.huber)
        {
          loss += fabs (e) <= 1.0 ? 0.5 * e * e : fabs (e) - 0.5;
          gq[(gsize) i * A + a[i]] = (float) (CLAMP (e, -1.0, 1.0) / n);
        }
      else
        {
          loss += e * e;
          gq[(gsize) i * A + a[i]] = (float) (2.0 * e / n);
        }
    }
  loss /= MAX (n, 1);
  if (grad != NULL)
    gb_mlp_backward (&d->net, params, s, n, w, gq, grad, FALSE);
  if (gq != d->gq)
    g_free (gq);
  gb_mlp_work_free (owned);
  return loss;
}

/* --- learning --- */

static void
update (GbDqn *d)
{
  const GbDqnConfig *c = &d->config;
  int B = c->batch;
  for (int i = 0; i < B; i++)
    {
      int k = (int) gb_rng_below (&d->rng, (guint32) d->size);
      memcpy (d->x + (gsize) i * D, d->rs + (gsize) k * D, D * sizeof (float));
      memcpy (d->x2 + (gsize) i * D, d->rs2 + (gsize) k * D, D * sizeof (float));
      d->br[i] = d->rr[k], d->ba[i] = d->ra[k], d->bdone[i] = d->rdone[k];
    }
  gb_dqn_targets (d, d->br, d->x2, d->bdone, B, d->y);
  d->last_loss = gb_dqn_loss (d, d->params, d->x, d->ba, d->y, B, d->grad);
  if (c->max_grad_norm > 0.0)
    {
      double norm = 0.0;
      for (gsize i = 0; i < d->n_params; i++)
        norm += (double) d->grad[i] * d->grad[i];
      norm = sqrt (norm);
      if (norm > c->max_grad_norm)
        for (gsize i = 0; i < d->n_params; i++)
          d->grad[i] *= (float) (c->max_grad_norm / norm);
    }
  GbAdam adam = GB_ADAM_DEFAULTS;
  adam.lr = (float) gb_dqn_lr (d);
  gb_adam_step (&adam, d->params, d->grad, d->m, d->v, d->n_params, ++d->adam_t);
  d->updates++;
  if (c->target_every == 0)
    for (gsize i = 0; i < d->n_params; i++)
      d->target[i] += (float) c->tau * (d->params[i] - d->target[i]);
}

double
gb_dqn_lr (const GbDqn *d)
{
  const GbDqnConfig *c = &d->config;
  if (c->lr_steps <= 0)
    return c->lr;
  double f = MIN (1.0, (double) d->steps / c->lr_steps);
  return c->lr + f * (c->lr_end - c->lr);
}

/* One env step: act, store, and learn when the schedule says so. */
static void
step (GbDqn *d)
{
  const GbDqnConfig *c = &d->config;
  double f = c->eps_steps > 0 ? MIN (1.0, (double) d->steps / c->eps_steps) : 1.0;
  d->epsilon = c->eps_start + f * (c->eps_end - c->eps_start);
  float o[D], o2[D];
  observe (&d->env.s, o);
  int a = gb_rng_uniform (&d->rng) < d->epsilon ? (int) gb_rng_below (&d->rng, A) : gb_dqn_greedy (d, &d->env.s);
  double r = gb_cartpole_step (&d->env, a);
  observe (&d->env.s, o2);
  int k = d->head;
  memcpy (d->rs + (gsize) k * D, o, sizeof o);
  memcpy (d->rs2 + (gsize) k * D, o2, sizeof o2);
  d->rr[k] = (float) r, d->ra[k] = (guint8) a, d->rdone[k] = d->env.terminated;
  d->head = (d->head + 1) % c->buffer;
  d->size = MIN (d->size + 1, c->buffer);
  d->episode_return += r;
  d->steps++;
  if (d->env.terminated || d->env.truncated)
    {
      g_array_append_val (d->returns, d->episode_return);
      d->episodes++;
      if (d->solved_at == 0 && d->episodes >= 100 && gb_dqn_mean_return (d, 100) >= GB_CARTPOLE_SOLVED)
        d->solved_at = d->steps;
      d->episode_return = 0.0;
      gb_cartpole_reset (&d->env, &d->rng);
    }
  if (d->steps > c->learning_starts && d->size >= c->batch && d->steps % c->train_every == 0)
    for (int i = 0; i < c->gradient_steps; i++)
      update (d);
  if (c->target_every > 0 && d->steps % c->target_every == 0)
    memcpy (d->target, d->params, d->n_params * sizeof (float));
}

gint64
gb_dqn_run (GbDqn *d, gint64 n)
{
  for (gint64 i = 0; i < n; i++)
    step (d);
  return n;
}

double
gb_dqn_mean_return (const GbDqn *d, int k)
{
  int n = (int) d->returns->len, m = MIN (k, n);
  double s = 0.0;
  for (int i = n - m; i < n; i++)
    s += g_array_index (d->returns, double, i);
  return m > 0 ? s / m : 0.0;
}

/* --- files --- */

gboolean
gb_dqn_save (const GbDqn *d, const char *path, GError **error)
{
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  gb_mlp_write (&d->net, d->params, w, "");
  char buf[32];
  gb_safetensors_writer_set_metadata (w, "algo", "dqn");
  gb_safetensors_writer_set_metadata (w, "env", "CartPole-v1");
  g_snprintf (buf, sizeof buf, "%d", d->config.hidden);
  gb_safetensors_writer_set_metadata (w, "hidden", buf);
  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, d->steps);
  gb_safetensors_writer_set_metadata (w, "steps", buf);
  return gb_safetensors_writer_save (w, path, error);
}

GbDqn *
gb_dqn_load (const char *path, const GbDqnConfig *config, GError **error)
{
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, error);
  if (st == NULL)
    return NULL;
  g_autofree char *name = g_path_get_basename (path);
  gint64 shape[GB_SAFETENSORS_MAX_RANK];
  if (gb_safetensors_shape (st, "0.weight", shape) != 2 || shape[1] != D || shape[0] < 1 || shape[0] > 4096)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                   "%s: not a cart-pole Q-network: it needs 0.weight of shape (H, 4), H ≤ 4096", name);
      return NULL;
    }
  GbDqnConfig c = *config;
  c.hidden = (int) shape[0];
  g_autoptr (GbDqn) d = gb_dqn_new (&c, error);
  if (d == NULL)
    return NULL;
  if (!gb_mlp_read (&d->net, d->params, st, "", error))
    return NULL;
  memcpy (d->target, d->params, d->n_params * sizeof (float));
  return g_steal_pointer (&d);
}
