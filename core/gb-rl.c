/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl.c — value and policy iteration, Q-learning, SARSA and expected SARSA. */
#include "gb-rl.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"

/* --- dynamic programming --- */

static inline double
q_of (const GbMdp *mdp, const double *restrict V, int s, int a)
{
  int n;
  const GbOutcome *o = gb_mdp_outcomes (mdp, s, a, &n);
  double q = 0.0;
  for (int k = 0; k < n; k++)
    q += o[k].p * (o[k].r + mdp->gamma * V[o[k].next]);
  return q;
}

double
gb_dp_q (const GbMdp *mdp, const double *V, int s, int a)
{
  return q_of (mdp, V, s, a);
}

/* The sweeps' inner loop: kept inline, the outcomes walked in order. */
static inline double
best_q (const GbMdp *mdp, const double *restrict V, int s)
{
  double best = -INFINITY;
  for (int a = 0; a < mdp->n_actions; a++)
    best = MAX (best, q_of (mdp, V, s, a));
  return best;
}

double
gb_value_iteration_sweep (const GbMdp *mdp, double *V, double *scratch)
{
  double residual = 0.0;
  for (int s = 0; s < mdp->n_states; s++)
    scratch[s] = mdp->terminal[s] ? 0.0 : best_q (mdp, V, s);
  for (int s = 0; s < mdp->n_states; s++)
    {
      residual = MAX (residual, fabs (scratch[s] - V[s]));
      V[s] = scratch[s];
    }
  return residual;
}

double
gb_policy_evaluation_sweep (const GbMdp *mdp, const int *pi, double *V, double *scratch)
{
  double residual = 0.0;
  for (int s = 0; s < mdp->n_states; s++)
    scratch[s] = mdp->terminal[s] ? 0.0 : q_of (mdp, V, s, pi[s]);
  for (int s = 0; s < mdp->n_states; s++)
    {
      residual = MAX (residual, fabs (scratch[s] - V[s]));
      V[s] = scratch[s];
    }
  return residual;
}

int
gb_greedy_policy (const GbMdp *mdp, const double *V, int *pi)
{
  int changed = 0;
  for (int s = 0; s < mdp->n_states; s++)
    {
      if (mdp->terminal[s])
        {
          pi[s] = 0;
          continue;
        }
      double best = best_q (mdp, V, s);
      int choice = 0;
      for (int a = 0; a < mdp->n_actions; a++)
        if (gb_dp_q (mdp, V, s, a) >= best - 1e-12 * MAX (1.0, fabs (best)))
          {
            choice = a;
            break;
          }
      changed += choice != pi[s];
      pi[s] = choice;
    }
  return changed;
}

int
gb_value_iteration (const GbMdp *mdp, double *V, double tol, int max_sweeps)
{
  g_autofree double *scratch = g_new (double, mdp->n_states);
  for (int k = 1; k <= max_sweeps; k++)
    if (gb_value_iteration_sweep (mdp, V, scratch) < tol)
      return k;
  return -1;
}

int
gb_policy_iteration (const GbMdp *mdp, int *pi, double *V, double tol, int max_iters)
{
  g_autofree double *scratch = g_new (double, mdp->n_states);
  int max_eval = 10 * mdp->n_states + 100;
  for (int it = 0; it < max_iters; it++)
    {
      gboolean converged = FALSE;
      for (int k = 0; k < max_eval && !converged; k++)
        converged = gb_policy_evaluation_sweep (mdp, pi, V, scratch) < tol;
      if (gb_greedy_policy (mdp, V, pi) == 0 && converged)
        return it;
    }
  return -1;
}

char *
gb_dp_explain (const GbMdp *mdp, const double *V, int s, const char *const *action_names)
{
  GString *out = g_string_new (NULL);
  if (mdp->terminal[s])
    {
      g_string_append (out, _("terminal: V(s) = 0 (its reward was paid on entering it)"));
      return g_string_free (out, FALSE);
    }
  g_string_append (out, "V(s) ← max_a Σ_s′ p·(r + γ·V(s′))");
  double best = -INFINITY;
  int best_a = 0;
  for (int a = 0; a < mdp->n_actions; a++)
    {
      int n;
      const GbOutcome *o = gb_mdp_outcomes (mdp, s, a, &n);
      g_string_append_printf (out, "\n  %s: ", action_names ? action_names[a] : "?");
      for (int k = 0; k < n; k++)
        g_string_append_printf (out, "%s%.3g·(%.3g + %.3g·%.3f)", k ? " + " : "", o[k].p, o[k].r, mdp->gamma,
                                V[o[k].next]);
      double q = gb_dp_q (mdp, V, s, a);
      g_string_append_printf (out, " = %.4f", q);
      if (q > best)
        best = q, best_a = a;
    }
  g_string_append_printf (out, "\n  = %.4f (%s)", best, action_names ? action_names[best_a] : "?");
  return g_string_free (out, FALSE);
}

