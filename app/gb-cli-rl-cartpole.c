/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-rl-cartpole.c — `glassbox rl` beyond gridworlds: deep Q-learning
 * (and the linear REINFORCE agent) on CartPole-v1, and REINFORCE on the
 * short corridor. */
#include "gb-cli-verbs.h"
#include "gb-cli-common.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "gb-rl-cartpole.h"
#include "gb-rl-corridor.h"
#include "gb-nn.h"
#include "gb-rl-cart-agent.h"
#include "gb-rl-dqn.h"
#include "gb-rl-pg.h"

/* --csv: each episode's return (on cart-pole also its length). */
static int
write_returns (const GArray *returns, const char *csv, const char *title)
{
  if (csv == NULL)
    return 0;
  g_autoptr (GbTable) t = gb_cli_returns_table (title, returns);
  return gb_cli_write_table (t, csv);
}

/* The run's last lines: when it was solved, and the agent written to out when asked. */
static int
finish (gint64 solved_at, const GbCartAgent *agent, const char *out, const GArray *returns, const char *csv,
        const char *title)
{
  if (solved_at > 0)
    printf (_("solved (the last 100 episodes averaged ≥ %.0f) at step %lld\n"), GB_CARTPOLE_SOLVED,
            (long long) solved_at);
  else
    printf (_("not solved (the last 100 episodes never averaged ≥ %.0f)\n"), GB_CARTPOLE_SOLVED);
  g_autoptr (GError) error = NULL;
  if (out != NULL && !gb_cart_agent_save (agent, out, &error))
    return gb_cli_fail (g_steal_pointer (&error));
  if (out != NULL)
    printf (_("wrote %s\n"), out);
  return write_returns (returns, csv, title);
}

static int
run_dqn (const GbDqnConfig *config, gint64 steps, const char *out, const char *csv)
{
  GbDqnConfig c = *config;
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDqn) d = gb_dqn_new (&c, &error);
  if (d == NULL)
    return gb_cli_fail (g_steal_pointer (&error));
  gint64 t0 = g_get_monotonic_time ();
  /* In tenths, with the mean return so far, so a long run shows it learning. */
  for (int k = 1; k <= 10; k++)
    {
      gb_dqn_run (d, steps * k / 10 - d->steps);
      printf (_("%lld steps, %d episodes: mean return of the last 100 %.1f, ε %.3f\n"), (long long) d->steps,
              d->episodes, gb_dqn_mean_return (d, 100), d->epsilon);
      fflush (stdout);
    }
  double s = (g_get_monotonic_time () - t0) / 1e6;
  printf (_("dqn on CartPole-v1: %lld environment steps, %d episodes, %d updates of %d in %.1f s "
          "(%.0f steps/s)\nmean return of the last 100: %.1f\n"),
          (long long) d->steps, d->episodes, d->updates, c.batch, s, d->steps / MAX (s, 1e-9), gb_dqn_mean_return (d, 100));
  GbCartAgent agent = { .algo = GB_CART_DQN, .dqn = d };
  return finish (d->solved_at, &agent, out, d->returns, csv, _("dqn on CartPole-v1: the return of each episode"));
}

/* Episodes until `episodes` or, when steps > 0, until that many env steps. */
static int
run_pg (const GbPgConfig *config, gint64 episodes, gint64 steps, const char *out, const char *csv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbPolicyGradient) pg = gb_pg_new (config, &error);
  if (pg == NULL)
    return gb_cli_fail (g_steal_pointer (&error));
  gint64 t0 = g_get_monotonic_time (), solved_at = 0;
  int tenth = 1;
  while (steps > 0 ? pg->steps < steps : pg->episodes < episodes)
    {
      gb_pg_episode (pg, NULL);
      if (solved_at == 0 && pg->episodes >= 100 && gb_pg_mean_return (pg, 100) >= GB_CARTPOLE_SOLVED)
        solved_at = pg->steps;
      double done = steps > 0 ? (double) pg->steps / steps : (double) pg->episodes / episodes;
      if (done * 10 >= tenth)
        {
          printf (_("%lld steps, %d episodes: mean return of the last 100 %.1f\n"), (long long) pg->steps,
                  pg->episodes, gb_pg_mean_return (pg, 100));
          fflush (stdout);
          tenth = (int) (done * 10) + 1;
        }
    }
  double s = (g_get_monotonic_time () - t0) / 1e6;
  printf (_("%s on CartPole-v1: %d episodes, %lld environment steps in %.3f s (%.0f episodes/s)\n"
          "mean return of the last 100: %.1f\n"),
          gb_pg_algo_name (config->algo), pg->episodes, (long long) pg->steps, s, pg->episodes / MAX (s, 1e-9),
          gb_pg_mean_return (pg, 100));
  GbCartAgent agent = { .algo = GB_CART_REINFORCE + (int) config->algo, .pg = pg };   /* (GbPgAlgo runs in GbCartAlgo's order) */
  g_autofree char *title = g_strdup_printf (_("%s on CartPole-v1: the return of each episode"),
                                            gb_pg_algo_name (config->algo));
  return finish (solved_at, &agent, out, pg->returns, csv, title);
}

