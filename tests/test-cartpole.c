/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cartpole.c — cart-pole dynamics against Gymnasium's equations, and
 * REINFORCE solving CartPole-v1. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gb-rl-cartpole.h"

static void
test_dynamics (void)
{
  /* From (0.01, −0.02, 0.03, 0.04) with the pushes below, step by step as
   * computed by a transcription of gymnasium/envs/classic_control/cartpole.py. */
  const int actions[10] = { 1, 1, 0, 1, 0, 0, 0, 1, 1, 1 };
  const double want[10][4] = {
    { 0.0096000000000000009, 0.17467919574755525, 0.030799999999999998, -0.24306871796000809 },
    { 0.013093583914951107, 0.36934797605795561, 0.025938625640799837, -0.52587962805014832 },
    { 0.020480543436110221, 0.17387081260481596, 0.015421033079796869, -0.22513741609237464 },
    { 0.023957959688206541, 0.36876901017476171, 0.010918284757949377, -0.51291634780265871 },
    { 0.031333339891701777, 0.17349499275068458, 0.00065995780189620316, -0.21681286835696195 },
    { 0.034803239746715467, -0.021636386741578473, -0.0036762995652430356, 0.076078164719837749 },
    { 0.034370512011883896, -0.21670544277345885, -0.0021547362708462803, 0.36759894183747555 },
    { 0.030036403156414718, -0.021552939941453797, 0.0051972425659032309, 0.074237375169250164 },
    { 0.02960534435758564, 0.17349411900528805, 0.0066819900692882345, -0.21680127946381111 },
    { 0.0330752267376914, 0.36851991283108854, 0.0023459644800120118, -0.50736894898654261 },
  };
  GbCartPole env = { { 0.01, -0.02, 0.03, 0.04 }, 0, FALSE, FALSE };
  for (int t = 0; t < 10; t++)
    {
      g_assert_cmpfloat (gb_cartpole_step (&env, actions[t]), ==, 1.0);
      const double got[4] = { env.s.x, env.s.x_dot, env.s.theta, env.s.theta_dot };
      for (int k = 0; k < 4; k++)
        if (fabs (got[k] - want[t][k]) > 1e-14)
          g_error ("step %d, variable %d: %.17g, Gymnasium's equations give %.17g", t + 1, k, got[k], want[t][k]);
      g_assert_false (env.terminated);
    }
  /* Pushing right from rest, the pole passes 12° after 9 steps. */
  GbCartPole fall = { { 0, 0, 0, 0 }, 0, FALSE, FALSE };
  int n = 0;
  while (!fall.terminated)
    {
      gb_cartpole_step (&fall, 1);
      n++;
    }
  g_assert_cmpint (n, ==, 9);
  g_assert_cmpfloat (fall.s.theta, <, -12.0 * G_PI / 180);
}

static void
test_reset_and_truncation (void)
{
  GbRng rng;
  gb_rng_init (&rng, 5);
  GbCartPole env;
  for (int i = 0; i < 100; i++)
    {
      gb_cartpole_reset (&env, &rng);
      g_assert_cmpfloat (fabs (env.s.x), <=, 0.05);
      g_assert_cmpfloat (fabs (env.s.theta_dot), <=, 0.05);
    }
  /* The 500th step ends the episode by truncation, not failure. */
  GbCartPole late = { { 0, 0, 0, 0 }, GB_CARTPOLE_MAX_STEPS - 2, FALSE, FALSE };
  gb_cartpole_step (&late, 1);
  g_assert_false (late.truncated);
  gb_cartpole_step (&late, 0);
  g_assert_true (late.truncated);
  g_assert_false (late.terminated);
  g_assert_cmpint (late.steps, ==, GB_CARTPOLE_MAX_STEPS);
}

