/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-learner.c — a gridworld learner stepped one sweep or action at a time. */
#include "gb-rl-learner.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#define MAX_ERROR_POINTS 4096

const char *const gb_learn_keys[GB_LEARN_N] = { "value-iteration", "policy-iteration", "policy-evaluation",
                                                "q-learning", "sarsa", "expected-sarsa" };
const char *const gb_learn_titles[GB_LEARN_N] = { N_("Value iteration"), N_("Policy iteration"), N_("Policy evaluation"),
                                                  N_("Q-learning"), "SARSA", N_("Expected SARSA") };
const char *const gb_action_names[4] = { "↑", "→", "↓", "←" };

GbTdAlgo
gb_learn_td_algo (GbLearnAlgo algo)
{
  return algo == GB_LEARN_SARSA ? GB_TD_SARSA : algo == GB_LEARN_EXPECTED_SARSA ? GB_TD_EXPECTED_SARSA
                                                                               : GB_TD_Q_LEARNING;
}

GbGridLearner *
gb_grid_learner_new (const GbGrid *grid, GbLearnAlgo algo, const GbTdConfig *td, const int *policy, int history,
                     GError **error)
{
  g_autoptr (GbGridLearner) l = g_new0 (GbGridLearner, 1);
  int n = grid->mdp->n_states;
  l->grid = grid;
  l->algo = algo;
  l->V_before = g_new0 (double, n);
  l->records = g_new0 (GbTdRecord, n);
  for (int s = 0; s < n; s++)
    l->records[s].step.s = -1;
  l->trail = g_array_new (FALSE, FALSE, sizeof (int));
  l->err_x = g_array_new (FALSE, FALSE, sizeof (double));
  l->err_y = g_array_new (FALSE, FALSE, sizeof (double));
  if (gb_learn_is_td (algo))
    {
      GbTdConfig c = *td;
      c.algo = gb_learn_td_algo (algo);
      c.gamma = grid->mdp->gamma;
      l->agent = gb_td_agent_new (grid->mdp, &c, error);
      if (l->agent == NULL)
        return NULL;
      gb_td_agent_set_history (l->agent, history);
    }
  else
    {
      GbDpAlgo a = algo == GB_LEARN_VALUE_ITERATION ? GB_DP_VALUE_ITERATION
                 : algo == GB_LEARN_POLICY_ITERATION ? GB_DP_POLICY_ITERATION : GB_DP_POLICY_EVALUATION;
      l->dp = gb_dp_run_new (grid->mdp, a, algo == GB_LEARN_VALUE_ITERATION ? NULL : policy, 1e-6, history);
    }
  return g_steal_pointer (&l);
}

void
gb_grid_learner_free (GbGridLearner *l)
{
  if (l == NULL)
    return;
  g_clear_pointer (&l->dp, gb_dp_run_free);
  g_clear_pointer (&l->agent, gb_td_agent_free);
  g_free (l->V_before);
  g_free (l->records);
  g_array_unref (l->trail);
  g_array_unref (l->err_x);
  g_array_unref (l->err_y);
  g_free (l);
}

void
gb_grid_learner_set_mdp (GbGridLearner *l)
{
  if (l->agent != NULL)
    gb_td_agent_set_mdp (l->agent, l->grid->mdp);
  if (l->dp != NULL)
    {
      l->dp->mdp = l->grid->mdp;
      l->dp->done = FALSE;
    }
}

static void
push_error (GbGridLearner *l, double x, double y)
{
  if (l->err_x->len >= MAX_ERROR_POINTS)
    {
      /* Keep every other point: the curve stays bounded and spans the run. */
      guint j = 0;
      for (guint i = 0; i < l->err_x->len; i += 2, j++)
        {
          g_array_index (l->err_x, double, j) = g_array_index (l->err_x, double, i);
          g_array_index (l->err_y, double, j) = g_array_index (l->err_y, double, i);
        }
      g_array_set_size (l->err_x, j);
      g_array_set_size (l->err_y, j);
    }
  g_array_append_val (l->err_x, x);
  g_array_append_val (l->err_y, y);
}

/* One sweep, keeping the values it started from (for the backup shown on click). */
static gboolean
dp_step (GbGridLearner *l)
{
  memcpy (l->V_before, l->dp->V, l->grid->mdp->n_states * sizeof (double));
  if (!gb_dp_run_step (l->dp))
    return FALSE;
  push_error (l, l->dp->sweeps, l->dp->residual);
  return TRUE;
}

/* One action of the TD agent: the trail and the numbers of the update are kept. */
static void
td_step (GbGridLearner *l)
{
  GbTdStep st;
  int episode = l->agent->episodes, t = l->agent->t;
  gb_td_agent_step (l->agent, &st);
  l->steps++;
  double q_after = l->agent->Q[(gsize) st.s * 4 + st.a];
  double alpha = l->agent->config.alpha;
  l->records[st.s] = (GbTdRecord) { st, q_after - alpha * st.td_error, alpha, episode, t };
  if (l->trail_done)
    {
      g_array_set_size (l->trail, 0);
      l->trail_done = FALSE;
    }
  if (l->trail->len == 0)
    g_array_append_val (l->trail, st.s);
  g_array_append_val (l->trail, st.s_next);
  l->trail_done = st.episode_end;
}

