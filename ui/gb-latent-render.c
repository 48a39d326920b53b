/* gb-latent-render.c — builds the latent scene from files and paints it to a file. */
#include "gb-latent-render.h"

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
} RenderData;

static void
paint_cb (cairo_t *cr, int w, int h, gpointer data)
{
  RenderData *rd = data;
  int info_w = MIN (340, w / 3);
  /* The viewport shows ±3.5 (beyond the 3σ ring) in the plane's part. */
  gb_viewport_reset (&rd->scene.vp, w - info_w, h, 3.5);
  gb_latent_export_paint (cr, w, h, &rd->scene, &rd->info, &rd->pal);
}

gboolean
gb_latent_render_file (const GbRenderOptions *opt, const char *path, GError **error)
{
  g_autoptr (GbVae) vae = opt->model_path ? gb_vae_load (opt->model_path, error) : gb_shipped_vae_load (error);
  if (vae == NULL)
    return FALSE;
  if (vae->config.n_latent != 2)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "the model has a %d-d latent space; the view needs 2",
                   vae->config.n_latent);
      return FALSE;
    }
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
  g_autofree float *mu = NULL;
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
          mu = g_new (float, (gsize) ds->test->n * 2);
          gb_vae_encode_u8 (vae, ds->test->pixels, mu, NULL, (int) ds->test->n);
          rd.scene.mu = mu;
          rd.scene.n_points = ds->test->n;
          rd.scene.labels = ds->test->labels;
          rd.scene.n_classes = MIN (ds->n_classes, 32);
          rd.scene.class_names = (const char *const *) ds->class_names;
        }
    }
  rd.scene.banner = banner;
  g_autoptr (GbManifold) manifold = NULL;
  if (opt->manifold > 0)
    {
      manifold = gb_manifold_new (vae, NULL, opt->manifold, GB_MANIFOLD_ICDF, 0, 0, 0, 0, rows, cols, error);
      if (manifold == NULL)
        return FALSE;
      rd.scene.manifold = manifold;
    }
  g_autofree float *preview = g_new (float, D);
  if (opt->has_pointer)
    {
      float z[2] = { (float) opt->pointer[0], (float) opt->pointer[1] };
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
  g_autofree char *line = g_strdup_printf ("VAE %d-%d-2 · %s · %d epochs", D, vae->config.n_hidden,
                                           vae->info.dataset ? vae->info.dataset : "unknown data",
                                           vae->info.epochs);
  rd.info.model_line = line;
  return gb_export_file (path, opt->width, opt->height, paint_cb, &rd, error);
}