static void
test_reinforce_solves (void)
{
  /* CartPole-v1 counts as solved at an average return of 475 over 100
   * consecutive episodes; with seed 1 REINFORCE gets there within 1000. */
  GbReinforceConfig c;
  gb_reinforce_config_init (&c);
  c.seed = 1;
  g_autoptr (GbReinforce) agent = gb_reinforce_new (&c, NULL);
  g_autoptr (GbCartEpisode) ep = gb_cart_episode_new ();
  int solved = -1;
  double window = 0;
  for (int e = 0; e < 1000 && solved < 0; e++)
    {
      gb_reinforce_episode (agent, ep);
      window += g_array_index (agent->returns, double, e);
      if (e >= 100)
        window -= g_array_index (agent->returns, double, e - 100);
      if (e >= 99 && window / 100 >= 475)
        solved = e + 1;
    }
  g_test_message ("solved after %d episodes", solved);
  g_assert_cmpint (solved, >, 0);
  /* The recorded episode: returns fall by one a step (γ = 0.99 discounting), π in (0, 1). */
  g_assert_cmpuint (ep->G->len, ==, ep->states->len);
  double G0 = g_array_index (ep->G, double, 0), G1 = g_array_index (ep->G, double, 1);
  g_assert_cmpfloat_with_epsilon (G0, 1.0 + 0.99 * G1, 1e-9);
  for (guint t = 0; t < ep->p_right->len; t++)
    {
      double p = g_array_index (ep->p_right, double, t);
      g_assert_true (p > 0.0 && p < 1.0);
    }
  /* Bad parameters are refused. */
  c.lr = 0;
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_reinforce_new (&c, &error));
  g_assert_nonnull (error);
}

static void
test_policy_file (void)
{
  GbReinforceConfig c;
  gb_reinforce_config_init (&c);
  c.seed = 5;
  g_autoptr (GbReinforce) a = gb_reinforce_new (&c, NULL);
  for (int e = 0; e < 20; e++)
    gb_reinforce_episode (a, NULL);
  g_autofree char *dir = g_dir_make_tmp ("glassbox-cart-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cart.policy", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (gb_reinforce_save (a, path, &error));
  g_autoptr (GbReinforce) b = gb_reinforce_load (path, &error);
  g_assert_no_error (error);
  for (int k = 0; k < GB_CARTPOLE_FEATURES; k++)
    g_assert_cmpfloat (a->w[k], ==, b->w[k]);
  g_assert_cmpint (b->episodes, ==, 20);
  g_assert_cmpuint (b->returns->len, ==, 20);
  GbCartState s = { 0.1, -0.2, 0.05, 0.3 };
  g_assert_cmpfloat (gb_reinforce_p_right (a, &s), ==, gb_reinforce_p_right (b, &s));
  /* It learns on from where it was. */
  gb_reinforce_episode (b, NULL);
  g_assert_cmpint (b->episodes, ==, 21);

  /* Bad files: a clear message each. */
  const char *bad[] = {
    "[glassbox-cartpole]\nversion=1\nlr=0.05\ngamma=0.99\nw=1;2;3\nm=0;0;0;0;0\nv=0;0;0;0;0\n",
    "[glassbox-cartpole]\nversion=1\nlr=0.05\ngamma=0.99\nw=1;2;3;nan;5\nm=0;0;0;0;0\nv=0;0;0;0;0\n",
    "[glassbox-cartpole]\nversion=1\nlr=-3\ngamma=0.99\nw=1;2;3;4;5\nm=0;0;0;0;0\nv=0;0;0;0;0\n",
    "[glassbox-rl]\nversion=1\n",
    "\x01\x02 not a key file",
  };
  const char *want[] = { "must hold 5 numbers", "not finite", "learning rate", "not a Glassbox cart-pole", "not a cart-pole" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_true (g_file_set_contents (path, bad[i], -1, NULL));
      g_autoptr (GbReinforce) x = gb_reinforce_load (path, &error);
      g_assert_null (x);
      g_assert_nonnull (error);
      if (strstr (error->message, want[i]) == NULL)
        g_error ("file %u: “%s” lacks “%s”", i, error->message, want[i]);
    }
  g_remove (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/cartpole/dynamics", test_dynamics);
  g_test_add_func ("/core/cartpole/reset-truncation", test_reset_and_truncation);
  g_test_add_func ("/core/cartpole/reinforce-solves", test_reinforce_solves);
  g_test_add_func ("/core/cartpole/policy-file", test_policy_file);
  return g_test_run ();
}
