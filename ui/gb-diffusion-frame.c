/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-frame.c — what the Diffusion page shows at a timestep. */
#include "gb-diffusion-frame.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-diffusion-paint.h"
#include "gb-diffusion-predictor.h"
#include "gb-error.h"
#include "gb-vae-latent.h"

#define EXTENT 3.0
#define LATENT_SEED (1000 + GB_TOY_N_KINDS)
#define IMAGE_SEED (1000 + GB_TOY_N_KINDS + 1)
#define TRAIL 200

const char *
gb_diffusion_domain_title (GbToyKind kind)
{
  static const char *const titles[] = { N_("Swiss roll"), N_("Two moons"), N_("Eight Gaussians"), N_("Checkerboard"),
                                        N_("Concentric rings"), N_("Painted by you"), N_("VAE latent plane") };
  G_STATIC_ASSERT (G_N_ELEMENTS (titles) == GB_TOY_N_KINDS + 1);
  return _(titles[MIN ((guint) kind, GB_TOY_N_KINDS)]);
}

/* --- clouds --- */

GbCloudFrame *
gb_cloud_frame_new (void)
{
  return g_new0 (GbCloudFrame, 1);
}

void
gb_cloud_frame_free (GbCloudFrame *f)
{
  if (f == NULL)
    return;
  gb_sample_run_unref (f->run);
  g_free (f);
}

/* Each domain draws its points and its noise from a seed of its own. */
void
gb_cloud_frame_set_toy (GbCloudFrame *f, GbToyKind kind, const float *painted, int n_painted)
{
  GbRng rng;
  gb_rng_init (&rng, 1000 + (guint64) kind);
  f->latent = FALSE;
  f->kind = kind;
  f->title = gb_diffusion_domain_title (kind);
  f->n_selected = 0;
  if (kind == GB_TOY_PAINTED)
    f->have_target = n_painted >= 1 && gb_toy_sample (GB_TOY_PAINTED, f->target, GB_CLOUD_POINTS, &rng, painted,
                                                      n_painted, 0.05f, NULL);
  else
    f->have_target = kind < GB_TOY_N_KINDS && gb_toy_sample (kind, f->target, GB_CLOUD_POINTS, &rng, NULL, 0, 0, NULL);
  gb_rng_fill_normal (&rng, f->noise, 2 * GB_CLOUD_POINTS);
}

gboolean
gb_cloud_frame_set_latent (GbCloudFrame *f, GbVae *vae, const char *dataset_dir, GError **error)
{
  GbRng rng;
  gb_rng_init (&rng, LATENT_SEED);
  f->latent = TRUE;
  f->kind = GB_TOY_N_KINDS;
  f->title = gb_diffusion_domain_title (GB_TOY_N_KINDS);
  f->n_selected = 0;
  f->have_target = FALSE;
  /* The first 2 000 test images' codes: quick enough for the main loop. */
  int n = 0;
  g_autofree float *codes = gb_vae_latent_codes (vae, dataset_dir, "t10k", GB_CLOUD_POINTS, &n, f->labels, error);
  if (codes != NULL)
    {
      for (int i = 0; i < GB_CLOUD_POINTS; i++)
        {
          f->target[2 * i] = codes[2 * (i % n)], f->target[2 * i + 1] = codes[2 * (i % n) + 1];
          f->labels[i] = f->labels[i % n];
        }
      f->have_target = TRUE;
    }
  gb_rng_fill_normal (&rng, f->noise, 2 * GB_CLOUD_POINTS);
  return codes != NULL;
}

void
gb_cloud_frame_show (GbCloudFrame *f, const GbDenoiser *net, GbSampleRun *run, gboolean reverse, int t)
{
  if (run != f->run)
    {
      g_clear_pointer (&f->run, gb_sample_run_unref);
      f->run = run ? gb_sample_run_ref (run) : NULL;
      f->n_selected = 0;
    }
  f->net = net;
  f->reverse = reverse;
  f->t = t;
  const GbSchedule *s = net ? net->schedule : NULL;
  f->field_valid = FALSE;
  if (s != NULL && t > 0 && f->show_field)
    {
      float points[2 * GB_CLOUD_FIELD_SIDE * GB_CLOUD_FIELD_SIDE];
      gb_cloud_field_points (GB_CLOUD_FIELD_SIDE, EXTENT, points);
      gb_denoiser_eps (f->field, points, GB_CLOUD_FIELD_SIDE * GB_CLOUD_FIELD_SIDE, 2, t, (gpointer) net);
      f->field_valid = TRUE;
    }
  if (reverse && run != NULL)
    {
      int j = gb_sample_run_index (run, t, gb_sample_run_done (run));
      memcpy (f->shown, gb_sample_run_state (run, j), sizeof f->shown);
    }
  else if (!reverse && f->have_target && s != NULL)
    gb_diffusion_q_sample (s, t, f->target, f->noise, f->shown, 2 * GB_CLOUD_POINTS);
}

