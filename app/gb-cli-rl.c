/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-rl.c — `glassbox rl` and `glassbox render rl` (cart-pole: gb-cli-rl-cartpole.c, gb-cli-cartpole-render.c). */
#include "gb-cli-verbs.h"
#include "gb-cli-common.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-error.h"
#include "gb-export.h"
#include "gb-file.h"
#include "gb-rl-learner.h"
#include "gb-rl-paint.h"
#include "gb-rl-mdp.h"
#include "gb-rl.h"

#define fail gb_cli_fail
#define usage_error gb_cli_usage_error
#define parse_options gb_cli_parse

/* --- rl --- */

static void
print_grid (const GbGrid *g, const double *V, const int *pi)
{
  static const char *const arrows[] = { "↑", "→", "↓", "←" };
  printf ("V(s):\n");
  for (int r = 0; r < g->rows; r++)
    {
      for (int c = 0; c < g->cols; c++)
        {
          int s = g->state_of_cell[r * g->cols + c];
          GbCell k = g->cells[r * g->cols + c];
          if (s < 0)
            printf ("  %7s", "#");
          else if (k == GB_CELL_GOAL)
            printf ("  %7s", "G");
          else if (k == GB_CELL_PIT)
            printf ("  %7s", "P");
          else if (k == GB_CELL_CLIFF)
            printf ("  %7s", "C");
          else
            printf ("  %7.3f", V[s]);
        }
      printf ("\n");
    }
  printf (_("policy:\n"));
  for (int r = 0; r < g->rows; r++)
    {
      printf (" ");
      for (int c = 0; c < g->cols; c++)
        {
          int s = g->state_of_cell[r * g->cols + c];
          GbCell k = g->cells[r * g->cols + c];
          printf (" %s", s < 0 ? "#" : k == GB_CELL_GOAL ? "G" : k == GB_CELL_PIT ? "P"
                         : k == GB_CELL_CLIFF ? "C" : arrows[pi[s]]);
        }
      printf ("\n");
    }
}

/* What `rl` and `render rl` share: the options, and solving or learning. */
typedef struct {
  char *env, *algo;
  int episodes, seeds;
  double alpha, gamma, epsilon, slip;
  gint64 seed;
  gboolean first_of_ties;
} RlOptions;

static void
rl_options_clear (RlOptions *o)
{
  g_clear_pointer (&o->env, g_free);
  g_clear_pointer (&o->algo, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RlOptions, rl_options_clear)

typedef struct {
  GbGrid *grid;
  double *V;          /* (n_states) */
  int *pi;            /* (n_states) */
  double *Q;          /* (n_states, 4) for the TD agents, else NULL */
  char *summary;
  GbTable *curve;     /* when want_curve: residuals (DP) or returns (TD) */
} RlResult;

static void
rl_result_clear (RlResult *r)
{
  gb_grid_free (r->grid);
  g_free (r->V);
  g_free (r->pi);
  g_free (r->Q);
  g_free (r->summary);
  g_clear_pointer (&r->curve, gb_table_free);
}

static void
rl_options_add (GOptionContext *ctx, RlOptions *o)
{
  o->episodes = 500, o->seeds = 1, o->alpha = 0.5, o->gamma = NAN, o->epsilon = 0.1, o->slip = NAN, o->seed = 1;
  GOptionEntry entries[] = {
    { "env", 0, 0, G_OPTION_ARG_FILENAME, &o->env, N_("A preset (4x3, cliff, frozenlake4, frozenlake8, maze) or a map file"), N_("PRESET|FILE") },
    { "algo", 0, 0, G_OPTION_ARG_STRING, &o->algo,
      N_("value-iteration, policy-iteration, q-learning, sarsa or expected-sarsa"), N_("ALGO") },
    { "episodes", 0, 0, G_OPTION_ARG_INT, &o->episodes, N_("Episodes for the TD agents (default 500)"), "N" },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &o->seeds,
      N_("Also average the TD learning curve over N seeds and print its mean and spread"), "N" },
    { "alpha", 0, 0, G_OPTION_ARG_DOUBLE, &o->alpha, N_("Step size α (default 0.5)"), "A" },
    { "gamma", 0, 0, G_OPTION_ARG_DOUBLE, &o->gamma, N_("Discount γ (default: the map's)"), "G" },
    { "epsilon", 0, 0, G_OPTION_ARG_DOUBLE, &o->epsilon, N_("Exploration ε (default 0.1)"), "E" },
    { "slip", 0, 0, G_OPTION_ARG_DOUBLE, &o->slip, N_("Slip probability (default: the map's)"), "P" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o->seed, N_("Random seed (default 1)"), "S" },
    { "first-of-ties", 0, 0, G_OPTION_ARG_NONE, &o->first_of_ties,
      N_("Greedy ties go to the first action, as np.argmax (default: one at random)"), NULL },
    { NULL }
  };
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
}

