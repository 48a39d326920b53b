/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-pg.c — the MLP under the deep RL agents, and the policy gradients on
 * cart-pole: every loss's gradient against finite differences, actor-critic's
 * TD errors by hand, learning, the variance a baseline removes, and files. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-mlp.h"
#include "gb-rl-cart-compare.h"
#include "gb-rl-cart-agent.h"
#include "gb-rl-pg.h"
#include "gb-safetensors.h"

/* Checks grad against central differences of f over every parameter; returns how many were nonzero. */
typedef double (*LossFn) (gpointer data, const float *params);

static int
check_gradient (LossFn f, gpointer data, float *p, gsize n, const float *grad, double tol)
{
  int nonzero = 0;
  for (gsize k = 0; k < n; k++)
    {
      const float h = 1e-3f;
      float keep = p[k];
      p[k] = keep + h;
      double up = f (data, p);
      p[k] = keep - h;
      double down = f (data, p);
      p[k] = keep;
      double fd = (up - down) / (2 * h);
      if (fabs (fd - grad[k]) > tol + 2e-2 * fabs (fd))
        g_error ("parameter %zu: backward %g, finite differences %g", (size_t) k, grad[k], fd);
      nonzero += grad[k] != 0.0f;
    }
  return nonzero;
}

/* --- the MLP --- */

typedef struct {
  GbMlp *m;
  GbMlpWork *w;
  const float *x, *c;   /* inputs (n, in), the loss's weights (n, out): L = Σ c ⊙ out */
  int n;
} MlpCase;

static double
mlp_loss (gpointer data, const float *params)
{
  MlpCase *t = data;
  const float *out = gb_mlp_forward (t->m, params, t->x, t->n, t->w);
  double l = 0.0;
  for (int i = 0; i < t->n * t->m->size[t->m->n_layers]; i++)
    l += (double) t->c[i] * out[i];
  return l;
}

static void
test_mlp_gradient (void)
{
  GbAct acts[] = { GB_ACT_RELU, GB_ACT_TANH };
  for (int a = 0; a < 2; a++)
    for (int depth = 0; depth < 3; depth++)
      {
        GbMlp m;
        gb_mlp_init (&m, 3, 5, depth, 2, acts[a]);
        g_assert_cmpint (m.n_layers, ==, depth + 1);
        GbRng rng;
        gb_rng_init (&rng, 4 + depth);
        g_autofree float *p = g_new (float, m.n_params), *g = g_new (float, m.n_params);
        gb_mlp_init_params (&m, p, &rng);
        float x[4 * 3], c[4 * 2];
        gb_rng_fill_normal (&rng, x, G_N_ELEMENTS (x));
        gb_rng_fill_normal (&rng, c, G_N_ELEMENTS (c));
        g_autoptr (GbMlpWork) w = gb_mlp_work_new (&m, 4);
        MlpCase t = { &m, w, x, c, 4 };
        mlp_loss (&t, p);
        gb_mlp_backward (&m, p, x, 4, w, c, g, FALSE);
        g_assert_cmpint (check_gradient (mlp_loss, &t, p, m.n_params, g, 2e-3), >, (int) m.n_params / 3);
        /* Accumulating adds the same gradient again. */
        g_autofree float *g2 = g_memdup2 (g, m.n_params * sizeof (float));
        mlp_loss (&t, p);
        gb_mlp_backward (&m, p, x, 4, w, c, g2, TRUE);
        for (gsize k = 0; k < m.n_params; k++)
          g_assert_cmpfloat (fabs (g2[k] - 2 * g[k]), <=, 1e-5 + 1e-5 * fabs (g[k]));
      }
}

/* A layer wide enough that its two products go to the two cores gives the gradient that the rows
 * one at a time (too small to split, accumulated) give. */
static void
test_mlp_gradient_split (void)
{
  GbMlp m;
  gb_mlp_init (&m, 4, 64, 2, 2, GB_ACT_RELU);
  GbRng rng;
  gb_rng_init (&rng, 9);
  enum { N = 32 };
  g_autofree float *p = g_new (float, m.n_params), *g = g_new (float, m.n_params);
  g_autofree float *g1 = g_new0 (float, m.n_params);
  gb_mlp_init_params (&m, p, &rng);
  float x[N * 4], c[N * 2];
  gb_rng_fill_normal (&rng, x, G_N_ELEMENTS (x));
  gb_rng_fill_normal (&rng, c, G_N_ELEMENTS (c));
  g_autoptr (GbMlpWork) w = gb_mlp_work_new (&m, N);
  gb_mlp_forward (&m, p, x, N, w);
  gb_mlp_backward (&m, p, x, N, w, c, g, FALSE);
  for (int r = 0; r < N; r++)
    {
      gb_mlp_forward (&m, p, x + r * 4, 1, w);
      gb_mlp_backward (&m, p, x + r * 4, 1, w, c + r * 2, g1, TRUE);
    }
  double norm = 0.0;
  for (gsize k = 0; k < m.n_params; k++)
    norm = MAX (norm, fabs (g[k]));
  g_assert_cmpfloat (norm, >, 0.1);
  for (gsize k = 0; k < m.n_params; k++)
    g_assert_cmpfloat (fabs (g[k] - g1[k]), <=, 1e-5 * norm);
}

