/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-dqn.c — deep Q-learning: its loss's gradient against finite
 * differences, its TD targets against hand-computed ones, learning, and bad
 * configurations. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-rl-dqn.h"
#include "gb-safetensors.h"

static GbDqn *
small_dqn (gboolean huber, gboolean double_dqn, guint64 seed)
{
  GbDqnConfig c;
  gb_dqn_config_init (&c);
  c.hidden = 8, c.batch = 6, c.buffer = 64, c.huber = huber, c.double_dqn = double_dqn, c.seed = seed;
  return gb_dqn_new (&c, NULL);
}

/* ∂L/∂θ against central differences, for the Huber and the squared loss, over every parameter. */
static void
test_gradient (void)
{
  for (int huber = 0; huber < 2; huber++)
    {
      g_autoptr (GbDqn) d = small_dqn (huber, FALSE, 3);
      GbRng rng;
      gb_rng_init (&rng, 9);
      float s[6 * GB_DQN_OBS], y[6];
      guint8 a[6];
      gb_rng_fill_normal (&rng, s, G_N_ELEMENTS (s));
      for (int i = 0; i < 6; i++)
        {
          a[i] = (guint8) gb_rng_below (&rng, 2);
          y[i] = (float) (i % 2 ? 3.0 : -0.3 * i);   /* errors on both sides of the Huber kink */
        }
      g_autofree float *grad = g_new0 (float, d->n_params), *p = g_memdup2 (d->params, d->n_params * sizeof (float));
      gb_dqn_loss (d, p, s, a, y, 6, grad);
      int checked = 0;
      for (gsize k = 0; k < d->n_params; k++)
        {
          const float h = 1e-3f;
          float keep = p[k];
          p[k] = keep + h;
          double up = gb_dqn_loss (d, p, s, a, y, 6, NULL);
          p[k] = keep - h;
          double down = gb_dqn_loss (d, p, s, a, y, 6, NULL);
          p[k] = keep;
          double fd = (up - down) / (2 * h);
          g_assert_cmpfloat (fabs (fd - grad[k]), <=, 2e-3 + 2e-2 * fabs (fd));
          checked += grad[k] != 0.0f;
        }
      g_assert_cmpint (checked, >, (int) d->n_params / 3);
    }
}

/* y = r + γ max_a′ Q_target (s′, a′), r alone at a terminal state; Double DQN evaluates the online net's choice. */
static void
test_targets (void)
{
  for (int dd = 0; dd < 2; dd++)
    {
      g_autoptr (GbDqn) d = small_dqn (TRUE, dd, 5);
      /* A target network unlike the online one. */
      for (gsize k = 0; k < d->n_params; k++)
        d->target[k] = d->params[k] * -0.7f + 0.01f * (float) (k % 5);
      float s2[3 * GB_DQN_OBS] = { 0.1f, -0.2f, 0.05f, 0.3f, -1, 1, -0.1f, 0.2f, 0.5f, 0.5f, 0.5f, 0.5f };
      float r[3] = { 1, 1, 1 }, y[3], qt[6], qo[6];
      guint8 done[3] = { 0, 1, 0 };
      gb_dqn_targets (d, r, s2, done, 3, y);
      gb_dqn_q (d, d->target, s2, 3, qt);
      gb_dqn_q (d, d->params, s2, 3, qo);
      for (int i = 0; i < 3; i++)
        {
          int pick = qo[2 * i + 1] > qo[2 * i] ? 1 : 0;
          double next = dd ? qt[2 * i + pick] : MAX (qt[2 * i], qt[2 * i + 1]);
          double want = done[i] ? 1.0 : 1.0 + 0.99 * next;
          g_assert_cmpfloat_with_epsilon (y[i], want, 1e-5);
        }
    }
}

/* With the defaults (RL Zoo's) but a smaller network, a few thousand steps already balance the pole
 * far longer than at random (about 22 steps); the run is reproducible from its seed. */
