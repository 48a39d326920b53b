/* gb-rl-dqn.c — deep Q-learning on cart-pole (see the header). */
#include "gb-rl-dqn.h"

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-nn.h"
#include "gb-safetensors.h"

#define D GB_DQN_OBS
#define A GB_DQN_ACTIONS

/* The parameters' block: 0.weight (H, 4), 0.bias (H), 2.weight (H, H), 2.bias (H), 4.weight (2, H), 4.bias (2). */
typedef struct {
  const float *w1, *b1, *w2, *b2, *w3, *b3;
} Net;

static Net
net_of (const float *p, int H)
{
  Net n = { p, p + H * D, p + H * D + H, p + H * D + H + H * H, p + H * D + 2 * H + H * H,
            p + H * D + 2 * H + H * H + A * H };
  return n;
}

static gsize
n_params (int H)
{
  return (gsize) H * D + H + (gsize) H * H + H + (gsize) A * H + A;
}

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
  else if (!(c->lr > 0.0 && c->lr <= 1.0))
    bad = g_strdup_printf ("learning rate %g is outside (0, 1]", c->lr);
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
  d->n_params = n_params (H);
  d->params = g_new0 (float, d->n_params);
  d->target = g_new0 (float, d->n_params);
  d->grad = g_new0 (float, d->n_params);
  d->m = g_new0 (float, d->n_params);
  d->v = g_new0 (float, d->n_params);
  gb_rng_init (&d->rng, config->seed);
  Net n = net_of (d->params, H);
  gb_linear_init ((float *) n.w1, (float *) n.b1, D, H, &d->rng);
  gb_linear_init ((float *) n.w2, (float *) n.b2, H, H, &d->rng);
  gb_linear_init ((float *) n.w3, (float *) n.b3, H, A, &d->rng);
  memcpy (d->target, d->params, d->n_params * sizeof (float));
  d->x = g_new (float, (gsize) B * D), d->x2 = g_new (float, (gsize) B * D);
  d->y = g_new (float, B), d->br = g_new (float, B);
  d->ba = g_new (guint8, B), d->bdone = g_new (guint8, B);
  gsize BH = (gsize) B * H, B2 = (gsize) B * A;
  d->h1 = g_new (float, BH), d->h2 = g_new (float, BH), d->dh1 = g_new (float, BH), d->dh2 = g_new (float, BH);
  d->dz1 = g_new (float, BH), d->dz2 = g_new (float, BH);
  d->q = g_new (float, B2), d->gq = g_new (float, B2), d->qt = g_new (float, B2), d->qo = g_new (float, B2);
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
                    d->h1, d->h2, d->dh1, d->dh2, d->dz1, d->dz2, d->q, d->gq, d->qt, d->qo };
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    g_free (bufs[i]);
  g_free (d->ra), g_free (d->rdone), g_free (d->ba), g_free (d->bdone);
  if (d->returns != NULL)
    g_array_unref (d->returns);
  g_free (d);
}

/* --- the network --- */

/* h1, h2 (n, H) and q (n, 2) of obs (n, 4). */
static void
forward (const GbDqn *d, const float *params, const float *obs, int n, float *h1, float *h2, float *q)
{
  int H = d->config.hidden;
  Net w = net_of (params, H);
  gb_linear_forward (h1, obs, w.w1, w.b1, n, D, H, GB_ACT_RELU);
  gb_linear_forward (h2, h1, w.w2, w.b2, n, H, H, GB_ACT_RELU);
  gb_linear_forward (q, h2, w.w3, w.b3, n, H, A, GB_ACT_NONE);
}

/* An update's work space when n fits in it (the DQN's own scratch: not thread-safe), else fresh. */
typedef struct {
  float *h1, *h2, *dh1, *dh2, *dz1, *dz2, *q, *gq, *qt, *qo;
  gpointer owned;
} Work;

static Work
work_for (const GbDqn *d, int n)
{
  if (n <= d->config.batch)
    return (Work) { d->h1, d->h2, d->dh1, d->dh2, d->dz1, d->dz2, d->q, d->gq, d->qt, d->qo, NULL };
  gsize nH = (gsize) n * d->config.hidden, n2 = (gsize) n * A;
  float *p = g_new (float, 6 * nH + 4 * n2);
  return (Work) { p, p + nH, p + 2 * nH, p + 3 * nH, p + 4 * nH, p + 5 * nH, p + 6 * nH, p + 6 * nH + n2,
                  p + 6 * nH + 2 * n2, p + 6 * nH + 3 * n2, p };
}

void
gb_dqn_q (const GbDqn *d, const float *params, const float *obs, int n, float *q)
{
  int H = d->config.hidden;
  g_autofree float *h1 = g_new (float, (gsize) MAX (n, 1) * H), *h2 = g_new (float, (gsize) MAX (n, 1) * H);
  forward (d, params, obs, n, h1, h2, q);
}

static void
observe (const GbCartState *s, float *o)
{
  o[0] = (float) s->x, o[1] = (float) s->x_dot, o[2] = (float) s->theta, o[3] = (float) s->theta_dot;
}

