/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-diffusion.c — `glassbox train|sample|render diffusion` for 2-d data. */
#include "gb-cli-verbs.h"
#include "gb-cli-common.h"
#include "gb-cli-diffusion-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gb-diffusion-classifier.h"
#include "gb-dataset.h"
#include "gb-diffusion-denoiser.h"
#include "gb-diffusion-job.h"
#include "gb-vae-latent.h"
#include "gb-error.h"
#include "gb-models.h"
#include "gb-vae-file.h"
#include "gb-diffusion-paint.h"
#include "gb-export.h"
#include "gb-file.h"
#include "gb-gif.h"
#include "gb-diffusion-toy2d.h"

static char *
toy_list (void)
{
  return g_strjoinv (", ", (char **) gb_toy_names ());
}

/* The VAE's latent codes (posterior means) of one split of the data set:
 * (n, 2), the data of a “latent” diffusion model. */
static float *
latent_codes (const char *dataset, const char *vae_path, const char *split, int *n, GError **error)
{
  g_autoptr (GbVae) vae = vae_path ? gb_vae_load (vae_path, error) : gb_shipped_vae_load (error);
  if (vae == NULL)
    return NULL;
  return gb_vae_latent_codes (vae, dataset, split, G_MAXINT, n, NULL, error);
}

/* --- train --- */

typedef struct {
  GbDiffusionJob *job;
  const char *out;
  GCancellable *cancel;
  int steps;
  guint seen;           /* losses printed from */
  double avg;           /* their moving average */
  int saved_step;       /* of the last snapshot written to --out */
  gboolean failed;
} TrainDiffusionCli;

/* Prints the loss ten times over the run and writes the snapshots
 * (--save-every) as they come. */
static void
train_diffusion_progress_cb (GbDiffusionJob *job, gpointer data)
{
  TrainDiffusionCli *cli = data;
  g_autoptr (GArray) losses = g_array_new (FALSE, FALSE, sizeof (double));
  gb_diffusion_job_copy_losses (job, cli->seen, losses);
  double elapsed = 0;
  gb_diffusion_job_get_done (job, &elapsed);
  for (guint i = 0; i < losses->len; i++, cli->seen++)
    {
      double loss = g_array_index (losses, double, i);
      cli->avg = cli->seen == 0 ? loss : 0.99 * cli->avg + 0.01 * loss;
      int step = (int) cli->seen + 1;
      if (step % MAX (1, cli->steps / 10) == 0 || step == cli->steps)
        printf (_("step %d/%d  loss %.4f  %.1f s\n"), step, cli->steps, cli->avg, elapsed);
    }
  int step = 0;
  g_autoptr (GbDenoiser) snap = gb_diffusion_job_dup_snapshot (job, &step);
  if (snap != NULL && step > cli->saved_step && !cli->failed)
    {
      g_autoptr (GError) error = NULL;
      if (!gb_denoiser_save (snap, cli->out, &error))
        {
          gb_cli_fail (error);
          cli->failed = TRUE;
          g_cancellable_cancel (cli->cancel);   /* a run whose file cannot be written stops */
        }
      else
        printf (_("step %d: wrote %s\n"), step, cli->out);
      cli->saved_step = step;
    }
  fflush (stdout);
}

/* --csv: each step's loss and the moving average printed while training. */
static int
write_loss_curve (GbDiffusionJob *job, const char *csv)
{
  g_autoptr (GArray) losses = g_array_new (FALSE, FALSE, sizeof (double));
  gb_diffusion_job_copy_losses (job, 0, losses);
  int n = (int) losses->len;
  const double *l = (const double *) losses->data;
  g_autofree double *avg = g_new (double, MAX (n, 1));
  for (int i = 0; i < n; i++)
    avg[i] = i == 0 ? l[0] : 0.99 * avg[i - 1] + 0.01 * l[i];
  g_autoptr (GbTable) t = gb_table_new (_("Diffusion training: the loss ‖ε − ε̂‖² of each step"));
  gb_table_add_index (t, "step", 1, n);
  gb_table_add_column (t, "loss", l, n);
  gb_table_add_column (t, "moving average (0.99)", avg, n);
  return gb_cli_write_table (t, csv);
}