/* The map of --env (a preset or a file), with --slip and --gamma. */
static GbGrid *
rl_grid (const RlOptions *o, GError **error)
{
  /* A name that is neither a preset nor a file gets the list of presets. */
  gboolean is_file = gb_grid_preset_text (o->env) == NULL && g_file_test (o->env, G_FILE_TEST_EXISTS);
  g_autoptr (GbGrid) grid = is_file ? gb_grid_load (o->env, error) : gb_grid_preset (o->env, error);
  if (grid == NULL)
    return NULL;
  if (!isnan (o->slip) && !gb_grid_set_slip (grid, o->slip, error))
    return NULL;
  if (!isnan (o->gamma) && !gb_mdp_set_gamma (grid->mdp, o->gamma, error))
    return NULL;
  return g_steal_pointer (&grid);
}

/* Dynamic programming's curve, sweep by sweep, as the RL page steps it:
 * the Bellman residual of each sweep (and, for policy iteration, the
 * improvements made so far) and V of the start state. */
static GbTable *
dp_curve (const GbMdp *mdp, GbDpAlgo algo, double tol, const char *title)
{
  g_autoptr (GbDpRun) run = gb_dp_run_new (mdp, algo, NULL, tol, 0);
  g_autoptr (GArray) residual = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) improvements = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) v_start = g_array_new (FALSE, FALSE, sizeof (double));
  while (residual->len < 100000 && gb_dp_run_step (run))
    {
      double imp = run->improvements;
      g_array_append_val (residual, run->residual);
      g_array_append_val (improvements, imp);
      g_array_append_val (v_start, run->V[mdp->start]);
    }
  GbTable *t = gb_table_new (title);
  gb_table_add_index (t, "sweep", 1, (int) residual->len);
  gb_table_add_column (t, "residual", (const double *) residual->data, (int) residual->len);
  if (algo == GB_DP_POLICY_ITERATION)
    gb_table_add_column (t, "improvements", (const double *) improvements->data, (int) improvements->len);
  gb_table_add_column (t, "V(start)", (const double *) v_start->data, (int) v_start->len);
  return t;
}