/* Written as nn.Sequential names it, read back and probed; a broken chain of widths is refused. */
static void
test_mlp_files (void)
{
  GbMlp m;
  gb_mlp_init (&m, 4, 7, 2, 3, GB_ACT_RELU);
  GbRng rng;
  gb_rng_init (&rng, 1);
  g_autofree float *p = g_new (float, m.n_params), *q = g_new0 (float, m.n_params);
  gb_mlp_init_params (&m, p, &rng);
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  gb_mlp_write (&m, p, w, "net.");
  g_autoptr (GBytes) bytes = gb_safetensors_writer_to_bytes (w);
  g_autoptr (GbSafetensors) st = gb_safetensors_new_from_bytes (bytes, "net.safetensors", NULL);
  g_assert_nonnull (st);
  const char *const want[] = { "net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias", "net.4.weight",
                               "net.4.bias" };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_true (gb_safetensors_has (st, want[i]));
  gint64 shape[GB_SAFETENSORS_MAX_RANK];
  g_assert_cmpint (gb_safetensors_shape (st, "net.4.weight", shape), ==, 2);
  g_assert_cmpint (shape[0], ==, 3);
  g_assert_cmpint (shape[1], ==, 7);
  GbMlp probed;
  g_assert_true (gb_mlp_probe (&probed, st, "net.", GB_ACT_RELU, NULL));
  g_assert_cmpint (probed.n_layers, ==, 3);
  g_assert_cmpint (probed.n_params, ==, m.n_params);
  g_assert_true (gb_mlp_read (&probed, q, st, "net.", NULL));
  g_assert_cmpmem (p, m.n_params * sizeof (float), q, m.n_params * sizeof (float));
  g_autoptr (GError) error = NULL;
  g_assert_false (gb_mlp_probe (&probed, st, "other.", GB_ACT_RELU, &error));
  g_assert_nonnull (strstr (error->message, "other.0.weight"));
  g_clear_error (&error);

  /* 2.weight that does not take 0.weight's outputs. */
  g_autoptr (GbSafetensorsWriter) bad = gb_safetensors_writer_new ();
  float z[64] = { 0 };
  gint64 s0[2] = { 5, 4 }, s2[2] = { 2, 6 };
  gb_safetensors_writer_add_f32 (bad, "0.weight", s0, 2, z);
  gb_safetensors_writer_add_f32 (bad, "2.weight", s2, 2, z);
  g_autoptr (GBytes) bb = gb_safetensors_writer_to_bytes (bad);
  g_autoptr (GbSafetensors) sb = gb_safetensors_new_from_bytes (bb, "bad.safetensors", NULL);
  g_assert_false (gb_mlp_probe (&probed, sb, "", GB_ACT_RELU, &error));
  g_assert_nonnull (strstr (error->message, "2.weight"));
}

/* --- the policy gradients --- */

static GbPolicyGradient *
small_pg (GbPgAlgo algo, guint64 seed)
{
  GbPgConfig c;
  gb_pg_config_init (&c, algo);
  c.hidden = 6, c.seed = seed;
  return gb_pg_new (&c, NULL);
}

typedef struct {
  GbPolicyGradient *pg;
  const float *obs, *psi;
  const int *act;
  int n;
} PgCase;

static double
policy_loss (gpointer data, const float *p)
{
  PgCase *t = data;
  return gb_pg_policy_loss (t->pg, p, t->obs, t->act, t->psi, t->n, NULL);
}

static double
value_loss (gpointer data, const float *w)
{
  PgCase *t = data;
  return gb_pg_value_loss (t->pg, w, t->obs, t->psi, t->n, NULL);
}

