/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-render.c — builds the latent scene from files and paints it to a file. */
#include "gb-latent-render.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-error.h"
#include "gb-export.h"
#include "gb-latent-paint.h"
#include "gb-models.h"
#include "gb-vae-file.h"

typedef struct {
  GbLatentScene scene;
  GbLatentInfo info;
  GbPalette pal;
  double zoom;
  float *x, *recon;          /* the selected image and its reconstruction */
  float *traverse;           /* (18, D): its traversals */
  const char *class_name;
  GbPosteriorGrid *grid;
  GbLatentSlice slice;       /* the plane: the identity for 2-d latents, else principal axes (or z1, z2) */
  char axis_names[2][32];
} RenderData;

static void
paint_cb (cairo_t *cr, int w, int h, gpointer data)
{
  RenderData *rd = data;
  int info_w = MIN (340, w / 3);
  /* The viewport shows ±3.5 (beyond the 3σ ring) in the plane's part. */
  gb_viewport_reset (&rd->scene.vp, w - info_w, h, 3.5);
  rd->scene.vp.scale *= rd->zoom;
  if (rd->scene.has_selection)
    rd->scene.vp.cx = rd->scene.sel_mu[0], rd->scene.vp.cy = rd->scene.sel_mu[1];
  gb_latent_export_paint (cr, w, h, &rd->scene, &rd->info, &rd->pal);
}

/* The selected test image: its numbers in the info panel, its ellipses, and (asked for) its posterior and q*. */
static gboolean
select_image (RenderData *rd, GbRenderOptions *opt, const GbVae *vae, const GbImageSet *test, GError **error)
{
  int D = vae->config.n_input;
  if (opt->select < 0 || opt->select >= test->n)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "--select %" G_GINT64_FORMAT " is outside 0…%u",
                   opt->select, test->n - 1);
      return FALSE;
    }
  const guint8 *px = test->pixels + (gsize) opt->select * D;
  for (int d = 0; d < D; d++)
    rd->x[d] = px[d] / 255.0f;
  GbRng rng;
  gb_rng_init (&rng, 0x5e1ec7ULL ^ (guint64) opt->select);   /* the page's ε for this image */
  int L = vae->config.n_latent;
  float eps[GB_VAE_MAX_LATENT], mu[GB_VAE_MAX_LATENT], lv[GB_VAE_MAX_LATENT], z[GB_VAE_MAX_LATENT];
  for (int j = 0; j < L; j++)
    eps[j] = gb_rng_normal (&rng);
  GbVaeLoss loss = gb_vae_explain (vae, rd->x, eps, mu, lv, z, rd->recon);
  if (L != 2 && (opt->posterior || opt->optimise_q))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "--posterior and --optimise-q need a 2-d latent space; the model's "
                   "is %d-d", L);
      return FALSE;
    }
  GbLatentInfo *info = &rd->info;
  info->has_selection = TRUE;
  info->sel_index = (guint32) opt->select;
  info->sel_class = rd->class_name;
  info->sel_original = px;
  info->sel_recon = rd->recon;
  float uv[2];
  gb_latent_slice_project (&rd->slice, mu, 1, uv);
  for (int j = 0; j < 2; j++)
    {
      const float *e = j == 0 ? rd->slice.e1 : rd->slice.e2;
      double var = 0.0, along = 0.0;
      for (int k = 0; k < L; k++)
        var += exp (lv[k]) * e[k] * e[k], along += (double) mu[k] * e[k];
      info->mu[j] = mu[j], info->logvar[j] = lv[j], info->eps[j] = eps[j], info->z[j] = z[j];
      rd->scene.sel_mu[j] = uv[j], rd->scene.sel_sigma[j] = sqrt (var);
      info->slice_mu[j] = uv[j], info->slice_sigma[j] = sqrt (var);
      /* The traversal along the plane's direction through μ. */
      float base[GB_VAE_MAX_LATENT];
      for (int k = 0; k < L; k++)
        base[k] = (float) (mu[k] - along * e[k]);
      gb_latent_traverse_dir (vae, base, e, -3.0, 3.0, 9, rd->traverse + (gsize) j * 9 * D);
    }
  info->n_latent = L;
  info->traverse_names[0] = rd->axis_names[0], info->traverse_names[1] = rd->axis_names[1];
  info->bce = loss.bce, info->kl = loss.kl;
  info->traverse = rd->traverse, info->traverse_k = 9, info->traverse_lo = -3.0, info->traverse_hi = 3.0;
  rd->scene.has_selection = TRUE;
  if (!opt->posterior && !opt->optimise_q)
    return TRUE;
  g_autoptr (GbManifoldDecoder) dec = gb_manifold_decoder_new (vae);
  rd->grid = gb_posterior_grid_fitted (vae, dec, rd->x, mu, lv, 200, error);
  if (rd->grid == NULL)
    return FALSE;
  rd->scene.posterior = opt->posterior ? rd->grid : NULL;
  double elbo = gb_posterior_grid_elbo (rd->grid, mu, lv, NULL);
  GString *r = g_string_new (NULL);
  g_string_append_printf (r, "test image %" G_GINT64_FORMAT ": log p(x) %.3f nats (quadrature), ELBO of q(z|x) %.3f, "
                          "gap %.3f", opt->select, rd->grid->log_px, elbo, rd->grid->log_px - elbo);
  if (opt->optimise_q)
    {
      float qm[2] = { mu[0], mu[1] }, ql[2] = { lv[0], lv[1] };
      double q_elbo = gb_posterior_grid_optimise_q (rd->grid, qm, ql, 200, NULL, NULL);
      rd->scene.has_q_opt = TRUE;
      for (int j = 0; j < 2; j++)
        rd->scene.q_opt_mu[j] = qm[j], rd->scene.q_opt_sigma[j] = exp (0.5 * ql[j]);
      g_string_append_printf (r, "; ELBO of q* %.3f: approximation gap %.3f, amortisation gap %.3f", q_elbo,
                              rd->grid->log_px - q_elbo, q_elbo - elbo);
    }
  opt->report = g_string_free (r, FALSE);
  return TRUE;
}