/* Returns −1 and fills res, or an exit status after printing why. */
static int
rl_solve (GOptionContext *ctx, const RlOptions *o, gboolean want_curve, RlResult *res)
{
  if (o->env == NULL || o->algo == NULL)
    return usage_error (ctx, _("--env and --algo are required"));
  if (o->episodes < 1 || o->episodes > 100000000)
    return usage_error (ctx, _("--episodes is outside 1…100000000"));
  if (o->seed < 0)
    return usage_error (ctx, _("--seed must be ≥ 0"));
  g_autoptr (GError) error = NULL;
  res->grid = rl_grid (o, &error);
  if (res->grid == NULL)
    return fail (error);
  GbMdp *mdp = res->grid->mdp;
  int n = mdp->n_states;
  const double tol = 1e-10;
  res->V = g_new0 (double, n);
  res->pi = g_new0 (int, n);
  GbTdAlgo td;
  if (g_str_equal (o->algo, "value-iteration"))
    {
      int sweeps = gb_value_iteration (mdp, res->V, tol, 100000);
      res->summary = sweeps < 0 ? g_strdup (_("value iteration did not converge in 100000 sweeps"))
                                : g_strdup_printf (_("value iteration: %d sweeps to a Bellman residual below %g"), sweeps, tol);
      gb_greedy_policy (mdp, res->V, res->pi);
      if (want_curve)
        res->curve = dp_curve (mdp, GB_DP_VALUE_ITERATION, tol, _("Value iteration: the Bellman residual of each sweep"));
    }
  else if (g_str_equal (o->algo, "policy-iteration"))
    {
      int it = gb_policy_iteration (mdp, res->pi, res->V, tol, 10000);
      res->summary = it < 0 ? g_strdup (_("policy iteration did not settle in 10000 improvements"))
                            : g_strdup_printf (_("policy iteration: stable after %d improvements"), it);
      if (want_curve)
        res->curve = dp_curve (mdp, GB_DP_POLICY_ITERATION, tol, _("Policy iteration: the residual of each sweep"));
    }
  else if (gb_td_algo_parse (o->algo, &td))
    {
      GbTdConfig c;
      gb_td_config_init (&c);
      c.algo = td;
      c.alpha = o->alpha;
      c.gamma = mdp->gamma;
      c.epsilon = o->epsilon;
      c.seed = (guint64) o->seed;
      c.first_of_ties = o->first_of_ties;
      g_autoptr (GbTdAgent) agent = gb_td_agent_new (mdp, &c, &error);
      if (agent == NULL)
        return fail (error);
      double last = 0;
      int tail = MIN (100, o->episodes);
      /* Each episode's return and length while they fit a table a person opens; then the
       * agent's own bounded curve, each row the mean of a run of episodes. */
      gboolean each = want_curve && o->episodes <= GB_TD_HISTORY;
      g_autoptr (GArray) returns = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr (GArray) lengths = g_array_new (FALSE, FALSE, sizeof (double));
      for (int e = 0; e < o->episodes; e++)
        {
          double G = gb_td_agent_run_episode (agent), len = agent->t;
          if (e >= o->episodes - tail)
            last += G / tail;
          if (each)
            g_array_append_val (returns, G), g_array_append_val (lengths, len);
        }
      if (want_curve)
        {
          if (!each)
            {
              g_array_set_size (returns, 0), g_array_set_size (lengths, 0);
              g_array_append_vals (returns, agent->returns->data, agent->returns->len);
              g_array_append_vals (lengths, agent->lengths->data, agent->lengths->len);
            }
          g_autofree char *title = each ? g_strdup_printf (_("%s on %s: return and length of each episode"), o->algo,
                                                           res->grid->name)
                                        : g_strdup_printf (_("%s on %s: mean return and length of each %d episodes"),
                                                           o->algo, res->grid->name, agent->bucket);
          res->curve = gb_table_new (title);
          int bucket = each ? 1 : agent->bucket;
          g_autofree double *first = g_new (double, returns->len);
          for (guint i = 0; i < returns->len; i++)
            first[i] = 1.0 + (double) i * bucket;
          gb_table_add_column (res->curve, "episode", first, (int) returns->len);
          gb_table_add_column (res->curve, "return", (const double *) returns->data, (int) returns->len);
          gb_table_add_column (res->curve, "length", (const double *) lengths->data, (int) lengths->len);
        }
      res->summary = g_strdup_printf (_("%s: %d episodes, α %g, ε %g, seed %lld; mean return of the last %d: %.3f"),
                                      o->algo, o->episodes, o->alpha, o->epsilon, (long long) o->seed, tail, last);
      for (int st = 0; st < n; st++)
        {
          res->pi[st] = gb_td_agent_greedy (agent, st);
          res->V[st] = mdp->terminal[st] ? 0.0 : agent->Q[(gsize) st * mdp->n_actions + res->pi[st]];
        }
      res->Q = g_memdup2 (agent->Q, (gsize) n * mdp->n_actions * sizeof (double));
      if (o->seeds > 1)
        {
          g_autofree double *mean = g_new (double, o->episodes), *sd = g_new (double, o->episodes);
          if (!gb_td_learning_curve (mdp, &c, o->seeds, o->episodes, mean, sd, NULL, NULL, NULL, NULL, &error))
            return fail (error);
          double m = 0, s2 = 0;
          for (int e = o->episodes - tail; e < o->episodes; e++)
            m += mean[e] / tail, s2 += sd[e] / tail;
          if (res->curve != NULL && o->episodes <= GB_TD_HISTORY)
            {
              g_autofree char *m_name = g_strdup_printf ("mean return over %d seeds", o->seeds);
              gb_table_add_column (res->curve, m_name, mean, o->episodes);
              gb_table_add_column (res->curve, "sd across seeds", sd, o->episodes);
            }
          g_autofree char *more = g_strdup_printf (_("%s\nover %d seeds: mean return of the last %d episodes %.3f, "
                                                     "an episode's standard deviation across seeds %.3f"),
                                                   res->summary, o->seeds, tail, m, s2);
          g_free (res->summary);
          res->summary = g_steal_pointer (&more);
        }
    }
  else
    return usage_error (ctx, _("--algo is value-iteration, policy-iteration, q-learning, sarsa or expected-sarsa"));
  return -1;
}

/* Q in Gymnasium's layout: (rows·cols, 4), actions Left, Down, Right, Up.
 * Dynamic programming's Q is q(s, a) from its V; terminal states' are 0. */