gboolean
gb_cloud_frame_has_points (const GbCloudFrame *f)
{
  return f->reverse ? f->run != NULL : f->have_target && f->net != NULL;
}

/* The trajectories of the followed points up to the state on show. */
static int
trails (const GbCloudFrame *f, float *out, int max_len)
{
  int len = 0;
  if (f->reverse && f->run != NULL)
    {
      int j = gb_sample_run_index (f->run, f->t, gb_sample_run_done (f->run));
      int stride = MAX (1, (j + max_len - 1) / max_len);
      for (int k = 0; k < f->n_selected; k++)
        {
          int l = 0;
          for (int i = 0; i <= j && l < max_len; i += stride, l++)
            {
              const float *p = gb_sample_run_state (f->run, i) + 2 * f->selected[k];
              out[((gsize) k * max_len + l) * 2] = p[0], out[((gsize) k * max_len + l) * 2 + 1] = p[1];
            }
          len = l;
        }
    }
  else if (!f->reverse && f->net != NULL)
    {
      for (int k = 0; k < f->n_selected; k++)
        for (int l = 0; l < max_len; l++)
          {
            int t = (int) ((gint64) f->t * l / (max_len - 1));
            float *o = out + ((gsize) k * max_len + l) * 2;
            gb_diffusion_q_sample (f->net->schedule, t, f->target + 2 * f->selected[k], f->noise + 2 * f->selected[k],
                                   o, 2);
          }
      len = max_len;
    }
  return len;
}

void
gb_cloud_frame_paint (const GbCloudFrame *f, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  float tr[GB_CLOUD_MAX_SELECTED * TRAIL * 2];
  int len = trails (f, tr, TRAIL);
  gboolean have = gb_cloud_frame_has_points (f);
  g_autofree char *title = g_strdup_printf ("%s · %s", f->title ? f->title : "",
                                            f->reverse ? _("sampling (reverse)") : _("noising (forward)"));
  GbCloudScene s = { f->shown, have ? GB_CLOUD_POINTS : 0, f->have_target ? f->target : NULL,
                     f->have_target ? GB_CLOUD_POINTS : 0, f->selected, f->n_selected, len > 1 ? tr : NULL, len,
                     f->field_valid ? f->field : NULL, GB_CLOUD_FIELD_SIDE, EXTENT, title,
                     f->latent && f->have_target ? f->labels : NULL };
  gb_cloud_paint (cr, 0, 0, w, h, &s, pal);
  if (!have)
    gb_paint_text (cr, w / 2.0, h - 40, f->net == NULL ? _("Train a model for this domain first")
                                      : f->reverse ? _("Press Sample to draw from the model")
                                      : f->latent ? _("No data set here to noise: try Reverse and Sample")
                                                  : _("Paint some points first"),
                   13, &pal->muted, GB_ALIGN_CENTER, FALSE);
}

/* --- images --- */

GbImageFrame *
gb_image_frame_new (int d)
{
  GbImageFrame *f = g_new0 (GbImageFrame, 1);
  f->n = GB_DIFFUSION_IMAGES;
  f->d = d;
  f->side = (int) round (sqrt (d));
  f->target = g_new0 (float, (gsize) f->n * d);
  f->noise = g_new0 (float, (gsize) f->n * d);
  f->shown = g_new0 (float, (gsize) f->n * d);
  f->pred_x = g_new0 (float, d);
  f->eps = g_new0 (float, d);
  f->x0 = g_new0 (float, d);
  f->w = 1.0;
  /* the x_t, ε̂, x̂₀ column is the point of the view: shown from the start */
  f->selected = 0;
  f->hover = f->hover_pixel = -1;
  GbRng rng;
  gb_rng_init (&rng, IMAGE_SEED);
  gb_rng_fill_normal (&rng, f->noise, (gsize) f->n * d);
  return f;
}