static int
run_reinforce (gint64 episodes, double lr, double gamma, gint64 seed, const char *csv)
{
  GbReinforceConfig c;
  gb_reinforce_config_init (&c);
  if (!isnan (lr))
    c.lr = lr;
  if (!isnan (gamma))
    c.gamma = gamma;
  c.seed = (guint64) seed;
  g_autoptr (GError) error = NULL;
  g_autoptr (GbReinforce) agent = gb_reinforce_new (&c, &error);
  if (agent == NULL)
    return gb_cli_fail (g_steal_pointer (&error));
  g_autoptr (GbCartEpisode) ep = gb_cart_episode_new ();
  gint64 steps = 0;
  for (gint64 e = 0; e < episodes; e++)
    steps += gb_reinforce_episode (agent, ep);
  int n = (int) agent->returns->len, tail = MIN (100, n);
  double mean = 0;
  for (int e = n - tail; e < n; e++)
    mean += g_array_index (agent->returns, double, e) / tail;
  printf (_("reinforce (linear softmax) on CartPole-v1: %d episodes, %lld environment steps\n"
          "mean return of the last %d: %.1f\n"), n, (long long) steps, tail, mean);
  return write_returns (agent->returns, csv, _("reinforce (linear softmax) on CartPole-v1: the return of each episode"));
}