static void
test_pg_gradients (void)
{
  g_autoptr (GbPolicyGradient) pg = small_pg (GB_PG_ACTOR_CRITIC, 2);
  GbRng rng;
  gb_rng_init (&rng, 8);
  float obs[7 * 4], psi[7];
  int act[7];
  gb_rng_fill_normal (&rng, obs, G_N_ELEMENTS (obs));
  for (int t = 0; t < 7; t++)
    act[t] = (int) gb_rng_below (&rng, 2), psi[t] = (float) (t % 3 - 1) * 2.5f + 0.3f;
  PgCase t = { pg, obs, psi, act, 7 };
  g_autofree float *g = g_new0 (float, pg->pi.n_params), *p = g_memdup2 (pg->theta, pg->pi.n_params * 4);
  gb_pg_policy_loss (pg, p, obs, act, psi, 7, g);
  g_assert_cmpint (check_gradient (policy_loss, &t, p, pg->pi.n_params, g, 2e-3), >, (int) pg->pi.n_params / 3);
  g_autofree float *gw = g_new0 (float, pg->vf.n_params), *w = g_memdup2 (pg->w, pg->vf.n_params * 4);
  gb_pg_value_loss (pg, w, obs, psi, 7, gw);
  g_assert_cmpint (check_gradient (value_loss, &t, w, pg->vf.n_params, gw, 2e-3), >, (int) pg->vf.n_params / 3);
}

/* δ_t = 1 + γ V(s_{t+1}) − V(s_t), without the bootstrap after a fall. */
static void
test_td (void)
{
  g_autoptr (GbPolicyGradient) pg = small_pg (GB_PG_ACTOR_CRITIC, 3);
  GbCartState s[4] = { { 0.1, 0.2, 0.03, -0.1 }, { 0.11, 0.3, 0.02, 0.4 }, { -1, 1, 0.1, 1 }, { 2, -2, -0.2, 2 } };
  float obs[16];
  for (int t = 0; t < 4; t++)
    obs[4 * t] = (float) s[t].x, obs[4 * t + 1] = (float) s[t].x_dot, obs[4 * t + 2] = (float) s[t].theta,
    obs[4 * t + 3] = (float) s[t].theta_dot;
  for (int term = 0; term < 2; term++)
    {
      float delta[3], target[3];
      gb_pg_td (pg, obs, 3, term, delta, target);
      for (int t = 0; t < 3; t++)
        {
          double next = term && t == 2 ? 0.0 : gb_pg_value (pg, &s[t + 1]);
          double want = 1.0 + 0.99 * next;
          g_assert_cmpfloat_with_epsilon (target[t], want, 1e-5);
          g_assert_cmpfloat_with_epsilon (delta[t], want - gb_pg_value (pg, &s[t]), 1e-5);
        }
    }
}

/* Each learns to balance within a few hundred episodes; the same seed gives the same run. */
static void
test_pg_learns (void)
{
  for (int a = 0; a < 3; a++)
    {
      double means[2];
      for (int rep = 0; rep < 2; rep++)
        {
          GbPgConfig c;
          gb_pg_config_init (&c, (GbPgAlgo) a);
          c.seed = 5;
          g_autoptr (GbPolicyGradient) pg = gb_pg_new (&c, NULL);
          double first = 0.0;
          for (int e = 0; e < 400; e++)
            {
              gb_pg_episode (pg, NULL);
              if (e == 49)
                first = gb_pg_mean_return (pg, 50);
            }
          means[rep] = gb_pg_mean_return (pg, 50);
          g_test_message ("%s: first 50 %.1f, last 50 %.1f", gb_pg_algo_name (c.algo), first, means[rep]);
          g_assert_cmpfloat (means[rep], >, 2 * first);
          g_assert_cmpfloat (means[rep], >, 100);
        }
      g_assert_cmpfloat (means[0], ==, means[1]);
    }
}

/* The baseline leaves the gradient's mean but cuts its spread. */
static void
test_spread (void)
{
  g_autoptr (GbPolicyGradient) pg = small_pg (GB_PG_BASELINE, 7);
  for (int e = 0; e < 150; e++)
    gb_pg_episode (pg, NULL);
  g_autoptr (GbPgSpread) s = gb_pg_spread (pg, 200, 11);
  g_test_message ("variance plain %.4g, with the baseline %.4g", s->var_plain, s->var_based);
  g_assert_cmpfloat (s->var_based, <, 0.5 * s->var_plain);
  double mp = 0, mb = 0, sd = 0;
  for (int i = 0; i < s->n; i++)
    mp += s->proj_plain[i] / s->n, mb += s->proj_based[i] / s->n;
  for (int i = 0; i < s->n; i++)
    sd += (s->proj_plain[i] - mp) * (s->proj_plain[i] - mp) / (s->n - 1);
  /* Both estimate the same gradient: the means agree to a few standard errors of the plain one. */
  g_assert_cmpfloat (fabs (mp - mb), <, 4 * sqrt (sd / s->n));
  g_assert_cmpfloat_with_epsilon (mp, s->norm_mean, 1e-3 * s->norm_mean + 1e-6);
  /* The agent itself is untouched: the same spread again. */
  g_autoptr (GbPgSpread) again = gb_pg_spread (pg, 200, 11);
  g_assert_cmpfloat (again->var_plain, ==, s->var_plain);
}

