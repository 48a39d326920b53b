/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-trainer.c — the training job: runs, curves, snapshots, stop, pause, errors. */
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-test-util.h"
#include "gb-vae-trainer.h"

/* 6×6 images of three blobs, with labels. */
static GbImageSet *
toy_set (guint32 n, guint64 seed)
{
  GbRng rng;
  gb_rng_init (&rng, seed);
  g_autofree guint8 *px = g_new (guint8, n * 36), *lab = g_new (guint8, n);
  for (guint32 i = 0; i < n; i++)
    {
      int k = lab[i] = i % 3;
      for (int p = 0; p < 36; p++)
        {
          int r = p / 6, c = p % 6;
          gboolean on = k == 0 ? r < 3 : k == 1 ? c < 3 : (r + c) % 2 == 0;
          px[i * 36 + p] = (guint8) ((on ? 220 : 30) + gb_rng_below (&rng, 20));
        }
    }
  return gb_image_set_new (n, 6, 6, px, lab);
}

static GbTrainConfig
tiny_config (void)
{
  GbTrainConfig c;
  gb_train_config_init (&c);
  c.epochs = 3;
  c.batch = 16;
  c.hidden = 24;
  c.lr = 3e-3;
  c.reencode_every = 5;
  return c;
}

static void
test_trainer_run (void)
{
  g_autoptr (GbImageSet) train = toy_set (100, 1), test = toy_set (30, 2);
  GbTrainConfig c = tiny_config ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GbTrainer) t = gb_trainer_new (train, test, "toy", NULL, &c, &error);
  g_assert_no_error (error);
  g_assert_true (gb_trainer_run (t, NULL, &error));
  g_assert_no_error (error);
  GbTrainProgress p;
  gb_trainer_get_progress (t, &p);
  g_assert_true (p.finished);
  g_assert_cmpint (p.steps_per_epoch, ==, 7);      /* ⌈100 / 16⌉, the last batch partial */
  g_assert_cmpint (p.done, ==, 21);
  g_autoptr (GArray) tc = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
  g_autoptr (GArray) ec = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
  g_assert_cmpuint (gb_trainer_copy_train_curve (t, 0, tc), ==, 21);
  g_assert_cmpuint (gb_trainer_copy_test_curve (t, 0, ec), ==, 3);
  g_assert_cmpuint (gb_trainer_copy_train_curve (t, 20, tc), ==, 21);
  g_assert_cmpuint (tc->len, ==, 22);               /* 21 + the one from index 20 */
  GbLossPoint *first = &g_array_index (ec, GbLossPoint, 0), *last = &g_array_index (ec, GbLossPoint, 2);
  g_assert_cmpfloat (last->loss, <, first->loss);
  g_autoptr (GbVaeSnapshot) snap = gb_trainer_get_snapshot (t);
  g_assert_nonnull (snap);
  g_assert_cmpuint (snap->n, ==, 30);
  g_assert_cmpint (snap->step, ==, 21);
  g_autoptr (GbVae) vae = gb_trainer_dup_model (t);
  g_assert_cmpint (vae->info.epochs, ==, 3);
  g_assert_cmpstr (vae->info.dataset, ==, "toy");
  g_assert_true (isfinite (vae->info.test_elbo));
  g_assert_cmpmem (vae->params, vae->n_params * 4, snap->vae->params, snap->vae->n_params * 4);
  /* A job runs once. */
  g_assert_false (gb_trainer_run (t, NULL, &error));
  g_assert_nonnull (error);
}

static void
stop_after_cb (GbTrainer *t, gpointer data)
{
  GCancellable *c = data;
  GbTrainProgress p;
  gb_trainer_get_progress (t, &p);
  if (p.done == 4)
    g_cancellable_cancel (c);
}

static void
test_trainer_stop_keeps_model (void)
{
  g_autoptr (GbImageSet) train = toy_set (100, 1);
  GbTrainConfig c = tiny_config ();
  g_autoptr (GbTrainer) t = gb_trainer_new (train, NULL, NULL, NULL, &c, NULL);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_signal_connect (t, "progress", G_CALLBACK (stop_after_cb), cancel);
  g_autoptr (GError) error = NULL;
  g_assert_true (gb_trainer_run (t, cancel, &error));
  GbTrainProgress p;
  gb_trainer_get_progress (t, &p);
  g_assert_cmpint (p.done, ==, 4);
  g_autoptr (GbVae) vae = gb_trainer_dup_model (t);
  g_assert_cmpint (vae->info.epochs, ==, 0);
  /* The model moved away from its initialisation. */
  GbVaeConfig vc = { 36, 24, 2 };
  g_autoptr (GbVae) init = gb_vae_new (&vc, NULL);
  GbRng rng;
  gb_rng_init (&rng, c.seed);
  gb_vae_init_params (init, &rng);
  g_assert_true (memcmp (init->params, vae->params, vae->n_params * 4) != 0);
}

