/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-rl.c — gridworlds, dynamic programming and TD control against the books. */
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-rl-mdp.h"
#include "gb-rl.h"
#include "gb-rl-session.h"
#include "gb-rl-learner.h"

static int
state_at (const GbGrid *g, int r, int c)
{
  return g->state_of_cell[r * g->cols + c];
}

/* AIMA's coordinates: (x, y), x = 1…4 from the left, y = 1…3 from the bottom. */
static int
aima (const GbGrid *g, int x, int y)
{
  return state_at (g, 3 - y, x - 1);
}

static void
test_aima_value_iteration (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbGrid) g = gb_grid_preset ("4x3", &error);
  g_assert_no_error (error);
  const GbMdp *mdp = g->mdp;
  g_autofree double *V = g_new0 (double, mdp->n_states);
  int sweeps = gb_value_iteration (mdp, V, 1e-10, 10000);
  g_assert_cmpint (sweeps, >, 0);
  /* Russell & Norvig, figure 17.3: the utilities with R(s) = −0.04, γ = 1. */
  const struct { int x, y; double u; } book[] = {
    { 1, 3, 0.812 }, { 2, 3, 0.868 }, { 3, 3, 0.918 },
    { 1, 2, 0.762 }, { 3, 2, 0.660 },
    { 1, 1, 0.705 }, { 2, 1, 0.655 }, { 3, 1, 0.611 }, { 4, 1, 0.388 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (book); i++)
    {
      double v = V[aima (g, book[i].x, book[i].y)];
      if (fabs (v - book[i].u) >= 0.0005)
        g_error ("U(%d, %d) = %.4f, the book has %.3f", book[i].x, book[i].y, v, book[i].u);
    }
  /* Figure 17.2's policy. */
  g_autofree int *pi = g_new0 (int, mdp->n_states);
  gb_greedy_policy (mdp, V, pi);
  const struct { int x, y; GbDirection a; } policy[] = {
    { 1, 3, GB_RIGHT }, { 2, 3, GB_RIGHT }, { 3, 3, GB_RIGHT },
    { 1, 2, GB_UP }, { 3, 2, GB_UP },
    { 1, 1, GB_UP }, { 2, 1, GB_LEFT }, { 3, 1, GB_LEFT }, { 4, 1, GB_LEFT },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (policy); i++)
    g_assert_cmpint (pi[aima (g, policy[i].x, policy[i].y)], ==, policy[i].a);
  /* The terminals. */
  g_assert_true (mdp->terminal[aima (g, 4, 3)]);
  g_assert_true (mdp->terminal[aima (g, 4, 2)]);
}

static void
test_policy_iteration_agrees (void)
{
  for (const char *const *name = gb_grid_preset_names (); *name != NULL; name++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GbGrid) g = gb_grid_preset (*name, &error);
      g_assert_no_error (error);
      const GbMdp *mdp = g->mdp;
      int n = mdp->n_states;
      g_autofree double *Vv = g_new0 (double, n), *Vp = g_new0 (double, n);
      g_autofree int *pi = g_new0 (int, n);
      g_assert_cmpint (gb_value_iteration (mdp, Vv, 1e-10, 100000), >, 0);
      g_assert_cmpint (gb_policy_iteration (mdp, pi, Vp, 1e-10, 1000), >=, 0);
      for (int s = 0; s < n; s++)
        {
          if (fabs (Vv[s] - Vp[s]) > 1e-6)
            g_error ("%s: state %d: value iteration %.8f, policy iteration %.8f", *name, s, Vv[s], Vp[s]);
          /* The policy's action is optimal under value iteration's values. */
          if (!mdp->terminal[s])
            g_assert_cmpfloat_with_epsilon (gb_dp_q (mdp, Vv, s, pi[s]), Vv[s], 1e-6);
        }
    }
}

/* The greedy path from the start in a deterministic world: its length, or −1. */
static int
greedy_path (const GbTdAgent *agent, const GbGrid *g, guint64 *rows_visited)
{
  const GbMdp *mdp = agent->mdp;
  int s = (int) mdp->start;
  *rows_visited = 0;
  for (int t = 0; t < 200; t++)
    {
      if (mdp->terminal[s])
        return t;
      *rows_visited |= 1ull << (g->cell_of_state[s] / g->cols);
      int n;
      const GbOutcome *o = gb_mdp_outcomes (mdp, s, gb_td_agent_greedy (agent, s), &n);
      g_assert_cmpint (n, ==, 1);
      if (o->r < -10)
        return -1;   /* into the cliff */
      s = (int) o->next;
    }
  return -1;
}

