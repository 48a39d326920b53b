/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-vae.c — Glassbox's side of the VAE benchmark (bench/run_vae.py runs it
 * next to the PyTorch reference and prints the ratios).
 *
 *   bench-vae train [--steps N] [--batch B]   training throughput, images/s
 *   bench-vae elbo [--epochs N]               test −ELBO after N epochs (seed 1)
 *   bench-vae decode [--reps N]               one z decoded, µs per call
 *   bench-vae manifold [--n N] [--model F]    an N×N manifold, ms per grid
 *
 * Each prints one line of JSON.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb-blas.h"
#include "gb-dataset.h"
#include "gb-vae-latent.h"
#include "gb-vae-trainer.h"
#include "gb-vae.h"
#include "gb-vae-file.h"

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static GbVae *
fresh_vae (int hidden)
{
  GbVaeConfig c = { 784, hidden, 2 };
  GbVae *vae = gb_vae_new (&c, NULL);
  GbRng rng;
  gb_rng_init (&rng, 1);
  gb_vae_init_params (vae, &rng);
  return vae;
}

static int
bench_train (GbDataset *ds, int steps, int batch)
{
  g_autoptr (GbVae) vae = fresh_vae (512);
  g_autoptr (GbVaeTrain) tr = gb_vae_train_new (vae, batch);
  GbAdam adam = GB_ADAM_DEFAULTS;
  GbRng rng;
  gb_rng_init (&rng, 2);
  guint32 n = ds->train->n;
  g_autofree guint32 *idx = g_new (guint32, n);
  for (guint32 i = 0; i < n; i++)
    idx[i] = i;
  gb_rng_shuffle (&rng, idx, n);
  /* Warm up, as the reference does. */
  for (int s = 0; s < 20; s++)
    gb_vae_train_step (vae, tr, ds->train->pixels, idx + (gsize) (s * batch) % (n - batch), batch, &adam, 1.0f, &rng);
  double t0 = now ();
  for (int s = 0; s < steps; s++)
    gb_vae_train_step (vae, tr, ds->train->pixels, idx + (gsize) (s * batch) % (n - batch), batch, &adam, 1.0f, &rng);
  double dt = now () - t0;
  printf ("{\"what\": \"train\", \"images_per_s\": %.1f, \"steps\": %d, \"batch\": %d}\n", steps * batch / dt, steps, batch);
  return 0;
}

static int
bench_elbo (GbDataset *ds, int epochs)
{
  GbTrainConfig c;
  gb_train_config_init (&c);
  c.epochs = epochs;
  c.reencode_every = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (GbTrainer) t = gb_trainer_new (ds->train, ds->test, ds->name, NULL, &c, &error);
  double t0 = now ();
  if (!gb_trainer_run (t, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  g_autoptr (GbVae) vae = gb_trainer_dup_model (t);
  printf ("{\"what\": \"elbo\", \"epochs\": %d, \"test_neg_elbo\": %.3f, \"seconds\": %.1f}\n", epochs,
          vae->info.test_elbo, now () - t0);
  return 0;
}

static int
bench_decode (int reps)
{
  g_autoptr (GbVae) vae = fresh_vae (512);
  float z[2] = { 0.3f, -0.7f }, out[784];
  for (int i = 0; i < 1000; i++)
    gb_vae_decode (vae, z, out, 1);
  double t0 = now ();
  for (int i = 0; i < reps; i++)
    {
      z[0] = (float) (i % 100) * 0.01f;
      gb_vae_decode (vae, z, out, 1);
    }
  double us = (now () - t0) / reps * 1e6;
  printf ("{\"what\": \"decode\", \"us_per_z\": %.2f}\n", us);
  return 0;
}

static double
time_manifold (const GbVae *vae, const GbManifoldDecoder *fast, int n, int reps)
{
  for (int i = 0; i < 5; i++)
    gb_manifold_free (gb_manifold_new (vae, fast, n, GB_MANIFOLD_ICDF, 0, 0, 0, 0, 28, 28, NULL));
  double t0 = now ();
  for (int i = 0; i < reps; i++)
    gb_manifold_free (gb_manifold_new (vae, fast, n, GB_MANIFOLD_ICDF, 0, 0, 0, 0, 28, 28, NULL));
  return (now () - t0) / reps * 1e3;
}

/* The shipped model: how many units a grid row crosses depends on the weights. */
static int
bench_manifold (const char *model, int n, int reps)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbVae) vae = gb_vae_load (model, &error);
  if (vae == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  double t0 = now ();
  g_autoptr (GbManifoldDecoder) fast = NULL;
  for (int i = 0; i < 20; i++)
    {
      g_clear_pointer (&fast, gb_manifold_decoder_free);
      fast = gb_manifold_decoder_new (vae);
    }
  double build = (now () - t0) / 20 * 1e3;
  double dense = time_manifold (vae, NULL, n, reps);
  double pl = time_manifold (vae, fast, n, reps);
  printf ("{\"what\": \"manifold\", \"n\": %d, \"ms_per_manifold\": %.3f, \"ms_dense\": %.3f, "
          "\"ms_prepare\": %.3f}\n", n, pl, dense, build);
  return 0;
}

int
main (int argc, char **argv)
{
  gb_blas_init (argv);   /* OpenBLAS's kernels for this CPU, as the app runs them */
  int steps = 469, batch = 128, reps = 20000, n = 20, epochs = 10;
  g_autofree char *model = NULL;
  GOptionEntry entries[] = {
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Training steps", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Batch size", "B" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions", "N" },
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Manifold size", "N" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, "Epochs", "N" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, "Model for the manifold (default: the shipped one)", "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("train|elbo|decode|manifold");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2)
    {
      fprintf (stderr, "usage: bench-vae train|elbo|decode|manifold [OPTION…]\n");
      return 2;
    }
  if (g_str_equal (argv[1], "decode"))
    return bench_decode (reps);
  if (g_str_equal (argv[1], "manifold"))
    return bench_manifold (model ? model : "resources/models/vae.safetensors", n, MIN (reps, 2000));
  g_autoptr (GbDataset) ds = gb_dataset_load (GB_DATASET_DEFAULT_DIR, TRUE, &error);
  if (ds == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  /* Training as `glassbox train vae` runs it: OpenBLAS on one thread, the
   * step splitting its products across the cores itself. */
  gb_blas_set_threads (1);
  if (g_str_equal (argv[1], "train"))
    return bench_train (ds, steps, batch);
  if (g_str_equal (argv[1], "elbo"))
    return bench_elbo (ds, epochs);
  return 2;
}