static void
test_pg_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("glassbox-pg-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "policy.safetensors", NULL);
  for (int a = 0; a < 3; a++)
    {
      g_autoptr (GbPolicyGradient) pg = small_pg ((GbPgAlgo) a, 4);
      for (int e = 0; e < 20; e++)
        gb_pg_episode (pg, NULL);
      g_assert_true (gb_pg_save (pg, path, NULL));
      g_autoptr (GbSafetensors) st = gb_safetensors_load (path, NULL);
      g_assert_cmpstr (gb_safetensors_get_metadata (st, "algo"), ==, gb_pg_algo_name ((GbPgAlgo) a));
      g_assert_true (gb_safetensors_has (st, "2.weight"));
      g_assert_true (gb_safetensors_has (st, "critic.0.weight") == (a != GB_PG_REINFORCE));
      GbPgConfig c;
      gb_pg_config_init (&c, (GbPgAlgo) a);
      g_autoptr (GError) error = NULL;
      g_autoptr (GbPolicyGradient) back = gb_pg_load (path, &c, &error);
      g_assert_no_error (error);
      g_assert_cmpint (back->pi.size[1], ==, 6);
      GbCartState s = { 0.1, -0.3, 0.05, 0.2 };
      g_assert_cmpfloat (gb_pg_p_right (back, &s), ==, gb_pg_p_right (pg, &s));
      g_assert_cmpfloat (gb_pg_value (back, &s), ==, gb_pg_value (pg, &s));
    }
  /* A DQN's Q-network is 4 → 2 too, but a Q-network of 3 inputs is not a cart-pole policy. */
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  float z[64] = { 0 };
  gint64 s0[2] = { 5, 3 }, b0[1] = { 5 }, s2[2] = { 2, 5 }, b2[1] = { 2 };
  gb_safetensors_writer_add_f32 (w, "0.weight", s0, 2, z);
  gb_safetensors_writer_add_f32 (w, "0.bias", b0, 1, z);
  gb_safetensors_writer_add_f32 (w, "2.weight", s2, 2, z);
  gb_safetensors_writer_add_f32 (w, "2.bias", b2, 1, z);
  g_assert_true (gb_safetensors_writer_save (w, path, NULL));
  GbPgConfig c;
  gb_pg_config_init (&c, GB_PG_REINFORCE);
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_pg_load (path, &c, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "not 4 to 2"));
  g_clear_error (&error);
  c.lr = -1;
  g_assert_null (gb_pg_new (&c, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
  g_unlink (path);
  g_rmdir (dir);
}

/* Networks trained and saved by PyTorch (bench/make_torch_cartpole_fixture.py) act here on the numbers PyTorch
 * recorded: a Q-network in float32 and a policy in float64. */
static void
test_torch_fixture (void)
{
  g_autofree char *dqn = g_test_build_filename (G_TEST_DIST, "data", "torch-cartpole-dqn.safetensors", NULL);
  g_autofree char *pol = g_test_build_filename (G_TEST_DIST, "data", "torch-cartpole-policy.safetensors", NULL);
  g_autofree char *js = g_test_build_filename (G_TEST_DIST, "data", "torch-cartpole.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbCartAgent) q = gb_cart_agent_load (dqn, &error);
  g_assert_no_error (error);
  g_assert_cmpint (q->algo, ==, GB_CART_DQN);
  g_assert_cmpint (q->dqn->config.hidden, ==, 32);
  g_autoptr (GbCartAgent) p = gb_cart_agent_load (pol, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->algo, ==, GB_CART_REINFORCE);
  g_assert_false (gb_pg_has_critic (p->pg));
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, js, &error));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  JsonArray *js_s = json_object_get_array_member (o, "states"), *js_q = json_object_get_array_member (o, "q");
  JsonArray *js_p = json_object_get_array_member (o, "p_right");
  int n = (int) json_array_get_length (js_s);
  g_assert_cmpint (n, ==, 5);
  GbCartState s[5];
  for (int i = 0; i < n; i++)
    {
      JsonArray *r = json_array_get_array_element (js_s, i);
      s[i] = (GbCartState) { json_array_get_double_element (r, 0), json_array_get_double_element (r, 1),
                             json_array_get_double_element (r, 2), json_array_get_double_element (r, 3) };
    }
  g_autoptr (GbCartPolicy) qp = gb_cart_policy_new (), pp = gb_cart_policy_new ();
  gb_cart_policy_update (qp, q);
  gb_cart_policy_update (pp, p);
  float qv[10];
  double pr[5];
  g_assert_true (gb_cart_policy_q (qp, s, n, FALSE, qv));
  gb_cart_policy_p_right (pp, s, n, pr);
  for (int i = 0; i < n; i++)
    {
      JsonArray *r = json_array_get_array_element (js_q, i);
      for (int a = 0; a < 2; a++)
        g_assert_cmpfloat (fabs (qv[2 * i + a] - json_array_get_double_element (r, a)), <=,
                           1e-5 * MAX (1.0, fabs (json_array_get_double_element (r, a))));
      g_assert_cmpfloat_with_epsilon (pr[i], json_array_get_double_element (js_p, i), 1e-5);
      /* And the greedy DQN acts on them as PyTorch's argmax would. */
      int want = json_array_get_double_element (r, 1) > json_array_get_double_element (r, 0);
      GbRng rng;
      gb_rng_init (&rng, 1);
      g_assert_cmpint (gb_cart_policy_act (qp, &s[i], &rng), ==, want);
    }
  /* Without metadata saying what it is, a network is refused with the remedy. */
  g_autofree char *dir = g_dir_make_tmp ("glassbox-torch-XXXXXX", NULL);
  g_autofree char *bare = g_build_filename (dir, "bare.safetensors", NULL);
  g_autoptr (GbSafetensors) st = gb_safetensors_load (dqn, NULL);
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  GbMlp m;
  g_assert_true (gb_mlp_probe (&m, st, "", GB_ACT_RELU, NULL));
  g_autofree float *params = g_new (float, m.n_params);
  g_assert_true (gb_mlp_read (&m, params, st, "", NULL));
  gb_mlp_write (&m, params, w, "");
  g_assert_true (gb_safetensors_writer_save (w, bare, NULL));
  g_assert_null (gb_cart_agent_load (bare, &error));
  g_assert_nonnull (strstr (error->message, "metadata={\"algo\": \"dqn\"}"));
  g_unlink (bare);
  g_rmdir (dir);
}