void
gb_image_frame_free (GbImageFrame *f)
{
  if (f == NULL)
    return;
  gb_sample_run_unref (f->run);
  g_free (f->target), g_free (f->noise), g_free (f->shown);
  g_free (f->pred_x), g_free (f->eps), g_free (f->x0);
  g_free (f);
}

gboolean
gb_image_frame_load_data (GbImageFrame *f, const char *dataset_dir, GError **error)
{
  f->have_target = FALSE;
  /* The first test images, scaled to [−1, 1] as the model was trained. */
  g_autoptr (GbImageSet) set = gb_dataset_load_split (dataset_dir, "t10k", error);
  if (set == NULL)
    return FALSE;
  if (set->rows * set->cols != f->d)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("the data set's images are %d × %d, not %d × %d"), set->rows,
                   set->cols, f->side, f->side);
      return FALSE;
    }
  for (gsize k = 0; k < (gsize) f->n * f->d; k++)
    f->target[k] = set->pixels[k % ((gsize) set->n * f->d)] * (2.0f / 255.0f) - 1.0f;
  f->have_target = TRUE;
  return TRUE;
}

void
gb_image_frame_show (GbImageFrame *f, const GbDenoiser *net, GbSampleRun *run, gboolean reverse, int t, double w)
{
  if (run != f->run)
    {
      g_clear_pointer (&f->run, gb_sample_run_unref);
      f->run = run ? gb_sample_run_ref (run) : NULL;
    }
  f->net = net;
  f->reverse = reverse;
  f->w = w;
  f->t = t;
  if (reverse && run != NULL)
    {
      int j = gb_sample_run_index (run, t, gb_sample_run_done (run));
      memcpy (f->shown, gb_sample_run_state (run, j), (gsize) f->n * f->d * sizeof (float));
      f->t = gb_sample_run_t (run, j);
    }
  else if (!reverse && f->have_target && net != NULL)
    gb_diffusion_q_sample (net->schedule, t, f->target, f->noise, f->shown, (gsize) f->n * f->d);
  if (!gb_image_frame_has_images (f))
    f->pred = FALSE;
}

gboolean
gb_image_frame_has_images (const GbImageFrame *f)
{
  return f->net != NULL && (f->reverse ? f->run != NULL : f->have_target);
}

gboolean
gb_image_frame_prediction_input (const GbImageFrame *f, double *w, gboolean *clip, int *label, const float **x)
{
  int i = f->selected;
  if (i < 0 || f->t <= 0 || !gb_image_frame_has_images (f))
    return FALSE;
  gboolean rev = f->reverse;
  /* The guidance the run sampled with (for a class-conditional model, with the image's class), or the one set;
   * what the sampler stepped from: x̂₀ clipped to [−1, 1] when the run clips. */
  *w = rev ? f->run->net->guidance : f->net->g_mean != NULL ? f->w : 1.0;
  *clip = rev && f->run->config.clip_x0;
  /* A class-conditional model's sampled image i had class i mod K (gb-diffusion-denoiser.h); a noised test
   * image is shown without a class. */
  int K = gb_denoiser_classes (f->net);
  *label = rev && K > 0 ? i % K : -1;
  *x = f->shown + (gsize) i * f->d;
  return TRUE;
}

void
gb_image_frame_predict (GbImageFrame *f)
{
  double w;
  gboolean clip;
  int label;
  const float *x;
  f->pred = gb_image_frame_prediction_input (f, &w, &clip, &label, &x);
  if (!f->pred)
    return;
  gb_predict_one (f->net, f->t, w, clip, label, x, f->eps, f->x0);
  memcpy (f->pred_x, x, f->d * sizeof (float));
  f->pred_t = f->t;
}

static double
mean_square (const float *x, int n)
{
  double s = 0;
  for (int k = 0; k < n; k++)
    s += (double) x[k] * x[k];
  return s / n;
}