static void
test_cliff_walking (void)
{
  /* Sutton & Barto, example 6.6: ε = 0.1, α = 0.5, γ = 1, 500 episodes. */
  g_autoptr (GbGrid) g = gb_grid_preset ("cliff", NULL);
  double online[2] = { 0, 0 }, edge[2] = { 0, 0 };
  const int seeds = 10, episodes = 500;
  for (int algo = 0; algo < 2; algo++)
    for (int seed = 1; seed <= seeds; seed++)
      {
        GbTdConfig c;
        gb_td_config_init (&c);
        c.algo = algo == 0 ? GB_TD_Q_LEARNING : GB_TD_SARSA;
        c.seed = (guint64) seed;
        g_autoptr (GbTdAgent) agent = gb_td_agent_new (g->mdp, &c, NULL);
        for (int e = 0; e < episodes; e++)
          {
            GbTdStep st;
            do
              {
                gb_td_agent_step (agent, &st);
                /* Steps taken on the cliff's edge (the row above it), late in learning. */
                int row = g->cell_of_state[st.s] / g->cols, col = g->cell_of_state[st.s] % g->cols;
                if (e >= 400 && row == 2 && col > 0 && col < 11)
                  edge[algo] += 1.0 / (100 * seeds);
              }
            while (!st.episode_end);
            double G = agent->last_return;
            if (e >= 100)
              online[algo] += G / ((episodes - 100) * seeds);
          }
        if (algo == 0)
          {
            /* Q-learning learns the optimal path, right along the cliff. */
            guint64 rows = 0;
            g_assert_cmpint (greedy_path (agent, g, &rows), ==, 13);
            g_assert_true (rows & (1u << 2));
          }
      }
  g_test_message ("online return per episode: Q-learning %.1f, SARSA %.1f; steps on the edge per episode: "
                  "Q-learning %.1f, SARSA %.1f", online[0], online[1], edge[0], edge[1]);
  /* SARSA learns the safer way round, away from the edge, and so earns more
   * while exploring (Sutton & Barto, figure 6.4). */
  g_assert_cmpfloat (edge[1], <, 0.5 * edge[0]);
  g_assert_cmpfloat (online[1], >, online[0]);
}

static void
test_q_learning_converges (void)
{
  /* On the deterministic presets the greedy policy of Q-learning becomes optimal. */
  const char *names[] = { "cliff", "maze" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GbGrid) g = gb_grid_preset (names[i], NULL);
      const GbMdp *mdp = g->mdp;
      int n = mdp->n_states;
      g_autofree double *Vstar = g_new0 (double, n), *Vpi = g_new0 (double, n), *scratch = g_new (double, n);
      gb_value_iteration (mdp, Vstar, 1e-10, 100000);
      GbTdConfig c;
      gb_td_config_init (&c);
      c.alpha = 0.5;
      c.epsilon = 0.3;
      c.epsilon_decay = 0.995;
      c.epsilon_min = 0.01;
      c.seed = 3;
      g_autoptr (GbTdAgent) agent = gb_td_agent_new (mdp, &c, NULL);
      for (int e = 0; e < 3000; e++)
        gb_td_agent_run_episode (agent);
      g_autofree int *pi = g_new (int, n);
      for (int s = 0; s < n; s++)
        pi[s] = gb_td_agent_greedy (agent, s);
      for (int k = 0; k < 100000 && gb_policy_evaluation_sweep (mdp, pi, Vpi, scratch) > 1e-10; k++)
        ;
      g_assert_cmpfloat_with_epsilon (Vpi[mdp->start], Vstar[mdp->start], 1e-6);
    }
}

static void
test_expected_sarsa_and_determinism (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("frozenlake4", NULL);
  double first = 0;
  for (int run = 0; run < 2; run++)
    {
      GbTdConfig c;
      gb_td_config_init (&c);
      c.algo = GB_TD_EXPECTED_SARSA;
      c.alpha = 0.05;
      c.gamma = 0.99;
      c.epsilon = 0.2;
      c.seed = 42;
      g_autoptr (GbTdAgent) agent = gb_td_agent_new (g->mdp, &c, NULL);
      gb_td_agent_run_steps (agent, 300000);
      double sum = 0;
      for (int k = 0; k < g->mdp->n_states * 4; k++)
        sum += agent->Q[k];
      if (run == 0)
        first = sum;
      else
        g_assert_cmpfloat (sum, ==, first);
      /* It learned something: the start's best Q is near the optimal value. */
      g_autofree double *V = g_new0 (double, g->mdp->n_states);
      gb_value_iteration (g->mdp, V, 1e-10, 100000);
      double qmax = agent->Q[g->mdp->start * 4];
      for (int a = 1; a < 4; a++)
        qmax = MAX (qmax, agent->Q[g->mdp->start * 4 + a]);
      g_assert_cmpfloat (qmax, >, 0.3 * V[g->mdp->start]);
    }
}

static void
test_fast_loop_matches_steps (void)
{
  /* gb_td_agent_run_steps takes exactly the steps gb_td_agent_step takes. */
  const char *envs[] = { "cliff", "4x3", "frozenlake8" };
  for (gsize e = 0; e < G_N_ELEMENTS (envs); e++)
    for (int algo = GB_TD_Q_LEARNING; algo <= GB_TD_EXPECTED_SARSA; algo++)
    for (int first = 0; first < 2; first++)
      {
        g_autoptr (GbGrid) g = gb_grid_preset (envs[e], NULL);
        GbTdConfig c;
        gb_td_config_init (&c);
        c.algo = algo;
        c.alpha = 0.3;
        c.gamma = 0.95;
        c.epsilon = 0.2;
        c.epsilon_decay = 0.99;
        c.epsilon_min = 0.05;
        c.max_steps = 200;
        c.seed = 9;
        c.first_of_ties = first;
        g_autoptr (GbTdAgent) slow = gb_td_agent_new (g->mdp, &c, NULL);
        g_autoptr (GbTdAgent) fast = gb_td_agent_new (g->mdp, &c, NULL);
        for (int i = 0; i < 20000; i++)
          gb_td_agent_step (slow, NULL);
        gb_td_agent_run_steps (fast, 12345);
        gb_td_agent_run_steps (fast, 20000 - 12345);
        gsize nq = (gsize) g->mdp->n_states * g->mdp->n_actions;
        g_assert_cmpmem (slow->Q, nq * sizeof (double), fast->Q, nq * sizeof (double));
        g_assert_cmpint (slow->episodes, ==, fast->episodes);
        g_assert_cmpint (slow->s, ==, fast->s);
        g_assert_cmpfloat (slow->epsilon, ==, fast->epsilon);
        g_assert_cmpmem (slow->returns->data, slow->returns->len * sizeof (double),
                         fast->returns->data, fast->returns->len * sizeof (double));
        g_assert_cmpuint (fast->returns->len, ==, (guint) fast->episodes);
      }
}