static int
write_q (const RlResult *res, const char *csv, const char *npy)
{
  const GbGrid *g = res->grid;
  const GbMdp *mdp = g->mdp;
  int n = mdp->n_states, cells = g->rows * g->cols;
  g_autofree double *Q = g_new0 (double, (gsize) n * 4);
  for (int s = 0; s < n; s++)
    for (int a = 0; a < 4 && !mdp->terminal[s]; a++)
      Q[s * 4 + a] = res->Q != NULL ? res->Q[s * 4 + a] : gb_dp_q (mdp, res->V, s, a);
  g_autofree double *gym = gb_grid_q_gymnasium (g, Q);
  g_autoptr (GError) error = NULL;
  if (npy != NULL)
    {
      if (!gb_npy_save (npy, gym, cells, 4, &error))
        return fail (error);
      printf (_("wrote %s (Q, float64 (%d, 4): Left, Down, Right, Up)\n"), npy, cells);
    }
  if (csv == NULL)
    return 0;
  g_autofree char *title = g_strdup_printf (_("Q(s, a) on %s in Gymnasium's order (s = row · %d + col)"), g->name,
                                            g->cols);
  g_autoptr (GbTable) t = gb_table_new (title);
  g_autofree double *row = g_new (double, cells), *col = g_new (double, cells), *q = g_new (double, cells);
  for (int c = 0; c < cells; c++)
    row[c] = c / g->cols, col[c] = c % g->cols;
  gb_table_add_index (t, "state", 0, cells);
  gb_table_add_column (t, "row", row, cells);
  gb_table_add_column (t, "col", col, cells);
  static const char *const names[4] = { "left", "down", "right", "up" };
  for (int a = 0; a < 4; a++)
    {
      for (int c = 0; c < cells; c++)
        q[c] = gym[c * 4 + a];
      gb_table_add_column (t, names[a], q, cells);
    }
  return gb_cli_write_table (t, csv);
}

int
gb_cli_rl (int argc, char **argv)
{
  /* Cart-pole and the short corridor have their own algorithms and options. */
  for (int i = 1; i < argc; i++)
    {
      const char *env = g_str_has_prefix (argv[i], "--env=") ? argv[i] + 6
                      : g_str_equal (argv[i], "--env") && i + 1 < argc ? argv[i + 1] : NULL;
      if (g_strcmp0 (env, "cartpole") == 0)
        return gb_cli_rl_cartpole (argc, argv);
      if (g_strcmp0 (env, "short-corridor") == 0)
        return gb_cli_rl_corridor (argc, argv);
    }
  g_auto (RlOptions) o = { 0 };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--env PRESET|FILE --algo ALGO — solve or learn a gridworld"));
  g_option_context_set_summary (ctx,
    _("Runs dynamic programming or a TD agent on a gridworld and prints the values and\n"
    "the greedy policy as text."));
  rl_options_add (ctx, &o);
  g_autofree char *csv = NULL, *q_csv = NULL, *q_npy = NULL;
  GOptionEntry out_entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv,
      N_("Write the learning curve: TD, each episode's return and length (with --seeds, their mean and spread); "
      "DP, each sweep's residual. CSV, or JSON for a .json FILE"), "FILE" },
    { "q-csv", 0, 0, G_OPTION_ARG_FILENAME, &q_csv,
      N_("Write Q(s, a) as CSV in Gymnasium's order: a row per cell, row by row; Left, Down, Right, Up"), N_("FILE") },
    { "q-npy", 0, 0, G_OPTION_ARG_FILENAME, &q_npy,
      N_("Write Q(s, a) for np.load: float64 (rows·cols, 4), Gymnasium's states and actions"), N_("FILE") },
    { NULL }
  };
  g_option_context_add_main_entries (ctx, out_entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return usage_error (ctx, error->message);
  if (argc > 1)
    return usage_error (ctx, _("unexpected argument"));
  if (!gb_cli_table_path_ok (csv))
    return usage_error (ctx, _("--csv writes a .csv or a .json file"));
  if (!gb_cli_table_path_ok (q_csv))
    return usage_error (ctx, _("--q-csv writes a .csv or a .json file"));
  RlResult res = { 0 };
  int status = rl_solve (ctx, &o, csv != NULL, &res);
  if (status < 0)
    {
      const GbGrid *g = res.grid;
      printf (_("%s: %d × %d, %d states, slip %g, γ %g\n%s\n"), g->name, g->rows, g->cols, g->mdp->n_states,
              g->slip, g->mdp->gamma, res.summary);
      print_grid (g, res.V, res.pi);
      status = 0;
      if (csv != NULL)
        status = gb_cli_write_table (res.curve, csv);
      if (status == 0 && (q_csv != NULL || q_npy != NULL))
        status = write_q (&res, q_csv, q_npy);
    }
  rl_result_clear (&res);
  return status;
}