/* Under the triptych: x_t in terms of ε̂ and x̂₀, and how good they are. */
static void
note_text (const GbImageFrame *f, char *note, gsize size)
{
  const GbSchedule *s = f->net->schedule;
  int i = f->selected, d = f->d;
  note[0] = 0;
  if (!f->pred)
    {
      g_snprintf (note, size, _("t = 0: %s"), f->reverse ? _("the finished sample") : _("the data"));
      return;
    }
  double a = sqrt (s->alpha_bar[f->pred_t]), b = sqrt (1 - s->alpha_bar[f->pred_t]);
  gsize len = g_snprintf (note, size, "x_t = √ᾱ_t·x̂₀ + √(1−ᾱ_t)·ε̂\n     = %.3f·x̂₀ + %.3f·ε̂", a, b);
  if (len >= size)
    return;
  if (f->reverse)
    {
      g_snprintf (note + len, size - len, _("\nthe sampler's step from t = %d used this ε̂%s"), f->pred_t,
                  f->run->config.clip_x0 ? _("\n     (with x̂₀ clipped to [−1, 1])") : "");
      return;
    }
  /* How well the model guesses the noise that was really added. */
  const float *e = f->noise + (gsize) i * d;
  double se = 0, sx = 0;
  for (int k = 0; k < d; k++)
    {
      se += (f->eps[k] - e[k]) * (f->eps[k] - e[k]);
      double dx = f->x0[k] - f->target[(gsize) i * d + k];
      sx += dx * dx;
    }
  g_snprintf (note + len, size - len,
              _("\nε̂ against the ε really added:\n     mean squared error %.3f (guessing 0: %.3f)"
              "\nx̂₀ against the real x₀: mean squared error %.3f"), se / d, mean_square (e, d), sx / d);
}

void
gb_image_frame_paint (const GbImageFrame *f, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  gboolean have = gb_image_frame_has_images (f);
  char title[160], note[600] = "";
  g_snprintf (title, sizeof title, _("Fashion-MNIST images · %s at t = %d"),
              f->reverse ? _("sampling (reverse)") : _("noising (forward)"), f->t);
  if (have && f->selected >= 0)
    note_text (f, note, sizeof note);
  GbImageScene sc = { have ? f->shown : NULL, have ? f->n : 0, f->side, f->selected, f->pred ? f->eps : NULL,
                      f->pred ? f->x0 : NULL, f->hover, f->hover_pixel, title, note, f->pred ? f->pred_x : NULL };
  gb_image_scene_paint (cr, 0, 0, w, h, &sc, pal);
  if (!have)
    gb_paint_text (cr, w / 2.0, h / 2.0, f->net == NULL ? _("No image model: open one (Ctrl+O)")
                                         : f->reverse ? _("Press Sample to draw images from the model")
                                                      : _("No data set to noise: try Reverse and Sample"),
                   13, &pal->muted, GB_ALIGN_CENTER, FALSE);
}

/* --- pictures --- */

void
gb_diffusion_schedule_paint (cairo_t *cr, int w, int h, const GbSchedule *schedule, int t, const GbPalette *pal)
{
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  if (schedule == NULL)
    {
      gb_paint_text (cr, w / 2.0, h / 2.0 - 8, _("the noise schedule (β, ᾱ, log SNR) appears with a model"), 11,
                     &pal->muted, GB_ALIGN_CENTER, FALSE);
      return;
    }
  GbScheduleScene s = { schedule, t };
  gb_schedule_paint (cr, 0, 0, w, h, &s, pal);
}

void
gb_diffusion_picture_paint (cairo_t *cr, int w, int h, const GbDiffusionPicture *p, const GbPalette *pal)
{
  int strip = MIN (160, h / 4);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  if (p->images != NULL)
    gb_image_frame_paint (p->images, cr, w, h - strip, pal);
  else
    gb_cloud_frame_paint (p->cloud, cr, w, h - strip, pal);
  cairo_save (cr);
  cairo_translate (cr, 0, h - strip);
  cairo_rectangle (cr, 0, 0, w, strip);   /* the strip's painters fill their whole target */
  cairo_clip (cr);
  gb_diffusion_schedule_paint (cr, w, strip, p->schedule, p->t, pal);
  cairo_restore (cr);
}

int
gb_diffusion_gif_t (int T, gboolean reverse, int f)
{
  double u = (double) f / (GB_DIFFUSION_GIF_FRAMES - 1);
  return (int) round (reverse ? T * (1 - u) : T * u);
}