static void
test_dp_run_steps_and_back (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("4x3", NULL);
  int n = g->mdp->n_states;
  /* Value iteration one sweep at a time reaches the same values, and steps back. */
  g_autoptr (GbDpRun) vi = gb_dp_run_new (g->mdp, GB_DP_VALUE_ITERATION, NULL, 1e-10, 1000);
  while (gb_dp_run_step (vi))
    ;
  g_assert_true (vi->done);
  g_autofree double *V = g_new0 (double, n);
  int sweeps = gb_value_iteration (g->mdp, V, 1e-10, 10000);
  g_assert_cmpint (vi->sweeps, ==, sweeps);
  g_assert_cmpmem (vi->V, n * sizeof (double), V, n * sizeof (double));
  g_autofree double *after3 = NULL;
  for (int k = 0; k < sweeps; k++)
    {
      if (vi->sweeps == 3)
        after3 = g_memdup2 (vi->V, n * sizeof (double));
      g_assert_true (gb_dp_run_back (vi));
    }
  g_assert_false (gb_dp_run_back (vi));
  g_assert_cmpint (vi->sweeps, ==, 0);
  for (int s = 0; s < n; s++)
    g_assert_cmpfloat (vi->V[s], ==, 0.0);
  for (int k = 0; k < 3; k++)
    gb_dp_run_step (vi);
  g_assert_cmpmem (vi->V, n * sizeof (double), after3, n * sizeof (double));
  /* Policy iteration stepped ends where gb_policy_iteration does. */
  g_autoptr (GbDpRun) pi = gb_dp_run_new (g->mdp, GB_DP_POLICY_ITERATION, NULL, 1e-10, 0);
  int guard = 0;
  while (gb_dp_run_step (pi) && guard++ < 100000)
    ;
  g_assert_true (pi->done);
  for (int s = 0; s < n; s++)
    g_assert_cmpfloat_with_epsilon (pi->V[s], V[s], 1e-6);
  g_assert_false (gb_dp_run_back (pi));   /* no history kept */
  /* The backup of AIMA's (1, 1), written out. */
  const char *names[] = { "↑", "→", "↓", "←" };
  g_autofree char *text = gb_dp_explain (g->mdp, V, (int) g->mdp->start, names);
  g_assert_nonnull (strstr (text, "V(s) ← max_a"));
  g_assert_nonnull (strstr (text, "= 0.7053 (↑)"));
  g_assert_nonnull (strstr (text, "0.8·(-0.04 + 1·0.762)"));
  /* Policy evaluation's backup follows π(s) only: the same numbers for ↑. */
  g_autofree char *pe = gb_dp_explain_policy (g->mdp, V, (int) g->mdp->start, GB_UP, names);
  g_assert_nonnull (strstr (pe, "with π(s) = ↑"));
  g_assert_nonnull (strstr (pe, "= 0.7053"));
  g_assert_null (strstr (pe, "→:"));
}

static void
test_td_step_back (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("frozenlake4", NULL);
  GbTdConfig c;
  gb_td_config_init (&c);
  c.algo = GB_TD_SARSA;
  c.gamma = 0.99;
  c.epsilon = 0.3;
  c.epsilon_decay = 0.9;
  g_autoptr (GbTdAgent) a = gb_td_agent_new (g->mdp, &c, NULL);
  g_autoptr (GbTdAgent) b = gb_td_agent_new (g->mdp, &c, NULL);
  gb_td_agent_set_history (a, 500);
  for (int i = 0; i < 300; i++)
    gb_td_agent_step (a, NULL);
  g_assert_cmpint (a->episodes, >, 3);
  for (int i = 0; i < 300; i++)
    g_assert_true (gb_td_agent_step_back (a));
  g_assert_false (gb_td_agent_step_back (a));
  /* Back at the start: the same as a fresh agent, so the same future. */
  gsize nq = (gsize) g->mdp->n_states * 4;
  g_assert_cmpmem (a->Q, nq * sizeof (double), b->Q, nq * sizeof (double));
  g_assert_cmpint (a->episodes, ==, 0);
  g_assert_cmpuint (a->returns->len, ==, 0);
  for (int i = 0; i < 300; i++)
    {
      gb_td_agent_step (a, NULL);
      gb_td_agent_step (b, NULL);
    }
  g_assert_cmpmem (a->Q, nq * sizeof (double), b->Q, nq * sizeof (double));
  g_assert_cmpfloat (a->epsilon, ==, b->epsilon);
  /* The history is bounded. */
  gb_td_agent_set_history (a, 10);
  for (int i = 0; i < 100; i++)
    gb_td_agent_step (a, NULL);
  int back = 0;
  while (gb_td_agent_step_back (a))
    back++;
  g_assert_cmpint (back, ==, 10);
}

