/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-rl.c — Glassbox's side of the RL benchmark (bench/run_rl.py).
 *
 *   bench-rl qlearning [--steps N]   tabular Q-learning on an open 10×10 gridworld, steps/s
 *   bench-rl vi [--side N]           value iteration on an N×N gridworld to a residual below 1e-6, ms
 */
#include <stdio.h>

#include "gb-blas.h"
#include "gb-rl.h"

static GbGrid *
open_grid (int side, double slip, double gamma)
{
  GString *s = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_printf (s, "step = -1\ngoal = 0\nslip = %s\n", g_ascii_dtostr (buf, sizeof buf, slip));
  g_string_append_printf (s, "gamma = %s\ngrid:\n", g_ascii_dtostr (buf, sizeof buf, gamma));
  for (int r = 0; r < side; r++)
    {
      for (int c = 0; c < side; c++)
        g_string_append_c (s, r == 0 && c == 0 ? 'S' : r == side - 1 && c == side - 1 ? 'G' : '.');
      g_string_append_c (s, '\n');
    }
  g_autofree char *text = g_string_free (s, FALSE);
  return gb_grid_parse (text, "bench", NULL);
}

int
main (int argc, char **argv)
{
  gb_blas_init (argv);   /* OpenBLAS's kernels for this CPU, as the app runs them */
  gint64 steps = 200000000;
  int side = 100;
  gboolean first = FALSE;
  GOptionEntry entries[] = {
    { "first-of-ties", 0, 0, G_OPTION_ARG_NONE, &first, "Greedy ties go to the first action (as np.argmax)", NULL },
    { "steps", 0, 0, G_OPTION_ARG_INT64, &steps, "Q-learning steps", "N" },
    { "side", 0, 0, G_OPTION_ARG_INT, &side, "Grid side for value iteration", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("qlearning|vi");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, NULL) || argc != 2)
    return 2;
  if (g_str_equal (argv[1], "qlearning"))
    {
      g_autoptr (GbGrid) g = open_grid (10, 0.0, 0.99);
      GbTdConfig c;
      gb_td_config_init (&c);
      c.gamma = 0.99;
      c.first_of_ties = first;
      g_autoptr (GbTdAgent) agent = gb_td_agent_new (g->mdp, &c, NULL);
      gb_td_agent_run_steps (agent, 1000000);
      gint64 t0 = g_get_monotonic_time ();
      gb_td_agent_run_steps (agent, steps);
      double dt = (g_get_monotonic_time () - t0) / 1e6;
      printf ("{\"what\": \"qlearning\", \"steps_per_s\": %.0f, \"episodes\": %d, \"first_of_ties\": %s}\n",
              steps / dt, agent->episodes, first ? "true" : "false");
      return 0;
    }
  if (g_str_equal (argv[1], "vi"))
    {
      g_autoptr (GbGrid) g = open_grid (side, 0.2, 0.99);
      g_autofree double *V = g_new0 (double, g->mdp->n_states);
      gint64 t0 = g_get_monotonic_time ();
      int sweeps = gb_value_iteration (g->mdp, V, 1e-6, 100000);
      double ms = (g_get_monotonic_time () - t0) / 1e3;
      printf ("{\"what\": \"vi\", \"side\": %d, \"sweeps\": %d, \"ms\": %.1f}\n", side, sweeps, ms);
      return 0;
    }
  return 2;
}