int
gb_cli_train_diffusion (int argc, char **argv)
{
  /* Products on one thread each, split across the cores by the trainer
   * itself (OpenBLAS's threads yield to each other at these sizes), so the
   * weights do not depend on how many threads OpenBLAS would pick. */
  gb_blas_set_threads (1);
  g_autofree char *data = NULL, *out = NULL, *schedule = NULL, *dataset = NULL, *vae = NULL, *lr_schedule = NULL,
                   *arch = NULL;
  int steps = 20000, batch = 256, hidden = 0, T = 1000, save_every = 0;
  g_autofree char *csv = NULL;
  double lr = 1e-3, ema = 0.0;
  gint64 seed = 1;
  gboolean conditional = FALSE;
  GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_STRING, &data,
      N_("swiss-roll, moons, 8-gaussians, checkerboard, rings, latent (the VAE's codes of the training images) "
      "or fashion-mnist (the images, scaled to [−1, 1])"), "D" },
    { "dataset", 0, 0, G_OPTION_ARG_FILENAME, &dataset, N_("For latent: the IDX data set folder (default: Debian's Fashion-MNIST)"), N_("DIR") },
    { "vae", 0, 0, G_OPTION_ARG_FILENAME, &vae, N_("For latent: the VAE (default: the one shipped in the app)"), N_("FILE") },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, N_("Training steps (default 20000)"), "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Batch size (default 256)"), "B" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, N_("Adam's learning rate (default 0.001)"), "X" },
    { "lr-schedule", 0, 0, G_OPTION_ARG_STRING, &lr_schedule,
      N_("constant (default) or cosine (from --lr down to a tenth of it over the run)"), "S" },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch,
      N_("mlp (default) or, for fashion-mnist, unet: a convolutional U-Net (gb-diffusion-unet.h)"), "A" },
    { "classes", 0, 0, G_OPTION_ARG_NONE, &conditional,
      N_("With --arch unet: condition on the images' classes, for classifier-free guidance (Ho & Salimans, 2022)"), NULL },
    { "hidden", 0, 0, G_OPTION_ARG_INT, &hidden,
      N_("Width of the MLP's two hidden layers (default 128), or the U-Net's base channels (default 32)"), "H" },
    { "ema", 0, 0, G_OPTION_ARG_DOUBLE, &ema,
      N_("Save the exponential moving average of the weights with this decay, e.g. 0.999 (default 0: the last weights)"), "D" },
    { "save-every", 0, 0, G_OPTION_ARG_INT, &save_every,
      N_("Also write the model (as --out) every N steps, for a long run looked at while it goes (default 0: at the end)"), "N" },
    { "T", 'T', 0, G_OPTION_ARG_INT, &T, N_("Diffusion steps T (default 1000)"), "T" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &schedule, N_("linear (default) or cosine"), "S" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 1)"), "S" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("The model file to write (.safetensors, required)"), N_("FILE") },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv,
      N_("Write the loss curve: each step's loss and its moving average (CSV; JSON for .json)"), N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--data D --out FILE — train a diffusion model"));
  g_option_context_set_summary (ctx,
    _("Trains an MLP ε-predictor (Ho et al., 2020) on a 2-d toy distribution, the VAE's latent\n"
    "codes or the Fashion-MNIST images (on top of a Gaussian fitted to them), printing the\n"
    "loss as it goes; Ctrl-C stops and saves the model so far."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return gb_cli_usage_error (ctx, error->message);
  if (argc > 1)
    return gb_cli_usage_error (ctx, _("unexpected argument"));
  if (out == NULL)
    return gb_cli_usage_error (ctx, _("--out FILE is required"));
  if (!gb_file_check_writable (out, &error))   /* before a long run, not after it */
    return gb_cli_fail (error);
  if (!gb_cli_table_path_ok (csv))
    return gb_cli_usage_error (ctx, _("--csv writes a .csv or a .json file"));
  GbToyKind kind = GB_TOY_N_KINDS;
  gboolean latent = g_strcmp0 (data, "latent") == 0, images = g_strcmp0 (data, "fashion-mnist") == 0;
  if (!latent && !images && (data == NULL || !gb_toy_parse (data, &kind) || kind == GB_TOY_PAINTED))
    {
      g_autofree char *list = toy_list ();
      g_autofree char *msg = g_strdup_printf (_("--data is one of %s, latent, fashion-mnist"), list);
      return gb_cli_usage_error (ctx, msg);
    }
  g_autofree float *codes = NULL;
  int n_codes = 0;
  if (latent)
    {
      codes = latent_codes (gb_dataset_dir (dataset), vae, "train", &n_codes, &error);
      if (codes == NULL)
        return gb_cli_fail (error);
      printf (_("%d latent codes of the training images\n"), n_codes);
    }
  GbScheduleKind sk = GB_SCHEDULE_LINEAR;
  if (schedule != NULL && !gb_schedule_kind_parse (schedule, &sk))
    return gb_cli_usage_error (ctx, _("--schedule is linear or cosine"));
  gboolean cosine_lr = g_strcmp0 (lr_schedule, "cosine") == 0;
  if (lr_schedule != NULL && !cosine_lr && g_strcmp0 (lr_schedule, "constant") != 0)
    return gb_cli_usage_error (ctx, _("--lr-schedule is constant or cosine"));
  if (steps < 1 || steps > 10000000 || batch < 1 || batch > 65536 || !(lr > 0 && lr <= 1) || seed < 0
      || !(ema >= 0 && ema < 1) || save_every < 0)
    return gb_cli_usage_error (ctx, _("--steps 1…10000000, --batch 1…65536, --lr in (0, 1], --ema in [0, 1), --seed ≥ 0 "
                                    "and --save-every ≥ 0"));
  g_autoptr (GbImageSet) set = NULL;
  int d = 2;
  if (images)
    {
      set = gb_dataset_load_split (gb_dataset_dir (dataset), "train", &error);
      if (set == NULL)
        return gb_cli_fail (error);
      d = set->rows * set->cols;
      printf (_("%u training images of %d × %d\n"), set->n, set->rows, set->cols);
    }
  gboolean unet = g_strcmp0 (arch, "unet") == 0;
  if (conditional && !unet)
    return gb_cli_usage_error (ctx, _("--classes needs --arch unet"));
  if (arch != NULL && !unet && g_strcmp0 (arch, "mlp") != 0)
    return gb_cli_usage_error (ctx, _("--arch is mlp or unet"));
  if (unet && !images)
    return gb_cli_usage_error (ctx, _("--arch unet is for images (--data fashion-mnist)"));
  if (hidden == 0)
    hidden = unet ? 32 : 128;
  int classes = 0;
  if (unet && conditional)
    for (guint i = 0; i < set->n; i++)
      classes = MAX (classes, set->labels[i] + 1);
  g_autoptr (GbDenoiser) net = unet ? gb_denoiser_new_unet (set->rows, hidden, classes, sk, T, (guint64) seed,
                                                               &error)
                                       : gb_denoiser_new_mlp (d, hidden, sk, T, (guint64) seed, &error);
  if (net == NULL)
    return gb_cli_fail (error);
  net->data = g_strdup (data);
  if (images)
    {
      /* The Gaussian part of the image denoiser (gb-diffusion-denoiser.h), fitted to all the training images. */
      g_autofree float *all = g_new (float, (gsize) set->n * d);
      for (gsize k = 0; k < (gsize) set->n * d; k++)
        all[k] = set->pixels[k] * (2.0f / 255.0f) - 1.0f;
      if (!gb_denoiser_fit_gaussian (net, all, set->n, &error))
        return gb_cli_fail (error);
    }
  GbDiffusionJobConfig config = { steps, batch, lr, cosine_lr, ema, (guint64) seed + 1, save_every };
  GbDiffusionData source = { .toy = latent || images ? GB_TOY_N_KINDS : kind };
  if (latent)
    source.points = g_steal_pointer (&codes), source.n_points = n_codes;
  if (images)
    source.images = gb_image_set_ref (set);
  g_autoptr (GbDiffusionJob) job = gb_diffusion_job_new (g_steal_pointer (&net), &source, &config, &error);
  if (job == NULL)
    return gb_cli_fail (error);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  TrainDiffusionCli cli = { job, out, cancel, steps, 0, 0.0, 0, FALSE };
  g_signal_connect (job, "progress", G_CALLBACK (train_diffusion_progress_cb), &cli);
  gboolean stopped = FALSE;
  gboolean ok = gb_cli_run_job (job, (GbCliJobStart) gb_diffusion_job_run_async,
                                (GbCliJobFinish) gb_diffusion_job_run_finish,
                                _("stopping: the model trained so far will be saved"), cancel, &stopped, &error);
  if (cli.failed)
    return 1;
  double elapsed = 0;
  int done = gb_diffusion_job_get_done (job, &elapsed);
  g_autoptr (GbDenoiser) trained = gb_diffusion_job_steal_model (job);
  /* The curve so far, whether the run ended, was stopped or diverged. */
  if (csv != NULL && write_loss_curve (job, csv) != 0)
    return 1;
  if (!ok)
    {
      /* Diverged: --out is left alone, and the weights from before the last
       * update (the last with a finite loss) go beside it. */
      g_printerr ("glassbox: %s\n", error->message);
      if (!g_error_matches (error, GB_ERROR, GB_ERROR_DIVERGED) || done == 0)
        return 1;
      g_clear_error (&error);
      g_autofree char *kept = gb_cli_sibling_path (out, "last-good");
      if (!gb_denoiser_save (trained, kept, &error))
        return gb_cli_fail (error);
      printf (_("%s was not written; the last good weights are in %s\n"), out, kept);
      return 1;
    }
  if (stopped)
    printf (_("stopped after %d steps: saving the model so far\n"), done);
  if (!gb_denoiser_save (trained, out, &error))
    return gb_cli_fail (error);
  printf (_("wrote %s (%d steps, %.0f steps/s)\n"), out, done, done / MAX (elapsed, 1e-9));
  return 0;
}

/* --- sample and render --- */

/* The samples as a JSON list of numbers, for scripts. */
static gboolean
write_dump (const char *path, const float *x, gsize count, GError **error)
{
  g_autoptr (GString) js = g_string_new ("[");
  for (gsize i = 0; i < count; i++)
    g_string_append_printf (js, "%s%.9g", i ? "," : "", x[i]);
  g_string_append (js, "]\n");
  return gb_file_save (path, js->str, js->len, error);
}

typedef struct {
  GbPalette pal;
  GbCloudScene cloud;
} CloudRender;

static void
cloud_paint_cb (cairo_t *cr, int w, int h, gpointer data)
{
  CloudRender *r = data;
  gb_set_rgb (cr, &r->pal.bg);
  cairo_paint (cr);
  gb_cloud_paint (cr, 0, 0, w, h, &r->cloud, &r->pal);
}

typedef struct {
  GbPalette pal;
  const float *images;
  int n, side;
} ImageRender;

static void
image_paint_cb (cairo_t *cr, int w, int h, gpointer data)
{
  ImageRender *r = data;
  gb_set_rgb (cr, &r->pal.bg);
  cairo_paint (cr);
  gb_image_mosaic_paint (cr, 0, 0, w, h, r->images, r->n, r->side, &r->pal);
}

void
gb_sample_options_add (GOptionContext *ctx, GbSampleOptions *o, gboolean render, int n_default)
{
  o->n_help = g_strdup_printf (_("How many points or images (default %d)"), n_default);
  o->guidance_help = g_strdup_printf (_("Image models: the guidance, 0…10 (1: the model as trained; default as on the Diffusion page: %g for a class-conditional U-Net such as the shipped one, %g for an MLP, %g for an unconditional U-Net)"),
                                      (double) GB_CFG_GUIDANCE, (double) GB_DENOISER_GUIDANCE, (double) GB_UNET_GUIDANCE);
  o->n = render ? 1 : n_default, o->steps = 50, o->eta = 0.0, o->guidance = -1.0, o->seed = 1, o->t = -1;
  o->width = o->height = render ? 0 : 700;   /* 0: the page's Export's */
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o->model, N_("A model made by `glassbox train diffusion` (required)"), N_("FILE") },
    { "sampler", 0, 0, G_OPTION_ARG_STRING, &o->sampler, N_("ddpm (default) or ddim"), "S" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &o->steps, N_("DDIM's steps S (default 50)"), "S" },
    { "eta", 0, 0, G_OPTION_ARG_DOUBLE, &o->eta, N_("DDIM's η, 0…1 (default 0)"), "E" },
    { "no-clip", 0, 0, G_OPTION_ARG_NONE, &o->no_clip, N_("Images: do not clip x̂₀ to [−1, 1] at each step"), NULL },
    { "sigma", 0, 0, G_OPTION_ARG_STRING, &o->sigma, N_("DDPM's σ²_t: beta (default) or tilde"), "V" },
    { "guidance", 0, 0, G_OPTION_ARG_DOUBLE, &o->guidance, o->guidance_help, "W" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o->seed, N_("Random seed (default 1)"), "S" },
    { "width", 0, 0, G_OPTION_ARG_INT, &o->width, N_("Width in pixels"), "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &o->height, N_("Height in pixels"), "H" },
    { "theme", 0, 0, G_OPTION_ARG_STRING, &o->theme, N_("light or dark (default light)"), N_("THEME") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out, N_("Output file: .png, .svg or .pdf (required)"), N_("FILE") },
    { NULL }
  };
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  GOptionEntry count[] = {
    { "n", 'n', 0, G_OPTION_ARG_INT, &o->n, o->n_help, "N" },
    { NULL }
  };
  if (!render)
    g_option_context_add_main_entries (ctx, count, GETTEXT_PACKAGE);
  if (render)
    {
      GOptionEntry more[] = {
        { "t", 't', 0, G_OPTION_ARG_INT, &o->t, N_("The timestep to draw, 0…T (required for a still; a GIF's far end)"), "T" },
        { "process", 0, 0, G_OPTION_ARG_STRING, &o->process, N_("forward (noising, default) or reverse (sampling)"), "P" },
        { NULL }
      };
      g_option_context_add_main_entries (ctx, more, GETTEXT_PACKAGE);
    }
}