gboolean
gb_grid_learner_step (GbGridLearner *l)
{
  if (l->dp != NULL)
    return dp_step (l);
  td_step (l);
  return TRUE;
}

gboolean
gb_grid_learner_back (GbGridLearner *l)
{
  if (l->dp != NULL)
    {
      if (!gb_dp_run_back (l->dp))
        return FALSE;
      if (l->err_x->len > 0)
        {
          g_array_set_size (l->err_x, l->err_x->len - 1);
          g_array_set_size (l->err_y, l->err_y->len - 1);
        }
      return TRUE;
    }
  if (!gb_td_agent_step_back (l->agent))
    return FALSE;
  l->steps--;
  if (l->trail->len > 0)
    {
      g_array_set_size (l->trail, l->trail->len - 1);
      l->trail_done = FALSE;
      if (l->trail->len == 1)
        g_array_set_size (l->trail, 0);
    }
  return TRUE;
}

void
gb_grid_learner_episode (GbGridLearner *l)
{
  if (l->dp != NULL)
    {
      for (int i = 0; i < 100000 && dp_step (l); i++)   /* to convergence (bounded) */
        ;
      return;
    }
  int e = l->agent->episodes, t0 = l->agent->t;
  int limit = l->agent->in_episode ? l->agent->config.max_steps - t0 : l->agent->config.max_steps;
  /* Step by step so the trail is drawn, up to the episode's end or a bound. */
  g_array_set_size (l->trail, 0);
  l->trail_done = FALSE;
  for (int i = 0; i < MAX (limit, 1) && l->agent->episodes == e; i++)
    td_step (l);
}

void
gb_grid_learner_run_episodes (GbGridLearner *l, int n)
{
  for (int e = 0; e < n; e++)
    {
      GbTdStep st;
      do
        {
          gb_td_agent_step (l->agent, &st);
          l->steps++;
        }
      while (!st.episode_end);
      gb_grid_learner_note_error (l, l->steps, l->agent->Q);
    }
}

gint64
gb_grid_learner_run (gpointer data, gint64 max)
{
  GbGridLearner *l = data;
  gb_td_agent_run_steps (l->agent, max);
  l->steps += max;
  return max;
}

void
gb_grid_learner_tables (const GbGridLearner *l, double *V, double *Q, int *pi)
{
  const GbMdp *mdp = l->grid->mdp;
  int n = mdp->n_states;
  if (l->dp != NULL)
    {
      memcpy (V, l->dp->V, n * sizeof (double));
      memcpy (pi, l->dp->pi, n * sizeof (int));
      for (int s = 0; s < n; s++)
        for (int a = 0; a < 4; a++)
          Q[s * 4 + a] = gb_dp_q (mdp, V, s, a);
      return;
    }
  memcpy (Q, l->agent->Q, (gsize) n * 4 * sizeof (double));
  for (int s = 0; s < n; s++)
    {
      pi[s] = gb_td_agent_greedy (l->agent, s);
      V[s] = mdp->terminal[s] ? 0.0 : Q[s * 4 + pi[s]];
    }
}

double
gb_grid_bellman_error_q (const GbGrid *g, const double *Q)
{
  const GbMdp *mdp = g->mdp;
  double worst = 0.0;
  for (int s = 0; s < mdp->n_states; s++)
    {
      /* Cliff cells are states no agent ever stands in (they send it back to the start). */
      if (mdp->terminal[s] || g->cells[g->cell_of_state[s]] == GB_CELL_CLIFF)
        continue;
      for (int a = 0; a < 4; a++)
        {
          int k;
          const GbOutcome *o = gb_mdp_outcomes (mdp, s, a, &k);
          double t = 0.0;
          for (int i = 0; i < k; i++)
            {
              const double *q = Q + (gsize) o[i].next * 4;
              double m = mdp->terminal[o[i].next] ? 0.0 : MAX (MAX (q[0], q[1]), MAX (q[2], q[3]));
              t += o[i].p * (o[i].r + mdp->gamma * m);
            }
          worst = MAX (worst, fabs (t - Q[(gsize) s * 4 + a]));
        }
    }
  return worst;
}

void
gb_grid_learner_note_error (GbGridLearner *l, gint64 steps, const double *Q)
{
  if (l->agent == NULL || steps == l->err_last_steps)
    return;
  push_error (l, (double) steps, gb_grid_bellman_error_q (l->grid, Q));
  l->err_last_steps = steps;
}