gboolean
gb_latent_render_file (GbRenderOptions *opt, const char *path, GError **error)
{
  g_autoptr (GbVae) vae = opt->model_path ? gb_vae_load (opt->model_path, error) : gb_shipped_vae_load (error);
  if (vae == NULL)
    return FALSE;
  int L = vae->config.n_latent;
  if (opt->manifold != 0 && (opt->manifold < 5 || opt->manifold > GB_MANIFOLD_MAX))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "--manifold %d is outside 5…%d",
                   opt->manifold, GB_MANIFOLD_MAX);
      return FALSE;
    }
  RenderData rd = { 0 };
  gb_palette_init (&rd.pal, opt->dark);
  int D = vae->config.n_input;
  /* Square images by default; a data set tells the true shape. */
  int side = 1;
  while ((side + 1) * (side + 1) <= D)
    side++;
  int rows = side * side == D ? side : 1, cols = side * side == D ? side : D;

  g_autoptr (GbDataset) ds = NULL;
  g_autofree float *mu = NULL, *codes = NULL;   /* the codes on the plane (n, 2); in full (n, L) */
  g_autofree char *banner = NULL;
  if (opt->dataset_dir != NULL)
    {
      g_autoptr (GError) local = NULL;
      ds = gb_dataset_load (opt->dataset_dir, FALSE, &local);
      if (ds == NULL && !opt->dataset_optional)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (ds == NULL)
        banner = g_strdup_printf ("No data points: %s", local->message);
      else if (ds->test->rows * ds->test->cols != D)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "%s: images have %d pixels, the model takes %d",
                       opt->dataset_dir, ds->test->rows * ds->test->cols, D);
          return FALSE;
        }
      else
        {
          rows = ds->test->rows;
          cols = ds->test->cols;
          codes = g_new (float, (gsize) ds->test->n * L);
          gb_vae_encode_u8 (vae, ds->test->pixels, codes, NULL, (int) ds->test->n);
          mu = g_new (float, (gsize) ds->test->n * 2);
          rd.scene.mu = mu;
          rd.scene.n_points = ds->test->n;
          rd.scene.labels = ds->test->labels;
          rd.scene.n_classes = MIN (ds->n_classes, 32);
          rd.scene.class_names = (const char *const *) ds->class_names;
        }
    }
  rd.scene.banner = banner;
  /* The plane: for a larger latent space, as the page opens it (principal axes of the codes, or z1 and z2
   * without data). */
  if (L == 2 || codes == NULL || !gb_latent_slice_pca (&rd.slice, L, codes, ds->test->n, NULL))
    gb_latent_slice_axes (&rd.slice, L, 0, 1, NULL);
  for (int c = 0; c < 2; c++)
    {
      if (L == 2)
        g_strlcpy (rd.axis_names[c], c == 0 ? "z₁" : "z₂", sizeof rd.axis_names[c]);
      else if (rd.slice.axis[c] >= 0)
        g_snprintf (rd.axis_names[c], sizeof rd.axis_names[c], "z%d", rd.slice.axis[c] + 1);
      else
        g_snprintf (rd.axis_names[c], sizeof rd.axis_names[c], "principal axis %d", c + 1);
      rd.scene.axis_names[c] = rd.axis_names[c];
    }
  if (codes != NULL)
    gb_latent_slice_project (&rd.slice, codes, ds->test->n, mu);
  g_autoptr (GbManifold) manifold = NULL;
  if (opt->manifold > 0)
    {
      manifold = gb_manifold_new_slice (vae, &rd.slice, opt->manifold, GB_MANIFOLD_ICDF, 0, 0, 0, 0, rows, cols, error);
      if (manifold == NULL)
        return FALSE;
      rd.scene.manifold = manifold;
    }
  g_autofree float *preview = g_new (float, D);
  if (opt->has_pointer)
    {
      float z[GB_VAE_MAX_LATENT];
      gb_latent_slice_point (&rd.slice, opt->pointer[0], opt->pointer[1], z);
      gb_vae_decode (vae, z, preview, 1);
      rd.scene.has_pointer = TRUE;
      rd.scene.pointer[0] = opt->pointer[0];
      rd.scene.pointer[1] = opt->pointer[1];
      rd.info.has_preview = TRUE;
      rd.info.preview = preview;
      rd.info.preview_z[0] = opt->pointer[0];
      rd.info.preview_z[1] = opt->pointer[1];
    }
  rd.info.rows = rows;
  rd.info.cols = cols;
  g_autofree char *line = g_strdup_printf (ngettext ("VAE %d-%d-%d · %s · %d epoch", "VAE %d-%d-%d · %s · %d epochs",
                                                     vae->info.epochs),
                                           D, vae->config.n_hidden, L,
                                           vae->info.dataset ? vae->info.dataset : _("unknown data"),
                                           vae->info.epochs);
  rd.info.model_line = line;
  rd.zoom = opt->zoom > 0 ? opt->zoom : 1.0;
  gboolean ok = TRUE;
  if (opt->select >= 0 || opt->posterior || opt->optimise_q)
    {
      if (ds == NULL)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "--select needs the data set%s%s",
                       banner ? ": " : "", banner ? banner + strlen ("No data points: ") : "");
          return FALSE;
        }
      if (opt->select < 0)
        {
          g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "--posterior and --optimise-q need --select INDEX");
          return FALSE;
        }
      rd.x = g_new (float, D);
      rd.recon = g_new (float, D);
      rd.traverse = g_new (float, (gsize) 18 * D);
      if (opt->select >= 0 && opt->select < ds->test->n)
        rd.class_name = ds->class_names[MIN (ds->test->labels[opt->select], ds->n_classes - 1)];
      ok = select_image (&rd, opt, vae, ds->test, error);
    }
  ok = ok && gb_export_file (path, opt->width, opt->height, paint_cb, &rd, error);
  g_free (rd.x);
  g_free (rd.recon);
  g_free (rd.traverse);
  gb_posterior_grid_free (rd.grid);
  return ok;
}