static void
count_progress (gint64 done, gint64 total, gpointer data)
{
  gint64 *last = data;
  g_assert_cmpint (done, >=, *last);
  g_assert_cmpint (done, <=, total);
  *last = done;
}

/* Learning curves over seeds: the same twice, rising, spread ≥ 0, a DQN's too; a cancel stops them. */
static void
test_learning_curve (void)
{
  double m[20], sd[20], m2[20], sd2[20];
  gint64 last = 0;
  g_assert_true (gb_cart_learning_curve (GB_CART_BASELINE, 3, 20000, 20, m, sd, count_progress, &last, NULL, NULL));
  g_assert_cmpint (last, ==, 3 * 20000);
  g_assert_true (gb_cart_learning_curve (GB_CART_BASELINE, 3, 20000, 20, m2, sd2, NULL, NULL, NULL, NULL));
  g_assert_cmpmem (m, sizeof m, m2, sizeof m2);
  g_assert_cmpfloat (m[19], >, 2 * m[0]);
  for (int b = 0; b < 20; b++)
    g_assert_cmpfloat (sd[b], >=, 0);
  g_assert_true (gb_cart_learning_curve (GB_CART_DQN, 1, 1500, 10, m, sd, NULL, NULL, NULL, NULL));
  g_assert_cmpfloat (m[9], >, 0);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autoptr (GError) error = NULL;
  g_assert_false (gb_cart_learning_curve (GB_CART_ACTOR_CRITIC, 2, 5000, 10, m, sd, NULL, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (gb_cart_learning_curve (GB_CART_REINFORCE, 0, 5000, 10, m, sd, NULL, NULL, NULL, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mlp/gradient", test_mlp_gradient);
  g_test_add_func ("/mlp/gradient-split", test_mlp_gradient_split);
  g_test_add_func ("/mlp/files", test_mlp_files);
  g_test_add_func ("/pg/gradients", test_pg_gradients);
  g_test_add_func ("/pg/td", test_td);
  g_test_add_func ("/pg/learns", test_pg_learns);
  g_test_add_func ("/pg/spread", test_spread);
  g_test_add_func ("/pg/files", test_pg_files);
  g_test_add_func ("/pg/learning-curve", test_learning_curve);
  g_test_add_func ("/pg/torch-fixture", test_torch_fixture);
  return g_test_run ();
}
