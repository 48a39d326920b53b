/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-vae.c — `glassbox train vae`, `glassbox render latent` and `glassbox evaluate vae`. */
#include "gb-cli-verbs.h"
#include "gb-cli-common.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gb-dataset.h"
#include "gb-error.h"
#include "gb-export.h"
#include "gb-file.h"
#include "gb-blas.h"
#include "gb-latent-render.h"
#include "gb-models.h"
#include "gb-vae-inference.h"
#include "gb-vae-trainer.h"
#include "gb-vae-file.h"

#define fail gb_cli_fail
#define usage_error gb_cli_usage_error
#define parse_options gb_cli_parse

/* --- train vae --- */

/* --dataset's help, which names the default folder. */
static const char *
dataset_help (void)
{
  static char *help;   /* one command runs; kept for its run */
  if (help == NULL)
    help = g_strdup_printf (_("Folder of IDX files (default %s)"), GB_DATASET_DEFAULT_DIR);
  return help;
}


typedef struct {
  GbTrainer *trainer;
  guint test_seen;
  gboolean tty;
  gint64 last_line;
} TrainCli;

static void
train_progress_cb (GbTrainer *t, gpointer data)
{
  TrainCli *cli = data;
  GbTrainProgress p;
  gb_trainer_get_progress (t, &p);
  g_autoptr (GArray) test = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
  guint n_test = gb_trainer_copy_test_curve (t, cli->test_seen, test);
  gint64 now = g_get_monotonic_time ();
  if (cli->tty && now - cli->last_line > 200000 && !p.finished)
    {
      g_autoptr (GArray) last = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
      guint n = gb_trainer_copy_train_curve (t, 0, last);
      GbLossPoint *lp = n > 0 ? &g_array_index (last, GbLossPoint, n - 1) : NULL;
      fputc ('\r', stderr);
      fprintf (stderr, _("  epoch %d/%d  step %d/%d  loss %.2f  %.0f img/s  %.0f s left   "),
               p.epoch + 1, p.epochs, p.step, p.steps_per_epoch, lp ? lp->loss : 0.0,
               p.images_per_second, MAX (p.remaining, 0));
      cli->last_line = now;
    }
  for (guint i = 0; i < test->len; i++)
    {
      GbLossPoint *pt = &g_array_index (test, GbLossPoint, i);
      if (cli->tty)
        fprintf (stderr, "\r%78s\r", "");
      printf (_("epoch %d/%d  test −ELBO %.3f nats (BCE %.3f + KL %.3f)  %.1f s  %.0f img/s\n"),
              (int) pt->x, p.epochs, pt->bce + pt->kl, pt->bce, pt->kl, p.elapsed,
              p.images_per_second);
      fflush (stdout);
    }
  cli->test_seen = n_test;
}

/* --csv: per epoch, the mean training loss over its steps and the test −ELBO with its terms. */
static int
write_vae_curve (GbTrainer *trainer, const char *csv)
{
  GbTrainProgress p;
  gb_trainer_get_progress (trainer, &p);
  g_autoptr (GArray) train = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
  g_autoptr (GArray) test = g_array_new (FALSE, FALSE, sizeof (GbLossPoint));
  gb_trainer_copy_train_curve (trainer, 0, train);
  gb_trainer_copy_test_curve (trainer, 0, test);
  int n = (int) test->len;
  g_autofree float *epoch = g_new (float, n), *loss = g_new (float, n), *elbo = g_new (float, n),
                   *bce = g_new (float, n), *kl = g_new (float, n);
  for (int i = 0; i < n; i++)
    {
      const GbLossPoint *t = &g_array_index (test, GbLossPoint, i);
      epoch[i] = t->x, elbo[i] = t->bce + t->kl, bce[i] = t->bce, kl[i] = t->kl;
      /* Train points carry the global step: those of this epoch. */
      double from = (t->x - 1) * p.steps_per_epoch, to = t->x * p.steps_per_epoch, sum = 0;
      int k = 0;
      for (guint j = 0; j < train->len; j++)
        {
          const GbLossPoint *q = &g_array_index (train, GbLossPoint, j);
          if (q->x > from && q->x <= to)
            sum += q->loss, k++;
        }
      loss[i] = k > 0 ? (float) (sum / k) : NAN;
    }
  g_autoptr (GbTable) t = gb_table_new (_("VAE training: per epoch, the mean training loss (nats per image) "
                                          "and the test −ELBO = BCE + KL"));
  gb_table_add_floats (t, "epoch", epoch, n);
  gb_table_add_floats (t, "train loss", loss, n);
  gb_table_add_floats (t, "test -ELBO", elbo, n);
  gb_table_add_floats (t, "test BCE", bce, n);
  gb_table_add_floats (t, "test KL", kl, n);
  return gb_cli_write_table (t, csv);
}

