/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli-rl.c — `glassbox rl` and `render rl` / `render cartpole`: gridworlds
 * solved and learnt, cart-pole's learners, the short corridor, and bad input. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/wait.h>

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

/* Reads a CSV file's rows as fields. */
static GPtrArray *
read_csv (const char *path)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (int i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    g_ptr_array_add (rows, g_strsplit (lines[i], ",", -1));
  return rows;
}

static void
test_rl_data_out (void)
{
  /* Value iteration's residuals, sweep by sweep, down to the tolerance the summary names. */
  g_autofree char *vi = test_tmp_path ("vi.csv");
  Run r = run ("rl", "--env", "4x3", "--algo", "value-iteration", "--csv", vi, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) rows = read_csv (vi);
  g_assert_cmpstr (((char **) rows->pdata[0])[0], ==, "sweep");
  g_assert_cmpstr (((char **) rows->pdata[0])[1], ==, "residual");
  char **last = rows->pdata[rows->len - 1];
  g_assert_cmpfloat (g_ascii_strtod (last[1], NULL), <, 1e-10);
  g_assert_cmpfloat (g_ascii_strtod (((char **) rows->pdata[1])[1], NULL), >, 0.5);
  g_autofree char *sweeps = g_strdup_printf ("value iteration: %s sweeps", last[0]);
  assert_contains (r.out, sweeps);
  run_clear (&r);

  /* A TD curve over seeds: each episode's return and length, the mean and spread across seeds. */
  g_autofree char *td = test_tmp_path ("td.csv");
  r = run ("rl", "--env", "cliff", "--algo", "sarsa", "--episodes", "40", "--seeds", "3", "--csv", td, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "(40 rows of 5 columns)");
  run_clear (&r);
  g_autoptr (GPtrArray) td_rows = read_csv (td);
  g_assert_cmpuint (td_rows->len, ==, 41);
  g_assert_cmpstr (((char **) td_rows->pdata[0])[3], ==, "mean return over 3 seeds");
  for (guint i = 1; i < td_rows->len; i++)
    {
      char **f = td_rows->pdata[i];
      g_assert_cmpint (atoi (f[0]), ==, (int) i);
      /* Cliff Walking: −1 a step, −100 more for each fall; an episode is at least 13 steps. */
      g_assert_cmpfloat (g_ascii_strtod (f[1], NULL), <=, -13);
      g_assert_cmpint (atoi (f[2]), >=, 13);
      g_assert_cmpfloat (g_ascii_strtod (f[4], NULL), >=, 0);
    }

  /* FrozenLake as Gymnasium writes its map; Q in Gymnasium's order as CSV and .npy. */
  g_autofree char *lake = test_tmp_path ("lake.txt");
  g_assert_true (g_file_set_contents (lake, "SFFF\nFHFH\nFFFH\nHFFG\n", -1, NULL));
  g_autofree char *qcsv = test_tmp_path ("q.csv"), *qnpy = test_tmp_path ("q.npy");
  r = run ("rl", "--env", lake, "--algo", "value-iteration", "--q-csv", qcsv, "--q-npy", qnpy, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "FrozenLake 4×4: 4 × 4, 16 states");
  assert_contains (r.out, "   0.542");
  run_clear (&r);
  g_autoptr (GPtrArray) q = read_csv (qcsv);
  g_assert_cmpuint (q->len, ==, 17);
  char **head = q->pdata[0];
  g_assert_cmpstr (head[3], ==, "left");
  g_assert_cmpstr (head[4], ==, "down");
  g_assert_cmpstr (head[5], ==, "right");
  g_assert_cmpstr (head[6], ==, "up");
  /* From the start, Left and Up are FrozenLake's best (they cannot fall into a hole): V(0) ≈ 0.542. */
  char **s0 = q->pdata[1];
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (s0[3], NULL), 0.542, 0.002);
  g_assert_cmpfloat (g_ascii_strtod (s0[5], NULL), <, g_ascii_strtod (s0[3], NULL));
  /* The goal (state 15) is terminal: its row is 0. */
  g_assert_cmpfloat (g_ascii_strtod (((char **) q->pdata[16])[3], NULL), ==, 0);
  g_autofree char *raw = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (qnpy, &raw, &len, NULL));
  g_assert_cmpuint (len, ==, 128 + 16 * 4 * 8);
  g_assert_nonnull (g_strstr_len (raw + 10, 118, "'shape': (16, 4)"));
  double q00;
  memcpy (&q00, raw + 128, 8);
  g_assert_cmpfloat (q00, ==, g_ascii_strtod (s0[3], NULL));
  /* NumPy reads it as the CSV says, where NumPy is installed. */
  if (g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_autofree char *npy_q = g_shell_quote (qnpy), *csv_q = g_shell_quote (qcsv);
      g_autofree char *script = g_strdup_printf (
        "import sys\ntry:\n import numpy as np\nexcept ImportError:\n sys.exit(77)\n"
        "a = np.load(%s); c = np.loadtxt(%s, delimiter=',', skiprows=1)\n"
        "assert a.shape == (16, 4) and a.dtype == np.float64, a.shape\n"
        "assert (a == c[:, 3:]).all()\nprint('numpy agrees')\n", npy_q, csv_q);
      const char *argv[] = { "/usr/bin/python3", "-c", script, NULL };
      int status = 0;
      g_autofree char *out = NULL, *err = NULL;
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, &err, &status, NULL));
      if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
        g_test_message ("numpy is not installed: np.load not tried");
      else if (!g_spawn_check_wait_status (status, NULL))
        g_error ("np.load disagrees: %s%s", out, err);
    }

  /* Cart-pole and the short corridor: each episode's return. */
  g_autofree char *cart = test_tmp_path ("cart.csv");
  r = run ("rl", "--env", "cartpole", "--algo", "reinforce", "--episodes", "20", "--csv", cart, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  g_autoptr (GPtrArray) cart_rows = read_csv (cart);
  g_assert_cmpuint (cart_rows->len, ==, 21);
  g_assert_cmpfloat (g_ascii_strtod (((char **) cart_rows->pdata[20])[1], NULL), >=, 8);
  g_autofree char *corridor = test_tmp_path ("corridor.json");
  r = run ("rl", "--env", "short-corridor", "--algo", "reinforce", "--episodes", "10", "--csv", corridor, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "(10 rows of 3 columns)");
  run_clear (&r);

  /* Asked for a file it cannot write as a table: said before any work. */
  r = run ("rl", "--env", "4x3", "--algo", "q-learning", "--csv", "curve.xlsx", NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_contains (r.err, "--csv writes a .csv or a .json file");
  run_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_run_init ();
  g_test_add_func ("/cli/rl", test_rl);
  g_test_add_func ("/cli/rl/data-out", test_rl_data_out);
  return g_test_run ();
}