/* The learner the page steps: sweeps to what gb_value_iteration finds, explains its backups, and a TD
 * learner's trail, records and error curve follow its steps and steps back. */
static void
test_grid_learner (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("4x3", NULL);
  int n = g->mdp->n_states;
  GbTdConfig c;
  gb_td_config_init (&c);
  g_autoptr (GbGridLearner) vi = gb_grid_learner_new (g, GB_LEARN_VALUE_ITERATION, &c, NULL, 100, NULL);
  g_autofree char *before = gb_grid_learner_status (vi);
  g_assert_nonnull (strstr (before, "no sweep yet"));
  gb_grid_learner_episode (vi);
  g_assert_true (vi->dp->done);
  g_assert_false (gb_grid_learner_step (vi));
  g_autofree double *V = g_new0 (double, n), *Q = g_new0 (double, n * 4), *V_ref = g_new0 (double, n);
  g_autofree int *pi = g_new0 (int, n);
  gb_grid_learner_tables (vi, V, Q, pi);
  gb_value_iteration (g->mdp, V_ref, 1e-6, 100000);
  for (int s = 0; s < n; s++)
    g_assert_cmpfloat_with_epsilon (V[s], V_ref[s], 1e-5);
  g_assert_cmpuint (vi->err_x->len, ==, (guint) vi->dp->sweeps);
  g_autofree char *why = gb_grid_learner_explain (vi, aima (g, 3, 3), pi);
  g_assert_nonnull (strstr (why, "from the values of sweep"));
  g_autofree char *where = gb_grid_describe_state (g, aima (g, 1, 1), V, Q);
  g_assert_nonnull (strstr (where, "Row 3, column 1 — start"));

  c.seed = 7;
  g_autoptr (GbGridLearner) td = gb_grid_learner_new (g, GB_LEARN_SARSA, &c, NULL, 100, NULL);
  g_assert_cmpint (td->agent->config.algo, ==, GB_TD_SARSA);
  int s0 = (int) g->mdp->start;
  g_autofree char *none = gb_grid_learner_explain (td, s0, pi);
  g_assert_nonnull (strstr (none, "No update of this state"));
  gb_grid_learner_step (td);
  g_assert_cmpint (td->steps, ==, 1);
  g_assert_cmpuint (td->trail->len, ==, 2);
  g_assert_cmpint (g_array_index (td->trail, int, 0), ==, s0);
  g_assert_cmpint (td->records[s0].step.s, ==, s0);
  g_autofree char *one = gb_grid_learner_explain (td, s0, pi);
  g_assert_nonnull (strstr (one, "episode 1, step 1"));
  gb_grid_learner_tables (td, V, Q, pi);
  gb_grid_learner_note_error (td, td->steps, Q);
  gb_grid_learner_note_error (td, td->steps, Q);   /* once a step */
  g_assert_cmpuint (td->err_x->len, ==, 1);
  g_assert_cmpfloat (g_array_index (td->err_y, double, 0), ==, gb_grid_bellman_error_q (g, Q));
  g_assert_true (gb_grid_learner_back (td));
  g_assert_cmpint (td->steps, ==, 0);
  g_assert_cmpuint (td->trail->len, ==, 0);
  g_assert_false (gb_grid_learner_back (td));
  gb_grid_learner_episode (td);
  g_assert_cmpint (td->agent->episodes, ==, 1);
  g_assert_cmpint (g_array_index (td->trail, int, td->trail->len - 1), >=, 0);
  g_assert_true (g->mdp->terminal[g_array_index (td->trail, int, td->trail->len - 1)]);
  g_assert_cmpint (gb_grid_learner_run (td, 500), ==, 500);
  g_autofree char *status = gb_grid_learner_status (td);
  g_assert_nonnull (strstr (status, "SARSA · episode"));
}

static char *
tmp_file (const char *name)
{
  static char *dir;
  if (dir == NULL)
    dir = g_dir_make_tmp ("glassbox-rl-XXXXXX", NULL);
  return g_build_filename (dir, name, NULL);
}

static void
test_edit_mode (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("4x3", NULL);
  g_autoptr (GError) error = NULL;
  int before = g->mdp->n_states;
  /* A wall takes a state away; the values still solve. */
  g_assert_true (gb_grid_set_cell (g, 0, 1, GB_CELL_WALL, &error));
  g_assert_cmpint (g->mdp->n_states, ==, before - 1);
  /* Painting S moves the start. */
  g_assert_true (gb_grid_set_cell (g, 0, 0, GB_CELL_START, &error));
  g_assert_cmpint (g->cells[2 * 4 + 0], ==, GB_CELL_EMPTY);
  g_assert_cmpint (g->cell_of_state[g->mdp->start], ==, 0);
  /* The start cannot be painted over, nor a cell outside the grid. */
  g_assert_false (gb_grid_set_cell (g, 0, 0, GB_CELL_PIT, &error));
  g_assert_nonnull (strstr (error->message, "start cannot be painted over"));
  g_clear_error (&error);
  g_assert_false (gb_grid_set_cell (g, 7, 0, GB_CELL_PIT, &error));
  g_assert_nonnull (strstr (error->message, "outside the 3 × 4 grid"));
  g_clear_error (&error);
  g_assert_true (gb_grid_set_rewards (g, -1, 10, -10, -100, &error));
  g_assert_false (gb_grid_set_rewards (g, NAN, 10, -10, -100, &error));
  g_clear_error (&error);
  /* Saved and read back, it is the same map. */
  g_autofree char *path = tmp_file ("edited.map");
  g_assert_true (gb_grid_save (g, path, &error));
  g_autoptr (GbGrid) back = gb_grid_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back->cells, sizeof (GbCell) * 12, g->cells, sizeof (GbCell) * 12);
  g_assert_cmpfloat (back->goal, ==, 10);
}