int
gb_cli_train_vae (int argc, char **argv)
{
  /* Products on one thread each, split across the cores by the training
   * step itself (gb_sgemm_pair): faster than OpenBLAS's threads at a step's
   * sizes, and the same numbers. */
  gb_blas_set_threads (1);
  GbTrainConfig config;
  gb_train_config_init (&config);
  g_autofree char *dataset = NULL, *out = NULL, *init = NULL, *csv = NULL;
  gint64 seed = (gint64) config.seed;
  int limit = 0;
  GOptionEntry entries[] = {
    { "dataset", 0, 0, G_OPTION_ARG_FILENAME, &dataset, dataset_help (), N_("DIR") },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &config.epochs, N_("Epochs (default 10)"), "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &config.batch, N_("Batch size (default 128)"), "B" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &config.lr, N_("Adam learning rate (default 0.001)"), "X" },
    { "hidden", 0, 0, G_OPTION_ARG_INT, &config.hidden, N_("Hidden width (default 512)"), "H" },
    { "latent", 0, 0, G_OPTION_ARG_INT, &config.latent, N_("Latent size (default 2; 20 is PyTorch examples/vae's)"), "L" },
    { "beta", 0, 0, G_OPTION_ARG_DOUBLE, &config.beta, N_("KL weight β (default 1)"), "B" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 1)"), "S" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Train on the first N images only"), "N" },
    { "init", 0, 0, G_OPTION_ARG_FILENAME, &init, N_("Continue training this model"), N_("FILE") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Where to save the model (required)"), N_("FILE.safetensors") },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv,
      N_("Write the curves: per epoch the mean training loss and the test −ELBO, BCE and KL (CSV; JSON for .json)"),
      N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--out FILE.safetensors — train the VAE"));
  int status = parse_options (ctx, entries,
    _("Trains the 2-d-latent VAE (784-H-2 / 2-H-784) on an IDX data set with Adam,\n"
    "printing the test −ELBO after every epoch. Ctrl-C stops and saves the model so far."),
    &argc, &argv, &out);
  if (status >= 0)
    return status;
  g_autoptr (GError) error = NULL;
  if (seed < 0)
    return usage_error (ctx, _("--seed must be ≥ 0"));
  if (limit < 0)
    return usage_error (ctx, _("--limit must be ≥ 0"));
  if (!gb_cli_table_path_ok (csv))
    return usage_error (ctx, _("--csv writes a .csv or a .json file"));
  config.seed = (guint64) seed;
  if (!gb_train_config_check (&config, &error))
    return fail (error);
  /* Before a long run, not after it. */
  if (!gb_file_check_writable (out, &error))
    return fail (error);

  g_autoptr (GbVae) start = NULL;
  if (init != NULL && (start = gb_vae_load (init, &error)) == NULL)
    return fail (error);
  const char *dir = gb_dataset_dir (dataset);
  g_autoptr (GbDataset) ds = gb_dataset_load (dir, TRUE, &error);
  if (ds == NULL)
    return fail (error);
  g_autoptr (GbImageSet) train = limit > 0 ? gb_image_set_slice (ds->train, (guint32) limit)
                                           : gb_image_set_ref (ds->train);
  printf (_("training a %d-%d-%d VAE on %u %s images (%d × %d), batch %d, lr %g, β %g, seed %llu\n"),
          train->rows * train->cols, start ? start->config.n_hidden : config.hidden,
          start ? start->config.n_latent : config.latent, train->n,
          ds->name, train->rows, train->cols, config.batch, config.lr, config.beta, (unsigned long long) config.seed);
  fflush (stdout);
  config.reencode_every = 0;
  g_autoptr (GbTrainer) trainer = gb_trainer_new (train, ds->test, ds->name, start, &config, &error);
  if (trainer == NULL)
    return fail (error);

  TrainCli cli = { trainer, 0, isatty (STDERR_FILENO), 0 };
  g_signal_connect (trainer, "progress", G_CALLBACK (train_progress_cb), &cli);
  g_autoptr (GError) e = NULL;
  gboolean ok = gb_cli_run_job (trainer, (GbCliJobStart) gb_trainer_run_async, (GbCliJobFinish) gb_trainer_run_finish,
                                _("stopping: the model trained so far will be saved"), NULL, NULL, &e);
  if (cli.tty)
    fprintf (stderr, "\r%78s\r", "");
  g_autoptr (GbVae) vae = gb_trainer_dup_model (trainer);
  /* The curves so far, whether the run ended, was stopped or diverged. */
  if (csv != NULL && write_vae_curve (trainer, csv) != 0)
    return 1;
  if (!ok)
    {
      /* --out was promised a trained model, and may hold the good model this
       * run started from (--init): leave it, and keep the last good weights
       * beside it. */
      g_printerr ("glassbox: %s\n", e->message);
      if (!g_error_matches (e, GB_ERROR, GB_ERROR_DIVERGED))
        return 1;
      g_autofree char *kept = gb_cli_sibling_path (out, "last-good");
      if (isfinite (vae->info.test_elbo))
        printf (_("their test −ELBO: %.3f nats per image\n"), vae->info.test_elbo);
      if (!gb_vae_save (vae, kept, &error))
        return fail (error);
      printf (_("%s was not written; the last good weights are in %s\n"), out, kept);
      return 1;
    }
  if (isfinite (vae->info.test_elbo))
    printf (_("final test −ELBO: %.3f nats per image\n"), vae->info.test_elbo);
  if (!gb_vae_save (vae, out, &error))
    return fail (error);
  printf (_("saved %s\n"), out);
  return 0;
}

