/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-dqn.c — deep Q-learning on cart-pole (see the header). */
#include "gb-rl-dqn.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-nn.h"
#include "gb-parallel.h"
#include "gb-safetensors.h"

#define D GB_DQN_OBS
#define A GB_DQN_ACTIONS

void
gb_dqn_config_init (GbDqnConfig *c)
{
  *c = (GbDqnConfig) { .hidden = 64, .lr = 1e-3, .lr_end = 1e-4, .lr_steps = 60000, .gamma = 0.99, .batch = 64,
                       .buffer = 100000, .learning_starts = 1000, .train_every = 256, .gradient_steps = 128,
                       .target_every = 10, .tau = 0.005, .eps_start = 1.0, .eps_end = 0.01, .eps_steps = 8000,
                       .max_grad_norm = 10.0, .huber = FALSE, .double_dqn = TRUE, .seed = 1 };
}

gboolean
gb_dqn_config_check (const GbDqnConfig *c, GError **error)
{
  char *bad = NULL;
  if (c->hidden < 1 || c->hidden > 4096)
    bad = g_strdup_printf (_("hidden width %d is outside 1…4096"), c->hidden);
  else if (!(c->lr > 0.0 && c->lr <= 1.0) || !(c->lr_end >= 0.0 && c->lr_end <= 1.0) || c->lr_steps < 0)
    bad = g_strdup_printf (_("learning rate %g (to %g over %d steps) is outside (0, 1]"), c->lr, c->lr_end,
                           c->lr_steps);
  else if (!(c->gamma >= 0.0 && c->gamma <= 1.0))
    bad = g_strdup_printf (_("γ %g is outside [0, 1]"), c->gamma);
  else if (c->batch < 1 || c->batch > 65536)
    bad = g_strdup_printf (_("batch %d is outside 1…65536"), c->batch);
  else if (c->buffer < c->batch || c->buffer > 10000000)
    bad = g_strdup_printf (_("a replay buffer of %d transitions is outside batch…10 000 000"), c->buffer);
  else if (c->learning_starts < 0 || c->train_every < 1 || c->gradient_steps < 0)
    bad = g_strdup (_("learning-starts, train-every and gradient-steps must be ≥ 0, ≥ 1 and ≥ 0"));
  else if (c->target_every < 0 || !(c->tau > 0.0 && c->tau <= 1.0))
    bad = g_strdup_printf (_("target-every %d must be ≥ 0 and τ %g in (0, 1]"), c->target_every, c->tau);
  else if (!(c->eps_start >= 0.0 && c->eps_start <= 1.0 && c->eps_end >= 0.0 && c->eps_end <= 1.0)
           || c->eps_steps < 0)
    bad = g_strdup_printf (_("ε from %g to %g over %d steps: ε must be in [0, 1], the steps ≥ 0"), c->eps_start,
                           c->eps_end, c->eps_steps);
  else if (isnan (c->max_grad_norm))
    bad = g_strdup (_("the gradient norm's bound is not a number"));
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
  d->rstep = g_try_new (gint64, cap);
  d->rdone = g_try_new (guint8, cap);
  if (d->rs == NULL || d->rs2 == NULL || d->rr == NULL || d->ra == NULL || d->rdone == NULL || d->rstep == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("a replay buffer of %d transitions does not fit in memory"),
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
  d->batch_index = g_new0 (int, B);
  d->log = g_array_new (FALSE, FALSE, sizeof (GbDqnLog));
  d->lag = NAN;
  d->work = gb_mlp_work_new (&d->net, B);
  d->work2 = gb_mlp_work_new (&d->net, B);
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
  gb_mlp_work_free (d->work2);
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    g_free (bufs[i]);
  g_free (d->ra), g_free (d->rdone), g_free (d->ba), g_free (d->bdone), g_free (d->rstep), g_free (d->batch_index);
  if (d->log != NULL)
    g_array_unref (d->log);
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

/* y from the target network's Q (n, 2) of s2 and, for Double DQN, the online network's forward of s2 (on w). */
static void
targets_from (const GbDqn *d, const float *qt, const float *r, const float *s2, const guint8 *done, int n,
              GbMlpWork *w, float *y)
{
  const float *qo = d->config.double_dqn ? gb_mlp_forward (&d->net, d->params, s2, n, w) : NULL;
  for (int i = 0; i < n; i++)
    {
      const float *t = qt + (gsize) i * A;
      float next;
      if (qo != NULL)
        next = t[qo[i * A + 1] > qo[i * A] ? 1 : 0];   /* the online net chooses, the target evaluates */
      else
        next = MAX (t[0], t[1]);
      y[i] = r[i] + (done[i] ? 0.0f : (float) d->config.gamma * next);
    }
}

/* The targets on the work space w, with qt (n, 2) as scratch. */
static void
targets_on (const GbDqn *d, const float *r, const float *s2, const guint8 *done, int n, GbMlpWork *w, float *qt,
            float *y)
{
  memcpy (qt, gb_mlp_forward (&d->net, d->target, s2, n, w), (gsize) n * A * sizeof (float));
  targets_from (d, qt, r, s2, done, n, w, y);
}

void
gb_dqn_targets (const GbDqn *d, const float *r, const float *s2, const guint8 *done, int n, float *y)
{
  GbMlpWork *owned, *w = work_for (d, n, &owned);
  float *qt = n <= d->config.batch ? d->qt : g_new (float, (gsize) n * A);
  targets_on (d, r, s2, done, n, w, qt, y);
  if (qt != d->qt)
    g_free (qt);
  gb_mlp_work_free (owned);
}

/* The loss (and its gradient) with the forward pass of s already on w. */
static double
loss_after_forward (const GbDqn *d, const float *params, const float *s, const guint8 *a, const float *y, int n,
                    GbMlpWork *w, float *gq, float *grad)
{
  const float *q = w->h[d->net.n_layers - 1];
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
  return loss;
}

double
gb_dqn_loss (const GbDqn *d, const float *params, const float *s, const guint8 *a, const float *y, int n, float *grad)
{
  GbMlpWork *owned, *w = work_for (d, n, &owned);
  float *gq = n <= d->config.batch ? d->gq : g_new (float, (gsize) n * A);
  gb_mlp_forward (&d->net, params, s, n, w);
  double loss = loss_after_forward (d, params, s, a, y, n, w, gq, grad);
  if (gq != d->gq)
    g_free (gq);
  gb_mlp_work_free (owned);
  return loss;
}

/* --- learning --- */

/* An update's two independent halves: the targets, and the online network's pass over s. Split across
 * the cores from this many rows × units (below it a hand-off costs more than it saves): the same
 * numbers either way. */
enum { SPLIT_MIN = 1024 };

typedef struct {
  GbDqn *d;
  int part;
} UpdatePart;

static void
update_part_cb (gpointer data)
{
  const UpdatePart *u = data;
  GbDqn *d = u->d;
  int B = d->config.batch;
  if (u->part == 0)
    targets_on (d, d->br, d->x2, d->bdone, B, d->work2, d->qt, d->y);
  else
    gb_mlp_forward (&d->net, d->params, d->x, B, d->work);
}

static void
update (GbDqn *d, gboolean last)
{
  const GbDqnConfig *c = &d->config;
  int B = c->batch;
  for (int i = 0; i < B; i++)
    {
      int k = (int) gb_rng_below (&d->rng, (guint32) d->size);
      d->batch_index[i] = k;
      memcpy (d->x + (gsize) i * D, d->rs + (gsize) k * D, D * sizeof (float));
      memcpy (d->x2 + (gsize) i * D, d->rs2 + (gsize) k * D, D * sizeof (float));
      d->br[i] = d->rr[k], d->ba[i] = d->ra[k], d->bdone[i] = d->rdone[k];
    }
  /* The targets (two passes over s2) on the second core while this one makes the pass over s. */
  UpdatePart parts[2] = { { d, 0 }, { d, 1 } };
  if (B * c->hidden >= SPLIT_MIN)
    gb_parallel_pair (update_part_cb, &parts[0], &parts[1]);
  else
    update_part_cb (&parts[0]), update_part_cb (&parts[1]);
  d->last_loss = loss_after_forward (d, d->params, d->x, d->ba, d->y, B, d->work, d->gq, d->grad);
  d->ep_loss += d->last_loss, d->ep_updates++;
  if (last)
    {
      /* The target's lag, once a burst: mean |Q (s, a) − Q_target (s, a)| over the minibatch. */
      const float *q = d->work->h[d->net.n_layers - 1];
      float *qa = d->qo;
      for (int i = 0; i < B; i++)
        qa[i] = q[(gsize) i * A + d->ba[i]];
      const float *qt = gb_mlp_forward (&d->net, d->target, d->x, B, d->work);
      double lag = 0.0;
      for (int i = 0; i < B; i++)
        lag += fabs (qa[i] - qt[(gsize) i * A + d->ba[i]]) / B;
      d->lag = lag;
    }
  /* Clipped as torch.nn.utils.clip_grad_norm_ clips: the whole gradient scaled to the norm bound. */
  float g_scale = 1.0f;
  if (c->max_grad_norm > 0.0)
    {
      double norm = sqrt (gb_sum_squares (d->grad, d->n_params));
      if (norm > c->max_grad_norm)
        g_scale = (float) (c->max_grad_norm / norm);
    }
  GbAdam adam = GB_ADAM_DEFAULTS;
  adam.lr = (float) gb_dqn_lr (d);
  gb_adam_step_scaled (&adam, d->params, d->grad, d->m, d->v, d->n_params, ++d->adam_t, g_scale);
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

/* One env step: act, store, and learn when the schedule says so; recorded into ep when not NULL. */
static void
step (GbDqn *d, GbCartEpisode *ep)
{
  const GbDqnConfig *c = &d->config;
  double f = c->eps_steps > 0 ? MIN (1.0, (double) d->steps / c->eps_steps) : 1.0;
  d->epsilon = c->eps_start + f * (c->eps_end - c->eps_start);
  float o[D], o2[D];
  observe (&d->env.s, o);
  const float *q = gb_mlp_forward (&d->net, d->params, o, 1, d->work);
  int greedy = q[1] > q[0] ? 1 : 0;
  double q_max = MAX (q[0], q[1]);
  d->ep_q += q_max;
  if (ep != NULL)
    {
      double p = d->epsilon / 2 + (1.0 - d->epsilon) * greedy;
      g_array_append_val (ep->states, d->env.s);
      g_array_append_val (ep->p_right, p);
      g_array_append_val (ep->V, q_max);
    }
  int a = gb_rng_uniform (&d->rng) < d->epsilon ? (int) gb_rng_below (&d->rng, A) : greedy;
  if (ep != NULL)
    g_array_append_val (ep->actions, a);
  double r = gb_cartpole_step (&d->env, a);
  observe (&d->env.s, o2);
  int k = d->head;
  memcpy (d->rs + (gsize) k * D, o, sizeof o);
  memcpy (d->rs2 + (gsize) k * D, o2, sizeof o2);
  d->rr[k] = (float) r, d->ra[k] = (guint8) a, d->rdone[k] = d->env.terminated;
  d->rstep[k] = d->steps;
  d->head = (d->head + 1) % c->buffer;
  d->size = MIN (d->size + 1, c->buffer);
  d->episode_return += r;
  d->steps++;
  if (d->env.terminated || d->env.truncated)
    {
      int T = d->env.steps;
      /* The discounted return from each step, averaged over the episode, beside the mean max Q. */
      double g_mean = 0.0, gamma = c->gamma, gp = 1.0;
      for (int t = 0; t < T; t++)
        {
          gp *= gamma;   /* γ^(t+1): G from T − 1 − t is (1 − γ^(t+1)) / (1 − γ) */
          g_mean += (gamma < 1.0 ? (1.0 - gp) / (1.0 - gamma) : t + 1.0) / T;
        }
      GbDqnLog entry = { d->steps, d->episode_return, d->epsilon, d->ep_updates ? d->ep_loss / d->ep_updates : NAN,
                         d->lag, d->ep_q / MAX (T, 1), g_mean };
      g_array_append_val (d->log, entry);
      g_array_append_val (d->returns, d->episode_return);
      d->episodes++;
      if (d->solved_at == 0 && d->episodes >= 100 && gb_dqn_mean_return (d, 100) >= GB_CARTPOLE_SOLVED)
        d->solved_at = d->steps;
      d->episode_return = 0.0, d->ep_q = 0.0, d->ep_loss = 0.0, d->ep_updates = 0;
      gb_cartpole_reset (&d->env, &d->rng);
    }
  if (d->steps > c->learning_starts && d->size >= c->batch && d->steps % c->train_every == 0)
    for (int i = 0; i < c->gradient_steps; i++)
      update (d, i == c->gradient_steps - 1);
  if (c->target_every > 0 && d->steps % c->target_every == 0)
    memcpy (d->target, d->params, d->n_params * sizeof (float));
}

gint64
gb_dqn_run (GbDqn *d, gint64 n)
{
  for (gint64 i = 0; i < n; i++)
    step (d, NULL);
  return n;
}

gboolean
gb_dqn_episode_continue (GbDqn *d, GbCartEpisode *ep, int max)
{
  int episodes = d->episodes;
  for (int i = 0; i < max && d->episodes == episodes; i++)
    step (d, ep);
  if (d->episodes == episodes)
    return FALSE;
  if (ep != NULL)
    {
      int T = (int) ep->states->len;
      g_array_set_size (ep->G, T);
      double g = 0.0;
      for (int t = T - 1; t >= 0; t--)
        g_array_index (ep->G, double, t) = g = 1.0 + d->config.gamma * g;
    }
  return TRUE;
}

int
gb_dqn_episode (GbDqn *d, GbCartEpisode *ep)
{
  if (ep != NULL)
    gb_cart_episode_clear (ep);
  gint64 start = d->steps;
  while (!gb_dqn_episode_continue (d, ep, G_MAXINT))
    ;
  return (int) (d->steps - start);
}

double
gb_dqn_mean_return (const GbDqn *d, int k)
{
  return gb_returns_mean_last (d->returns, k);
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
  return st != NULL ? gb_dqn_from_safetensors (st, config, error) : NULL;
}

GbDqn *
gb_dqn_from_safetensors (const GbSafetensors *st, const GbDqnConfig *config, GError **error)
{
  const char *name = gb_safetensors_get_name (st);
  gint64 shape[GB_SAFETENSORS_MAX_RANK];
  if (gb_safetensors_shape (st, "0.weight", shape) != 2 || shape[1] != D || shape[0] < 1 || shape[0] > 4096)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                   _("%s: not a cart-pole Q-network: it needs 0.weight of shape (H, 4), H ≤ 4096"), name);
      return NULL;
    }
  GbDqnConfig c = *config;
  c.hidden = (int) shape[0];
  g_autoptr (GbDqn) d = gb_dqn_new (&c, error);
  if (d == NULL)
    return NULL;
  if (!gb_mlp_read (&d->net, d->params, st, "", error))
    return NULL;
  /* A trained network acts as trained: ε at the end of its schedule (the steps it
   * was trained for, when the file says), and it learns again only once the
   * empty buffer holds learning_starts new steps. */
  const char *steps = gb_safetensors_get_metadata (st, "steps");
  gint64 trained = steps != NULL ? g_ascii_strtoll (steps, NULL, 10) : 0;
  d->steps = MAX (trained, (gint64) c.eps_steps);
  d->config.learning_starts = (int) MIN ((gint64) G_MAXINT / 2, d->steps + c.learning_starts);
  d->epsilon = c.eps_end;
  memcpy (d->target, d->params, d->n_params * sizeof (float));
  return g_steal_pointer (&d);
}

/* --- what the views draw --- */

GbDqnSnapshot *
gb_dqn_snapshot (const GbDqn *d, int max_points)
{
  GbDqnSnapshot *s = g_new0 (GbDqnSnapshot, 1);
  s->net = d->net;
  s->params = g_memdup2 (d->params, d->n_params * sizeof (float));
  s->target = g_memdup2 (d->target, d->n_params * sizeof (float));
  s->gamma = d->config.gamma, s->double_dqn = d->config.double_dqn;
  s->m = MIN (max_points, d->size);
  s->s = g_new (float, (gsize) MAX (s->m, 1) * D), s->s2 = g_new (float, (gsize) MAX (s->m, 1) * D);
  s->r = g_new (float, MAX (s->m, 1)), s->td = g_new0 (float, MAX (s->m, 1));
  s->a = g_new (guint8, MAX (s->m, 1)), s->done = g_new (guint8, MAX (s->m, 1));
  s->age = g_new (gint64, MAX (s->m, 1));
  for (int i = 0; i < s->m; i++)
    {
      int k = (int) ((gint64) i * d->size / s->m);
      memcpy (s->s + (gsize) i * D, d->rs + (gsize) k * D, D * sizeof (float));
      memcpy (s->s2 + (gsize) i * D, d->rs2 + (gsize) k * D, D * sizeof (float));
      s->r[i] = d->rr[k], s->a[i] = d->ra[k], s->done[i] = d->rdone[k], s->age[i] = d->steps - d->rstep[k];
    }
  s->b = d->updates > 0 ? d->config.batch : 0;
  s->batch = g_new (float, (gsize) MAX (s->b, 1) * D);
  for (int i = 0; i < s->b; i++)
    memcpy (s->batch + (gsize) i * D, d->rs + (gsize) d->batch_index[i] * D, D * sizeof (float));
  s->n_log = (int) d->log->len;
  s->log = g_memdup2 (d->log->data, (gsize) MAX (s->n_log, 1) * sizeof (GbDqnLog));
  s->state = d->env.s;
  s->steps = d->steps, s->buffer_size = d->size, s->epsilon = d->epsilon;
  return s;
}

void
gb_dqn_snapshot_compute (GbDqnSnapshot *s, double x, double x_dot, int n)
{
  int rows = MAX (MAX (s->m, n * n), 1);
  g_autoptr (GbMlpWork) w = gb_mlp_work_new (&s->net, rows);
  if (s->m > 0)
    {
      /* y = r + γ (1 − done) Q_target (s′, a*), a* = argmax of the target's (or, Double, the online) Q. */
      g_autofree float *qt = g_memdup2 (gb_mlp_forward (&s->net, s->target, s->s2, s->m, w), (gsize) s->m * A * 4);
      g_autofree float *qo = s->double_dqn ? g_memdup2 (gb_mlp_forward (&s->net, s->params, s->s2, s->m, w),
                                                        (gsize) s->m * A * 4) : NULL;
      const float *q = gb_mlp_forward (&s->net, s->params, s->s, s->m, w);
      for (int i = 0; i < s->m; i++)
        {
          const float *t = qt + (gsize) i * A;
          float next = qo != NULL ? t[qo[i * A + 1] > qo[i * A] ? 1 : 0] : MAX (t[0], t[1]);
          float y = s->r[i] + (s->done[i] ? 0.0f : (float) s->gamma * next);
          s->td[i] = q[(gsize) i * A + s->a[i]] - y;
        }
    }
  g_free (s->q_left), g_free (s->q_right);
  s->n = n, s->x = x, s->x_dot = x_dot;
  s->q_left = g_new (double, (gsize) n * n), s->q_right = g_new (double, (gsize) n * n);
  g_autofree float *obs = g_new (float, (gsize) n * n * D);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      {
        float *o = obs + (gsize) (j * n + i) * D;
        o[0] = (float) x, o[1] = (float) x_dot;
        o[2] = (float) (GB_CART_THETA_MAX * (2.0 * (i + 0.5) / n - 1.0));
        o[3] = (float) (GB_CART_THETA_DOT_MAX * (1.0 - 2.0 * (j + 0.5) / n));
      }
  const float *q = gb_mlp_forward (&s->net, s->params, obs, n * n, w);
  s->q_lo = G_MAXDOUBLE, s->q_hi = -G_MAXDOUBLE;
  for (int k = 0; k < n * n; k++)
    {
      s->q_left[k] = q[2 * k], s->q_right[k] = q[2 * k + 1];
      s->q_lo = MIN (s->q_lo, MIN (q[2 * k], q[2 * k + 1]));
      s->q_hi = MAX (s->q_hi, MAX (q[2 * k], q[2 * k + 1]));
    }
}

void
gb_dqn_snapshot_free (GbDqnSnapshot *s)
{
  if (s == NULL)
    return;
  g_free (s->params), g_free (s->target), g_free (s->s), g_free (s->s2), g_free (s->r), g_free (s->td);
  g_free (s->a), g_free (s->done), g_free (s->age), g_free (s->batch), g_free (s->log);
  g_free (s->q_left), g_free (s->q_right);
  g_free (s);
}