static void
test_session_roundtrip (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("cliff", NULL);
  GbTdConfig c;
  gb_td_config_init (&c);
  c.first_of_ties = TRUE;
  g_autoptr (GbTdAgent) agent = gb_td_agent_new (g->mdp, &c, NULL);
  for (int e = 0; e < 200; e++)
    gb_td_agent_run_episode (agent);
  int n = g->mdp->n_states;
  g_autoptr (GbRlSession) s = g_new0 (GbRlSession, 1);
  s->grid = gb_grid_preset ("cliff", NULL);
  s->algo = g_strdup ("q-learning");
  s->td = c;
  s->episodes = 200;
  s->V = g_new0 (double, n);
  s->pi = g_new0 (int, n);
  s->Q = g_memdup2 (agent->Q, n * 4 * sizeof (double));
  for (int st = 0; st < n; st++)
    {
      s->pi[st] = gb_td_agent_greedy (agent, st);
      s->V[st] = agent->Q[st * 4 + s->pi[st]];
    }
  g_autofree char *path = tmp_file ("cliff.session");
  g_autoptr (GError) error = NULL;
  g_assert_true (gb_rl_session_save (s, path, &error));
  g_autoptr (GbRlSession) back = gb_rl_session_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->algo, ==, "q-learning");
  g_assert_cmpint (back->episodes, ==, 200);
  g_assert_cmpint (back->grid->mdp->n_states, ==, n);
  g_assert_cmpmem (back->pi, n * sizeof (int), s->pi, n * sizeof (int));
  for (int k = 0; k < n * 4; k++)
    g_assert_cmpfloat (back->Q[k], ==, s->Q[k]);   /* GKeyFile writes doubles exactly */
  g_assert_true (back->td.first_of_ties);
  g_assert_cmpfloat (back->td.alpha, ==, c.alpha);
}

static void
test_session_bad (void)
{
  const struct { const char *text; const char *message; } cases[] = {
    { "not a key file at all\n", "not a session file" },
    { "[other]\nx=1\n", "not a Glassbox RL session" },
    { "[glassbox-rl]\nversion=1\nalgo=sarsa\n", "there is no “map”" },
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\n\n", "there is no “algo”" },
    /* Found by fuzzing: an empty list came back as NULL with no GError (a crash). */
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\n\nalgo=sarsa\nalpha=0.5\ngamma=1\nepsilon=0.1\n"
      "epsilon-decay=1\nepsilon-min=0\nV=\npolicy=0;0\n", "“V” is empty" },
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\n\nalgo=sarsa\nalpha=0.5\ngamma=1\nepsilon=0.1\n"
      "epsilon-decay=1\nepsilon-min=0\nV=1;2\npolicy=0;0\nQ=\n", "“Q” is empty" },
    /* Found by fuzzing: a bad escape and then a trailing backslash made GLib set its GError twice. */
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\u x\\\n", "not one of the escapes" },
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\n\nalgo=sarsa\nalpha=0.5\ngamma=1\nepsilon=0.1\n"
      "epsilon-decay=1\nepsilon-min=0\nV=1;x\npolicy=0;0\n", "item 2 (“x”) is not a number" },
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\n\nalgo=dqn\n", "unknown algorithm “dqn”" },
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\n\nalgo=sarsa\nalpha=0.5\ngamma=1\nepsilon=0.1\n"
      "epsilon-decay=1\nepsilon-min=0\nV=1;2;3\npolicy=0;0\n", "“V” holds 3 numbers, the map needs 2" },
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\n\nalgo=sarsa\nalpha=0.5\ngamma=1\nepsilon=0.1\n"
      "epsilon-decay=1\nepsilon-min=0\nV=1;nan\npolicy=0;0\n", "not a number" },
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\n\nalgo=sarsa\nalpha=0.5\ngamma=1\nepsilon=0.1\n"
      "epsilon-decay=1\nepsilon-min=0\nV=1;2\npolicy=0;9\n", "action 9, outside 0…3" },
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nSG\\n\nalgo=sarsa\nalpha=0\ngamma=1\nepsilon=0.1\n"
      "epsilon-decay=1\nepsilon-min=0\nV=1;2\npolicy=0;0\n", "α 0 is outside" },
    { "[glassbox-rl]\nversion=1\nmap=grid:\\nS?\\n\nalgo=sarsa\n", "unknown cell “?”" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = tmp_file ("bad.session");
      g_assert_true (g_file_set_contents (path, cases[i].text, -1, NULL));
      g_autoptr (GError) error = NULL;
      g_autoptr (GbRlSession) s = gb_rl_session_load (path, &error);
      g_assert_null (s);
      if (error == NULL || strstr (error->message, cases[i].message) == NULL)
        g_error ("case %zu: expected “%s” in “%s”", i, cases[i].message, error ? error->message : "(none)");
    }
}