/* --- render latent --- */

int
gb_cli_render_latent (int argc, char **argv)
{
  g_autofree char *model = NULL, *dataset = NULL, *out = NULL, *theme = NULL, *point = NULL;
  int manifold = 0, width = 1200, height = 800;
  gboolean no_data = FALSE, posterior = FALSE, optimise_q = FALSE;
  gint64 select = -1;
  double zoom = 1.0;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, N_("Model file (default: the shipped model)"), N_("FILE") },
    { "dataset", 0, 0, G_OPTION_ARG_FILENAME, &dataset, dataset_help (), N_("DIR") },
    { "no-data", 0, 0, G_OPTION_ARG_NONE, &no_data, N_("Draw without the encoded test set"), NULL },
    { "manifold", 0, 0, G_OPTION_ARG_INT, &manifold, N_("Draw the N×N decoded manifold (5…30)"), "N" },
    { "pointer", 0, 0, G_OPTION_ARG_STRING, &point, N_("Decode the latent point X,Y into the preview"), "X,Y" },
    { "select", 0, 0, G_OPTION_ARG_INT64, &select, N_("Select test image INDEX (its q ellipses and numbers)"), N_("INDEX") },
    { "posterior", 0, 0, G_OPTION_ARG_NONE, &posterior, N_("Draw the selected image's true posterior p(z|x)"), NULL },
    { "optimise-q", 0, 0, G_OPTION_ARG_NONE, &optimise_q, N_("Draw q fitted to the selected image alone (q*)"), NULL },
    { "zoom", 0, 0, G_OPTION_ARG_DOUBLE, &zoom, N_("Zoom in by F about the selected image (default 1: ±3.5)"), "F" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, N_("Width in pixels (default 1200)"), "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, N_("Height in pixels (default 800)"), "H" },
    { "theme", 0, 0, G_OPTION_ARG_STRING, &theme, N_("light or dark (default light)"), N_("THEME") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Output file: .png, .svg or .pdf (required)"), N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--out FILE — draw the latent-space view headless"));
  int status = parse_options (ctx, entries,
    _("Draws the latent-space view with the same Cairo painter as the window: the\n"
    "encoded test set, the prior's rings, and optionally the decoded manifold."),
    &argc, &argv, &out);
  if (status >= 0)
    return status;
  g_autoptr (GError) error = NULL;

  GbRenderOptions opt = { 0 };
  opt.model_path = model;
  opt.dataset_dir = no_data ? NULL : (gb_dataset_dir (dataset));
  opt.dataset_optional = dataset == NULL;
  opt.manifold = manifold;
  opt.width = width;
  opt.height = height;
  opt.dark = theme != NULL && g_str_equal (theme, "dark");
  if (theme != NULL && !g_str_equal (theme, "dark") && !g_str_equal (theme, "light"))
    return usage_error (ctx, _("--theme is light or dark"));
  if (point != NULL)
    {
      char *end = NULL;
      opt.pointer[0] = g_ascii_strtod (point, &end);
      if (end == NULL || *end != ',')
        return usage_error (ctx, _("--pointer takes X,Y"));
      opt.pointer[1] = g_ascii_strtod (end + 1, &end);
      if (*end != '\0' || !isfinite (opt.pointer[0]) || !isfinite (opt.pointer[1]))
        return usage_error (ctx, _("--pointer takes X,Y"));
      opt.has_pointer = TRUE;
    }
  if (!(zoom >= 1.0 && zoom <= 1000.0))
    return usage_error (ctx, _("--zoom is 1…1000"));
  opt.select = select, opt.posterior = posterior, opt.optimise_q = optimise_q, opt.zoom = zoom;
  if (!gb_latent_render_file (&opt, out, &error))
    return fail (error);
  if (opt.report != NULL)
    printf ("%s\n", opt.report);
  g_free (opt.report);
  printf (_("wrote %s\n"), out);
  return 0;
}