typedef struct {
  GbRlGridFrame frame;
  GbPalette pal;
} GridRender;

static void
grid_paint_cb (cairo_t *cr, int w, int h, gpointer data)
{
  GridRender *gr = data;
  gb_rl_grid_frame_paint (cr, w, h, &gr->frame, &gr->pal);
}

/* Steps the learner the RL page steps, as its Converge (dynamic programming)
 * or --episodes episodes, and draws what the page's Export draws. */
static int
render_rl (GOptionContext *ctx, const RlOptions *o, const char *out, int width, int height, gboolean dark,
           gboolean q, gboolean numbers)
{
  if (o->env == NULL || o->algo == NULL)
    return usage_error (ctx, _("--env and --algo are required"));
  if (o->episodes < 1 || o->episodes > 1000000)
    return usage_error (ctx, _("--episodes is outside 1…1000000"));
  if (o->seed < 0)
    return usage_error (ctx, _("--seed must be ≥ 0"));
  int algo = -1;
  for (int a = 0; a < GB_LEARN_N; a++)
    if (g_str_equal (o->algo, gb_learn_keys[a]))
      algo = a;
  if (algo < 0)
    return usage_error (ctx, _("--algo is value-iteration, policy-iteration, policy-evaluation, q-learning, sarsa or "
                             "expected-sarsa"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GbGrid) grid = rl_grid (o, &error);
  if (grid == NULL)
    return fail (error);
  GbTdConfig c;
  gb_td_config_init (&c);
  c.alpha = o->alpha;
  c.epsilon = o->epsilon;
  c.seed = (guint64) o->seed;
  c.first_of_ties = o->first_of_ties;
  g_autoptr (GbGridLearner) l = gb_grid_learner_new (grid, algo, &c, NULL, 0, &error);
  if (l == NULL)
    return fail (error);
  if (l->dp != NULL)
    gb_grid_learner_episode (l);
  else
    gb_grid_learner_run_episodes (l, o->episodes);
  int n = grid->mdp->n_states;
  g_autofree double *V = g_new (double, n), *Q = g_new (double, (gsize) n * 4);
  g_autofree int *pi = g_new (int, n);
  g_autofree char *title = gb_grid_learner_title (l);
  GridRender gr = { gb_rl_grid_frame_of (l, V, Q, pi) };
  gr.frame.title = title;
  gr.frame.numbers = numbers;
  gr.frame.show_q = q;
  gb_palette_init (&gr.pal, dark);
  if (!gb_export_file (out, width, height, grid_paint_cb, &gr, &error))
    return fail (error);
  printf (_("%s\nwrote %s\n"), title, out);
  return 0;
}

int
gb_cli_render_rl (int argc, char **argv)
{
  g_auto (RlOptions) o = { 0 };
  g_autofree char *out = NULL, *theme = NULL;
  gboolean q = FALSE, numbers = FALSE;
  int width = 1200, height = 900;
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--env E --algo A --out FILE — draw a gridworld's values and policy"));
  g_option_context_set_summary (ctx,
    _("Solves the gridworld as the app's Converge does (dynamic programming), or runs\n"
    "--episodes episodes of a TD agent, and draws what the app's Export draws: V(s)\n"
    "(or Q(s, a)), the greedy policy and the map, over the learning curves."));
  rl_options_add (ctx, &o);
  GOptionEntry entries[] = {
    { "q", 0, 0, G_OPTION_ARG_NONE, &q, N_("Draw Q(s, a) as four triangles a cell"), NULL },
    { "numbers", 0, 0, G_OPTION_ARG_NONE, &numbers, N_("Write V(s) in the cells"), NULL },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, N_("Width in pixels (default 1200, as Export)"), "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, N_("Height in pixels (default 900, as Export)"), "H" },
    { "theme", 0, 0, G_OPTION_ARG_STRING, &theme, N_("light or dark (default light)"), N_("THEME") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Output file: .png, .svg or .pdf (required)"), N_("FILE") },
    { NULL }
  };
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  int status;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    status = usage_error (ctx, error->message);
  else if (argc > 1)
    status = usage_error (ctx, _("unexpected argument"));
  else if (out == NULL)
    status = usage_error (ctx, _("--out FILE is required"));
  else if (theme != NULL && !g_str_equal (theme, "dark") && !g_str_equal (theme, "light"))
    status = usage_error (ctx, _("--theme is light or dark"));
  else
    status = render_rl (ctx, &o, out, width, height, theme != NULL && g_str_equal (theme, "dark"), q, numbers);
  return status;
}