static void
count_progress (gint64 done, gint64 total, gpointer data)
{
  gint64 *p = data;
  g_assert_cmpint (done, ==, p[0] + 1);
  p[0]++;
  p[1] = total;
}

static void
test_learning_curves (void)
{
  /* Averaged over seeds, SARSA's curve on Cliff Walking lies above Q-learning's
   * late in learning, and the spread is what the seeds' returns give. */
  g_autoptr (GbGrid) g = gb_grid_preset ("cliff", NULL);
  const int seeds = 8, episodes = 300;
  double m[2][300], sd[2][300];
  for (int algo = 0; algo < 2; algo++)
    {
      GbTdConfig c;
      gb_td_config_init (&c);
      c.algo = algo == 0 ? GB_TD_Q_LEARNING : GB_TD_SARSA;
      g_autoptr (GError) error = NULL;
      g_assert_true (gb_td_learning_curve (g->mdp, &c, seeds, episodes, m[algo], sd[algo], NULL, NULL, NULL, NULL, &error));
    }
  double q = 0, sa = 0;
  for (int e = 200; e < 300; e++)
    q += m[0][e] / 100, sa += m[1][e] / 100;
  g_assert_cmpfloat (sa, >, q);
  /* One seed's curve is that agent's own returns, with no spread. */
  GbTdConfig c;
  gb_td_config_init (&c);
  double one[50], none[50];
  g_assert_true (gb_td_learning_curve (g->mdp, &c, 1, 50, one, none, NULL, NULL, NULL, NULL, NULL));
  g_autoptr (GbTdAgent) agent = gb_td_agent_new (g->mdp, &c, NULL);
  for (int e = 0; e < 50; e++)
    {
      g_assert_cmpfloat (gb_td_agent_run_episode (agent), ==, one[e]);
      g_assert_cmpfloat (none[e], ==, 0.0);
    }
  /* As a job: the first seed's Q table, one tick of progress per episode,
   * and a cancelled run ends with G_IO_ERROR_CANCELLED. */
  gsize nq = (gsize) g->mdp->n_states * g->mdp->n_actions;
  g_autofree double *Q = g_new (double, nq);
  gint64 progress[2] = { 0, 0 };
  g_assert_true (gb_td_learning_curve (g->mdp, &c, 3, 50, one, none, Q, count_progress, progress, NULL, NULL));
  g_assert_cmpint (progress[0], ==, 150);   /* called after each of the 150 episodes … */
  g_assert_cmpint (progress[1], ==, 150);   /* … the last with 150 of 150 */
  g_assert_cmpmem (Q, nq * sizeof (double), agent->Q, nq * sizeof (double));
  /* The spread is the sample standard deviation of the three seeds' returns. */
  double G[3][50];
  for (int k = 0; k < 3; k++)
    {
      GbTdConfig ck = c;
      ck.seed = c.seed + (guint64) k;
      g_autoptr (GbTdAgent) ak = gb_td_agent_new (g->mdp, &ck, NULL);
      for (int e = 0; e < 50; e++)
        G[k][e] = gb_td_agent_run_episode (ak);
    }
  for (int e = 0; e < 50; e++)
    {
      double mu = (G[0][e] + G[1][e] + G[2][e]) / 3, ss = 0;
      for (int k = 0; k < 3; k++)
        ss += (G[k][e] - mu) * (G[k][e] - mu);
      g_assert_cmpfloat_with_epsilon (one[e], mu, 1e-9 * (1 + fabs (mu)));
      g_assert_cmpfloat_with_epsilon (none[e], sqrt (ss / 2), 1e-9 * (1 + sqrt (ss)));
    }
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autoptr (GError) cancelled = NULL;
  g_assert_false (gb_td_learning_curve (g->mdp, &c, 3, 50, one, none, NULL, NULL, NULL, cancel, &cancelled));
  g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Bad sizes. */
  g_autoptr (GError) error = NULL;
  g_assert_false (gb_td_learning_curve (g->mdp, &c, 0, 50, one, none, NULL, NULL, NULL, NULL, &error));
  g_assert_nonnull (strstr (error->message, "0 seeds"));
}

static void
test_history_is_bounded (void)
{
  /* Millions of episodes keep a learning curve of at most GB_TD_HISTORY points. */
  g_autoptr (GbGrid) g = gb_grid_parse ("step = -1\ngrid:\nSG\n", "tiny", NULL);
  GbTdConfig c;
  gb_td_config_init (&c);
  c.epsilon = 0.0;
  g_autoptr (GbTdAgent) agent = gb_td_agent_new (g->mdp, &c, NULL);
  gb_td_agent_run_steps (agent, 300000);
  g_assert_cmpint (agent->episodes, >=, 100000);
  g_assert_cmpuint (agent->returns->len, <, GB_TD_HISTORY);
  g_assert_cmpint (agent->bucket, >=, 2);
  /* Each point is the mean of its bucket: here every return is −1 + 1 = 0 once learned. */
  g_assert_cmpfloat_with_epsilon (g_array_index (agent->returns, double, agent->returns->len - 1), 0.0, 1e-9);
}