void
gb_sample_options_clear (GbSampleOptions *o)
{
  g_free (o->model), g_free (o->out), g_free (o->sampler), g_free (o->sigma), g_free (o->theme), g_free (o->process);
  g_free (o->dump), g_free (o->n_help), g_free (o->guidance_help);
}

GbDenoiser *
gb_sample_options_load (GOptionContext *ctx, GbSampleOptions *o, GbSamplerConfig *c, GbToyKind *kind, int *status)
{
  if (o->model == NULL || o->out == NULL)
    return (*status = gb_cli_usage_error (ctx, _("--model FILE and --out FILE are required"))), NULL;
  if (o->n < 1 || o->n > 1000000)
    return (*status = gb_cli_usage_error (ctx, _("--n is outside 1…1000000"))), NULL;
  if ((o->width != 0 && (o->width < 64 || o->width > 10000)) || (o->height != 0 && (o->height < 64 || o->height > 10000)))
    return (*status = gb_cli_usage_error (ctx, _("--width and --height are 64…10000"))), NULL;
  if (o->theme != NULL && !g_str_equal (o->theme, "light") && !g_str_equal (o->theme, "dark"))
    return (*status = gb_cli_usage_error (ctx, _("--theme is light or dark"))), NULL;
  gb_sampler_config_init (c);
  if (o->sampler != NULL && !gb_sampler_kind_parse (o->sampler, &c->kind))
    return (*status = gb_cli_usage_error (ctx, _("--sampler is ddpm or ddim"))), NULL;
  if (o->sigma != NULL && !g_str_equal (o->sigma, "beta") && !g_str_equal (o->sigma, "tilde"))
    return (*status = gb_cli_usage_error (ctx, _("--sigma is beta or tilde"))), NULL;
  if (o->seed < 0)
    return (*status = gb_cli_usage_error (ctx, _("--seed must be ≥ 0"))), NULL;
  c->sigma_tilde = o->sigma != NULL && g_str_equal (o->sigma, "tilde");
  c->clip_x0 = FALSE;   /* set for image models once loaded */
  c->steps = o->steps;
  c->eta = o->eta;
  c->seed = (guint64) o->seed;
  g_autoptr (GError) error = NULL;
  GbDenoiser *net = gb_denoiser_load (o->model, &error);
  if (net == NULL)
    return (*status = gb_cli_fail (error)), NULL;
  int side = (int) round (sqrt (net->d));
  if (net->d != 2 && side * side != net->d)
    {
      g_printerr (_("glassbox: %s: a model of %d-dimensional data, neither points nor square images\n"), o->model, net->d);
      gb_denoiser_free (net);
      return (*status = 1), NULL;
    }
  c->clip_x0 = net->d != 2 && !o->no_clip;   /* images live in [−1, 1]: clip x̂₀ at each step, as Ho et al. do */
  /* −1: not given, so the default for the kind of model. */
  double w = o->guidance != -1.0 ? o->guidance : gb_denoiser_default_guidance (net);
  if (!gb_denoiser_set_guidance (net, w, &error) || !gb_sampler_config_check (c, net->schedule, &error))
    {
      gb_denoiser_free (net);
      return (*status = gb_cli_fail (error)), NULL;
    }
  if (!gb_toy_parse (net->data, kind))
    *kind = GB_TOY_N_KINDS;   /* data unknown: no target drawn */
  return net;
}

