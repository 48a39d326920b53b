/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli-rl.c — `glassbox rl` and `render rl` / `render cartpole`: gridworlds
 * solved and learnt, cart-pole's learners, the short corridor, and bad input. */
#include <glib/gstdio.h>

#include "cli-run.h"
#include "gb-safetensors.h"
#include "gb-test-util.h"

static void
test_rl (void)
{
  Run r = run ("rl", "--env", "4x3", "--algo", "value-iteration", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "0.812    0.868    0.918        G");
  assert_contains (r.out, "0.705    0.655    0.611    0.388");
  assert_contains (r.out, "↑ ← ← ←");
  run_clear (&r);
  r = run ("rl", "--env", "cliff", "--algo", "q-learning", "--episodes", "300", "--seeds", "4", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "q-learning: 300 episodes");
  assert_contains (r.out, "over 4 seeds: mean return of the last 100 episodes");
  run_clear (&r);
  g_autofree char *map = test_tmp_path ("mine.map");
  g_assert_true (g_file_set_contents (map, "# mine\nstep = -1\ngrid:\nS.#\n..G\n", -1, NULL));
  r = run ("rl", "--env", map, "--algo", "policy-iteration", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "-1.000    0.000        G");
  run_clear (&r);
  /* Cart-pole: deep Q-learning (a small one, briefly) writes its Q-network; the linear REINFORCE agent. */
  g_autofree char *qnet = test_tmp_path ("q.safetensors");
  r = run ("rl", "--env", "cartpole", "--algo", "dqn", "--steps", "3000", "--hidden", "16", "--out", qnet, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "dqn on CartPole-v1: 3000 environment steps");
  assert_contains (r.out, "mean return of the last 100:");
  run_clear (&r);
  g_autoptr (GbSafetensors) qst = gb_safetensors_load (qnet, NULL);
  g_assert_nonnull (qst);
  g_assert_true (gb_safetensors_has (qst, "2.weight"));
  r = run ("rl", "--env", "cartpole", "--algo", "reinforce", "--episodes", "50", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "50 episodes");
  run_clear (&r);
  /* The neural policy gradients: an actor-critic writes its policy and critic. */
  g_autofree char *policy = test_tmp_path ("pi.safetensors");
  r = run ("rl", "--env", "cartpole", "--algo", "actor-critic", "--episodes", "30", "--out", policy, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "actor-critic on CartPole-v1: 30 episodes");
  assert_contains (r.out, "mean return of the last 100:");
  run_clear (&r);
  g_autoptr (GbSafetensors) pst = gb_safetensors_load (policy, NULL);
  g_assert_nonnull (pst);
  g_assert_true (gb_safetensors_has (pst, "critic.2.weight"));
  r = run ("rl", "--env", "cartpole", "--algo", "reinforce-baseline", "--steps", "2000", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "reinforce-baseline on CartPole-v1:");
  run_clear (&r);
  r = run ("rl", "--env", "cartpole", "--algo", "actor-critic", "--update-every", "0", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "updating every 0 steps");
  run_clear (&r);
  r = run ("rl", "--env", "cartpole", "--algo", "dqn", "--gamma", "2", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "γ 2 is outside [0, 1]");
  run_clear (&r);
  r = run ("rl", "--env", "short-corridor", "--algo", "reinforce-baseline", "--episodes", "300", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "the optimum p* = 0.5858, v* = -11.657");
  assert_contains (r.out, "mean return of the last 100:");
  run_clear (&r);
  r = run ("rl", "--env", "short-corridor", "--algo", "reinforce", "--p0", "1", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "must be in (0, 1)");
  run_clear (&r);
  r = run ("rl", "--env", "cartpole", "--algo", "sarsa", NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_contains (r.err, "dqn, reinforce, reinforce-mlp, reinforce-baseline or actor-critic");
  run_clear (&r);
  g_autofree char *png = test_tmp_path ("rl.png"), *svg = test_tmp_path ("rl.svg");
  r = run ("render", "rl", "--env", "cliff", "--algo", "sarsa", "--q", "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  r = run ("render", "rl", "--env", "4x3", "--algo", "policy-iteration", "--numbers", "--theme", "dark", "--out", svg, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  r = run ("render", "rl", "--env", "4x3", "--algo", "value-iteration", "--out", "/tmp/x.bmp", NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "unknown format");
  run_clear (&r);
  g_autofree char *cart = test_tmp_path ("cart.png");
  r = run ("render", "cartpole", "--episodes", "50", "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "REINFORCE (linear softmax): 50 episodes");
  run_clear (&r);
  r = run ("render", "cartpole", "--algo", "dqn", "--episodes", "20", "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "DQN (replay, target network): 20 episodes");
  run_clear (&r);
  r = run ("render", "cartpole", "--algo", "reinforce-baseline", "--policy", policy, "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "Actor-critic (one-step): 1 episodes");   /* the file's actor-critic plays one */
  run_clear (&r);
  /* The other views: inside the DQN, the gradient's spread, the short corridor. */
  r = run ("render", "cartpole", "--view", "dqn", "--episodes", "30", "--x", "0.5", "--by-age", "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "DQN (replay, target network): 30 episodes");
  run_clear (&r);
  r = run ("render", "cartpole", "--view", "variance", "--episodes", "30", "--measure", "20", "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "gradient variance over 20 episodes:");
  run_clear (&r);
  r = run ("render", "cartpole", "--view", "corridor", "--episodes", "100", "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "short corridor, 100 episodes: REINFORCE p = ");
  run_clear (&r);
  r = run ("render", "cartpole", "--view", "dqn", "--algo", "reinforce", "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_contains (r.err, "--view dqn draws a DQN");
  run_clear (&r);
  r = run ("render", "cartpole", "--view", "sideways", "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_contains (r.err, "--view is replay, dqn, variance or corridor");
  run_clear (&r);
  r = run ("render", "cartpole", "--episodes", "5", "--step", "100000", "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_contains (r.err, "--step is past the end");
  run_clear (&r);
  r = run ("render", "cartpole", "--lr", "0", "--out", cart, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "learning rate 0");
  run_clear (&r);
  g_autofree char *bad = test_tmp_path ("bad.map");
  g_assert_true (g_file_set_contents (bad, "grid:\nS.?\n", -1, NULL));
  const BadCase cases[] = {
    { { "rl", "--env", "nowhere", "--algo", "sarsa" }, 1, "no preset “nowhere”" },
    { { "rl", "--env", bad, "--algo", "sarsa" }, 1, "bad.map:2: unknown cell “?” in column 3" },
    { { "rl", "--env", "cliff", "--algo", "sarsa", "--alpha", "0" }, 1, "α 0 is outside (0, 1]" },
    { { "rl", "--env", "cliff", "--algo", "sarsa", "--gamma", "2" }, 1, "γ 2 is outside [0, 1]" },
    { { "rl", "--env", "cliff", "--algo", "sarsa", "--slip", "3" }, 1, "slip probability 3 is outside" },
    { { "rl", "--env", "cliff", "--algo", "dqn" }, 2, "--algo is value-iteration" },
    { { "rl", "--env", "cliff" }, 2, "--env and --algo are required" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *const *a = cases[i].args;
      Run b = run (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], NULL);
      if (b.status != cases[i].status || strstr (b.err, cases[i].message) == NULL)
        g_error ("rl case %zu: exit %d, expected %d with “%s”; stderr:\n%s", i, b.status, cases[i].status,
                 cases[i].message, b.err);
      run_clear (&b);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_run_init ();
  g_test_add_func ("/cli/rl", test_rl);
  return g_test_run ();
}