static void
test_slip_and_text_roundtrip (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("4x3", NULL);
  /* Slip 0.2: up from (1,1) goes up 0.8, bumps left into the edge 0.1 (stays), right 0.1. */
  int n;
  const GbOutcome *o = gb_mdp_outcomes (g->mdp, aima (g, 1, 1), GB_UP, &n);
  g_assert_cmpint (n, ==, 3);
  double p_stay = 0;
  for (int k = 0; k < n; k++)
    if ((int) o[k].next == aima (g, 1, 1))
      p_stay += o[k].p;
  g_assert_cmpfloat_with_epsilon (p_stay, 0.1, 1e-7);
  g_autoptr (GError) error = NULL;
  g_assert_true (gb_grid_set_slip (g, 0.0, &error));
  o = gb_mdp_outcomes (g->mdp, aima (g, 1, 1), GB_UP, &n);
  g_assert_cmpint (n, ==, 1);
  g_assert_false (gb_grid_set_slip (g, 1.5, &error));
  g_assert_nonnull (strstr (error->message, "slip probability 1.5 is outside"));
  g_autofree char *text = gb_grid_to_text (g);
  g_autoptr (GbGrid) back = gb_grid_parse (text, "roundtrip", NULL);
  g_assert_nonnull (back);
  g_assert_cmpint (back->rows, ==, 3);
  g_assert_cmpmem (back->cells, sizeof (GbCell) * 12, g->cells, sizeof (GbCell) * 12);
  g_assert_cmpfloat (back->step, ==, g->step);
  g_autoptr (GbGrid) copy = gb_grid_copy (g, g->name);
  g_autoptr (GbGrid) named = gb_grid_copy (g, "mine.map");
  g_autofree char *copied = gb_grid_to_text (copy);
  g_assert_cmpstr (copied, ==, text);
  g_assert_cmpstr (named->name, ==, "mine.map");
  g_assert_cmpfloat (copy->slip, ==, 0.0);
  g_assert_true (copy->mdp != g->mdp);
}

static void
test_gymnasium_maps (void)
{
  /* FrozenLake's map as Gymnasium writes it: rows of SFHG, or Python's list of strings. */
  const char *plain = "SFFF\nFHFH\nFFFH\nHFFG\n";
  const char *listed = "[\"SFFF\", \"FHFH\",\n \"FFFH\", \"HFFG\"]\n";
  g_autoptr (GbGrid) preset = gb_grid_preset ("frozenlake4", NULL);
  for (int k = 0; k < 2; k++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GbGrid) g = gb_grid_parse (k == 0 ? plain : listed, "lake.txt", &error);
      g_assert_no_error (error);
      g_assert_cmpint (g->rows, ==, 4);
      g_assert_cmpint (g->cols, ==, 4);
      g_assert_cmpstr (g->name, ==, "FrozenLake 4×4");
      /* The same world as the shipped preset: cells, rewards, slip, γ. */
      g_assert_cmpmem (g->cells, sizeof (GbCell) * 16, preset->cells, sizeof (GbCell) * 16);
      g_assert_cmpfloat (g->slip, ==, preset->slip);
      g_assert_cmpfloat (g->gamma, ==, preset->gamma);
      g_assert_cmpfloat (g->goal, ==, preset->goal);
      g_assert_cmpfloat (g->pit, ==, preset->pit);
    }
  /* F is frozen inside Glassbox's own header too. */
  g_autoptr (GbGrid) headed = gb_grid_parse ("gamma = 0.9\ngrid:\nSF\nFG\n", "h.map", NULL);
  g_assert_nonnull (headed);
  g_assert_cmpint (headed->cells[1], ==, GB_CELL_EMPTY);
  /* Not a map: named, not guessed. */
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_grid_parse ("SFXF\nFHFH\n", "bad.txt", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (gb_grid_parse ("[\"SFFF\", \"FHF\"]", "ragged.txt", &error));
  g_assert_nonnull (strstr (error->message, "row 2 has 3 cells"));

  /* Action order: Gymnasium 0 Left, 1 Down, 2 Right, 3 Up; states row by row. */
  g_assert_cmpint (gb_grid_gymnasium_action (0), ==, GB_LEFT);
  g_assert_cmpint (gb_grid_gymnasium_action (1), ==, GB_DOWN);
  g_assert_cmpint (gb_grid_gymnasium_action (2), ==, GB_RIGHT);
  g_assert_cmpint (gb_grid_gymnasium_action (3), ==, GB_UP);
  int n = preset->mdp->n_states;
  g_autofree double *Q = g_new (double, (gsize) n * 4);
  for (int s = 0; s < n; s++)
    for (int a = 0; a < 4; a++)
      Q[s * 4 + a] = 10 * s + a;
  g_autofree double *gym = gb_grid_q_gymnasium (preset, Q);
  for (int cell = 0; cell < 16; cell++)
    {
      int s = preset->state_of_cell[cell];
      g_assert_cmpint (s, >=, 0);
      g_assert_cmpfloat (gym[cell * 4 + 0], ==, 10 * s + GB_LEFT);
      g_assert_cmpfloat (gym[cell * 4 + 3], ==, 10 * s + GB_UP);
    }
  /* Value iteration on the map as Gymnasium gives it finds FrozenLake's known V(start) ≈ 0.542 at γ 0.99. */
  g_autoptr (GbGrid) lake = gb_grid_parse (plain, "lake.txt", NULL);
  g_autofree double *V = g_new0 (double, lake->mdp->n_states);
  g_autofree double *scratch = g_new0 (double, lake->mdp->n_states);
  while (gb_value_iteration_sweep (lake->mdp, V, scratch) > 1e-12)
    ;
  g_assert_cmpfloat_with_epsilon (V[lake->state_of_cell[0]], 0.542, 0.002);
}

