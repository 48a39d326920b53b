/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-corridor.c — the short corridor: its value against a policy
 * evaluation of the MDP itself, and REINFORCE moving p towards 2 − √2. */
#include <math.h>

#include "gb-error.h"
#include "gb-rl-corridor.h"

/* Iterative policy evaluation of the four states, independent of the closed form. */
static double
evaluate (double p)
{
  double v[4] = { 0, 0, 0, 0 };
  for (int sweep = 0; sweep < 200000; sweep++)
    {
      double v0 = -1 + p * v[1] + (1 - p) * v[0];
      double v1 = -1 + p * v[0] + (1 - p) * v[2];   /* switched: right goes back */
      double v2 = -1 + p * v[3] + (1 - p) * v[1];
      double change = fabs (v0 - v[0]) + fabs (v1 - v[1]) + fabs (v2 - v[2]);
      v[0] = v0, v[1] = v1, v[2] = v2;
      if (change < 1e-12)
        break;
    }
  return v[0];
}

static void
test_value (void)
{
  for (double p = 0.05; p < 0.99; p += 0.05)
    g_assert_cmpfloat_with_epsilon (gb_corridor_value (p), evaluate (p), 1e-6 * fabs (evaluate (p)));
  g_assert_cmpfloat_with_epsilon (GB_CORRIDOR_BEST_P, 0.5858, 1e-4);
  g_assert_cmpfloat_with_epsilon (gb_corridor_best_value (), -11.657, 1e-3);
  /* The optimum is one: its neighbours are worse. */
  g_assert_cmpfloat (gb_corridor_value (GB_CORRIDOR_BEST_P + 0.01), <, gb_corridor_best_value ());
  g_assert_cmpfloat (gb_corridor_value (GB_CORRIDOR_BEST_P - 0.01), <, gb_corridor_best_value ());
  /* ε-greedy's two policies for ε = 0.1. */
  g_assert_cmpfloat_with_epsilon (gb_corridor_value (0.05), -82.1, 0.1);
  g_assert_cmpfloat_with_epsilon (gb_corridor_value (0.95), -44.2, 0.1);
}

/* From p = 0.05 (v ≈ −82), REINFORCE with the book's step sizes, with and without a baseline, ends near
 * the optimum after 1 000 episodes; the same seed gives the same run. */
static void
test_reinforce (void)
{
  for (int baseline = 0; baseline < 2; baseline++)
    {
      GbCorridorConfig c;
      gb_corridor_config_init (&c, baseline);
      c.seed = 4;
      g_autoptr (GbCorridorAgent) a = gb_corridor_agent_new (&c, NULL);
      g_autoptr (GbCorridorAgent) b = gb_corridor_agent_new (&c, NULL);
      g_assert_cmpfloat_with_epsilon (gb_corridor_agent_p (a), 0.05, 1e-12);
      double last = 0;
      for (int e = 0; e < 1000; e++)
        {
          double r = gb_corridor_agent_episode (a);
          g_assert_cmpfloat (r, ==, gb_corridor_agent_episode (b));
          if (e >= 900)
            last += r / 100;
        }
      double p = gb_corridor_agent_p (a);
      /* The top is flat: within 0.2 of p*, v(p) is within 1.5 of v* ≈ −11.66 (from −82 at the start). */
      g_assert_cmpfloat (fabs (p - GB_CORRIDOR_BEST_P), <, 0.2);
      g_assert_cmpfloat (gb_corridor_value (p), >, -13.5);
      g_assert_cmpfloat (last, >, -20.0);
      g_assert_cmpuint (a->ps->len, ==, 1000);
    }
  GbCorridorConfig bad;
  gb_corridor_config_init (&bad, FALSE);
  bad.p0 = 1.0;
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_corridor_agent_new (&bad, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/corridor/value", test_value);
  g_test_add_func ("/core/corridor/reinforce", test_reinforce);
  return g_test_run ();
}