int
gb_cli_rl_cartpole (int argc, char **argv)
{
  /* Small products: one thread each (OpenBLAS's threads only spin at these sizes); nothing runs yet. */
  gb_blas_set_threads (1);
  g_autofree char *env = NULL, *algo = NULL, *out = NULL, *csv = NULL;
  gint64 steps = 0, episodes = 1000, seed = 1;   /* steps 0: not given */
  int hidden = 0;
  double lr = NAN, gamma = NAN, lr_value = NAN;
  int update_every = G_MININT;   /* not given */
  g_autofree char *loss = NULL;
  gboolean no_double = FALSE;
  GbDqnConfig dc;
  gb_dqn_config_init (&dc);
  GOptionEntry entries[] = {
    { "env", 0, 0, G_OPTION_ARG_STRING, &env, "cartpole", N_("ENV") },
    { "algo", 0, 0, G_OPTION_ARG_STRING, &algo, N_("dqn, reinforce (a linear softmax policy), reinforce-mlp, reinforce-baseline or actor-critic"), N_("ALGO") },
    { "steps", 0, 0, G_OPTION_ARG_INT64, &steps, N_("Environment steps (DQN: default 50000; policy gradients: instead of --episodes)"), "N" },
    { "episodes", 0, 0, G_OPTION_ARG_INT64, &episodes, N_("Policy gradients: episodes (default 1000)"), "N" },
    { "hidden", 0, 0, G_OPTION_ARG_INT, &hidden, N_("The networks' hidden width (default 64)"), "H" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, N_("Adam's step size (DQN 1e-3, linear REINFORCE 0.05, the policy's 2e-3)"), "X" },
    { "gamma", 0, 0, G_OPTION_ARG_DOUBLE, &gamma, N_("Discount (default 0.99)"), "G" },
    { "lr-value", 0, 0, G_OPTION_ARG_DOUBLE, &lr_value, N_("Policy gradients: the critic's step size (default 1e-2)"),
      "X" },
    { "update-every", 0, 0, G_OPTION_ARG_INT, &update_every, N_("Actor-critic: steps between updates (default 8)"),
      "N" },
    { "double", 0, 0, G_OPTION_ARG_NONE, &dc.double_dqn, N_("DQN: Double DQN's target (the default)"), NULL },
    { "no-double", 0, 0, G_OPTION_ARG_NONE, &no_double, N_("DQN: the plain max target of Mnih et al."), NULL },
    { "batch", 0, 0, G_OPTION_ARG_INT, &dc.batch, N_("DQN: minibatch size (default 64)"), "B" },
    { "buffer", 0, 0, G_OPTION_ARG_INT, &dc.buffer, N_("DQN: replay buffer, transitions (default 100000)"), "N" },
    { "learning-starts", 0, 0, G_OPTION_ARG_INT, &dc.learning_starts, N_("DQN: steps before learning (default 1000)"),
      "N" },
    { "train-every", 0, 0, G_OPTION_ARG_INT, &dc.train_every, N_("DQN: steps between bursts of updates (default 256)"),
      "N" },
    { "gradient-steps", 0, 0, G_OPTION_ARG_INT, &dc.gradient_steps, N_("DQN: updates a burst (default 128)"), "N" },
    { "target-every", 0, 0, G_OPTION_ARG_INT, &dc.target_every,
      N_("DQN: steps between target copies; 0 for Polyak averaging (default 10)"), "N" },
    { "tau", 0, 0, G_OPTION_ARG_DOUBLE, &dc.tau, N_("DQN: Polyak's τ with --target-every 0 (default 0.005)"), "T" },
    { "lr-end", 0, 0, G_OPTION_ARG_DOUBLE, &dc.lr_end, N_("DQN: the step size falls linearly to this… (default 1e-4)"), "X" },
    { "lr-steps", 0, 0, G_OPTION_ARG_INT, &dc.lr_steps, N_("DQN: …over these steps (default 60000; 0: constant)"), "N" },
    { "eps-end", 0, 0, G_OPTION_ARG_DOUBLE, &dc.eps_end, N_("DQN: the last ε (default 0.01)"), "E" },
    { "eps-steps", 0, 0, G_OPTION_ARG_INT, &dc.eps_steps, N_("DQN: steps over which ε falls from 1 (default 8000)"),
      "N" },
    { "loss", 0, 0, G_OPTION_ARG_STRING, &loss, N_("DQN: huber or mse (default mse)"), N_("LOSS") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 1)"), "S" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_("Write the Q-network or policy (safetensors, PyTorch nn.Sequential's names)"), N_("FILE") },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, N_("Write each episode's return as CSV (JSON for a .json FILE)"), N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
    _("--env cartpole --algo dqn|reinforce|reinforce-mlp|reinforce-baseline|actor-critic — learn to balance the pole"));
  int status = gb_cli_parse (ctx, entries,
    _("Trains an agent on CartPole-v1 (Gymnasium's dynamics) and prints the mean return of\n"
    "the last 100 episodes. DQN's defaults: a 4-64-64-2 Q-network, batch 64, replay 100 000,\n"
    "128 updates every 256 steps after 1 000, target copied every 10 steps, Double DQN, squared\n"
    "TD error, gradient norm ≤ 10, step size 1e-3 falling to 1e-4 over 60 000 steps, ε from 1 to\n"
    "0.01 over 8 000 steps. The policy gradients\n"
    "(reinforce-mlp, reinforce-baseline, actor-critic) use a 4-64-2 ReLU policy and a 4-64-1\n"
    "critic, run --episodes or, given, --steps, and --out saves the policy (and critic)."), &argc, &argv, NULL);
  if (status >= 0)
    return status;
  if (algo == NULL)
    return gb_cli_usage_error (ctx, _("--algo is required"));
  if (seed < 0)
    return gb_cli_usage_error (ctx, _("--seed must be ≥ 0"));
  if (!gb_cli_table_path_ok (csv))
    return gb_cli_usage_error (ctx, _("--csv writes a .csv or a .json file"));
  GbPgAlgo pg_algo;
  if (gb_pg_algo_parse (algo, &pg_algo))
    {
      GbPgConfig pc;
      gb_pg_config_init (&pc, pg_algo);
      if (hidden > 0)
        pc.hidden = hidden;
      if (!isnan (lr))
        pc.lr = lr;
      if (!isnan (lr_value))
        pc.lr_value = lr_value;
      if (!isnan (gamma))
        pc.gamma = gamma;
      if (update_every != G_MININT)
        pc.update_every = update_every;
      pc.seed = (guint64) seed;
      if (episodes < 1 || episodes > 10000000 || steps < 0 || steps > 1000000000)
        return gb_cli_usage_error (ctx, _("--episodes is outside 1…10000000 or --steps outside 1…1000000000"));
      return run_pg (&pc, episodes, steps, out, csv);
    }
  if (g_str_equal (algo, "dqn"))
    {
      if (steps == 0)
        steps = 50000;
      if (steps < 1 || steps > 100000000)
        return gb_cli_usage_error (ctx, _("--steps is outside 1…100000000"));
      if (hidden > 0)
        dc.hidden = hidden;
      if (!isnan (lr))
        dc.lr = lr;
      if (!isnan (gamma))
        dc.gamma = gamma;
      dc.seed = (guint64) seed;
      if (loss != NULL && !g_str_equal (loss, "huber") && !g_str_equal (loss, "mse"))
        return gb_cli_usage_error (ctx, _("--loss is huber or mse"));
      if (loss != NULL)
        dc.huber = g_str_equal (loss, "huber");
      if (no_double)
        dc.double_dqn = FALSE;
      return run_dqn (&dc, steps, out, csv);
    }
  if (g_str_equal (algo, "reinforce"))
    {
      if (episodes < 1 || episodes > 10000000)
        return gb_cli_usage_error (ctx, _("--episodes is outside 1…10000000"));
      if (out != NULL)
        return gb_cli_usage_error (ctx, _("--out saves a DQN's Q-network; the app saves REINFORCE's policy"));
      return run_reinforce (episodes, lr, gamma, seed, csv);
    }
  return gb_cli_usage_error (ctx,
                             _("--algo on cart-pole is dqn, reinforce, reinforce-mlp, reinforce-baseline or actor-critic"));
}

/* --- the short corridor --- */

int
gb_cli_rl_corridor (int argc, char **argv)
{
  g_autofree char *env = NULL, *algo = NULL, *csv = NULL;
  gint64 episodes = 1000, seed = 1;
  double lr = NAN, lr_w = NAN, p0 = 0.05;
  GOptionEntry entries[] = {
    { "env", 0, 0, G_OPTION_ARG_STRING, &env, "short-corridor", N_("ENV") },
    { "algo", 0, 0, G_OPTION_ARG_STRING, &algo, N_("reinforce or reinforce-baseline"), N_("ALGO") },
    { "episodes", 0, 0, G_OPTION_ARG_INT64, &episodes, N_("Episodes (default 1000)"), "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, N_("The policy's step size (default 2^-13, with the baseline 2^-9)"), "X" },
    { "lr-baseline", 0, 0, G_OPTION_ARG_DOUBLE, &lr_w, N_("The baseline's step size (default 2^-6)"), "X" },
    { "p0", 0, 0, G_OPTION_ARG_DOUBLE, &p0, N_("The first policy's probability of going right (default 0.05)"), "P" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 1)"), "S" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv,
      N_("Write each episode's return and the policy's p after it as CSV (JSON for a .json FILE)"), N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--env short-corridor --algo reinforce|reinforce-baseline"));
  int status = gb_cli_parse (ctx, entries,
    _("REINFORCE on Sutton & Barto's short corridor with switched actions (example 13.1),\n"
    "where the best policy is stochastic: prints the learnt p = π(right), its value\n"
    "v(p) = (2p − 4)/(p(1 − p)) and the optimum p* = 2 − √2 ≈ 0.586, v* ≈ −11.66."), &argc, &argv, NULL);
  if (status >= 0)
    return status;
  gboolean baseline = g_strcmp0 (algo, "reinforce-baseline") == 0;
  if (!baseline && g_strcmp0 (algo, "reinforce") != 0)
    return gb_cli_usage_error (ctx, _("--algo on the short corridor is reinforce or reinforce-baseline"));
  if (episodes < 1 || episodes > 10000000)
    return gb_cli_usage_error (ctx, _("--episodes is outside 1…10000000"));
  if (seed < 0)
    return gb_cli_usage_error (ctx, _("--seed must be ≥ 0"));
  if (!gb_cli_table_path_ok (csv))
    return gb_cli_usage_error (ctx, _("--csv writes a .csv or a .json file"));
  GbCorridorConfig c;
  gb_corridor_config_init (&c, baseline);
  if (!isnan (lr))
    c.alpha = lr;
  if (baseline && !isnan (lr_w))
    c.alpha_w = lr_w;
  c.p0 = p0;
  c.seed = (guint64) seed;
  g_autoptr (GError) error = NULL;
  g_autoptr (GbCorridorAgent) a = gb_corridor_agent_new (&c, &error);
  if (a == NULL)
    return gb_cli_fail (g_steal_pointer (&error));
  for (gint64 e = 0; e < episodes; e++)
    gb_corridor_agent_episode (a);
  int n = (int) a->returns->len, tail = MIN (100, n);
  double mean = 0;
  for (int e = n - tail; e < n; e++)
    mean += g_array_index (a->returns, double, e) / tail;
  double p = gb_corridor_agent_p (a);
  printf (_("%s on the short corridor: %d episodes from p = %g (v %.2f)\n"
          "learnt p = π(right) = %.4f, v(p) = %.3f; the optimum p* = %.4f, v* = %.3f\n"
          "mean return of the last %d: %.2f\n"),
          baseline ? _("reinforce with a baseline") : "reinforce", n, c.p0, gb_corridor_value (c.p0), p,
          gb_corridor_value (p), GB_CORRIDOR_BEST_P, gb_corridor_best_value (), tail, mean);
  if (csv == NULL)
    return 0;
  g_autoptr (GbTable) t = gb_cli_returns_table (baseline ? _("reinforce with a baseline on the short corridor")
                                                         : _("reinforce on the short corridor"), a->returns);
  gb_table_add_column (t, "p = π(right) after it", (const double *) a->ps->data, (int) a->ps->len);
  return gb_cli_write_table (t, csv);
}