static void
test_bad_maps (void)
{
  g_autofree char *huge = NULL;
  {
    GString *s = g_string_new ("grid:\nS");
    for (int i = 1; i < 10000; i++)
      g_string_append_c (s, '.');
    g_string_append_c (s, '\n');
    for (int r = 1; r < 300; r++)
      {
        for (int i = 0; i < 10000; i++)
          g_string_append_c (s, '.');
        g_string_append_c (s, '\n');
      }
    huge = g_string_free (s, FALSE);
  }
  const struct { const char *text; const char *message; } cases[] = {
    { "grid:\nS.x\n", "bad.map:2: unknown cell “x” in column 3" },
    { "grid:\n...\n.G.\n", "needs exactly one start S, it has 0" },
    { "grid:\nS..\n.G\n", "bad.map:3: row 2 has 2 cells, the first row has 3" },
    { "grid:\nS.S\n", "it has 2" },
    { "gamma = 1.5\ngrid:\nS.G\n", "γ 1.5 is outside [0, 1]" },
    { "slip = -0.1\ngrid:\nSG\n", "slip probability -0.1 is outside" },
    { "step = lots\ngrid:\nSG\n", "bad.map:1: “step” needs a number, got “lots”" },
    { "colour = red\ngrid:\nSG\n", "unknown key “colour”" },
    { "S.G\n", "expected “key = value” or “grid:”" },
    { "name = empty\n", "no grid" },
    { huge, "larger than 65536 cells" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GbGrid) g = gb_grid_parse (cases[i].text, "bad.map", &error);
      g_assert_null (g);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %zu: expected “%s” in “%s”", i, cases[i].message, error->message);
    }
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_grid_preset ("nowhere", &error));
  g_assert_nonnull (strstr (error->message, "no preset “nowhere” (there are 4x3, cliff"));
}

static void
test_bad_agent_params (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("cliff", NULL);
  const struct { double alpha, gamma, epsilon; const char *message; } cases[] = {
    { 0.0, 1.0, 0.1, "α 0 is outside (0, 1]" },
    { -0.5, 1.0, 0.1, "α -0.5 is outside" },
    { 0.5, 1.2, 0.1, "γ 1.2 is outside [0, 1]" },
    { 0.5, 1.0, 2.0, "ε 2 is outside [0, 1]" },
    { NAN, 1.0, 0.1, "α nan is outside" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GbTdConfig c;
      gb_td_config_init (&c);
      c.alpha = cases[i].alpha;
      c.gamma = cases[i].gamma;
      c.epsilon = cases[i].epsilon;
      g_autoptr (GError) error = NULL;
      g_autoptr (GbTdAgent) agent = gb_td_agent_new (g->mdp, &c, &error);
      g_assert_null (agent);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("expected “%s” in “%s”", cases[i].message, error->message);
    }
  /* Changing parameters while running is checked the same way and keeps Q. */
  GbTdConfig c;
  gb_td_config_init (&c);
  g_autoptr (GbTdAgent) agent = gb_td_agent_new (g->mdp, &c, NULL);
  gb_td_agent_run_episode (agent);
  double q = agent->Q[0];
  g_autoptr (GError) error = NULL;
  g_assert_false (gb_td_agent_set_params (agent, 0.0, 1.0, 0.1, &error));
  g_assert_true (gb_td_agent_set_params (agent, 0.2, 0.9, 0.05, NULL));
  g_assert_cmpfloat (agent->Q[0], ==, q);
  g_assert_cmpfloat (agent->epsilon, ==, 0.05);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/rl/dp/aima-4x3", test_aima_value_iteration);
  g_test_add_func ("/core/rl/gymnasium-map", test_gymnasium_maps);
  g_test_add_func ("/core/rl/dp/policy-iteration-agrees", test_policy_iteration_agrees);
  g_test_add_func ("/core/rl/td/cliff-walking", test_cliff_walking);
  g_test_add_func ("/core/rl/td/q-learning-converges", test_q_learning_converges);
  g_test_add_func ("/core/rl/td/expected-sarsa-determinism", test_expected_sarsa_and_determinism);
  g_test_add_func ("/core/rl/td/fast-loop", test_fast_loop_matches_steps);
  g_test_add_func ("/core/rl/td/history-bounded", test_history_is_bounded);
  g_test_add_func ("/core/rl/dp/run-steps-and-back", test_dp_run_steps_and_back);
  g_test_add_func ("/core/rl/td/step-back", test_td_step_back);
  g_test_add_func ("/core/rl/learner", test_grid_learner);
  g_test_add_func ("/core/rl/grid/edit", test_edit_mode);
  g_test_add_func ("/core/rl/session/roundtrip", test_session_roundtrip);
  g_test_add_func ("/core/rl/session/bad", test_session_bad);
  g_test_add_func ("/core/rl/td/learning-curves", test_learning_curves);
  g_test_add_func ("/core/rl/grid/slip-and-text", test_slip_and_text_roundtrip);
  g_test_add_func ("/core/rl/grid/bad-maps", test_bad_maps);
  g_test_add_func ("/core/rl/td/bad-params", test_bad_agent_params);
  return g_test_run ();
}