typedef struct {
  GMainLoop *loop;
  GbTrainer *trainer;
  int progress_while_paused;
  gboolean resumed, finished;
  GError *error;
} AsyncState;

static gboolean
resume_cb (gpointer data)
{
  AsyncState *s = data;
  GbTrainProgress p;
  gb_trainer_get_progress (s->trainer, &p);
  /* Started paused: nothing moved. */
  g_assert_cmpint (p.done, ==, 0);
  g_assert_true (p.paused);
  s->resumed = TRUE;
  gb_trainer_set_paused (s->trainer, FALSE);
  return G_SOURCE_REMOVE;
}

static void
progress_async_cb (GbTrainer *t, gpointer data)
{
  AsyncState *s = data;
  /* Emitted in the main context, never in the worker. */
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  if (!s->resumed)
    s->progress_while_paused++;
}

static void
finished_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  AsyncState *s = data;
  s->finished = gb_trainer_run_finish (GB_TRAINER (source), res, &s->error);
  g_main_loop_quit (s->loop);
}

static void
test_trainer_async_pause (void)
{
  g_autoptr (GbImageSet) train = toy_set (200, 3), test = toy_set (30, 4);
  GbTrainConfig c = tiny_config ();
  g_autoptr (GbTrainer) t = gb_trainer_new (train, test, "toy", NULL, &c, NULL);
  AsyncState s = { g_main_loop_new (NULL, FALSE), t, 0, FALSE, FALSE, NULL };
  g_signal_connect (t, "progress", G_CALLBACK (progress_async_cb), &s);
  gb_trainer_set_paused (t, TRUE);
  gb_trainer_run_async (t, NULL, finished_cb, &s);
  g_timeout_add (200, resume_cb, &s);
  g_main_loop_run (s.loop);
  g_assert_no_error (s.error);
  g_assert_true (s.finished);
  g_assert_cmpint (s.progress_while_paused, ==, 0);
  GbTrainProgress p;
  gb_trainer_get_progress (t, &p);
  g_assert_cmpint (p.done, ==, p.total);
  g_main_loop_unref (s.loop);
}

static void
beta_to_zero_cb (GbTrainer *t, gpointer data)
{
  GbTrainProgress p;
  gb_trainer_get_progress (t, &p);
  if (p.done == 5)
    {
      gb_trainer_set_beta (t, 0.0);
      gb_trainer_set_lr (t, 1e-4);
    }
}

static void
test_trainer_live_beta (void)
{
  /* β changed during the run takes effect at the next step, without a reset. */
  g_autoptr (GbImageSet) train = toy_set (100, 3);
  GbTrainConfig c = tiny_config ();
  g_autoptr (GbTrainer) t = gb_trainer_new (train, NULL, NULL, NULL, &c, NULL);
  g_signal_connect (t, "progress", G_CALLBACK (beta_to_zero_cb), NULL);
  g_assert_true (gb_trainer_run (t, NULL, NULL));
  g_autoptr (GArray) tc = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
  guint n = gb_trainer_copy_train_curve (t, 0, tc);
  for (guint i = 0; i < n; i++)
    {
      GbLossPoint *pt = &g_array_index (tc, GbLossPoint, i);
      if (i < 5)
        g_assert_cmpfloat (pt->loss, >, pt->bce);
      else
        g_assert_cmpfloat (pt->loss, ==, pt->bce);
    }
  g_autoptr (GbVae) vae = gb_trainer_dup_model (t);
  g_assert_cmpfloat (vae->info.beta, ==, 0.0);
  g_assert_cmpfloat (vae->info.lr, ==, 1e-4);
}

static void
test_trainer_config_errors (void)
{
  g_autoptr (GbImageSet) train = toy_set (10, 1);
  struct { const char *field; double value; const char *msg; } cases[] = {
    { "batch", 0, "batch size 0 is outside" },
    { "epochs", 0, "epochs 0 is outside" },
    { "lr", 0, "learning rate 0 is outside" },
    { "lr", NAN, "learning rate nan is outside" },
    { "beta", -1, "β -1 is outside" },
    { "hidden", 1e6, "hidden width 1000000 is outside" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GbTrainConfig c = tiny_config ();
      if (g_str_equal (cases[i].field, "batch")) c.batch = (int) cases[i].value;
      if (g_str_equal (cases[i].field, "epochs")) c.epochs = (int) cases[i].value;
      if (g_str_equal (cases[i].field, "lr")) c.lr = cases[i].value;
      if (g_str_equal (cases[i].field, "beta")) c.beta = cases[i].value;
      if (g_str_equal (cases[i].field, "hidden")) c.hidden = (int) cases[i].value;
      g_autoptr (GError) error = NULL;
      g_autoptr (GbTrainer) t = gb_trainer_new (train, NULL, NULL, NULL, &c, &error);
      g_assert_null (t);
      g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
      if (strstr (error->message, cases[i].msg) == NULL)
        g_error ("expected “%s” in “%s”", cases[i].msg, error->message);
    }
  /* A model for other images. */
  GbVaeConfig vc = { 784, 8, 2 };
  g_autoptr (GbVae) other = gb_vae_new (&vc, NULL);
  GbTrainConfig c = tiny_config ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GbTrainer) t = gb_trainer_new (train, NULL, NULL, other, &c, &error);
  g_assert_null (t);
  g_assert_nonnull (strstr (error->message, "takes 784 pixels"));
}