char *
gb_dp_explain_policy (const GbMdp *mdp, const double *V, int s, int a, const char *const *action_names)
{
  g_return_val_if_fail (a >= 0 && a < mdp->n_actions, NULL);
  if (mdp->terminal[s])
    return g_strdup (_("terminal: V(s) = 0 (its reward was paid on entering it)"));
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, _("V(s) ← Σ_s′ p·(r + γ·V(s′)) with π(s) = %s\n  = "), action_names ? action_names[a] : "?");
  int n;
  const GbOutcome *o = gb_mdp_outcomes (mdp, s, a, &n);
  for (int k = 0; k < n; k++)
    g_string_append_printf (out, "%s%.3g·(%.3g + %.3g·%.3f)", k ? " + " : "", o[k].p, o[k].r, mdp->gamma,
                            V[o[k].next]);
  g_string_append_printf (out, "\n  = %.4f", gb_dp_q (mdp, V, s, a));
  return g_string_free (out, FALSE);
}

typedef struct {
  double *V;
  int *pi;
  double residual;
  int sweeps, improvements;
  gboolean done;
} DpSaved;

static void
dp_saved_free (gpointer p)
{
  DpSaved *d = p;
  g_free (d->V);
  g_free (d->pi);
  g_free (d);
}

GbDpRun *
gb_dp_run_new (const GbMdp *mdp, GbDpAlgo algo, const int *policy, double tol, int history_max)
{
  GbDpRun *run = g_new0 (GbDpRun, 1);
  run->mdp = mdp;
  run->algo = algo;
  run->tol = tol;
  run->V = g_new0 (double, mdp->n_states);
  run->pi = g_new0 (int, mdp->n_states);
  if (policy != NULL)
    memcpy (run->pi, policy, (gsize) mdp->n_states * sizeof (int));
  run->residual = INFINITY;
  run->history = g_ptr_array_new_with_free_func (dp_saved_free);
  run->history_max = MAX (history_max, 0);
  return run;
}

void
gb_dp_run_free (GbDpRun *run)
{
  if (run == NULL)
    return;
  g_free (run->V);
  g_free (run->pi);
  g_ptr_array_unref (run->history);
  g_free (run);
}