static void
test_learns (void)
{
  GbDqnConfig c;
  gb_dqn_config_init (&c);
  c.hidden = 64, c.buffer = 20000, c.seed = 2;
  g_autoptr (GbDqn) d = gb_dqn_new (&c, NULL);
  g_autoptr (GbDqn) again = gb_dqn_new (&c, NULL);
  g_assert_cmpint (gb_dqn_run (d, 15000), ==, 15000);
  gb_dqn_run (again, 15000);
  g_assert_cmpint (d->steps, ==, 15000);
  g_assert_cmpint (d->updates, >, 1000);
  g_assert_cmpfloat_with_epsilon (d->epsilon, c.eps_end, 1e-12);
  g_assert_cmpfloat (gb_dqn_mean_return (d, 10), >, 100.0);
  g_assert_cmpmem (d->params, d->n_params * sizeof (float), again->params, again->n_params * sizeof (float));
}

static void
test_bad_config (void)
{
  GbDqnConfig c;
  g_autoptr (GError) error = NULL;
  gb_dqn_config_init (&c);
  c.gamma = 1.5;
  g_assert_null (gb_dqn_new (&c, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "γ 1.5 is outside"));
  g_clear_error (&error);
  gb_dqn_config_init (&c);
  c.lr = NAN;
  g_assert_null (gb_dqn_new (&c, &error));
  g_assert_nonnull (strstr (error->message, "learning rate"));
  g_clear_error (&error);
  gb_dqn_config_init (&c);
  c.buffer = 2000000000;
  g_assert_null (gb_dqn_new (&c, &error));
  g_assert_nonnull (strstr (error->message, "replay buffer"));
  g_clear_error (&error);
  gb_dqn_config_init (&c);
  c.eps_end = -0.1;
  g_assert_null (gb_dqn_new (&c, &error));
  g_assert_nonnull (strstr (error->message, "ε"));
}

/* Saved with PyTorch's names and shapes, loaded back to the same Q; bad files are refused with a message. */
static void
test_file (void)
{
  g_autoptr (GbDqn) d = small_dqn (TRUE, FALSE, 11);
  g_autofree char *dir = g_dir_make_tmp ("glassbox-dqn-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "q.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (gb_dqn_save (d, path, &error));
  GbDqnConfig c;
  gb_dqn_config_init (&c);
  c.buffer = 128;
  g_autoptr (GbDqn) back = gb_dqn_load (path, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->config.hidden, ==, 8);
  g_assert_cmpmem (back->params, back->n_params * sizeof (float), d->params, d->n_params * sizeof (float));
  g_assert_cmpmem (back->target, back->n_params * sizeof (float), d->params, d->n_params * sizeof (float));
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, NULL);
  gint64 shape[GB_SAFETENSORS_MAX_RANK];
  g_assert_cmpint (gb_safetensors_shape (st, "2.weight", shape), ==, 2);
  g_assert_cmpint (shape[0], ==, 8);
  g_assert_cmpint (gb_safetensors_shape (st, "4.bias", shape), ==, 1);
  g_assert_cmpint (shape[0], ==, 2);
  g_assert_cmpstr (gb_safetensors_get_metadata (st, "algo"), ==, "dqn");

  /* Another shape, NaN weights, not a file of ours. */
  d->params[3] = NAN;
  g_assert_true (gb_dqn_save (d, path, &error));
  g_assert_null (gb_dqn_load (path, &c, &error));
  g_assert_nonnull (strstr (error->message, "0.weight"));
  g_assert_nonnull (strstr (error->message, "NaN"));
  g_clear_error (&error);
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  float junk[12] = { 0 };
  gint64 s3[2] = { 4, 3 };
  gb_safetensors_writer_add_f32 (w, "0.weight", s3, 2, junk);
  g_assert_true (gb_safetensors_writer_save (w, path, NULL));
  g_assert_null (gb_dqn_load (path, &c, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "(H, 4)"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "not safetensors", -1, NULL));
  g_assert_null (gb_dqn_load (path, &c, &error));
  g_assert_nonnull (error);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/dqn/gradient", test_gradient);
  g_test_add_func ("/core/dqn/targets", test_targets);
  g_test_add_func ("/core/dqn/learns", test_learns);
  g_test_add_func ("/core/dqn/bad-config", test_bad_config);
  g_test_add_func ("/core/dqn/file", test_file);
  return g_test_run ();
}