/* --- evaluate vae --- */

int
gb_cli_evaluate_vae (int argc, char **argv)
{
  /* The images are split across the cores here: each product on one thread. */
  gb_blas_set_threads (1);
  g_autofree char *model = NULL, *dataset = NULL;
  int n = 1000, K = 1000;
  gint64 seed = 1;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, N_("Model file (default: the shipped model)"), N_("FILE") },
    { "dataset", 0, 0, G_OPTION_ARG_FILENAME, &dataset, dataset_help (), N_("DIR") },
    { "n", 'n', 0, G_OPTION_ARG_INT, &n, N_("The first N test images (default 1000)"), "N" },
    { "iwae", 0, 0, G_OPTION_ARG_INT, &K, N_("Samples for the IWAE bound (default 1000)"), "K" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed of IWAE's draws (default 1)"), "S" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— how good the VAE's inference is, in nats"));
  int status = parse_options (ctx, entries,
    _("Over the first N test images: the ELBO of the encoder's q(z|x), the importance-\n"
    "weighted bound IWAE-K, and for a 2-d latent log p(x) by quadrature over the plane\n"
    "and the ELBO of q optimised for each image alone, which split the gap\n"
    "log p(x) − ELBO into the approximation gap and the amortisation gap\n"
    "(Cremer et al., 2018). For a 2-d latent the ELBOs are worked out on the\n"
    "quadrature's grid; for a larger one the ELBO is the mean over IWAE's K draws."),
    &argc, &argv, NULL);
  if (status >= 0)
    return status;
  if (n < 1 || K < 1 || K > 1000000)
    return usage_error (ctx, _("--n must be at least 1 and --iwae 1…1000000"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GbVae) vae = model ? gb_vae_load (model, &error) : gb_shipped_vae_load (&error);
  if (vae == NULL)
    return fail (g_steal_pointer (&error));
  g_autoptr (GbDataset) ds = gb_dataset_load (gb_dataset_dir (dataset), FALSE, &error);
  if (ds == NULL)
    return fail (g_steal_pointer (&error));
  const GbImageSet *test = ds->test;
  if ((int) (test->rows * test->cols) != vae->config.n_input)
    {
      g_printerr (_("glassbox: the test images have %u pixels, the model takes %d\n"), test->rows * test->cols,
                  vae->config.n_input);
      return 1;
    }
  n = (int) MIN ((guint32) n, test->n);
  gint64 t0 = g_get_monotonic_time ();
  GbInferenceSummary sum;
  if (!gb_vae_inference_summary (vae, test->pixels, n, K, (guint64) seed, &sum, NULL, NULL, &error))
    return fail (g_steal_pointer (&error));
  double dt = (g_get_monotonic_time () - t0) / 1e6;
  int L = vae->config.n_latent;
  printf (_("%d test images, %d-d latent, IWAE with %d samples (%.1f s); mean log-likelihoods in nats:\n"), n, L, K, dt);
  printf (_("  ELBO of the encoder's q     %10.3f%s\n"), sum.elbo, L == 2 ? "" : _("  (mean over the K draws)"));
  printf (_("  IWAE-%-7d                 %10.3f\n"), K, sum.iwae);
  if (L == 2)
    {
      printf (_("  log p(x) by quadrature      %10.3f\n"), sum.log_px);
      printf (_("  ELBO of q optimised per image %8.3f\n"), sum.elbo_opt);
      printf (_("gap log p(x) − ELBO = KL (q ‖ p(z|x)): %.3f nats\n"), sum.log_px - sum.elbo);
      printf (_("  approximation gap log p(x) − ELBO(q*): %.3f nats\n"), sum.log_px - sum.elbo_opt);
      printf (_("  amortisation gap ELBO(q*) − ELBO(q):   %.3f nats\n"), sum.elbo_opt - sum.elbo);
    }
  else
    printf (_("log p(x) by quadrature and the gaps need a 2-d latent; IWAE − ELBO: %.3f nats\n"), sum.iwae - sum.elbo);
  return 0;
}