static void
test_trainer_diverges_cleanly (void)
{
  /* A model holding NaN makes the loss NaN: the job ends with an error and
   * keeps the last good snapshot. */
  g_autoptr (GbImageSet) train = toy_set (40, 1);
  GbVaeConfig vc = { 36, 8, 2 };
  g_autoptr (GbVae) bad = gb_vae_new (&vc, NULL);
  GbRng rng;
  gb_rng_init (&rng, 1);
  gb_vae_init_params (bad, &rng);
  bad->p.fc4_b[0] = NAN;
  GbTrainConfig c = tiny_config ();
  g_autoptr (GbTrainer) t = gb_trainer_new (train, NULL, NULL, bad, &c, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (gb_trainer_run (t, NULL, &error));
  g_assert_nonnull (strstr (error->message, "diverged"));
}

/* A learning rate far too large: the loss goes infinite or NaN within a few
 * steps. The job stops at that step with GB_ERROR_DIVERGED, and the model it
 * keeps is the one before the last update — finite, its loss finite, and
 * exactly what the steps before the divergence made of it. */
static void
test_trainer_diverged_keeps_last_good (void)
{
  g_autoptr (GbImageSet) train = toy_set (64, 1);
  g_autoptr (GbImageSet) test = toy_set (16, 2);
  GbTrainConfig c = tiny_config ();
  c.lr = 1.0;
  c.epochs = 300;
  c.batch = 2;
  c.hidden = 256;
  g_autoptr (GbTrainer) t = gb_trainer_new (train, test, NULL, NULL, &c, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (gb_trainer_run (t, NULL, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_DIVERGED);
  g_autoptr (GbVae) kept = gb_trainer_dup_model (t);
  for (gsize i = 0; i < kept->n_params; i++)
    g_assert_true (isfinite (kept->params[i]));
  GbTrainProgress p;
  gb_trainer_get_progress (t, &p);
  g_assert_cmpint (p.done, >=, 1);   /* the steps that went well; the next one diverged */

  /* The same steps by hand, then one back: the same weights, bit for bit. */
  g_autoptr (GbTrainer) again = gb_trainer_new (train, test, NULL, NULL, &c, NULL);
  g_autoptr (GbVae) ref = gb_trainer_dup_model (again);   /* the initial weights */
  g_autoptr (GbVaeTrain) tr = gb_vae_train_new (ref, c.batch);
  g_autofree guint32 *idx = g_new (guint32, train->n);
  for (guint32 i = 0; i < train->n; i++)
    idx[i] = i;
  GbRng rng;
  gb_rng_init (&rng, c.seed ^ 0x7261696EULL);
  GbAdam adam = GB_ADAM_DEFAULTS;
  adam.lr = (float) c.lr;
  gint64 steps = 0;
  for (int e = 0; steps < p.done; e++)
    {
      gb_rng_shuffle (&rng, idx, train->n);
      for (guint32 s = 0; s < train->n && steps < p.done; s += (guint32) c.batch, steps++)
        {
          GbVaeLoss l = gb_vae_train_step (ref, tr, train->pixels, idx + s, c.batch, &adam, (float) c.beta, &rng);
          g_assert_true (isfinite (l.bce) && isfinite (l.kl));
        }
    }
  g_assert_true (gb_vae_train_step_back (ref, tr));
  g_assert_cmpmem (kept->params, kept->n_params * sizeof (float), ref->params, ref->n_params * sizeof (float));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/trainer/run", test_trainer_run);
  g_test_add_func ("/core/trainer/stop-keeps-model", test_trainer_stop_keeps_model);
  g_test_add_func ("/core/trainer/async-pause", test_trainer_async_pause);
  g_test_add_func ("/core/trainer/live-beta", test_trainer_live_beta);
  g_test_add_func ("/core/trainer/config-errors", test_trainer_config_errors);
  g_test_add_func ("/core/trainer/diverges-cleanly", test_trainer_diverges_cleanly);
  g_test_add_func ("/core/trainer/diverged-keeps-last-good", test_trainer_diverged_keeps_last_good);
  return g_test_run ();
}