/* n points of the data the model learnt into out (n, 2): fresh toy draws, or
 * the latent codes of the first n test images. FALSE (with a note) when
 * there is no such data here. */
static gboolean
target_points (const GbDenoiser *net, GbToyKind kind, int n, GbRng *rng, float *out)
{
  if (kind < GB_TOY_N_KINDS)
    return gb_toy_sample (kind, out, n, rng, NULL, 0, 0, NULL);
  if (net->d != 2)
    {
      /* Images: the first n test images, scaled to [−1, 1] as the model learnt them. */
      g_autoptr (GError) error = NULL;
      const char *dir = gb_dataset_dir (NULL);
      g_autoptr (GbImageSet) set = gb_dataset_load_split (dir, "t10k", &error);
      if (set != NULL && set->rows * set->cols != net->d)
        g_set_error (&error, GB_ERROR, GB_ERROR_SHAPE, _("its images have %d pixels, the model %d"),
                     set->rows * set->cols, net->d);
      if (error != NULL)
        {
          g_printerr (_("glassbox: no test images to noise: %s\n"), error->message);
          return FALSE;
        }
      for (gsize k = 0; k < (gsize) n * net->d; k++)
        out[k] = set->pixels[k % ((gsize) set->n * net->d)] * (2.0f / 255.0f) - 1.0f;
      return TRUE;
    }
  if (g_strcmp0 (net->data, "latent") != 0)
    return FALSE;
  g_autoptr (GError) error = NULL;
  int m = 0;
  g_autofree float *codes = latent_codes (gb_dataset_dir (NULL), NULL, "t10k", &m, &error);
  if (codes == NULL)
    {
      g_printerr (_("glassbox: no latent codes to compare with: %s\n"), error->message);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    out[2 * i] = codes[2 * (i % m)], out[2 * i + 1] = codes[2 * (i % m) + 1];
  return TRUE;
}

static void
progress_cb (int done, int total, gpointer data)
{
  if (done % MAX (1, total / 10) == 0 || done == total)
    {
      /* On a terminal one line redrawn; in a log or a pipe one line each. */
      static int tty = -1;
      if (tty < 0)
        tty = isatty (STDOUT_FILENO);
      /* On a terminal one line that counts up; else a line each. */
      printf ("%s", tty ? "\r" : "");
      printf (_("sampling: step %d/%d"), done, total);
      printf ("%s", !tty || done == total ? "\n" : "");
      fflush (stdout);
    }
}

int
gb_cli_sample_diffusion (int argc, char **argv)
{
  /* Products on one thread each, the batches split across cores by the
   * denoiser itself (OpenBLAS's threads spin at these sizes); nothing runs yet. */
  gb_blas_set_threads (1);
  GbSampleOptions o = { 0 };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--model FILE --out FILE — sample a diffusion model"));
  g_option_context_set_summary (ctx,
    _("Runs the DDPM or DDIM sampler from noise and draws the samples over fresh data of the\n"
    "distribution the model learnt; prints the sliced Wasserstein distance between them."));
  gb_sample_options_add (ctx, &o, FALSE, 2000);
  GOptionEntry more[] = {
    { "dump", 0, 0, G_OPTION_ARG_FILENAME, &o.dump, N_("Also write the samples as a JSON list of numbers"), N_("FILE") },
    { NULL }
  };
  g_option_context_add_main_entries (ctx, more, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  int status = 0;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    status = gb_cli_usage_error (ctx, error->message);
  else if (argc > 1)
    status = gb_cli_usage_error (ctx, _("unexpected argument"));
  GbSamplerConfig c;
  GbToyKind kind;
  g_autoptr (GbDenoiser) net = status ? NULL : gb_sample_options_load (ctx, &o, &c, &kind, &status);
  if (net != NULL && net->d != 2)
    {
      /* Images: a grid of n samples (16 unless --n says otherwise). */
      int n = o.n == 2000 ? 16 : o.n, d = net->d, side = (int) round (sqrt (d));
      g_autofree float *x = g_new (float, (gsize) n * d);
      gint64 t0 = g_get_monotonic_time ();
      if (!gb_diffusion_sample (net->schedule, &c, gb_denoiser_eps, net, x, n, d, FALSE, NULL, progress_cb, NULL,
                                NULL, &error))
        status = gb_cli_fail (error);
      else
        {
          printf (_("%d images in %.2f s (%s, guidance %g)\n"), n, (g_get_monotonic_time () - t0) / 1e6,
                  gb_sampler_kind_name (c.kind), net->guidance);
          if (o.dump != NULL && !write_dump (o.dump, x, (gsize) n * d, &error))
            {
              gb_sample_options_clear (&o);
              return gb_cli_fail (error);
            }
          ImageRender r = { { 0 }, x, n, side };
          gb_palette_init (&r.pal, o.theme && g_str_equal (o.theme, "dark"));
          if (!gb_export_file (o.out, o.width, o.height, image_paint_cb, &r, &error))
            status = gb_cli_fail (error);
          else
            printf (_("wrote %s\n"), o.out);
        }
      g_clear_pointer (&net, gb_denoiser_free);
    }
  if (net != NULL)
    {
      int n = o.n;
      g_autofree float *x = g_new (float, (gsize) n * 2), *data = g_new (float, (gsize) n * 2);
      gint64 t0 = g_get_monotonic_time ();
      if (!gb_diffusion_sample (net->schedule, &c, gb_denoiser_eps, net, x, n, 2, FALSE, NULL, progress_cb, NULL,
                                NULL, &error))
        status = gb_cli_fail (error);
      else
        {
          double dt = (g_get_monotonic_time () - t0) / 1e6;
          if (o.dump != NULL && !write_dump (o.dump, x, (gsize) 2 * n, &error))
            {
              gb_sample_options_clear (&o);
              return gb_cli_fail (error);
            }
          CloudRender r = { { 0 } };
          gb_palette_init (&r.pal, o.theme && g_str_equal (o.theme, "dark"));
          g_autofree char *title = g_strdup_printf (_("%d samples · %s%s · %s"), n, gb_sampler_kind_name (c.kind),
                                                    c.kind == GB_SAMPLER_DDIM ? "" : "", net->data ? net->data : "");
          r.cloud = (GbCloudScene) { x, n, NULL, 0, NULL, 0, NULL, 0, NULL, 0, 3.0, title };
          GbRng rng;
          gb_rng_init (&rng, c.seed + 1000);
          if (target_points (net, kind, n, &rng, data))
            {
              r.cloud.target = data;
              r.cloud.n_target = n;
              printf (_("sliced Wasserstein-1 distance to %d fresh points of %s: %.4f\n"), n, net->data,
                      gb_sliced_wasserstein (x, data, n, 64, &rng));
            }
          printf (_("%d points in %.2f s\n"), n, dt);
          if (!gb_export_file (o.out, o.width, o.height, cloud_paint_cb, &r, &error))
            status = gb_cli_fail (error);
          else
            printf (_("wrote %s\n"), o.out);
        }
    }
  gb_sample_options_clear (&o);
  return status;
}

/* --- the classifier that judges image samples --- */

int
gb_cli_train_classifier (int argc, char **argv)
{
  g_autofree char *dataset = NULL, *out = NULL;
  int epochs = 10, hidden = 256;
  gint64 seed = 1;
  gboolean conv = FALSE;
  GOptionEntry entries[] = {
    { "conv", 0, 0, G_OPTION_ARG_NONE, &conv,
      N_("Two 3 × 3 convolutions (16 and 32 channels, each followed by 2 × 2 pooling) before the dense layers"), NULL },
    { "dataset", 0, 0, G_OPTION_ARG_FILENAME, &dataset, N_("The IDX data set folder (default: Debian's Fashion-MNIST)"), N_("DIR") },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, N_("Passes over the training images (default 10)"), "N" },
    { "hidden", 0, 0, G_OPTION_ARG_INT, &hidden, N_("Hidden units (default 256)"), "H" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 1)"), "S" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("The classifier to write (.safetensors, required)"), N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--out FILE — train the classifier that judges samples"));
  g_option_context_set_summary (ctx, _("Trains an MLP classifier (or, with --conv, a small convolutional one) on the\n"
                                     "data set's training images and prints its accuracy on the test images."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return gb_cli_usage_error (ctx, error->message);
  if (argc > 1)
    return gb_cli_usage_error (ctx, _("unexpected argument"));
  if (out == NULL)
    return gb_cli_usage_error (ctx, _("--out FILE is required"));
  if (!gb_file_check_writable (out, &error))
    return gb_cli_fail (error);
  if (epochs < 1 || epochs > 1000 || seed < 0)
    return gb_cli_usage_error (ctx, _("--epochs is 1…1000 and --seed ≥ 0"));
  g_autoptr (GbDataset) ds = gb_dataset_load (gb_dataset_dir (dataset), TRUE, &error);
  if (ds == NULL)
    return gb_cli_fail (error);
  if (conv && ds->train->rows != ds->train->cols)
    return gb_cli_usage_error (ctx, _("--conv needs square images"));
  g_autoptr (GbClassifier) c = conv ? gb_classifier_new_conv (ds->train->rows, hidden, ds->n_classes, (guint64) seed,
                                                              &error)
                                    : gb_classifier_new (ds->train->rows * ds->train->cols, hidden, ds->n_classes,
                                                         (guint64) seed, &error);
  if (c == NULL)
    return gb_cli_fail (error);
  gint64 t0 = g_get_monotonic_time ();
  double acc = gb_classifier_train (c, ds->train, ds->test, epochs, 128, 1e-3f, (guint64) seed + 1);
  printf (_("test accuracy %.4f after %d epochs (%.1f s)\n"), acc, epochs, (g_get_monotonic_time () - t0) / 1e6);
  if (!gb_classifier_save (c, out, &error))
    return gb_cli_fail (error);
  printf (_("wrote %s\n"), out);
  return 0;
}

/* The classifier's verdict on n images in [−1, 1]: how many it assigns to
 * one class with probability ≥ 0.8, and how many go to each class (count). */
static int
judge_images (const GbClassifier *judge, const float *x, int n, int *count)
{
  int K = judge->classes, confident = 0;
  g_autofree float *p = g_new (float, (gsize) n * K);
  gb_classifier_predict (judge, x, n, p);
  for (int i = 0; i < n; i++)
    {
      int best = 0;
      for (int j = 1; j < K; j++)
        if (p[(gsize) i * K + j] > p[(gsize) i * K + best])
          best = j;
      count[best]++;
      confident += p[(gsize) i * K + best] >= 0.8f;
    }
  return confident;
}

int
gb_cli_evaluate_diffusion (int argc, char **argv)
{
  /* Products on one thread each, the batches split across cores by the
   * denoiser itself (OpenBLAS's threads spin at these sizes); nothing runs yet. */
  gb_blas_set_threads (1);
  GbSampleOptions o = { 0 };
  g_autofree char *classifier = NULL;
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--model F --classifier C — judge an image model's samples"));
  g_option_context_set_summary (ctx,
    /* xgettext:no-c-format */
    _("Samples N images (default 1000) and has the classifier judge them: the share it\n"
    "assigns to one class with probability ≥ 0.8, and each class's share of all samples\n"
    "against a tenth. Passes when ≥ 80 % are confident and every class holds between a third\n"
    "and three times its share. For scale, also how sure the classifier is of as many real\n"
    "test images."));
  gb_sample_options_add (ctx, &o, FALSE, 1000);
  GOptionEntry more[] = {
    { "classifier", 'c', 0, G_OPTION_ARG_FILENAME, &classifier, N_("A classifier from `glassbox train classifier`"), N_("FILE") },
    { NULL }
  };
  g_option_context_add_main_entries (ctx, more, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  int status = 0;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    status = gb_cli_usage_error (ctx, error->message);
  else if (argc > 1)
    status = gb_cli_usage_error (ctx, _("unexpected argument"));
  else if (classifier == NULL)
    status = gb_cli_usage_error (ctx, _("--classifier FILE is required"));
  if (o.out == NULL)
    o.out = g_strdup ("-");   /* no picture is drawn: --out is not needed */
  GbSamplerConfig c;
  GbToyKind kind;
  g_autoptr (GbDenoiser) net = status ? NULL : gb_sample_options_load (ctx, &o, &c, &kind, &status);
  g_autoptr (GbClassifier) judge = net ? gb_classifier_load (classifier, &error) : NULL;
  if (net != NULL && judge == NULL)
    status = gb_cli_fail (error);
  else if (net != NULL && judge->d != net->d)
    {
      g_printerr (_("glassbox: the classifier takes %d values, the model makes %d\n"), judge->d, net->d);
      status = 1;
    }
  else if (net != NULL)
    {
      int n = o.n, d = net->d, K = judge->classes;
      g_autofree float *x = g_new (float, (gsize) n * d);
      gint64 t0 = g_get_monotonic_time ();
      if (!gb_diffusion_sample (net->schedule, &c, gb_denoiser_eps, net, x, n, d, FALSE, NULL, NULL, NULL, NULL,
                                &error))
        {
          gb_sample_options_clear (&o);
          return gb_cli_fail (error);
        }
      double dt = (g_get_monotonic_time () - t0) / 1e6;
      for (gsize i = 0; i < (gsize) n * d; i++)
        x[i] = CLAMP (x[i], -1.0f, 1.0f);
      g_autofree int *count = g_new0 (int, K);
      int confident = judge_images (judge, x, n, count);
      g_auto (GStrv) names = gb_dataset_class_names ("fashion-mnist", K);
      printf (_("%d samples (%s, guidance %g, %.1f s): %.1f %% assigned to one class with probability ≥ 0.8\n"), n,
              gb_sampler_kind_name (c.kind), net->guidance, dt, 100.0 * confident / n);
      double lo = INFINITY, hi = 0;
      for (int j = 0; j < K; j++)
        {
          double share = (double) count[j] / n * K;
          lo = MIN (lo, share), hi = MAX (hi, share);
          printf (_("  %-12s %4d  (%.2f × its share)\n"), names[j], count[j], share);
        }
      gboolean pass = confident >= 0.8 * n && lo >= 1.0 / 3 && hi <= 3.0;
      printf (_("classes between %.2f and %.2f × their share; %s\n"), lo, hi, pass ? "PASS" : "FAIL");
      /* For scale: how sure the same classifier is of as many real test images. */
      const char *dir = gb_dataset_dir (NULL);
      g_autoptr (GError) real_error = NULL;
      g_autoptr (GbImageSet) test = gb_dataset_load_split (dir, "t10k", &real_error);
      if (test != NULL && test->rows * test->cols == d)
        {
          int m = (int) MIN ((guint32) n, test->n);
          g_autofree float *real = g_new (float, (gsize) m * d);
          for (gsize i = 0; i < (gsize) m * d; i++)
            real[i] = test->pixels[i] * (2.0f / 255.0f) - 1.0f;
          g_autofree int *real_count = g_new0 (int, K);
          int sure = judge_images (judge, real, m, real_count);
          printf (_("for scale, the classifier is that sure of %.1f %% of the first %d real test images\n"),
                  100.0 * sure / m, m);
        }
    }
  gb_sample_options_clear (&o);
  return status;
}