char *
gb_grid_learner_status (const GbGridLearner *l)
{
  const char *title = _(gb_learn_titles[l->algo]);
  if (l->agent != NULL)
    return g_strdup_printf (_("%s · episode %d · step %d of this episode · %lld steps · ε %.3f · last return %.3g"),
                            title, l->agent->episodes + 1, l->agent->in_episode ? l->agent->t : 0, (long long) l->steps,
                            l->agent->epsilon, l->agent->last_return);
  if (l->dp->sweeps == 0)
    return g_strdup_printf (_("%s · no sweep yet: V = 0 everywhere"), title);
  g_autofree char *more = l->algo == GB_LEARN_POLICY_ITERATION
                        ? g_strdup_printf (_(" · %d improvements"), l->dp->improvements) : g_strdup ("");
  return g_strdup_printf (_("%s · sweep %d · Bellman residual %.3g%s%s"), title, l->dp->sweeps, l->dp->residual, more,
                          l->dp->done ? _(" · converged") : "");
}

char *
gb_grid_learner_title (const GbGridLearner *l)
{
  g_autofree char *status = gb_grid_learner_status (l);
  return g_strdup_printf ("%s — %s", l->grid->name, status);
}

char *
gb_grid_learner_explain (const GbGridLearner *l, int s, const int *pi)
{
  const GbMdp *mdp = l->grid->mdp;
  if (l->dp != NULL)
    {
      if (l->dp->sweeps == 0)
        return g_strdup (_("No sweep yet: V(s) = 0 everywhere. Press Step."));
      g_autofree char *body = l->algo == GB_LEARN_VALUE_ITERATION
        ? gb_dp_explain (mdp, l->V_before, s, gb_action_names)
        : gb_dp_explain_policy (mdp, l->V_before, s, pi[s], gb_action_names);
      return g_strdup_printf (_("Sweep %d, from the values of sweep %d:\n%s"), l->dp->sweeps, l->dp->sweeps - 1, body);
    }
  const GbTdRecord *rec = &l->records[s];
  const char *rule = l->agent->config.algo == GB_TD_Q_LEARNING ? "r + γ·max_a′ Q(s′, a′)"
                   : l->agent->config.algo == GB_TD_SARSA ? "r + γ·Q(s′, a′)" : "r + γ·Σ_a′ π(a′|s′)·Q(s′, a′)";
  if (rec->step.s < 0)
    return g_strdup_printf (_("Q(s, a) ← Q(s, a) + α·(%s − Q(s, a))\nNo update of this state has been stepped "
                            "one action at a time yet: press Step to see one with its numbers."), rule);
  double target = rec->q_before + rec->step.td_error;
  double next = mdp->gamma > 0 ? (target - rec->step.r) / mdp->gamma : 0.0;
  const char *a = gb_action_names[rec->step.a];
  return g_strdup_printf (_("Q(s, a) ← Q(s, a) + α·(%s − Q(s, a))\n"
                            "Last update here (episode %d, step %d), a = %s, r = %.3g:\n"
                            "  target = %.3g + %.3g·%.4f = %.4f\n"
                            "  Q(s, %s) ← %.4f + %.3g·(%.4f − %.4f) = %.4f"),
                          rule, rec->episode + 1, rec->t + 1, a, rec->step.r, rec->step.r, mdp->gamma, next, target,
                          a, rec->q_before, rec->alpha, target, rec->q_before,
                          rec->q_before + rec->alpha * rec->step.td_error);
}

char *
gb_grid_describe_state (const GbGrid *g, int s, const double *V, const double *Q)
{
  static const char *const kinds[] = { "", N_("wall"), N_("start"), N_("goal"), N_("pit"), N_("cliff") };
  int cell = g->cell_of_state[s];
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, _("Row %d, column %d%s%s: V = %.4f"), cell / g->cols + 1, cell % g->cols + 1,
                          g->cells[cell] != GB_CELL_EMPTY ? " — " : "", *kinds[g->cells[cell]] ? _(kinds[g->cells[cell]]) : "", V[s]);
  if (g->mdp->terminal[s])
    {
      g_string_append (out, _(" (terminal)"));
      return g_string_free (out, FALSE);
    }
  g_string_append (out, "\nQ:");
  for (int a = 0; a < 4; a++)
    g_string_append_printf (out, "  %s %.4f", gb_action_names[a], Q[s * 4 + a]);
  for (int a = 0; a < 4; a++)
    {
      int k;
      const GbOutcome *o = gb_mdp_outcomes (g->mdp, s, a, &k);
      g_string_append_printf (out, "\n%s:", gb_action_names[a]);
      for (int i = 0; i < k; i++)
        {
          int to = g->cell_of_state[o[i].next];
          g_string_append_printf (out, "  %.2f → (%d, %d) r %.3g", o[i].p, to / g->cols + 1, to % g->cols + 1, o[i].r);
        }
    }
  return g_string_free (out, FALSE);
}