int
gb_dqn_greedy (const GbDqn *d, const GbCartState *s)
{
  float o[D], q[A];
  observe (s, o);
  Work w = work_for (d, 1);
  forward (d, d->params, o, 1, w.h1, w.h2, q);
  return q[1] > q[0] ? 1 : 0;
}

void
gb_dqn_targets (const GbDqn *d, const float *r, const float *s2, const guint8 *done, int n, float *y)
{
  Work w = work_for (d, n);
  forward (d, d->target, s2, n, w.h1, w.h2, w.qt);
  if (d->config.double_dqn)
    forward (d, d->params, s2, n, w.h1, w.h2, w.qo);
  for (int i = 0; i < n; i++)
    {
      const float *t = w.qt + (gsize) i * A;
      float next;
      if (d->config.double_dqn)
        next = t[w.qo[i * A + 1] > w.qo[i * A] ? 1 : 0];   /* the online net chooses, the target evaluates */
      else
        next = MAX (t[0], t[1]);
      y[i] = r[i] + (done[i] ? 0.0f : (float) d->config.gamma * next);
    }
  g_free (w.owned);
}

double
gb_dqn_loss (const GbDqn *d, const float *params, const float *s, const guint8 *a, const float *y, int n, float *grad)
{
  int H = d->config.hidden;
  gsize nH = (gsize) n * H;
  Work w = work_for (d, n);
  forward (d, params, s, n, w.h1, w.h2, w.q);
  memset (w.gq, 0, (gsize) n * A * sizeof (float));
  double loss = 0.0;
  for (int i = 0; i < n; i++)
    {
      double e = w.q[(gsize) i * A + a[i]] - y[i];
      if (d->config.huber)
        {
          loss += fabs (e) <= 1.0 ? 0.5 * e * e : fabs (e) - 0.5;
          w.gq[(gsize) i * A + a[i]] = (float) (CLAMP (e, -1.0, 1.0) / n);
        }
      else
        {
          loss += e * e;
          w.gq[(gsize) i * A + a[i]] = (float) (2.0 * e / n);
        }
    }
  loss /= MAX (n, 1);
  if (grad != NULL)
    {
      Net p = net_of (params, H);
      Net g = net_of (grad, H);
      memset (w.dz1, 0, nH * sizeof (float));
      memset (w.dz2, 0, nH * sizeof (float));
      gb_linear_backward (w.dh2, (float *) g.w3, (float *) g.b3, w.gq, w.h2, p.w3, n, H, A, FALSE);
      gb_act_backward (GB_ACT_RELU, w.dz2, w.dh2, w.h2, w.h2, nH);   /* ReLU: out > 0 exactly where in > 0 */
      gb_linear_backward (w.dh1, (float *) g.w2, (float *) g.b2, w.dz2, w.h1, p.w2, n, H, H, FALSE);
      gb_act_backward (GB_ACT_RELU, w.dz1, w.dh1, w.h1, w.h1, nH);
      gb_linear_backward (NULL, (float *) g.w1, (float *) g.b1, w.dz1, s, p.w1, n, D, H, FALSE);
    }
  g_free (w.owned);
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
  adam.lr = (float) c->lr;
  gb_adam_step (&adam, d->params, d->grad, d->m, d->v, d->n_params, ++d->adam_t);
  d->updates++;
  if (c->target_every == 0)
    for (gsize i = 0; i < d->n_params; i++)
      d->target[i] += (float) c->tau * (d->params[i] - d->target[i]);
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

typedef struct {
  const char *name;
  gint64 shape[2];
  int rank;
  gsize offset;
} Tensor;

static int
tensors (int H, Tensor *t)
{
  gsize o = 0;
  Tensor all[6] = {
    { "0.weight", { H, D }, 2, 0 }, { "0.bias", { H }, 1, 0 }, { "2.weight", { H, H }, 2, 0 },
    { "2.bias", { H }, 1, 0 }, { "4.weight", { A, H }, 2, 0 }, { "4.bias", { A }, 1, 0 },
  };
  for (int i = 0; i < 6; i++)
    {
      t[i] = all[i];
      t[i].offset = o;
      o += (gsize) t[i].shape[0] * (t[i].rank == 2 ? (gsize) t[i].shape[1] : 1);
    }
  return 6;
}

gboolean
gb_dqn_save (const GbDqn *d, const char *path, GError **error)
{
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  Tensor t[6];
  int n = tensors (d->config.hidden, t);
  for (int i = 0; i < n; i++)
    gb_safetensors_writer_add_f32 (w, t[i].name, t[i].shape, t[i].rank, d->params + t[i].offset);
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
  Tensor t[6];
  int n = tensors (c.hidden, t);
  for (int i = 0; i < n; i++)
    if (!gb_safetensors_read_f32 (st, t[i].name, t[i].shape, t[i].rank, d->params + t[i].offset, error))
      return NULL;
  /* (gb_safetensors_read_f32 refuses NaN and infinite weights.) */
  memcpy (d->target, d->params, d->n_params * sizeof (float));
  return g_steal_pointer (&d);
}