gboolean
gb_dp_run_step (GbDpRun *run)
{
  if (run->done)
    return FALSE;
  int n = run->mdp->n_states;
  if (run->history_max > 0)
    {
      DpSaved *d = g_new0 (DpSaved, 1);
      d->V = g_memdup2 (run->V, (gsize) n * sizeof (double));
      d->pi = g_memdup2 (run->pi, (gsize) n * sizeof (int));
      d->residual = run->residual, d->sweeps = run->sweeps, d->improvements = run->improvements;
      d->done = run->done;
      g_ptr_array_add (run->history, d);
      if ((int) run->history->len > run->history_max)
        g_ptr_array_remove_index (run->history, 0);
    }
  g_autofree double *scratch = g_new (double, n);
  switch (run->algo)
    {
    case GB_DP_VALUE_ITERATION:
      run->residual = gb_value_iteration_sweep (run->mdp, run->V, scratch);
      run->sweeps++;
      gb_greedy_policy (run->mdp, run->V, run->pi);
      run->done = run->residual < run->tol;
      break;
    case GB_DP_POLICY_EVALUATION:
      run->residual = gb_policy_evaluation_sweep (run->mdp, run->pi, run->V, scratch);
      run->sweeps++;
      run->done = run->residual < run->tol;
      break;
    case GB_DP_POLICY_ITERATION:
      if (run->residual >= run->tol)
        {
          run->residual = gb_policy_evaluation_sweep (run->mdp, run->pi, run->V, scratch);
          run->sweeps++;
        }
      else
        {
          /* The evaluation has converged: improve. A stable policy ends the run. */
          run->improvements++;
          if (gb_greedy_policy (run->mdp, run->V, run->pi) == 0)
            run->done = TRUE;
          else
            run->residual = INFINITY;
        }
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

gboolean
gb_dp_run_back (GbDpRun *run)
{
  if (run->history->len == 0)
    return FALSE;
  DpSaved *d = g_ptr_array_steal_index (run->history, run->history->len - 1);
  int n = run->mdp->n_states;
  memcpy (run->V, d->V, (gsize) n * sizeof (double));
  memcpy (run->pi, d->pi, (gsize) n * sizeof (int));
  run->residual = d->residual, run->sweeps = d->sweeps, run->improvements = d->improvements;
  run->done = d->done;
  dp_saved_free (d);
  return TRUE;
}

/* --- TD control --- */

void
gb_td_config_init (GbTdConfig *c)
{
  c->algo = GB_TD_Q_LEARNING;
  c->alpha = 0.5;
  c->gamma = 1.0;
  c->epsilon = 0.1;
  c->epsilon_decay = 1.0;
  c->epsilon_min = 0.0;
  c->max_steps = 10000;
  c->seed = 1;
  c->first_of_ties = FALSE;
}

gboolean
gb_td_config_check (const GbTdConfig *c, GError **error)
{
  const char *what = NULL;
  double v = 0;
  const char *range = NULL;
  if (!(c->alpha > 0.0 && c->alpha <= 1.0))
    what = "α", v = c->alpha, range = "(0, 1]";
  else if (!(c->gamma >= 0.0 && c->gamma <= 1.0))
    what = "γ", v = c->gamma, range = "[0, 1]";
  else if (!(c->epsilon >= 0.0 && c->epsilon <= 1.0))
    what = "ε", v = c->epsilon, range = "[0, 1]";
  else if (!(c->epsilon_decay > 0.0 && c->epsilon_decay <= 1.0))
    what = "ε decay", v = c->epsilon_decay, range = "(0, 1]";
  else if (!(c->epsilon_min >= 0.0 && c->epsilon_min <= 1.0))
    what = "minimum ε", v = c->epsilon_min, range = "[0, 1]";
  else if (c->max_steps < 1 || c->max_steps > 100000000)
    what = "steps per episode", v = c->max_steps, range = "1…100000000";
  if (what != NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%s %g is outside %s"), what, v, range);
      return FALSE;
    }
  return TRUE;
}

const char *
gb_td_algo_name (GbTdAlgo algo)
{
  switch (algo)
    {
    case GB_TD_Q_LEARNING: return "q-learning";
    case GB_TD_SARSA: return "sarsa";
    case GB_TD_EXPECTED_SARSA: return "expected-sarsa";
    default: return "?";
    }
}

gboolean
gb_td_algo_parse (const char *name, GbTdAlgo *algo)
{
  for (int a = GB_TD_Q_LEARNING; a <= GB_TD_EXPECTED_SARSA; a++)
    if (g_str_equal (name, gb_td_algo_name (a)))
      {
        *algo = a;
        return TRUE;
      }
  return FALSE;
}

/* Everything one step changes, as it was before the step. */
typedef struct {
  int s, a, t, episodes, bucket, pending;
  gboolean in_episode;
  double G, epsilon, last_return, pending_return, pending_length;
  GbRng rng;
  guint returns_len;
  gsize q_index;
  double q_old;
} TdUndo;

GbTdAgent *
gb_td_agent_new (const GbMdp *mdp, const GbTdConfig *config, GError **error)
{
  g_return_val_if_fail (mdp != NULL && config != NULL, NULL);
  if (!gb_td_config_check (config, error))
    return NULL;
  GbTdAgent *agent = g_new0 (GbTdAgent, 1);
  agent->mdp = mdp;
  agent->config = *config;
  agent->epsilon = config->epsilon;
  agent->Q = g_new0 (double, (gsize) mdp->n_states * mdp->n_actions);
  gb_rng_init (&agent->rng, config->seed);
  agent->undo = g_array_new (FALSE, FALSE, sizeof (TdUndo));
  agent->returns = g_array_sized_new (FALSE, FALSE, sizeof (double), 1024);
  agent->lengths = g_array_sized_new (FALSE, FALSE, sizeof (double), 1024);
  agent->bucket = 1;
  return agent;
}

void
gb_td_agent_free (GbTdAgent *agent)
{
  if (agent == NULL)
    return;
  g_free (agent->Q);
  g_array_unref (agent->returns);
  g_array_unref (agent->lengths);
  g_array_unref (agent->undo);
  g_free (agent);
}

gboolean
gb_td_agent_set_params (GbTdAgent *agent, double alpha, double gamma, double epsilon, GError **error)
{
  GbTdConfig c = agent->config;
  c.alpha = alpha;
  c.gamma = gamma;
  c.epsilon = epsilon;
  if (!gb_td_config_check (&c, error))
    return FALSE;
  agent->config = c;
  agent->epsilon = epsilon;
  return TRUE;
}

void
gb_td_agent_set_mdp (GbTdAgent *agent, const GbMdp *mdp)
{
  g_return_if_fail (mdp->n_states == agent->mdp->n_states && mdp->n_actions == agent->mdp->n_actions);
  agent->mdp = mdp;
}

int
gb_td_agent_greedy (const GbTdAgent *agent, int s)
{
  const double *q = agent->Q + (gsize) s * agent->mdp->n_actions;
  int best = 0;
  for (int a = 1; a < agent->mdp->n_actions; a++)
    if (q[a] > q[best])
      best = a;
  return best;
}

/* The ε-greedy choice in s from one 64-bit draw r: explore when the top 24
 * bits fall below ε·2²⁴ (then the low 32 bits pick the action), else the
 * greedy action, ties broken by bits 32…47. One draw a decision keeps the
 * step loop short; gb_td_agent_run_steps repeats exactly this. */
static inline int
choose_from (const double *restrict q, int A, guint64 r, guint32 eps24, gboolean first_of_ties)
{
  if ((guint32) (r >> 40) < eps24)
    return (int) (((r & 0xffffffffu) * (guint64) A) >> 32);
  if (first_of_ties)
    {
      /* As np.argmax: the first of the best, half the work of drawing among them. */
      double best = q[0];
      int pick = 0;
      for (int a = 1; a < A; a++)
        if (q[a] > best)
          best = q[a], pick = a;
      return pick;
    }
  double best = q[0];
  int n_best = 1, pick = 0;
  for (int a = 1; a < A; a++)
    if (q[a] > best)
      {
        best = q[a];
        n_best = 1;
        pick = a;
      }
    else if (q[a] == best)
      n_best++;
  if (n_best > 1)
    {
      int k = (int) ((((r >> 32) & 0xffffu) * (guint64) n_best) >> 16);
      for (int a = 0; a < A; a++)
        if (q[a] == best && k-- == 0)
          return a;
    }
  return pick;
}

static inline guint32
eps24_of (double epsilon)
{
  return (guint32) MIN (epsilon * 16777216.0, 16777216.0);
}

static int
choose (GbTdAgent *agent, int s)
{
  int A = agent->mdp->n_actions;
  return choose_from (agent->Q + (gsize) s * A, A, gb_rng_next (&agent->rng), eps24_of (agent->epsilon),
                      agent->config.first_of_ties);
}

/* s′ and r for (s, a): no draw when there is one outcome, else one. */
static inline int
sample_from (const GbOutcome *o, int n, GbRng *rng, double *r)
{
  if (n == 1)
    {
      *r = o->r;
      return (int) o->next;
    }
  float u = (float) (gb_rng_next_inline (rng) >> 40) * (1.0f / 16777216.0f);
  for (int k = 0; k < n - 1; k++)
    {
      if (u < o[k].p)
        {
          *r = o[k].r;
          return (int) o[k].next;
        }
      u -= o[k].p;
    }
  *r = o[n - 1].r;
  return (int) o[n - 1].next;
}

static int
sample_next (GbTdAgent *agent, int s, int a, double *r)
{
  int n;
  const GbOutcome *o = gb_mdp_outcomes (agent->mdp, s, a, &n);
  return sample_from (o, n, &agent->rng, r);
}

/* Σ_a π(a|s) Q(s, a) under the ε-greedy policy: ε/A on every action and
 * 1 − ε on the greedy value (however ties share it, they share one value). */
static double
expected_q (const GbTdAgent *agent, int s)
{
  int A = agent->mdp->n_actions;
  const double *q = agent->Q + (gsize) s * A;
  double best = q[0], sum = 0.0;
  for (int a = 0; a < A; a++)
    {
      best = MAX (best, q[a]);
      sum += q[a];
    }
  return agent->epsilon * sum / A + (1.0 - agent->epsilon) * best;
}

static void end_episode (GbTdAgent *agent, double G, int length);

void
gb_td_agent_set_history (GbTdAgent *agent, int n)
{
  agent->undo_max = MAX (n, 0);
  if ((int) agent->undo->len > agent->undo_max)
    g_array_remove_range (agent->undo, 0, agent->undo->len - agent->undo_max);
}

gboolean
gb_td_agent_step_back (GbTdAgent *agent)
{
  if (agent->undo->len == 0)
    return FALSE;
  TdUndo *u = &g_array_index (agent->undo, TdUndo, agent->undo->len - 1);
  agent->s = u->s, agent->a = u->a, agent->t = u->t, agent->episodes = u->episodes;
  agent->in_episode = u->in_episode;
  agent->G = u->G, agent->epsilon = u->epsilon, agent->last_return = u->last_return;
  agent->bucket = u->bucket, agent->pending = u->pending;
  agent->pending_return = u->pending_return, agent->pending_length = u->pending_length;
  agent->rng = u->rng;
  g_array_set_size (agent->returns, u->returns_len);
  g_array_set_size (agent->lengths, u->returns_len);
  agent->Q[u->q_index] = u->q_old;
  g_array_set_size (agent->undo, agent->undo->len - 1);
  return TRUE;
}

void
gb_td_agent_step (GbTdAgent *agent, GbTdStep *step)
{
  const GbMdp *mdp = agent->mdp;
  const GbTdConfig *c = &agent->config;
  int A = mdp->n_actions;
  TdUndo undo = { agent->s, agent->a, agent->t, agent->episodes, agent->bucket, agent->pending,
                  agent->in_episode, agent->G, agent->epsilon, agent->last_return, agent->pending_return,
                  agent->pending_length, agent->rng, agent->returns->len, 0, 0.0 };
  if (!agent->in_episode)
    {
      agent->s = (int) mdp->start;
      agent->a = choose (agent, agent->s);
      agent->in_episode = TRUE;
      agent->t = 0;
      agent->G = 0.0;
    }
  int s = agent->s;
  int a = c->algo == GB_TD_SARSA ? agent->a : choose (agent, s);
  double r;
  int s2 = sample_next (agent, s, a, &r);
  agent->t++;
  agent->G += r;
  gboolean end = mdp->terminal[s2];
  double target = r;
  int a2 = 0;
  if (!end)
    {
      switch (c->algo)
        {
        case GB_TD_Q_LEARNING:
          {
            const double *q2 = agent->Q + (gsize) s2 * A;
            double m = q2[0];
            for (int k = 1; k < A; k++)
              m = MAX (m, q2[k]);
            target += c->gamma * m;
            break;
          }
        case GB_TD_SARSA:
          a2 = choose (agent, s2);
          target += c->gamma * agent->Q[(gsize) s2 * A + a2];
          break;
        case GB_TD_EXPECTED_SARSA:
          target += c->gamma * expected_q (agent, s2);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  double *q = &agent->Q[(gsize) s * A + a];
  double delta = target - *q;
  if (agent->undo_max > 0)
    {
      undo.q_index = (gsize) s * A + a;
      undo.q_old = *q;
      g_array_append_val (agent->undo, undo);
      if ((int) agent->undo->len > agent->undo_max)
        g_array_remove_index (agent->undo, 0);
    }
  *q += c->alpha * delta;
  if (agent->t >= c->max_steps)
    end = TRUE;
  if (step != NULL)
    *step = (GbTdStep) { s, a, r, s2, delta, end };
  agent->s = s2;
  agent->a = a2;
  if (end)
    {
      agent->in_episode = FALSE;
      end_episode (agent, agent->G, agent->t);
    }
}

double
gb_td_agent_run_episode (GbTdAgent *agent)
{
  GbTdStep st;
  do
    gb_td_agent_step (agent, &st);
  while (!st.episode_end);
  return agent->last_return;
}

/* --- episodes --- */

static void
halve (GArray *a)
{
  double *v = (double *) a->data;
  for (guint i = 0; i < a->len / 2; i++)
    v[i] = 0.5 * (v[2 * i] + v[2 * i + 1]);
  g_array_set_size (a, a->len / 2);
}

static void
end_episode (GbTdAgent *agent, double G, int length)
{
  const GbTdConfig *c = &agent->config;
  agent->episodes++;
  agent->last_return = G;
  agent->pending_return += G;
  agent->pending_length += length;
  if (++agent->pending == agent->bucket)
    {
      double mr = agent->pending_return / agent->bucket, ml = agent->pending_length / agent->bucket;
      g_array_append_val (agent->returns, mr);
      g_array_append_val (agent->lengths, ml);
      agent->pending = 0;
      agent->pending_return = agent->pending_length = 0.0;
      if (agent->returns->len >= GB_TD_HISTORY)
        {
          halve (agent->returns);
          halve (agent->lengths);
          agent->bucket *= 2;
          g_array_set_size (agent->undo, 0);   /* an average cannot be taken back */
        }
    }
  agent->epsilon = MAX (c->epsilon_min, agent->epsilon * c->epsilon_decay);
}

/* --- the fast loop --- */

/* n steps of gb_td_agent_step, the same draws and the same arithmetic, with
 * the agent's state in locals so the compiler keeps it in registers. The
 * algorithm is a constant at each call, so each gets its own loop. */
static inline __attribute__ ((always_inline)) void
run_steps (GbTdAgent *agent, gint64 n, const GbTdAlgo algo, const int fixed_A, const gboolean first)
{
  const GbMdp *mdp = agent->mdp;
  const GbTdConfig *c = &agent->config;
  /* Gridworlds have four actions: a constant lets the compiler unroll. */
  const int A = fixed_A ? fixed_A : mdp->n_actions;
  const double alpha = c->alpha, gamma = c->gamma;
  double *restrict Q = agent->Q;
  const guint8 *restrict term = mdp->terminal;
  guint32 eps24 = eps24_of (agent->epsilon);
  /* Deterministic worlds (one outcome for every move) read a flat table:
   * one load for s′ and one for r instead of an offset, a count and a struct. */
  g_autofree guint32 *det_next = NULL;
  g_autofree float *det_r = NULL;
  gboolean det = TRUE;
  for (int k = 0; k < mdp->n_states * A && det; k++)
    det = mdp->terminal[k / A] || mdp->offsets[k + 1] - mdp->offsets[k] == 1;
  if (det && n > 4 * (gint64) mdp->n_states * A)
    {
      det_next = g_new (guint32, (gsize) mdp->n_states * A);
      det_r = g_new (float, (gsize) mdp->n_states * A);
      for (int k = 0; k < mdp->n_states * A; k++)
        {
          const GbOutcome *o = mdp->outcomes + mdp->offsets[k];
          det_next[k] = mdp->terminal[k / A] ? 0 : o->next;
          det_r[k] = mdp->terminal[k / A] ? 0.0f : o->r;
        }
    }
  /* The generator's state and every constant in locals: this file is built
   * with -fno-strict-aliasing, so each store to Q would otherwise reload them. */
  GbRng rng = agent->rng;
  const int max_steps = c->max_steps, start = (int) mdp->start;
  const guint32 *restrict dnext = det_next;
  const float *restrict dr = det_r;
  int s = agent->s, a = agent->a, t = agent->t;
  double G = agent->G;
  gboolean in_episode = agent->in_episode;
  for (gint64 i = 0; i < n; i++)
    {
      if (!in_episode)
        {
          s = start;
          a = choose_from (Q + (gsize) s * A, A, gb_rng_next_inline (&rng), eps24, first);
          in_episode = TRUE;
          t = 0;
          G = 0.0;
        }
      if (algo != GB_TD_SARSA)
        a = choose_from (Q + (gsize) s * A, A, gb_rng_next_inline (&rng), eps24, first);
      double r;
      int s2;
      if (dnext != NULL)
        {
          s2 = (int) dnext[s * A + a];
          r = dr[s * A + a];
        }
      else
        {
          int no;
          const GbOutcome *o = gb_mdp_outcomes (mdp, s, a, &no);
          s2 = sample_from (o, no, &rng, &r);
        }
      t++;
      G += r;
      gboolean end = term[s2];
      double target = r;
      int a2 = 0;
      if (!end)
        {
          const double *q2 = Q + (gsize) s2 * A;
          if (algo == GB_TD_Q_LEARNING)
            {
              double m = q2[0];
              for (int k = 1; k < A; k++)
                m = MAX (m, q2[k]);
              target += gamma * m;
            }
          else if (algo == GB_TD_SARSA)
            {
              a2 = choose_from (q2, A, gb_rng_next_inline (&rng), eps24, first);
              target += gamma * q2[a2];
            }
          else
            {
              double best = q2[0], sum = 0.0;
              for (int k = 0; k < A; k++)
                {
                  best = MAX (best, q2[k]);
                  sum += q2[k];
                }
              target += gamma * (agent->epsilon * sum / A + (1.0 - agent->epsilon) * best);
            }
        }
      double *q = &Q[(gsize) s * A + a];
      *q += alpha * (target - *q);
      if (t >= max_steps)
        end = TRUE;
      s = s2;
      a = a2;
      if (end)
        {
          in_episode = FALSE;
          end_episode (agent, G, t);
          eps24 = eps24_of (agent->epsilon);
        }
    }
  agent->rng = rng;
  agent->s = s;
  agent->a = a;
  agent->t = t;
  agent->G = G;
  agent->in_episode = in_episode;
}

/* Not cloned for x86-64-v3: with FMA on the Q update's dependency chain it
 * measured 7 % slower, and results would differ between CPUs. */
void
gb_td_agent_run_steps (GbTdAgent *agent, gint64 n)
{
  g_array_set_size (agent->undo, 0);
  gboolean four = agent->mdp->n_actions == 4, first = agent->config.first_of_ties;
  /* Each combination of the constants gets its own loop. */
#define RUN(ALGO) \
  (four ? (first ? run_steps (agent, n, ALGO, 4, TRUE) : run_steps (agent, n, ALGO, 4, FALSE)) \
        : (first ? run_steps (agent, n, ALGO, 0, TRUE) : run_steps (agent, n, ALGO, 0, FALSE)))
  switch (agent->config.algo)
    {
    case GB_TD_Q_LEARNING:
      RUN (GB_TD_Q_LEARNING);
      break;
    case GB_TD_SARSA:
      RUN (GB_TD_SARSA);
      break;
    case GB_TD_EXPECTED_SARSA:
      RUN (GB_TD_EXPECTED_SARSA);
      break;
    default:
      g_assert_not_reached ();
    }
#undef RUN
}

gboolean
gb_td_learning_curve (const GbMdp *mdp, const GbTdConfig *config, int seeds, int episodes, double *mean,
                      double *sd, double *Q_first, GbRlProgress progress, gpointer progress_data,
                      GCancellable *cancel, GError **error)
{
  if (seeds < 1 || seeds > 10000 || episodes < 1 || episodes > 10000000)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("%d seeds of %d episodes is outside 1…10000 seeds and 1…10000000 episodes"), seeds, episodes);
      return FALSE;
    }
  memset (mean, 0, (gsize) episodes * sizeof (double));
  memset (sd, 0, (gsize) episodes * sizeof (double));
  for (int k = 0; k < seeds; k++)
    {
      GbTdConfig c = *config;
      c.seed = config->seed + (guint64) k;
      g_autoptr (GbTdAgent) agent = gb_td_agent_new (mdp, &c, error);
      if (agent == NULL)
        return FALSE;
      for (int e = 0; e < episodes; e++)
        {
          if (g_cancellable_set_error_if_cancelled (cancel, error))
            return FALSE;
          double G = gb_td_agent_run_episode (agent);
          /* Welford's running mean and sum of squares, per episode. */
          double d = G - mean[e];
          mean[e] += d / (k + 1);
          sd[e] += d * (G - mean[e]);
          if (progress != NULL)
            progress ((gint64) k * episodes + e + 1, (gint64) seeds * episodes, progress_data);
        }
      if (k == 0 && Q_first != NULL)
        memcpy (Q_first, agent->Q, (gsize) mdp->n_states * mdp->n_actions * sizeof (double));
    }
  for (int e = 0; e < episodes; e++)
    sd[e] = seeds > 1 ? sqrt (sd[e] / (seeds - 1)) : 0.0;
  return TRUE;
}
